"""The meeting live in the browser: what kring.js needs to know, the projector, joining.

The meeting page is drawn by the server, part by part (views/meeting_view.py);
kring.js keeps it live by swapping in the parts the room is sent. It reads one
JSON block the page carries (`live_settings`: who is looking, which events it
may send, and the few words it shows itself, in the reader's language, so the
script holds no Dutch or English of its own).

The projector view shows the meeting large for the room, with a QR code to
the join page, where a signed-in member says "I am here" with one button.
"""

from __future__ import annotations

import segno
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from circle import meetings, method
from circle.auth import sign_in_then
from circle.forms import KringForm
from circle.models import Meeting, Member
from circle.steps import STEPS
from circle.views.common import act
from circle.views.meeting_view import Viewer
from circle.views.meetings import PREFIX, _meeting, bp, page_context

#: Every word kring.js shows itself (all else arrives drawn by the server), by the key it uses.
LABELS = {
    "connected": _l("Live"),
    "reconnecting": _l("Connection lost. Reconnecting…"),
    "offline": _l("Not live. The buttons still work; reload the page to see what changed."),
    "sending": _l("Sending…"), "saved": _l("Saved"),
    "not_sent": _l("Not sent yet. It goes as soon as the connection is back."),
    "no_reply": _l("No reply from Kring. Please try again."),
    "your_turn": _l("Your turn!"),
    "copied": _l("Copied"),
    "round_closed": _l("The round closed before your answer arrived."),
    "draft_left": _l("The round closed before you sent this. Here is what you typed."),
}


def live_settings(meeting: Meeting, me: Member | None, viewer: Viewer) -> dict:
    """Who is looking, and what kring.js may send and say for them (the server checks every step anyway)."""
    return {
        "view": "projector" if viewer.kind == "projector" else "console" if viewer.kind == "console" else "phone",
        "kind": viewer.kind,
        "me": viewer.id,
        "seated": viewer.member is not None and viewer.member.role in method.SEATED_ROLES,
        "events": [] if viewer.kind == "projector" else sorted(STEPS),
        "labels": {key: str(value) for key, value in LABELS.items()},
    }


def join_url(meeting: Meeting) -> str:
    """The address the projector's QR code points to."""
    return url_for("meetings.join", circle_id=meeting.circle_id, meeting_id=meeting.id, _external=True)


def qr_svg(url: str, title: str | None = None) -> str:
    """A QR code of `url` as inline SVG, sized by its container; no style attribute, so a strict
    Content-Security-Policy lets it through."""
    return segno.make(url, error="m").svg_inline(
        scale=1, border=2, dark="#000", light="#fff", omitsize=True, svgclass="qr",
        title=title or str(_l("Scan to join")),
    )


@bp.get(PREFIX + "/projector")
def projector(circle_id: int, meeting_id: int):
    """The meeting large for the room: the speaker, the ring, what is said, and how to join."""
    me, mtg = _meeting(circle_id, meeting_id)
    if me.role not in method.SEATED_ROLES:
        abort(403)
    ctx = page_context(mtg, me, "projector")
    url = join_url(mtg)
    return render_template("meetings/projector.html", **ctx, join_url=url, qr=qr_svg(url),
                           settings=live_settings(mtg, None, ctx["viewer"]))


@bp.route(PREFIX + "/join", methods=["GET", "POST"])
def join(circle_id: int, meeting_id: int):
    """Where the QR code leads: one big "I am here" button, then the meeting page."""
    if not current_user.is_authenticated:
        return sign_in_then(request.path)  # and back here after signing in
    me, mtg = _meeting(circle_id, meeting_id)
    page = url_for("meetings.meeting", circle_id=circle_id, meeting_id=meeting_id)
    form = KringForm()
    seated = me.role in method.SEATED_ROLES
    if form.is_submitted() and seated:
        done = act(form, lambda: meetings.mark_attendance(me, mtg.id, me.id, True))
        return redirect(page if done else url_for("meetings.join", circle_id=circle_id,
                                                    meeting_id=meeting_id), code=303)
    present = any(a.member_id == me.id and a.present for a in mtg.attendance)
    return render_template("meetings/join.html", meeting=mtg, me=me, page=page, form=form,
                           seated=seated, present=present,
                           is_open=mtg.status == method.MeetingStatus.OPEN)
