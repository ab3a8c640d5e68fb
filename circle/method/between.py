"""Rounds between meetings: the same rounds, answered from phones over days, closed by a deadline.

Between meetings the facilitator (or, where the circle allows it, the
proposer) opens a picture-forming, opinion or consent round on a proposal,
with a deadline. Its rules are the meeting's: who may answer is fixed when it
opens (the seated members of the circle that day), everyone answers at once
(an open round), an objection needs a reason, a simultaneous reveal hides the
answers until everyone answered or the round closed, and objections are met
by a new version and a new consent round. What differs is how a round ends:
when the last seat answered, when its deadline passes, or when the
facilitator closes it early. `closing` says what that end means for the
proposal (docs/between-meetings.md). Not answering is not consent, unless the
circle decided for itself that silence is consent for this kind of decision.

An election has its rounds between meetings too (election.py): a nomination
round, always hidden until all are in; the change round; the person proposed
(`PROPOSE_PERSON_BETWEEN`, never by themselves); and its consent round, where
the person proposed answers once everyone else has (`nominee_last`). Silence
never gives anyone a role: whatever the circle's rule, an election's consent
round adopts only when everyone answered.

The steps are checked like a meeting's (circle/method/steps.py): one rule per
step in `BETWEEN_STEPS`, `check_between_step` before an action writes,
`available_between` for what a page offers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from circle.method import election as elections
from circle.method import proposal as proposals
from circle.method import rounds
from circle.method.permissions import check_role
from circle.method.proposal import ROUND_STARTS, ProposalFacts
from circle.method.refusals import require
from circle.method.rounds import RoundFacts
from circle.method.steps import StepRule, offers_of
from circle.method.terms import Action, Phase, Role, RoundKind, RoundMode

__all__ = [
    "RoundEnd", "Silence", "DEADLINE_MAX_DAYS", "BetweenFacts", "BETWEEN_STEPS", "check_between_step",
    "available_between", "check_deadline", "check_new_deadline", "silence_covers", "Closing", "closing",
    "back_to_meeting",
]

#: The furthest a deadline may lie ahead: a round between meetings is short, a month at most in practice.
DEADLINE_MAX_DAYS = 60


class RoundEnd(StrEnum):
    """How a round between meetings ended."""

    COMPLETE = "complete"  # everyone in the round answered
    DEADLINE = "deadline"  # its deadline passed with answers missing
    EARLY = "early"  # the facilitator closed it before its deadline, with answers missing


class Silence(StrEnum):
    """For which decisions the circle counts silence at a deadline as consent (its own choice)."""

    NONE = "none"  # never: not answering is not consent (the default)
    REVIEWS = "reviews"  # only when an adopted decision is reviewed (evaluatie): carrying on as agreed
    ALL = "all"  # every decision between meetings


def silence_covers(rule: Silence, review: bool, election: bool = False) -> bool:
    """Whether the circle's rule counts silence as consent for this decision (a review or not).

    Never in an election, whatever the rule: silence never gives someone a role.
    """
    return not election and (rule == Silence.ALL or (rule == Silence.REVIEWS and review))


def back_to_meeting(election: bool) -> Phase:
    """The phase a proposal goes to the next meeting in, after a consent round with answers missing: as after
    the opinion round, so the meeting may hold its consent round; an election as after a person was proposed."""
    return Phase.AMENDING if election else Phase.OPINION_FORMING


@dataclass(frozen=True)
class BetweenFacts:
    """What the rules need to know about a proposal between meetings right now."""

    proposal_id: int
    #: The proposal as the method sees it; `round_open` is any open round about it, here or in a meeting.
    proposal: ProposalFacts
    proposer: int
    #: The moment now (UTC): deadlines are compared with it.
    now: dt.datetime
    #: Who would sit in a round opened now: the seated members of the circle today.
    seated: frozenset[int] = frozenset()
    #: The open round between meetings about this proposal, its id and its deadline.
    round: RoundFacts | None = None
    round_id: int | None = None
    deadline: dt.datetime | None = None
    #: The proposal is on the agenda of a meeting that is open now: that meeting steers it.
    in_meeting: bool = False
    #: The circle lets a proposer open rounds between meetings on their own proposal.
    proposer_opens: bool = False


def _steers(facts: BetweenFacts, role: Role, actor: int | None) -> None:
    """The facilitator steers between meetings; the proposer too, where the circle allows it."""
    require(role == Role.FACILITATOR or (facts.proposer_opens and actor == facts.proposer), "not_allowed")
    require(not facts.in_meeting, "in_meeting")


def check_deadline(deadline: dt.datetime | None, now: dt.datetime) -> None:
    """An answer counts only before the round's deadline; from that moment on the round is over."""
    require(deadline is None or now < deadline, "deadline_passed")


def check_new_deadline(deadline: dt.datetime | None, now: dt.datetime) -> None:
    """A round between meetings needs a deadline after now, and not more than DEADLINE_MAX_DAYS ahead."""
    require(deadline is not None and now < deadline <= now + dt.timedelta(days=DEADLINE_MAX_DAYS),
            "deadline_out_of_range")


# --- One rule per step ----------------------------------------------------------------


