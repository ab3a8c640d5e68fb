"""One view of a round: what anyone may see of it now.

Every page, the projector, the minutes and their exports, the decision page,
search and what the live meeting sends take a round through `round_view`, so
whether answers are still hidden (a simultaneous reveal, method
`answers_visible`), whose turn it is and who still has to answer are decided
once. Nobody sees hidden answers, not the facilitator either: the view is
the same for every reader; only how names read differs (the circle's choice
for the public record), and that is the page's business.

`shown` is the same rule as a condition for a query (search uses it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from circle import method
from circle.extensions import db
from circle.facts import Ring, round_facts
from circle.method import Answer
from circle.models import Contribution, LogEntry, Member, Round, RoundStatus, Seat


@dataclass(frozen=True)
class SeatView:
    """One seat of a round as it may be seen: who, where in the order, and how they stand."""

    member: Member
    #: Added after the round started (a late arrival, added openly).
    late: bool
    #: "current" (their turn), "waiting", "last" (an election's nominee waiting for everyone else in an open
    #: round), "answered" (while answers are hidden), or the answer given.
    state: str
    #: Their contribution, when it may be seen.
    contribution: Contribution | None

    @property
    def answered(self) -> bool:
        return self.state not in ("current", "waiting", "last")


@dataclass(frozen=True)
class RoundView:
    """A round as anyone may see it now."""

    round: Round
    facts: method.RoundFacts
    #: The answers may be seen (no simultaneous reveal, or everyone answered, or the round ended).
    visible: bool
    #: Everyone in the round, in speaking order.
    seats: list[SeatView]
    #: The answers in the order they came in; empty while hidden.
    contributions: list[Contribution]
    #: Whose turn it is (an open round in turn), else None.
    current: Member | None
    #: Who still has to answer, in order.
    waiting: list[Member]

    @property
    def hidden(self) -> bool:
        """Answers withheld: a simultaneous reveal still waiting for answers."""
        return not self.visible

    @property
    def open(self) -> bool:
        return self.facts.open

    @property
    def answered(self) -> int:
        """How many have answered (known even while the answers are hidden)."""
        return len(self.facts.answered)

    @property
    def unanswered(self) -> list[Member]:
        """Seated people who did not answer in a round that has ended (closed early, or abandoned)."""
        return [] if self.facts.open else self.waiting

    @property
    def in_seat_order(self) -> list[Contribution]:
        """The answers that may be seen, in speaking order: how nominations are read out."""
        return [s.contribution for s in self.seats if s.contribution is not None]

    def count(self, answer: Answer) -> int:
        """How many gave this answer (0 while hidden)."""
        return sum(c.answer == answer for c in self.contributions)


def seat_view(facts: method.RoundFacts, member: Member, late: bool, contribution: Contribution | None) -> SeatView:
    """One seat of a round with these facts: its member, added late or not, and their answer if given."""
    if contribution is not None:
        state = contribution.answer.value if facts.visible else "answered"
    else:
        state = "current" if member.id == facts.speaking_now else "waiting"
        if facts.open and facts.waits_for_the_rest(member.id):
            state = "last"
    return SeatView(member, late, state, contribution if facts.visible else None)


def round_view(rnd: Round, people: dict[int, Member] | None = None,
               ring: Ring | None = None) -> RoundView:
    """A round as anyone may see it now. Its seats (with their members) and answers are read once.

    `people` and `ring`: the circle's members by id and the round's seats and answers as rows
    (`facts.ring_of`), where the caller has both: the seats find their members there, and no seat object is
    built for each (the live meeting's pages, docs/performance/drawing.md)."""
    if people is not None and ring is not None:
        facts = round_facts(rnd, *ring)
        placed = [(people.get(member_id) or db.session.get(Member, member_id), late) for member_id, late in ring[0]]
    else:
        facts = round_facts(rnd)
        placed = [(seat.member, seat.added_late) for seat in rnd.seats]
    visible = facts.visible
    given = {c.member_id: c for c in rnd.contributions}
    current = facts.speaking_now
    by_id: dict[int, Member] = {member.id: member for member, _ in placed}
    seats = [seat_view(facts, member, late, given.get(member.id)) for member, late in placed]
    return RoundView(
        round=rnd,
        facts=facts,
        visible=visible,
        seats=seats,
        contributions=list(rnd.contributions) if visible else [],
        current=by_id.get(current) if current is not None else None,
        waiting=[by_id[m] for m in facts.waiting],
    )


def shown() -> sa.ColumnElement[bool]:
    """`Round` rows whose answers may be seen, as a query condition: the same rule as `round_view`."""
    given, seat = aliased(Contribution), aliased(Seat)
    answered = (sa.select(sa.func.count(given.id)).where(given.round_id == Round.id)
                .correlate(Round).scalar_subquery())
    seated = (sa.select(sa.func.count(seat.id)).where(seat.round_id == Round.id)
              .correlate(Round).scalar_subquery())
    return sa.or_(Round.reveal.is_(False), Round.status != RoundStatus.OPEN, answered >= seated)


def withdrawals_recorded(circle_id: int, objection_ids: list[int]) -> dict[int, int]:
    """Who recorded the withdrawal of an objection for its maker (the secretary, for someone without a
    phone): objection id to member id. Only the log entry keeps it (`recorded_by`, docs/reading.md).
    One statement whatever the record holds, so a page costs the same on a small and a large record."""
    found = {}
    for (data,) in db.session.execute(sa.select(LogEntry.data).where(
            LogEntry.circle_id == circle_id, LogEntry.action == "withdraw_objection")):
        entry = json.loads(data)
        if entry.get("objection") in objection_ids and entry.get("recorded_by"):
            found[entry["objection"]] = entry["recorded_by"]["id"]
    return found


def log_hidden_from(circle_id: int) -> int:
    """The first entry of a circle's log that may not be read yet: where the earliest round whose
    answers are still hidden started (its answers are in the entries after it); else past the end."""
    hidden = set(db.session.scalars(
        sa.select(Round.id)
        .where(Round.circle_id == circle_id, Round.status == RoundStatus.OPEN, sa.not_(shown()))))
    if hidden:  # a round in a meeting, or one between meetings
        for seq, data in db.session.execute(
                sa.select(LogEntry.seq, LogEntry.data)
                .where(LogEntry.circle_id == circle_id,
                       LogEntry.action.in_(("start_round", "start_round_between")))
                .order_by(LogEntry.seq)):
            if json.loads(data).get("round") in hidden:
                return seq
    return 2**62
