"""The meeting page: the circle method live, one small form per step.

Every step posts to its own route, which calls exactly one action of the
application layer through `act()` and redirects back (303), so the page works
without JavaScript. The page is built from includes (templates/meetings/_*.html)
rendered from one context (`page_context`), so the live version can swap the
same parts. Controls are shown only where the role and phase allow them; the
actions refuse anyway, so hiding is a courtesy, never the guard.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext

from circle import meetings, method, proposals
from circle.auth import member_of
from circle.extensions import db
from circle.forms import (
    ContributionForm,
    KringForm,
    SteerForm,
    WordingForm,
)
from circle.method import Action, Answer, RoundKind, RoundMode
from circle.models import AgendaItem, Contribution, Meeting, Member, Proposal, Round, RoundStatus
from circle.live import EVENTS
from circle.views.common import act, back

bp = Blueprint("meetings", __name__)

PREFIX = "/c/<int:circle_id>/meetings/<int:meeting_id>"

#: The mark on a seat of the ring for each answer; "•" too while answers are hidden.
MARKS = {Answer.SPEAK: "•", Answer.PASS: "–", Answer.CONSENT: "✓", Answer.OBJECTION: "✗"}
HIDDEN_MARK = "•"


# --- The ring -------------------------------------------------------------------

#: The ring's drawing area (SVG user units): centre and radius.
RING_SIZE, RING_RADIUS = 360, 120


@dataclass(frozen=True)
class RingSeat:
    """One seat of the ring as drawn: where, who, and how they stand in the round."""

    member_id: int
    name: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    #: "current", "waiting", the answer given ("consent", ...), or "answered" while hidden.
    state: str
    mark: str


def first_name(name: str) -> str:
    """The short name the ring shows."""
    return (name.split() or [name])[0][:12]


def ring_seats(rnd: Round, visible: bool) -> list[RingSeat]:
    """Place the round's seats on a circle, in speaking order, clockwise from the top."""
    facts = meetings.round_facts(rnd)
    answers = {c.member_id: c.answer for c in rnd.contributions}
    n = max(len(rnd.seats), 1)
    centre = RING_SIZE / 2
    seats = []
    for i, seat in enumerate(rnd.seats):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        cos, sin = math.cos(angle), math.sin(angle)
        answer = answers.get(seat.member_id)
        if answer is not None:
            state = answer.value if visible else "answered"
            mark = MARKS[answer] if visible else HIDDEN_MARK
        else:
            state = "current" if facts.open and seat.member_id == facts.current_speaker else "waiting"
            mark = ""
        seats.append(RingSeat(
            member_id=seat.member_id,
            name=seat.member.name,
            x=round(centre + RING_RADIUS * cos, 1),
            y=round(centre + RING_RADIUS * sin, 1),
            label_x=round(centre + (RING_RADIUS + 30) * cos, 1),
            label_y=round(centre + (RING_RADIUS + 30) * sin + 7, 1),
            anchor="start" if cos > 0.3 else "end" if cos < -0.3 else "middle",
            state=state,
            mark=mark,
        ))
    return seats


# --- What the page shows --------------------------------------------------------


@dataclass(frozen=True)
class RoundView:
    """A round as the page shows it: facts, the ring, and what may be seen of the answers."""

    round: Round
    facts: method.RoundFacts
    visible: bool
    seats: list[RingSeat]
    current: Member | None
    #: Contributions in order; empty while a simultaneous reveal hides them.
    contributions: list[Contribution]
    #: Whom the viewer may answer for now (themselves, or others as secretary/facilitator).
    answer_for: list[Member]


def _round_view(rnd: Round, me: Member, meeting_open: bool) -> RoundView:
    facts = meetings.round_facts(rnd)
    visible = method.answers_visible(rnd.reveal, facts.complete)
    by_id = {s.member_id: s.member for s in rnd.seats}
    answer_for: list[Member] = []
    if facts.open and meeting_open and me.active and me.role in method.SEATED_ROLES:
        if facts.mode == RoundMode.IN_TURN:
            can = [facts.current_speaker] if facts.current_speaker is not None else []
        else:
            can = facts.waiting
        if me.role not in method.RECORDING_ROLES:
            can = [m for m in can if m == me.id]
        answer_for = [by_id[m] for m in can]
    return RoundView(
        round=rnd,
        facts=facts,
        visible=visible,
        seats=ring_seats(rnd, visible),
        current=by_id.get(facts.current_speaker) if facts.open else None,
        contributions=list(rnd.contributions) if visible else [],
        answer_for=answer_for,
    )


