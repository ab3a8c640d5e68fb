"""The decision page: how a proposal came to its outcome, every step of it, readable without JavaScript.

The page is the record a resident reads back (and prints as minutes), so it
shows everything the database holds about the proposal: versions, rounds,
contributions, objections, attendance and the outcome. It loads with a fixed
number of queries, however long the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from sqlalchemy.orm import contains_eager, selectinload

from circle import method
from circle.auth import member_of
from circle.extensions import db
from circle.meetings import round_facts
from circle.method import SEATED_ROLES, MeetingStatus, Phase
from circle.models import (
    AgendaItem,
    Attendance,
    Contribution,
    Meeting,
    Member,
    Objection,
    Proposal,
    Round,
    RoundStatus,
)

bp = Blueprint("decisions", __name__)

#: Largest id a row can have; a bigger number in a URL would crash the database driver.
ID_MAX = 2**63 - 1


@dataclass
class RoundView:
    """A round as the record shows it; answers stay out while a simultaneous reveal is incomplete."""

    round: Round
    #: Everyone in the round, in speaking order.
    seats: list[Member]
    #: The answers in the order they came in; empty while hidden.
    contributions: list[Contribution]
    #: Answers withheld: an open simultaneous-reveal round that not everyone has answered yet.
    hidden: bool
    #: How many have answered (shown even while hidden).
    answered: int
    #: Seated people who did not answer (a round closed early, or abandoned).
    unanswered: list[Member]


@dataclass
class MeetingView:
    """A meeting where the proposal was on the agenda or discussed, with who was there."""

    meeting: Meeting
    #: Present, in the circle's order, each with whether they came late.
    present: list[tuple[Member, bool]] = field(default_factory=list)
    #: Seated members of the circle without a present attendance row.
    absent: list[Member] = field(default_factory=list)
    #: What became of the proposal in this meeting (None: not decided there, or not yet).
    outcome: Phase | None = None


@dataclass
class ObjectionView:
    """An objection with its reason (the text of the consent answer that raised it)."""

    objection: Objection
    reason: str
    contribution: Contribution | None


def _load_rounds(proposal_id: int) -> list[Round]:
    """Every round about the proposal, across meetings, oldest first, with seats and answers (3 queries)."""
    return list(db.session.scalars(
        sa.select(Round).join(Round.meeting)
        .where(Round.proposal_id == proposal_id)
        .options(contains_eager(Round.meeting), selectinload(Round.seats),
                 selectinload(Round.contributions))
        .order_by(Meeting.date, Meeting.id, Round.number)
    ))


def _round_view(rnd: Round, people: dict[int, Member]) -> RoundView:
    """What the record may show of a round now."""
    facts = round_facts(rnd)
    hidden = rnd.status == RoundStatus.OPEN and not method.answers_visible(rnd.reveal, facts.complete)
    closed = rnd.status != RoundStatus.OPEN
    return RoundView(
        round=rnd,
        seats=[people[s.member_id] for s in rnd.seats],
        contributions=[] if hidden else list(rnd.contributions),
        hidden=hidden,
        answered=len(facts.answered),
        unanswered=[people[m] for m in facts.waiting] if closed else [],
    )


def _meeting_views(proposal: Proposal, rounds: list[Round], members: list[Member]) -> list[MeetingView]:
    """The meetings the proposal was on the agenda of or discussed in, with attendance (2 queries)."""
    items = db.session.scalars(
        sa.select(AgendaItem).join(AgendaItem.meeting)
        .where(AgendaItem.proposal_id == proposal.id)
        .options(contains_eager(AgendaItem.meeting))
    ).all()
    views: dict[int, MeetingView] = {}
    for item in items:
        views.setdefault(item.meeting_id, MeetingView(item.meeting)).outcome = item.outcome
    for rnd in rounds:
        views.setdefault(rnd.meeting_id, MeetingView(rnd.meeting))
    rows = db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id.in_(list(views)))
    ).all() if views else []
    here = {(a.meeting_id, a.member_id): a for a in rows}
    seated = [m for m in members if m.active and m.role in SEATED_ROLES]
    for view in views.values():
        mid = view.meeting.id
        view.present = [(m, here[mid, m.id].late) for m in members
                        if (mid, m.id) in here and here[mid, m.id].present]
        view.absent = [m for m in seated if not ((mid, m.id) in here and here[mid, m.id].present)]
    return sorted(views.values(), key=lambda v: (v.meeting.date, v.meeting.id))


@bp.get("/c/<int:circle_id>/decisions/<int:proposal_id>/")
def decision(circle_id: int, proposal_id: int):
    """The whole trace of one proposal, adopted or not."""
    me = member_of(circle_id)
    if proposal_id > ID_MAX:
        abort(404)
    # Everyone who can appear on the page, in one query; names below come from here, not one by one.
    members = list(db.session.scalars(
        sa.select(Member).where(Member.circle_id == circle_id).order_by(Member.position, Member.id)
    ))
    people = {m.id: m for m in members}
    proposal = db.session.scalar(
        sa.select(Proposal)
        .where(Proposal.id == proposal_id, Proposal.circle_id == circle_id)
        .options(selectinload(Proposal.versions), selectinload(Proposal.objections))
    )
    if proposal is None:
        abort(404)
    rounds = [_round_view(r, people) for r in _load_rounds(proposal.id)]
    shown = {c.id: c for rv in rounds for c in rv.contributions}
    withheld = {c.id for rv in rounds if rv.hidden for c in rv.round.contributions}
    objections = [ObjectionView(o, shown[o.contribution_id].text if o.contribution_id in shown else "",
                                shown.get(o.contribution_id))
                  for o in proposal.objections if o.contribution_id not in withheld]
    meetings = _meeting_views(proposal, [rv.round for rv in rounds], members)
    decided_in = next((v.meeting for v in reversed(meetings) if v.outcome == proposal.phase), None)
    return render_template(
        "decisions/show.html",
        me=me,
        proposal=proposal,
        latest=proposal.latest,
        proposer=people[proposal.proposer_id],
        people=people,
        rounds=rounds,
        objections=objections,
        meetings=meetings,
        decided_in=decided_in,
        final=proposal.phase in (Phase.ADOPTED, Phase.POSTPONED, Phase.WITHDRAWN),
        meeting_planned=MeetingStatus.PLANNED,
    )
