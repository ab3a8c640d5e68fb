"""Minutes (notulen) and the record's downloads: Markdown, CSV, JSON, and a calendar of reviews.

Every page here is a record page: a member of the circle reads it, and so
does anyone when the circle made its record public, with names as the
circle chose (`record_reader`). Nothing here changes anything.

The review calendar (reviews.ics) is meant for a calendar app, which has no
session and cannot sign in with a personal link. So besides `record_reader`
it accepts a signed, read-only token in the URL (itsdangerous, salt
"kring-ics") that carries only the circle's id; the circle home shows the
link to subscribe to. Choices made knowingly:
- the token opens this feed only, never a page or another download, and
  the feed holds titles, review days and success criteria, nothing about
  who said what;
- it does not expire, since a calendar subscription must keep working; it
  can only be revoked for everyone at once, by changing the installation's
  secret key. A per-circle token version would be the next step if a
  circle needs to revoke it alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from circle import clock
from circle.read import exports, minutes, reviews
from circle.extensions import db
from circle.method import Action, MeetingStatus, may
from circle.models import Meeting, Member
from circle.text import isolate
from circle.views.access import Reader, record_reader
from circle.views.common import circle_or_404

bp = Blueprint("minutes", __name__)

PREFIX = "/c/<int:circle_id>/meetings/<int:meeting_id>"
ICS_SALT = "kring-ics"


def _minutes(circle_id: int, meeting_id: int) -> tuple[Reader, minutes.Minutes]:
    """The reader and the meeting's minutes, or 404 (or sign in) when they may not read them."""
    reader = record_reader(circle_id)
    found = minutes.gather_minutes(circle_id, meeting_id, reader.name)
    if found is None:
        abort(404)
    return reader, found


def _download(body: str, mimetype: str, filename: str) -> Response:
    """A file to save, under a name that says what it is; never served from a cache unchecked."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def _filename(found: minutes.Minutes, extension: str) -> str:
    return f"minutes-{found.meeting['date'].isoformat()}-{found.meeting['id']}.{extension}"


@bp.get(PREFIX + "/minutes", endpoint="minutes")
def minutes_page(circle_id: int, meeting_id: int):
    """The minutes of a meeting: attendance, every agenda item and round, the outcome; prints as A4."""
    reader, found = _minutes(circle_id, meeting_id)
    return render_template("minutes/show.html", minutes=found, reader=reader,
                           circle_id=circle_id, meeting_id=meeting_id)


@bp.get(PREFIX + "/minutes.md")
def markdown(circle_id: int, meeting_id: int):
    """The minutes as Markdown."""
    _, found = _minutes(circle_id, meeting_id)
    return _download(exports.minutes_markdown(found), "text/markdown",
                     _filename(found, "md"))


@bp.get(PREFIX + "/minutes.csv")
def csv(circle_id: int, meeting_id: int):
    """The meeting's decisions as CSV, one row per agenda item."""
    _, found = _minutes(circle_id, meeting_id)
    return _download(exports.decisions_csv(minutes.minutes_rows(found)), "text/csv",
                     _filename(found, "csv"))


@bp.get(PREFIX + "/minutes.json")
def json(circle_id: int, meeting_id: int):
    """The whole minutes as JSON."""
    _, found = _minutes(circle_id, meeting_id)
    return _download(exports.minutes_json(found), "application/json",
                     _filename(found, "json"))


@bp.get("/c/<int:circle_id>/decisions.csv")
def decisions_csv(circle_id: int):
    """Every decision of the circle as CSV, for the logbook."""
    record_reader(circle_id)
    return _download(exports.decisions_csv(minutes.circle_decisions(circle_id)), "text/csv",
                     f"decisions-{circle_id}.csv")


# --- The review calendar -----------------------------------------------------------------


def _ics_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=ICS_SALT)


def ics_token(circle_id: int) -> str:
    """The read-only token that opens a circle's review calendar to a calendar app."""
    return _ics_serializer().dumps({"c": circle_id})


def _token_circle(token: str) -> int | None:
    try:
        data = _ics_serializer().loads(token)
    except BadData:
        return None
    return data.get("c") if isinstance(data, dict) and isinstance(data.get("c"), int) else None


@bp.get("/c/<int:circle_id>/reviews.ics")
def reviews_ics(circle_id: int):
    """Review days of the circle's adopted decisions, as an iCalendar feed (see the module's note)."""
    token = request.args.get("token", "")
    if token and _token_circle(token) == circle_id:
        circle = circle_or_404(circle_id)
    else:
        circle = record_reader(circle_id).circle
    host = request.host.split(":")[0]
    events = []
    for proposal, version in reviews.review_dates(circle_id):
        link = url_for("decisions.decision", circle_id=circle_id, proposal_id=proposal.id,
                       _external=True)
        about = [version.success_criteria and _("How will we see that it works?") + " "
                 + isolate(version.success_criteria),
                 version.carried_out_by and _("Who carries it out?") + " " + isolate(version.carried_out_by),
                 link]
        events.append(exports.ReviewEvent(
            uid=f"kring-review-{circle_id}-{proposal.id}@{host}",
            stamp=proposal.decided_at or proposal.created_at, day=version.review_date,
            summary=_("Review: %(title)s", title=isolate(version.title)),
            description="\n".join(a for a in about if a), url=link))
    body = exports.reviews_ics(_("Reviews of %(circle)s", circle=isolate(circle.name)), events)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="reviews-{circle_id}.ics"'
    response.headers["Cache-Control"] = "no-cache"
    if token:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- Reviews on the circle home and the meeting page ----------------------------------------


def review_context(me: Member) -> dict:
    """What the circle home's review list shows: decisions due, where they can go, the calendar."""
    due = reviews.due_reviews(me.circle_id, clock.today())
    return {
        "reviews_due": due,
        "review_meetings": list(db.session.scalars(
            sa.select(Meeting).where(Meeting.circle_id == me.circle_id,
                                     Meeting.status == MeetingStatus.PLANNED)
            .order_by(Meeting.date, Meeting.id))) if due else [],
        "may_review": me.active and may(me.role, Action.PUT_ON_AGENDA),
        "reviews_ics_url": url_for("minutes.reviews_ics", circle_id=me.circle_id,
                                   token=ics_token(me.circle_id), _external=True),
    }