def _focus(meeting: Meeting, wanted: int | None) -> Proposal | None:
    """The proposal the page is about: the one asked for, the current one, the next, or the last."""
    items = meeting.agenda
    for item in items:
        if item.proposal_id == wanted:
            return item.proposal
    if meeting.current_proposal_id is not None:
        return meeting.current_proposal
    waiting = [item for item in items if item.outcome is None] or items[-1:]
    return waiting[0].proposal if waiting else None


def _hidden_rounds(meeting: Meeting) -> set[int]:
    """Open rounds whose answers are still hidden: their objections do not show yet either."""
    return {
        r.id for r in meeting.rounds
        if r.status == RoundStatus.OPEN
        and not method.answers_visible(r.reveal, meetings.round_facts(r).complete)
    }


def page_context(meeting: Meeting, me: Member, focus_id: int | None = None) -> dict:
    """Everything the meeting page and its parts show, gathered once for the templates."""
    circle = meeting.circle
    attendance = {a.member_id: a for a in meeting.attendance}
    members = meeting.people(set(attendance))
    present = [m for m in members if m.role in method.SEATED_ROLES
               and m.id in attendance and attendance[m.id].present]
    is_open = meeting.status == method.MeetingStatus.OPEN
    rnd = next((r for r in meeting.rounds if r.status == RoundStatus.OPEN), None)
    shown = rnd or (meeting.rounds[-1] if meeting.rounds else None)
    focus = _focus(meeting, focus_id)
    hidden = _hidden_rounds(meeting)
    objections = list(focus.objections) if focus else []
    reasons = {c.id: c for c in db.session.scalars(sa.select(Contribution).where(
        Contribution.id.in_([o.contribution_id for o in objections])))} if objections else {}
    objections = [o for o in objections if reasons[o.contribution_id].round_id not in hidden]
    round_kinds = []
    if focus is not None and rnd is None and is_open:
        round_kinds = [k for k, phases in method.ROUND_STARTS.items() if focus.phase in phases]
    seated = {s.member_id for s in rnd.seats} if rnd else set()
    return {
        "meeting": meeting,
        "circle": circle,
        "me": me,
        "may": lambda action: me.active and method.may(me.role, action),
        "Action": Action,
        "members": members,
        "attendance": attendance,
        "present": present,
        "quorum": meeting.quorum,
        "is_open": is_open,
        "open_round": rnd,
        "rv": _round_view(shown, me, is_open) if shown else None,
        "focus": focus,
        "objections": objections,
        #: The answers that raised the objections (their text is the reason), by id.
        "reasons": reasons,
        "round_kinds": round_kinds,
        "meeting_kinds": [RoundKind.OPENING, RoundKind.CLOSING] if rnd is None and is_open else [],
        "late_arrivals": [m for m in present if m.id not in seated] if rnd else [],
        "client_id": uuid.uuid4().hex,
        "ring": {"size": RING_SIZE, "radius": RING_RADIUS},
        "method": method,
        "first_name": first_name,
    }


# --- Routes -----------------------------------------------------------------------


def _meeting(circle_id: int, meeting_id: int) -> tuple[Member, Meeting]:
    """The signed-in member and the meeting of the URL; 404 when it is not their circle's."""
    me = member_of(circle_id)
    meeting = db.session.get(Meeting, meeting_id, options=[
        selectinload(Meeting.agenda).selectinload(AgendaItem.proposal).selectinload(Proposal.versions),
        selectinload(Meeting.attendance),
        selectinload(Meeting.rounds),
    ])
    if meeting is None or meeting.circle_id != circle_id:
        abort(404)
    return me, meeting


def _page(meeting: Meeting) -> str:
    return url_for("meetings.meeting", circle_id=meeting.circle_id, meeting_id=meeting.id)


