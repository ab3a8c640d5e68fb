"""The trace of one proposal, gathered for its decision page in a fixed number of queries.

Everything here reads; nothing writes. `load(circle_id, proposal_id)` makes
about a dozen queries however long the history: every member once, the
proposal with its versions and objections, every round about it with seats
and answers, the meetings it was on with their attendance, and the
corrections of what was recorded. The timeline is then built from those rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from circle import clock
from circle.extensions import db
from circle.facts import hidden_contribution_ids
from circle.method import SEATED_ROLES, Answer, ObjectionStatus, Phase, RoundKind
from circle.read import corrections
from circle.read.rounds import RoundView, round_view, withdrawals_recorded
from circle.models import (
    AgendaItem,
    Attendance,
    Contribution,
    Correction,
    Meeting,
    Member,
    Objection,
    Proposal,
    ProposalVersion,
    Round,
    RoundStatus,
)
from circle.read.textdiff import Piece, word_diff


@dataclass
class MeetingView:
    """A meeting where the proposal was on the agenda or discussed, with who was there."""

    meeting: Meeting
    item: AgendaItem | None = None
    #: Present, in the circle's order, each with whether they came late.
    present: list[tuple[Member, bool]] = field(default_factory=list)
    #: Expected there (seated members of the circle on its date) and not present.
    absent: list[Member] = field(default_factory=list)
    #: Guests who followed it (docs/membership.md, "Guests"): listed apart, they never sit in the circle.
    guests: list[Member] = field(default_factory=list)

    @property
    def outcome(self) -> Phase | None:
        """What became of the proposal in this meeting (None: not decided there, or not yet)."""
        return self.item.outcome if self.item else None


@dataclass
class ObjectionView:
    """An objection with its reason (the text of the consent answer that raised it)."""

    objection: Objection
    contribution: Contribution | None
    #: Withdrawn for its maker by someone else (the secretary): who recorded it.
    withdrawal_recorded_by: Member | None = None


@dataclass
class Step:
    """One step of the timeline; `anchor` is its permalink, `target` the part of the page with its details."""

    kind: str
    anchor: str
    target: str
    at: dt.datetime
    #: The time is known to the second; otherwise only the day is shown.
    exact: bool
    row: Any
    who: Member | None = None
    #: Puts steps of the same second in the order the method makes them happen.
    order: tuple = ()


@dataclass
class Trace:
    """Everything the decision page shows."""

    proposal: Proposal
    people: dict[int, Member]
    rounds: list[RoundView]
    meetings: list[MeetingView]
    objections: list[ObjectionView]
    #: Corrections by contribution id, and of meeting titles by meeting id.
    corrected: dict[int, list[Correction]]
    retitled: dict[int, list[Correction]]
    steps: list[Step] = field(default_factory=list)

    @property
    def decided_in(self) -> Meeting | None:
        """The meeting where the proposal reached its present outcome."""
        return next((v.meeting for v in reversed(self.meetings)
                     if v.outcome is not None and v.outcome == self.proposal.phase), None)

    @property
    def decided_between(self) -> RoundView | None:
        """The consent round between meetings whose close adopted the proposal, if that is how it was decided."""
        p = self.proposal
        if p.phase != Phase.ADOPTED or p.decided_at is None:
            return None
        return next((rv for rv in reversed(self.rounds) if rv.round.meeting_id is None
                     and rv.round.kind == RoundKind.CONSENT and rv.round.closed_at == p.decided_at), None)

    @property
    def final_consent(self) -> RoundView | None:
        """The complete consent round without objection that carried the adopted version."""
        if self.proposal.phase != Phase.ADOPTED:
            return None
        return next((rv for rv in reversed(self.rounds)
                     if rv.round.kind == RoundKind.CONSENT and not rv.hidden
                     and rv.round.proposal_version == self.proposal.current_version
                     and rv.contributions and not rv.count(Answer.OBJECTION)), None)

    @property
    def concerns(self) -> list[tuple[RoundView, Contribution]]:
        """Remarks given with consent, in every consent round, oldest first."""
        return [(rv, c) for rv in self.rounds if rv.round.kind == RoundKind.CONSENT
                for c in rv.contributions if c.answer == Answer.CONSENT and c.text]

    def title_of(self, meeting: Meeting) -> str:
        """A meeting's title after its latest correction."""
        found = self.retitled.get(meeting.id)
        return found[-1].text if found else meeting.title