def _start(facts, role, actor, target, reveal=False, **details):
    _steers(facts, role, actor)
    if "deadline" in details:  # the action names one; the offer of the step leaves it to the form
        check_new_deadline(details["deadline"], facts.now)
    # Everyone seated today sits in it and answers when it suits them: an open round.
    kind = RoundKind(target)
    proposals.start_round(facts.proposal, kind, RoundMode.OPEN, reveal, len(facts.seated), 1)
    if facts.proposal.election and kind == RoundKind.CONSENT:  # the person proposed sits in it, answering last
        elections.check_consent_round(facts.proposal.nominee, facts.seated)


def _contribute(facts, role, actor, target, round_id=None, **_):
    rounds.check_on_behalf(role, actor, target)
    require(facts.round is not None and round_id in (None, facts.round_id), "no_round")
    check_deadline(facts.deadline, facts.now)
    rounds.check_turn(facts.round, target)


def _close(facts, role, actor, target, **_):
    require(facts.round is not None and target == facts.round_id, "no_round")
    check_deadline(facts.deadline, facts.now)  # past it, the round closes by its deadline, not early


def _amend(facts, role, actor, target, **_):
    _steers(facts, role, actor)
    proposals.amend(facts.proposal)


def _propose_person(facts, role, actor, target, nominee=None, **_):
    _steers(facts, role, actor)
    proposals.propose_person(facts.proposal)
    if nominee is not None:  # the action names one; the offer of the step leaves it to the form
        require(nominee in facts.seated, "nominee_unknown")
        elections.check_not_oneself(actor, nominee)


#: Every step between meetings, with its rule; circle/between_steps.py adds its form, action and words.
BETWEEN_STEPS: dict[Action, StepRule] = {
    Action.START_ROUND_BETWEEN: StepRule(lambda f: [*ROUND_STARTS, *elections.ELECTION_STARTS], _start),
    Action.CONTRIBUTE_BETWEEN: StepRule(lambda f: f.round.waiting if f.round else [], _contribute),
    Action.CLOSE_ROUND_BETWEEN: StepRule(lambda f: [f.round_id] if f.round_id else [], _close),
    Action.AMEND_BETWEEN: StepRule(lambda f: [f.proposal_id], _amend),
    Action.PROPOSE_PERSON_BETWEEN: StepRule(lambda f: [f.proposal_id], _propose_person),
}


def check_between_step(facts: BetweenFacts, role: Role | None, actor: int | None, action: Action,
                       target: Hashable = None, **details: Any) -> None:
    """Refuse a step between meetings with the code of the first rule it breaks."""
    require(role is not None, "not_allowed")
    check_role(role, action)
    BETWEEN_STEPS[action].check(facts, role, actor, target, **details)


def available_between(facts: BetweenFacts, role: Role | None, member: int | None) -> dict[Action, tuple]:
    """Which steps between meetings this person may take now, and for what."""
    return offers_of(BETWEEN_STEPS, check_between_step, facts, role, member)


# --- What a round's end means --------------------------------------------------------


@dataclass(frozen=True)
class Closing:
    """What closing a round between meetings leads to."""

    #: The proposal's phase after it; None: it stays where it is (after a picture-forming or opinion round).
    phase: Phase | None
    #: A consent round that counts as complete: everyone answered, or silence was counted as consent.
    complete: bool = False
    #: Silence was counted as consent for those who did not answer.
    silence_as_consent: bool = False
    #: The proposal goes to the next meeting's agenda, with what was said.
    to_meeting: bool = False

    @property
    def adopted(self) -> bool:
        return self.phase == Phase.ADOPTED


def closing(kind: RoundKind, facts: ProposalFacts, ended: RoundEnd, answered: int, seats: int,
            standing: int, silence_counts: bool, quorum: int) -> Closing:
    """What the end of a round between meetings means for its proposal.

    A picture-forming or opinion round just ends. A consent round that
    everyone answered ends as in a meeting: adopted when no objection stands,
    else the objections are to be integrated (a new version, a new round).
    Not answering is not consent: a consent round that ends with answers
    missing adopts nothing and sends the proposal to the next meeting, with
    what was said (as after the opinion round, so the meeting may hold its
    consent round). Only at the deadline, and only in a round where silence
    counts as consent (the circle's rule for this kind of decision when the
    round opened, `silence_covers`), does silence count; and then only when
    at least a quorum of the round answered, so that a decision nobody took
    cannot pass. Never in an election: silence never gives someone a role, so
    its consent round adopts only when everyone answered, the person proposed
    last.

    `facts` is the proposal before the round closed; `standing` counts the
    objections that stand once the makers who consented have seen theirs met.
    """
    if kind != RoundKind.CONSENT:
        return Closing(None)
    silent = (ended == RoundEnd.DEADLINE and silence_counts and not facts.election
              and quorum <= answered < seats)
    if ended != RoundEnd.COMPLETE and not silent:
        return Closing(back_to_meeting(facts.election), to_meeting=True)
    phase = proposals.after_consent_round(standing)
    if phase == Phase.CONSENT:  # the same rule as adopting in a meeting, on the facts after the round
        phase = proposals.adopt(replace(facts, phase=phase, round_open=False, standing_objections=standing,
                                        consent_complete_version=facts.version))
    return Closing(phase, complete=True, silence_as_consent=silent)