@bp.get(PREFIX + "/")
def meeting(circle_id: int, meeting_id: int):
    """The meeting page: state, ring, the member's answer box, the facilitator's controls."""
    from circle.views.live_pages import labels, live_settings  # it adds its routes to this blueprint

    me, mtg = _meeting(circle_id, meeting_id)
    focus = request.args.get("proposal", type=int)
    context = page_context(mtg, me, focus)
    view = "console" if me.active and method.may(me.role, Action.START_ROUND) else "phone"
    return render_template("meetings/meeting.html", **context, labels=labels(me, mtg),
                           settings=live_settings(mtg, me, focus, view))


@bp.post(PREFIX + "/contribute")
def contribute(circle_id: int, meeting_id: int):
    """A member's answer, or one recorded for them; a resent form is stored once."""
    me, mtg = _meeting(circle_id, meeting_id)
    form = ContributionForm()
    done = act(form, lambda: meetings.contribute(
        me, mtg.id, form.member_id.data, Answer(form.answer.data), form.text.data or "",
        workable=form.workable.data or "", client_id=form.client_id.data or None))
    if done is not None and done.duplicate:
        flash(gettext("This answer was already recorded."), "info")
    elif done is not None:
        flash(gettext("Thank you, the answer is in."), "success")
    return back(_page(mtg))


@bp.route(PREFIX + "/amend/<int:proposal_id>", methods=["GET", "POST"])
def amend(circle_id: int, meeting_id: int, proposal_id: int):
    """Write the next version of a proposal on this meeting's agenda (the facilitator)."""
    me, mtg = _meeting(circle_id, meeting_id)
    proposal = next((i.proposal for i in mtg.agenda if i.proposal_id == proposal_id), None)
    if proposal is None:
        abort(404)
    if not method.may(me.role, Action.AMEND):
        abort(403)
    form = WordingForm(obj=proposal.latest if request.method == "GET" else None)
    if request.method == "GET":
        form.note.data = ""
    elif act(form, lambda: proposals.amend(
            me, mtg.id, proposal.id, form.wording(), form.note.data or "",
            based_on=form.based_on.data)):
        return back(_page(mtg))
    db.session.refresh(mtg)
    return render_template("meetings/amend.html", form=form, meeting=mtg, proposal=proposal)


@bp.post(PREFIX + "/objection/<int:objection_id>/tested")
def tested(circle_id: int, meeting_id: int, objection_id: int):
    """The facilitator marks an objection tested; it still stands."""
    me, mtg = _meeting(circle_id, meeting_id)
    form = SteerForm()
    act(form, lambda: proposals.mark_tested(me, mtg.id, objection_id, based_on=form.based_on.data))
    return back(_page(mtg))


@bp.post(PREFIX + "/objection/<int:objection_id>/withdraw")
def withdraw_objection(circle_id: int, meeting_id: int, objection_id: int):
    """Its maker withdraws an objection (or the secretary records that for them)."""
    me, mtg = _meeting(circle_id, meeting_id)
    act(KringForm(), lambda: proposals.withdraw_objection(me, mtg.id, objection_id))
    return back(_page(mtg))


#: The steps that are a plain form on the page: URL, endpoint and the live event that does the same.
STEPS = [
    ("/open", "open", "open_meeting"),
    ("/close", "close", "close_meeting"),
    ("/attendance", "attendance", "mark_attendance"),
    ("/explanation", "explanation", "start_explanation"),
    ("/round/start", "start_round", "start_round"),
    ("/round/skip", "skip", "skip_speaker"),
    ("/round/seat", "seat", "add_seat"),
    ("/round/close", "close_round", "close_round"),
    ("/adopt", "adopt", "adopt"),
    ("/postpone", "postpone", "postpone"),
    ("/withdraw", "withdraw", "withdraw"),
]


def _step(event: str):
    """A page's form for a step runs exactly what the live event of the same name runs."""

    def step(circle_id: int, meeting_id: int):
        me, mtg = _meeting(circle_id, meeting_id)
        spec = EVENTS[event]
        form = spec.form()
        act(form, lambda: spec.run(me, mtg.id, form))
        return back(_page(mtg))

    step.__doc__ = f"Post the `{event}` step from the meeting page."
    return step


for _url, _endpoint, _event in STEPS:
    bp.add_url_rule(PREFIX + _url, _endpoint, _step(_event), methods=["POST"])
