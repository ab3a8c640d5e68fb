"""Rounds: who must answer, in which order, what answer fits, and when the answers may be seen.

Who must answer is fixed when the round starts (the seated members present
then); a late arrival joins openly at the end. In a round in turn one person
speaks at a time and a skipped speaker comes back last; in an open round
everyone may answer at once. A consent round has no pass, an objection needs
a reason, and only its maker ends an objection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from circle.method.election import check_nomination
from circle.method.refusals import require
from circle.method.terms import (
    MEETING_ROUNDS,
    RECORDING_ROLES,
    ELECTION_ROUNDS,
    Answer,
    ObjectionStatus,
    Role,
    RoundKind,
    RoundMode,
)

__all__ = [
    "RoundFacts", "seat_order", "start_meeting_round", "check_turn", "check_contribution",
    "check_on_behalf", "skip", "add_seat", "check_close_round", "answers_visible", "objections_met",
    "check_withdraw_objection", "last_at_end",
]


@dataclass(frozen=True)
class RoundFacts:
    """What the rules need to know about a round right now."""

    kind: RoundKind
    mode: RoundMode
    #: Who must answer, in speaking order (a skipped speaker moved to the end).
    seats: tuple[int, ...]
    #: Who has answered already.
    answered: frozenset[int]
    open: bool = True
    #: Answers stay hidden until the last one is in (a simultaneous reveal).
    reveal: bool = False
    #: Who answers last, after everyone else: the person proposed, in an election's consent round.
    last: int | None = None

    @cached_property
    def waiting(self) -> list[int]:
        """Seats still to answer, in order. Worked out once: a ring of N seats asks it of every seat it
        draws, which made drawing a round grow with N² (docs/performance/statements.md). Callers read it, never
        change it."""
        return [m for m in self.seats if m not in self.answered]

    @property
    def current_speaker(self) -> int | None:
        """In a round in turn, the first seat still to answer; in an open round, nobody."""
        if self.mode != RoundMode.IN_TURN:
            return None
        waiting = self.waiting
        return waiting[0] if waiting else None

    @property
    def speaking_now(self) -> int | None:
        """Whose turn it is now: the current speaker while the round is open, else nobody."""
        return self.current_speaker if self.open else None

    @property
    def complete(self) -> bool:
        """Everyone seated has answered."""
        return not self.waiting

    def waits_for_the_rest(self, member: int) -> bool:
        """Whether `member` answers last (an election's nominee) and others in this open round have not answered.

        In a round in turn the order already puts them at the end.
        """
        return member == self.last and self.mode == RoundMode.OPEN and any(m != member for m in self.waiting)

    @property
    def visible(self) -> bool:
        """Whether the answers may be seen now (`answers_visible`)."""
        return answers_visible(self.reveal, self.complete, self.open)


def seat_order(present: Sequence[int], starter: int | None, clockwise: bool = True) -> list[int]:
    """The speaking order: the circle's own order, from the starter, one way round."""
    order = list(present) if clockwise else list(reversed(present))
    if starter in order:
        i = order.index(starter)
        order = order[i:] + order[:i]
    return order


def start_meeting_round(kind: RoundKind, round_open: bool, present: int) -> None:
    """The opening (check-in) and closing rounds are about the meeting, not a proposal."""
    require(kind in MEETING_ROUNDS, "wrong_phase")
    require(not round_open, "round_open")
    require(present > 0, "nobody_present")


def check_turn(rnd: RoundFacts | None, member: int) -> None:
    """Whether this member may answer in this round now, whatever the answer."""
    require(rnd is not None and rnd.open, "no_round")
    require(member in rnd.seats, "not_seated")
    require(member not in rnd.answered, "already_answered")
    if rnd.mode == RoundMode.IN_TURN:
        require(rnd.current_speaker == member, "not_your_turn")
    require(not rnd.waits_for_the_rest(member), "nominee_last")


def check_contribution(
    rnd: RoundFacts, member: int, answer: Answer, text: str, reason: str = "",
    nominee: int | None = None, candidates: frozenset[int] = frozenset(),
) -> None:
    """Whether this member may give this answer in this round now.

    In an election's rounds the answer names a nominee, one of `candidates`.
    """
    check_turn(rnd, member)
    if rnd.kind in ELECTION_ROUNDS:
        check_nomination(rnd.kind, answer, nominee, reason, candidates)
        return
    require(answer != Answer.NOMINATE, "nominate_only_in_election")
    if rnd.kind == RoundKind.CONSENT:
        require(answer != Answer.PASS, "no_pass")
        require(answer in (Answer.CONSENT, Answer.OBJECTION), "consent_only")
        if answer == Answer.OBJECTION:
            require(bool(reason.strip()), "reason_required")
    else:
        require(answer in (Answer.SPEAK, Answer.PASS), "no_consent_here")
        if answer == Answer.SPEAK:
            require(bool(text.strip()), "text_required")


def check_on_behalf(actor_role: Role, actor: int, member: int) -> None:
    """Members answer for themselves; the secretary and facilitator may record for others."""
    require(actor == member or actor_role in RECORDING_ROLES, "not_allowed")


def skip(rnd: RoundFacts | None) -> tuple[int, ...]:
    """Move the current speaker to the end: a skipped speaker comes back last."""
    require(rnd is not None and rnd.open, "no_round")
    require(rnd.mode == RoundMode.IN_TURN and rnd.current_speaker is not None, "wrong_phase")
    speaker = rnd.current_speaker
    return last_at_end(tuple(m for m in rnd.seats if m != speaker) + (speaker,), rnd.last)


def add_seat(rnd: RoundFacts | None, member: int, present: bool) -> tuple[int, ...]:
    """A late arrival joins an open round openly, at the end of the order."""
    require(rnd is not None and rnd.open, "no_round")
    require(present, "not_present")
    require(member not in rnd.seats, "already_seated")
    return last_at_end(rnd.seats + (member,), rnd.last)


def last_at_end(order: tuple[int, ...], last: int | None) -> tuple[int, ...]:
    """The order with `last` (an election's nominee) moved back to the end, after a skip or a late seat."""
    if last is None or last not in order:
        return order
    return tuple(m for m in order if m != last) + (last,)


def check_close_round(rnd: RoundFacts | None) -> None:
    """A consent round closes only when everyone seated has answered; others may close early."""
    require(rnd is not None and rnd.open, "no_round")
    if rnd.kind == RoundKind.CONSENT:
        require(rnd.complete, "round_incomplete")


def answers_visible(reveal: bool, complete: bool, open: bool = True) -> bool:
    """With a simultaneous reveal, answers show only when the last one is in.

    A round that has ended shows what was given, also one that ended
    unfinished because its proposal was postponed: the record holds everything
    said. Every page, export, search and broadcast asks this one rule, through
    circle/read/rounds.py.
    """
    return not reveal or complete or not open


def objections_met(standing_by_maker: Iterable[int], consented: Iterable[int]) -> set[int]:
    """The makers of standing objections who consented to the new version: theirs are met."""
    return set(standing_by_maker) & set(consented)


def check_withdraw_objection(
    status: ObjectionStatus, maker: int, actor: int, actor_role: Role
) -> None:
    """An objection ends only by its maker; the secretary may record it for a maker without a phone.

    The facilitator can mark an objection tested, never dismiss it.
    """
    require(status == ObjectionStatus.STANDING, "objection_ended")
    require(actor == maker or actor_role == Role.SECRETARY, "not_your_objection")