def load(circle_id: int, proposal_id: int) -> Trace | None:
    """The whole trace of a proposal of this circle, or None."""
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
        return None
    rounds = [round_view(r) for r in _load_rounds(proposal.id)]
    shown = {c.id: c for rv in rounds for c in rv.contributions}
    withheld = hidden_contribution_ids([rv.round for rv in rounds])
    recorders = withdrawals_recorded(circle_id, [o.id for o in proposal.objections
                                                 if o.status == ObjectionStatus.WITHDRAWN])
    objections = [ObjectionView(o, shown.get(o.contribution_id), people.get(recorders.get(o.id, 0)))
                  for o in proposal.objections if o.contribution_id not in withheld]
    meetings = _meeting_views(proposal, [rv.round for rv in rounds], members)
    corrected, retitled = corrections.for_record(shown, [v.meeting.id for v in meetings])
    trace = Trace(proposal, people, rounds, meetings, objections, corrected, retitled)
    trace.steps = timeline(trace)
    return trace


def _day(rnd: Round) -> dt.date:
    """The day a round belongs to: its meeting's, or (between meetings) the day it opened."""
    return rnd.meeting.date if rnd.meeting is not None else clock.local(rnd.started_at).date()


def _load_rounds(proposal_id: int) -> list[Round]:
    """Every round about the proposal, in meetings and between them, oldest first, with seats and answers
    (3 queries). A meeting's rounds stay together in their order; one between meetings goes by its day."""
    found = db.session.scalars(
        sa.select(Round).outerjoin(Round.meeting)
        .where(Round.proposal_id == proposal_id)
        .options(contains_eager(Round.meeting), selectinload(Round.seats),
                 selectinload(Round.contributions))
    ).all()
    return sorted(found, key=lambda r: (_day(r), r.started_at, r.meeting_id or 0, r.number, r.id))


def _meeting_views(proposal: Proposal, rounds: list[Round], members: list[Member]) -> list[MeetingView]:
    """The meetings the proposal was on the agenda of or discussed in, with attendance (2 queries)."""
    items = db.session.scalars(
        sa.select(AgendaItem).join(AgendaItem.meeting)
        .where(AgendaItem.proposal_id == proposal.id)
        .options(contains_eager(AgendaItem.meeting))
    ).all()
    views: dict[int, MeetingView] = {}
    for item in items:
        views.setdefault(item.meeting_id, MeetingView(item.meeting)).item = item
    for rnd in rounds:
        if rnd.meeting is not None:  # a round between meetings has no meeting to list
            views.setdefault(rnd.meeting_id, MeetingView(rnd.meeting))
    rows = db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id.in_(list(views)))
    ).all() if views else []
    here = {(a.meeting_id, a.member_id): a for a in rows}
    for view in views.values():
        mid = view.meeting.id
        came = [m for m in members if (mid, m.id) in here and here[mid, m.id].present]
        view.present = [(m, here[mid, m.id].late) for m in came if m.role in SEATED_ROLES]
        view.guests = [m for m in came if m.role not in SEATED_ROLES]
        view.absent = [m for m in members if m.expected_on(view.meeting.date)
                       and not ((mid, m.id) in here and here[mid, m.id].present)]
    return sorted(views.values(), key=lambda v: (v.meeting.date, v.meeting.id))


# --- The timeline -------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min)


