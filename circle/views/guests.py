"""A meeting's guest link: someone gives a name and follows the meeting live, as a guest, for that day.

The link (`/g/<token>`) holds the meeting's id, signed with the installation's
secret key under its own salt; it does not expire by date, it works while the
method lets guests in (the meeting's day, the meeting not closed:
`method.check_guest_arrival`). Opening it asks a name and shows one button;
only pressing it (a POST with its CSRF token) makes the guest, so a chat
app's preview of the link creates nothing. The guest is signed in for the
day and brought to the meeting page, where they see what members see and
answer nothing (docs/membership.md, "Guests").

The facilitator and the secretary show the link and its QR code on the
meeting page and print it from its own page, for a planned or open meeting.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from itsdangerous import BadData, URLSafeSerializer
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from circle import clock, method
from circle.actions import allowed
from circle.auth import keep_private
from circle.broadcast import tell_the_room
from circle.extensions import db
from circle.forms import KringForm
from circle.guests import guests_by_link, join_as_guest
from circle.method import NAME_MAX, Action, RuleBroken
from circle.models import Meeting, Member
from circle.views.common import back
from circle.views.live_pages import qr_svg
from circle.views.meetings import PREFIX, _meeting

bp = Blueprint("guests", __name__)

SALT = "kring-guest"
#: The shortest name a guest may give: a letter alone tells the room nothing.
NAME_MIN = 2


class GuestForm(KringForm):
    """The guest's name, as the room and the record will show it."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(min=NAME_MIN, max=NAME_MAX)])


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def guest_token(meeting: Meeting) -> str:
    """The token in a meeting's guest link: the meeting's id, signed."""
    return _serializer().dumps({"g": meeting.id})


def guest_url(meeting: Meeting, external: bool = True) -> str:
    """A meeting's guest link."""
    return url_for("guests.open_link", token=guest_token(meeting), _external=external)


def read_guest_link(token: str) -> Meeting | None:
    """The meeting a guest link is for, or None when the link is forged or its meeting gone."""
    try:
        data = _serializer().loads(token)
    except BadData:
        return None
    meeting_id = data.get("g") if isinstance(data, dict) else None
    if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
        return None
    return db.session.get(Meeting, meeting_id)


def _page(meeting: Meeting) -> str:
    return url_for("meetings.meeting", circle_id=meeting.circle_id, meeting_id=meeting.id)


def _in_circle(meeting: Meeting) -> Member | None:
    """The signed-in person's membership of the meeting's circle today, if any: they need no guest link."""
    if not current_user.is_authenticated:
        return None
    member = current_user.membership(meeting.circle_id)
    return member if member is not None and member.active else None


def _why_not(meeting: Meeting) -> str | None:
    """What the action would refuse before anyone types a name: the link's day, a closed meeting, a past
    membership of this sign-in. (The action checks all of it again, and the name.)"""
    try:
        method.check_guest_arrival(meeting.status, meeting.date, clock.today(), guests_by_link(meeting.id))
        method.require(not current_user.is_authenticated
                       or current_user.membership(meeting.circle_id) is None, "guest_before")
    except RuleBroken as refused:
        return _(refused.message)
    return None


def _show(meeting: Meeting | None, form: GuestForm | None = None, problem: str | None = None,
          status: int = 200, member: Member | None = None):
    """The guest link's page: the name to give, or why the link does not let anyone in now."""
    page = render_template("guests/join.html", meeting=meeting, form=form, problem=problem, member=member,
                           signed_in=current_user.is_authenticated)
    return keep_private(make_response(page, status))


@bp.get("/g/<token>")
def open_link(token: str):
    """Opening a guest link: ask the name (nothing is stored before the button); a member goes to the meeting."""
    meeting = read_guest_link(token)
    if meeting is None:
        return _show(None, status=400)
    if _in_circle(meeting) is not None:
        return keep_private(redirect(_page(meeting), code=303))
    problem = _why_not(meeting)
    return _show(meeting, None if problem else GuestForm(), problem)


@bp.post("/g/<token>")
def join(token: str):
    """The button: become a guest of the meeting for its day, signed in on this phone, then the meeting."""
    meeting = read_guest_link(token)
    if meeting is None:
        return _show(None, status=400)
    member = _in_circle(meeting)
    if member is not None:  # signed in meanwhile: nothing to make
        return _show(meeting, member=member)
    form = GuestForm()
    if current_user.is_authenticated:  # a person of another circle comes as who they are
        form.name.data = current_user.name
    if not form.validate_on_submit():
        return _show(meeting, form, status=422)
    who = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        done = join_as_guest(meeting.circle_id, meeting.id, form.name.data, who)
    except RuleBroken as refused:
        return _show(meeting, form, _(refused.message), status=422)
    tell_the_room(done)  # the room's list of who is here shows the guest
    guest = db.session.get(Member, done.subject)
    if who is None:
        login_user(guest.person, remember=True)
    flash(_("Welcome. You follow this meeting as a guest."), "success")
    return redirect(_page(meeting), code=303)


@bp.get(PREFIX + "/guests")
def invite(circle_id: int, meeting_id: int):
    """The guest link and its QR code, to print or to show: for the facilitator and the secretary."""
    me, meeting = _meeting(circle_id, meeting_id)
    try:
        allowed(me, Action.HAND_OUT_LINKS)
        method.check_guest_link_shown(meeting.status, meeting.date, clock.today())
    except RuleBroken as refused:
        flash(_(refused.message), "error")
        return back(_page(meeting))
    url = guest_url(meeting)
    return keep_private(make_response(render_template(
        "guests/invite.html", meeting=meeting, circle=meeting.circle, url=url,
        qr=qr_svg(url, title=str(_l("Scan to follow as a guest"))))))


@bp.app_template_global()
def guest_invite(meeting: Meeting) -> dict | None:
    """For the meeting page of a facilitator or secretary: the guest link and its QR code while it works."""
    try:
        method.check_guest_link_shown(meeting.status, meeting.date, clock.today())
    except RuleBroken:
        return None
    url = guest_url(meeting)
    return {"url": url, "qr": qr_svg(url, title=str(_l("Scan to follow as a guest"))),
            "page": url_for("guests.invite", circle_id=meeting.circle_id, meeting_id=meeting.id)}
