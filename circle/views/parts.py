"""The parts of the meeting page the room is sent: drawn by the same templates as the first load.

After a change the server draws the parts once per kind of reader and
language (circle/broadcast.py) and every screen of that kind swaps them in by
id. One new answer sends only what it changed (its seat, its line in the
list, the count), so what a phone receives grows with the number of answers,
not with its square. docs/live-page.md describes the messages.
"""

from __future__ import annotations

from flask import current_app

from circle.extensions import db
from circle.i18n import drawing_in
from circle.method import Answer, RoundKind
from circle.models import Contribution
from circle.views.meeting_view import Reading, Viewer, context, load_meeting, read_meeting

#: The parts each kind of reader has, in page order, with the template that draws each.
PARTS = {
    "status": "meetings/parts/status.html",
    "outcome": "meetings/parts/outcome.html",
    "facilitation": "meetings/parts/facilitation.html",
    "answer": "meetings/parts/answer.html",
    "steer": "meetings/parts/steer.html",
    "round": "meetings/parts/round.html",
    "contributions": "meetings/parts/contributions.html",
    "proposal": "meetings/parts/proposal.html",
    "attendance": "meetings/parts/attendance.html",
    "agenda": "meetings/parts/agenda.html",
}
#: The parts that do not depend on the kind of reader: drawn once a language for every kind a change is sent
#: to, not once a kind (docs/performance/drawing.md, "Who is here, and what every kind of page shows alike";
#: tests/test_performance.py checks each kind would draw them alike).
ALIKE = ("status", "outcome", "contributions")
KIND_PARTS = {
    "console": list(PARTS),
    "recorder": [p for p in PARTS if p != "steer"],
    "member": [p for p in PARTS if p != "steer"],
    "projector": ["status", "outcome", "facilitation", "round", "contributions", "proposal"],
}


def _context(reading: Reading, kind: str) -> dict:
    """A kind's context with what Flask gives every template (its context processors), gathered once for all
    the parts drawn from it, not once a part (docs/performance/statements.md, "What was cut")."""
    ctx = context(reading.meeting, Viewer(kind), reading)
    current_app.update_template_context(ctx)
    return ctx


def _draw(template: str, ctx: dict, **more) -> str:
    return current_app.jinja_env.get_template(template).render({**ctx, **more}).strip()


def _macros(template: str, ctx: dict):
    """A template's macros, seeing the kind's context, as `{% import ... with context %}` gives them."""
    return current_app.jinja_env.get_template(template).make_module(ctx)


def read(meeting_id: int) -> Reading:
    """The meeting as every kind's parts draw it, read once for all of them (docs/performance/statements.md)."""
    return read_meeting(load_meeting(meeting_id))


def whole(meeting_id: int, kind: str, lang: str, reading: Reading | None = None) -> tuple[int, list[dict]]:
    """Every part of a kind's page, as replacements by id, with the meeting version they show."""
    reading = reading or read(meeting_id)
    meeting = reading.meeting
    with drawing_in(lang):
        ctx = _context(reading, kind)

        def drawn(name: str) -> str:
            if name not in ALIKE:
                return _draw(PARTS[name], ctx)
            if (name, lang) not in reading.drawn:
                reading.drawn[name, lang] = _draw(PARTS[name], ctx)
            return reading.drawn[name, lang]

        return meeting.version, [{"id": f"meeting-{name}", "html": drawn(name)} for name in KIND_PARTS[kind]]


def one_answer(meeting_id: int, kind: str, lang: str, contribution_id: int,
               reading: Reading | None = None) -> list[dict] | None:
    """What one new answer changes on a kind's page.

    Its seat and the next speaker's on the ring (and in the list a screen
    reader reads), the count, whose turn it is, its line in what was said
    (when answers may be seen), and the recorders' answer box and the
    console's controls. None when the whole page must go instead: the round
    ended meanwhile, the answer revealed a round, or it is an objection, which
    the proposal's objections show too, or a nomination kept or changed, which
    the election's tally in the proposal shows.
    """
    reading = reading or read(meeting_id)
    with drawing_in(lang):
        ctx = _context(reading, kind)
        rv = ctx["rv"]
        given = db.session.get(Contribution, contribution_id)
        if rv is None or not rv.open or given.round_id != rv.round.id:
            return None
        if (given.answer == Answer.OBJECTION and rv.visible) or (rv.round.reveal and rv.facts.complete):
            return None
        if rv.round.kind == RoundKind.CHANGE_NOMINATION:  # the nominations now, in the proposal's part, change
            return None
        changed = {given.member_id} | ({rv.current.id} if rv.current else set())
        changed |= {rv.facts.last} if rv.facts.last else set()  # an election's nominee: their turn may have come
        ops = []
        seating = _macros("meetings/parts/seats.html", ctx)
        for placed in ctx["ring"]:
            if placed.member.id in changed:
                ops.append({"id": f"seat-{placed.member.id}", "html": str(seating.seats([placed])).strip()})
                ops.append({"id": f"seat-text-{placed.member.id}",
                            "html": str(seating.seat_lines([placed])).strip()})
        for name in ("speaker", "progress", "centre"):
            ops.append({"id": _IDS[name], "html": _draw(f"meetings/parts/{name}.html", ctx)})
        if rv.visible:
            said = _macros("meetings/parts/said.html", ctx)
            ops.append({"append": "contributions-list", "html": str(said.lines([given])).strip()})
        if kind in ("console", "recorder"):
            ops.append({"id": "meeting-answer", "html": _draw(PARTS["answer"], ctx)})
        if kind == "console":
            ops.append({"id": "meeting-steer", "html": _draw(PARTS["steer"], ctx)})
        return ops


#: The ids of the small parts of a round that one answer changes.
_IDS = {"speaker": "round-speaker", "progress": "round-progress", "centre": "ring-centre"}
