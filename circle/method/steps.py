"""Which steps a person may take in a meeting now: the one answer every page, state and control uses.

`available(facts, role, member)` says, for each step of the meeting, for what
the person may take it now: which proposal, objection or member, or which
kind of round. `check_step` refuses a step with the code of the first rule it
breaks; the actions call it before they write anything, and `available` is
nothing but `check_step` tried on every candidate. So a button is shown
exactly when pressing it would be accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from circle.method import election as elections
from circle.method import facilitation
from circle.method import meeting as meetings
from circle.method import proposal as proposals
from circle.method import rounds
from circle.method.permissions import check_role, may
from circle.method.proposal import ProposalFacts
from circle.method.refusals import RuleBroken, require
from circle.method.rounds import RoundFacts
from circle.method.terms import (
    MEETING_ROUNDS,
    Action,
    MeetingStatus,
    ObjectionStatus,
    Role,
    RoundKind,
    RoundMode,
)

__all__ = ["ObjectionFacts", "MeetingFacts", "MEETING_STEPS", "ROUND_FACTS", "ROUND_STEPS", "check_step",
           "available", "Offers"]


@dataclass(frozen=True)
class ObjectionFacts:
    """An objection to the proposal in question."""

    id: int
    maker: int
    status: ObjectionStatus
    tested: bool


@dataclass(frozen=True)
class MeetingFacts:
    """What the rules need to know about a meeting right now."""

    status: MeetingStatus
    #: Who belongs on the meeting's list: the members of the circle on its date, guests too.
    listed: frozenset[int] = frozenset()
    #: Of them, who sits in the circle (not a guest).
    seated: frozenset[int] = frozenset()
    #: Who is marked present now.
    present: frozenset[int] = frozenset()
    #: How many seated members must be present for a consent round.
    quorum: int = 1
    #: The open round, if any (there is at most one).
    round: RoundFacts | None = None
    #: The proposal in question: the one the meeting took up, or the one a step names.
    proposal_id: int | None = None
    proposal: ProposalFacts | None = None
    proposer: int | None = None
    #: The proposal is on this meeting's agenda and not decided here yet.
    on_agenda: bool = False
    #: Its objections that may be seen now.
    objections: tuple[ObjectionFacts, ...] = ()
    #: The proposals on this agenda not decided here yet, in agenda order.
    waiting: tuple[int, ...] = ()
    #: Who steers the meeting now: whom it was handed to, else the circle's facilitator (facilitation.py).
    steerers: frozenset[int] = frozenset()
    #: Since when whoever steers has had no connection to the meeting; None while they have one.
    steerer_away_since: dt.datetime | None = None
    #: How long they may be away before the secretary may take over (the circle's setting), in minutes.
    takeover_minutes: int = 3
    #: Now, for the rules that depend on how long something lasted.
    now: dt.datetime | None = None
    #: A ready check is open, and who said "ready" in it.
    ready_open: bool = False
    ready: frozenset[int] = frozenset()
    #: A round about a proposal was held in this meeting: the opening round is over then.
    proposal_rounds_held: bool = False
    #: Who may still be chosen to start a round: the seated members present.
    present_seated: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "present_seated", self.present & self.seated)


#: A rule for one step: `check(facts, role, actor, target, **details)` raises when the step may not be
#: taken; `targets(facts)` names what it could be taken for (None: the meeting itself).
Check = Callable[..., None]


@dataclass(frozen=True)
class StepRule:
    targets: Callable[[MeetingFacts], Iterable[Hashable]]
    check: Check


def _open(facts: MeetingFacts) -> None:
    meetings.check_meeting_open(facts.status)


def _proposal_here(facts: MeetingFacts, target: Any) -> ProposalFacts:
    """The proposal in question, on this agenda: what a step about a proposal needs."""
    _open(facts)
    require(facts.proposal is not None and facts.on_agenda and target == facts.proposal_id, "not_on_agenda")
    return facts.proposal


def _objection(facts: MeetingFacts, target: Any) -> ObjectionFacts:
    _proposal_here(facts, facts.proposal_id)
    found = next((o for o in facts.objections if o.id == target), None)
    require(found is not None, "not_found")
    return found


def _round_open(facts: MeetingFacts) -> bool:
    return facts.round is not None


# --- One rule per step --------------------------------------------------------------


def _open_meeting(facts, role, actor, target, **_):
    meetings.open_meeting(facts.status)


def _close_meeting(facts, role, actor, target, **_):
    meetings.close_meeting(facts.status, _round_open(facts))


def _mark_attendance(facts, role, actor, target, present=None, **_):
    _open(facts)
    if present is None:  # the step offered: the other way round from now
        present = target not in facts.present
    meetings.check_attendance(role, actor, target, present, target in facts.listed)


def _take_up(facts, role, actor, target, **_):
    _open(facts)
    require(not _round_open(facts), "round_open")
    require(target in facts.waiting, "not_on_agenda")


def _start_explanation(facts, role, actor, target, **_):
    proposal = _proposal_here(facts, target)
    require(not _round_open(facts), "round_open")
    proposals.start_explanation(proposal)


def _start_round(facts, role, actor, target, mode=RoundMode.IN_TURN, reveal=False, **_):
    _open(facts)
    kind = RoundKind(target)
    present = len(facts.present_seated)
    if kind in MEETING_ROUNDS:
        rounds.start_meeting_round(kind, _round_open(facts), present)
        facilitation.check_meeting_round(kind, facts.proposal_rounds_held)
        require(not reveal, "reveal_needs_open")
    else:
        proposal = _proposal_here(facts, facts.proposal_id)
        proposals.start_round(proposal, kind, mode, reveal, present, facts.quorum)
        if proposal.election and kind == RoundKind.CONSENT:
            elections.check_consent_round(proposal.nominee, facts.present_seated)


def _skip_speaker(facts, role, actor, target, **_):
    _open(facts)
    rounds.skip(facts.round)


def _add_seat(facts, role, actor, target, **_):
    _open(facts)
    rounds.add_seat(facts.round, target, target in facts.present_seated)


def _close_round(facts, role, actor, target, **_):
    _open(facts)
    rounds.check_close_round(facts.round)


def _contribute(facts, role, actor, target, **_):
    _open(facts)
    rounds.check_on_behalf(role, actor, target)
    rounds.check_turn(facts.round, target)


def _amend(facts, role, actor, target, **_):
    proposals.amend(_proposal_here(facts, target))


def _propose_person(facts, role, actor, target, nominee=None, **_):
    proposals.propose_person(_proposal_here(facts, target))
    if nominee is not None:  # the action names one; the offer of the step leaves it to the form
        require(nominee in facts.seated, "nominee_unknown")


def _mark_tested(facts, role, actor, target, **_):
    objection = _objection(facts, target)
    require(objection.status == ObjectionStatus.STANDING, "objection_ended")
    require(not objection.tested, "already_tested")


def _withdraw_objection(facts, role, actor, target, **_):
    objection = _objection(facts, target)
    rounds.check_withdraw_objection(objection.status, objection.maker, actor, role)


def _adopt(facts, role, actor, target, **_):
    proposals.adopt(_proposal_here(facts, target))


def _postpone(facts, role, actor, target, **_):
    proposals.postpone(_proposal_here(facts, target))


def _withdraw(facts, role, actor, target, **_):
    proposal = _proposal_here(facts, target)
    proposals.withdraw(proposal, actor == facts.proposer or role == Role.SECRETARY)


def _set_turn_time(facts, role, actor, target, seconds=None, **_):
    _open(facts)
    facilitation.check_turn_seconds(seconds)


def _ask_ready(facts, role, actor, target, open_it=None, **_):
    _open(facts)
    facilitation.check_ask_ready(facts.ready_open, not facts.ready_open if open_it is None else open_it,
                                 _round_open(facts))


def _mark_ready(facts, role, actor, target, **_):
    _open(facts)
    facilitation.check_mark_ready(facts.ready_open, role, actor, target, target in facts.present_seated)


def _hand_over(facts, role, actor, target, **_):
    _open(facts)
    facilitation.check_hand_over(facts.steerers, target, target in facts.present_seated)


def _take_over(facts, role, actor, target, **_):
    _open(facts)
    facilitation.check_take_over(actor, facts.steerers, facts.steerer_away_since, facts.takeover_minutes,
                                 facts.now)


def _the_meeting(facts: MeetingFacts) -> list[None]:
    return [None]


def _the_proposal(facts: MeetingFacts) -> list[int]:
    return [facts.proposal_id] if facts.proposal_id is not None else []


#: Every step that is taken in a meeting, with its rule. circle/steps.py adds what the pages and
#: the live protocol need to offer each one (its form, its action, its URL, its words).
MEETING_STEPS: dict[Action, StepRule] = {
    Action.OPEN_MEETING: StepRule(_the_meeting, _open_meeting),
    Action.CLOSE_MEETING: StepRule(_the_meeting, _close_meeting),
    Action.MARK_ATTENDANCE: StepRule(lambda f: sorted(f.listed), _mark_attendance),
    Action.TAKE_UP: StepRule(lambda f: [p for p in f.waiting if p != f.proposal_id], _take_up),
    Action.START_EXPLANATION: StepRule(_the_proposal, _start_explanation),
    Action.START_ROUND: StepRule(lambda f: list(RoundKind), _start_round),
    Action.SKIP_SPEAKER: StepRule(
        lambda f: [f.round.current_speaker] if f.round and f.round.current_speaker else [], _skip_speaker),
    Action.ADD_SEAT: StepRule(
        lambda f: sorted(f.present_seated - set(f.round.seats)) if f.round else [], _add_seat),
    Action.CLOSE_ROUND: StepRule(_the_meeting, _close_round),
    Action.CONTRIBUTE: StepRule(lambda f: f.round.waiting if f.round else [], _contribute),
    Action.AMEND: StepRule(_the_proposal, _amend),
    Action.PROPOSE_PERSON: StepRule(_the_proposal, _propose_person),
    Action.MARK_TESTED: StepRule(lambda f: [o.id for o in f.objections], _mark_tested),
    Action.WITHDRAW_OBJECTION: StepRule(lambda f: [o.id for o in f.objections], _withdraw_objection),
    Action.ADOPT: StepRule(_the_proposal, _adopt),
    Action.POSTPONE: StepRule(_the_proposal, _postpone),
    Action.WITHDRAW: StepRule(_the_proposal, _withdraw),
    Action.SET_TURN_TIME: StepRule(_the_meeting, _set_turn_time),
    Action.ASK_READY: StepRule(_the_meeting, _ask_ready),
    Action.MARK_READY: StepRule(lambda f: sorted(f.present_seated - f.ready) if f.ready_open else [], _mark_ready),
    Action.HAND_OVER: StepRule(lambda f: sorted(f.present_seated - f.steerers), _hand_over),
    Action.TAKE_OVER: StepRule(_the_meeting, _take_over),
}


#: What a rule about the open round alone reads of a meeting: its status, who is on its list, who sits and
#: who is present, and the round. Not the proposal, the agenda, who steers or the ready check.
ROUND_FACTS = frozenset({"status", "listed", "seated", "present", "present_seated", "round", "now"})
#: The steps whose rules read ROUND_FACTS and nothing else: an answer, the step taken most, is checked on
#: those only (tests/test_method_rounds.py holds the rule to it; docs/performance/statements.md).
ROUND_STEPS = frozenset({Action.CONTRIBUTE})


def check_step(facts: MeetingFacts, role: Role | None, actor: int | None, action: Action,
               target: Hashable = None, **details: Any) -> None:
    """Refuse the step with the code of the first rule it breaks; return when it may be taken.

    `role` None is someone who is not (or no longer) a member. `details` are what a
    step's form adds (a round's `mode` and `reveal`, attendance's `present`).
    """
    require(role is not None, "not_allowed")
    check_role(role, action)
    MEETING_STEPS[action].check(facts, role, actor, target, **details)


#: For each step a person may take now, what they may take it for.
Offers = dict[Action, tuple]


def available(facts: MeetingFacts, role: Role | None, member: int | None) -> Offers:
    """Which steps this person may take now, and for what: `check_step` tried on every candidate.

    `member` None asks for what the role may do whoever holds it: the steps that
    depend on who one is (one's own answer, one's own objection) are then left out.
    """
    return offers_of(MEETING_STEPS, check_step, facts, role, member)


def offers_of(steps: dict[Action, StepRule], check, facts, role: Role | None, member: int | None) -> Offers:
    """Every candidate target of every step in `steps` that `check` lets pass: what the controls offer.

    A step the role may not take at all is not tried on each of its targets (every `check` refuses it by
    the role first): a member's page is drawn without trying fifty people's attendance (docs/performance/drawing.md,
    "Two small ones drawn at every change")."""
    offers: Offers = {}
    if role is None:
        return offers
    for action, rule in steps.items():
        if not may(role, action):
            continue
        found = []
        for target in rule.targets(facts):
            try:
                check(facts, role, member, action, target)
            except RuleBroken:
                continue
            found.append(target)
        if found:
            offers[action] = tuple(found)
    return offers
