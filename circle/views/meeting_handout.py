"""A meeting on one sheet of paper, for members without a smartphone (docs/reading.md).

The circle, the meeting's day, its agenda in order with each proposal's full
current text, how the rounds go, and lined room for notes under each item.
Every seated member of the circle may print it, as they may open the meeting
page; a guest follows the meeting live and gets no handout. `?print=large`
draws it in large print. Reading it changes nothing, so nothing is logged.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from circle.auth import member_of
from circle.method import SEATED_ROLES
from circle.views.meeting_view import load_meeting

bp = Blueprint("meeting_handout", __name__)

#: Lines for notes under each agenda item, and under the meeting as a whole.
NOTE_LINES = 6


@bp.get("/c/<int:circle_id>/meetings/<int:meeting_id>/handout")
def handout(circle_id: int, meeting_id: int):
    """The meeting's printable handout; `?print=large` for large print."""
    me = member_of(circle_id)
    meeting = load_meeting(meeting_id)
    if meeting is None or meeting.circle_id != circle_id:
        abort(404)
    if me.role not in SEATED_ROLES:
        abort(403)  # a guest, as on the projector view
    large = request.args.get("print") == "large"
    items = sorted(meeting.agenda, key=lambda item: item.position)
    return render_template("meetings/handout.html", meeting=meeting, circle=meeting.circle, me=me,
                           items=items, large=large, note_lines=range(NOTE_LINES))