def timeline(trace: Trace) -> list[Step]:
    """Every step of the proposal, oldest first, built from the rows.

    Rows carry their time to the second, except two: an agenda item does not
    say when it was made (it is placed just before the first round in that
    meeting, else at the meeting's day), and an outcome in an earlier meeting
    (the latest one has `decided_at`) is placed after that meeting's last round.
    Those show the meeting's day only. Steps in the same second are put in the
    order the method makes them happen: `order` is (round slot, step in it, ...).
    """
    p, people, rounds = trace.proposal, trace.people, [rv.round for rv in trace.rounds]
    slot_of = {r.id: i for i, r in enumerate(rounds)}
    steps: list[Step] = []

    def add(kind: str, anchor: str, target: str, at: dt.datetime, exact: bool, row: Any,
            who: Member | None, order: tuple) -> None:
        steps.append(Step(kind, anchor, target, at, exact, row, who, order))

    for v in p.versions:  # a version comes before the first round about it
        slot = next((i for i, r in enumerate(rounds) if (r.proposal_version or 0) >= v.number), len(rounds))
        add("version", f"step-v{v.number}", f"v{v.number}", v.created_at, True, v,
            people.get(v.written_by_id), (slot, 0, v.number))
    for i, rv in enumerate(trace.rounds):
        r = rv.round
        add("round_start", f"step-round-{r.id}", f"round-{r.id}", r.started_at, True, rv,
            people.get(r.started_by_id), (i, 1, 0))
        if r.closed_at is not None:
            kind = "round_abandoned" if r.status == RoundStatus.ABANDONED else "round_close"
            add(kind, f"step-round-{r.id}-end", f"round-{r.id}", r.closed_at, True, rv, None, (i, 3, 0))
    decided = [v for v in trace.meetings if v.outcome is not None]
    for view in trace.meetings:
        m = view.meeting
        mine = [i for i, r in enumerate(rounds) if r.meeting_id == m.id]
        before = sum(1 for r in rounds if (_day(r), r.meeting_id or 0) < (m.date, m.id))
        start = rounds[mine[0]].started_at if mine else _midnight(m.date)
        first = mine[0] if mine else before
        if view.item is not None:
            kind = "review" if view.item.review else "agenda"
            add(kind, f"step-agenda-{view.item.id}", f"meeting-{m.id}", start, False, view, None, (first, 0, 1.5))
        if view.outcome is not None:
            last = view is decided[-1] and p.decided_at is not None
            end = max((rounds[i].closed_at or rounds[i].started_at for i in mine), default=start)
            order = (mine[-1], 6, 0) if mine else (first, 0, 1.6)
            add("outcome", f"step-outcome-{view.item.id}", "outcome" if last else f"meeting-{m.id}",
                p.decided_at if last else end, last, view, None, order)
    between = trace.decided_between
    if between is not None:  # adopted when a consent round between meetings closed
        add("outcome_between", f"step-outcome-round-{between.round.id}", "outcome", p.decided_at, True, between,
            None, (slot_of[between.round.id], 6, 0))
    for ov in trace.objections:
        o, c = ov.objection, ov.contribution
        if c is not None:
            add("objection", f"step-objection-{o.id}", f"objection-{o.id}", c.created_at, True, ov,
                people.get(o.member_id), (slot_of.get(c.round_id, len(rounds)), 2, c.position))
        if o.ended_at is not None and o.status != ObjectionStatus.STANDING:
            # Met: when the consent round on the new version closed. Withdrawn: after the round before.
            ended = [i for i, r in enumerate(rounds) if r.started_at <= o.ended_at] or [0]
            add("objection_" + o.status.value, f"step-objection-{o.id}-end", f"objection-{o.id}",
                o.ended_at, True, ov, people.get(o.member_id), (ended[-1], 4 if o.status == "met" else 5, o.id))
    for found in (*trace.corrected.values(), *trace.retitled.values()):
        for corr in found:
            target = (f"contribution-{corr.contribution_id}" if corr.contribution_id
                      else f"meeting-{corr.meeting_id}")
            add("correction", f"step-correction-{corr.id}", target, corr.created_at, True, corr,
                people.get(corr.recorded_by_id), (len(rounds), 9, corr.log_seq))
    steps.sort(key=lambda s: (s.at, s.order))
    return steps


# --- Comparing two versions ---------------------------------------------------------

#: The parts of a version that are compared, in the order the page shows them.
FIELDS = ("title", "text", "background", "review_date", "success_criteria", "carried_out_by")


@dataclass(frozen=True)
class FieldDiff:
    """One part of the wording, compared."""

    name: str
    pieces: list[Piece]
    changed: bool


def _field_text(version: ProposalVersion, name: str) -> str:
    value = getattr(version, name)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or ""


def choose(versions: list[ProposalVersion], a: int | None, b: int | None) -> tuple[int, int]:
    """The two version numbers to compare: as asked when both exist, else the previous and the current."""
    numbers = [v.number for v in versions]
    current = numbers[-1]
    if a in numbers and b in numbers:
        return a, b
    return (numbers[-2] if len(numbers) > 1 else current), current


def compare(versions: list[ProposalVersion], a: int, b: int) -> list[FieldDiff]:
    """Each part of the wording of version `a` against version `b`, word by word."""
    by_number = {v.number: v for v in versions}
    old, new = by_number[a], by_number[b]
    found = []
    for name in FIELDS:
        pieces = word_diff(_field_text(old, name), _field_text(new, name))
        found.append(FieldDiff(name, pieces, any(p.op != "same" for p in pieces)))
    return found
