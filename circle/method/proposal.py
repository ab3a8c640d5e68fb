"""How a proposal moves through its phases: the rounds, amendments and the outcome.

A proposal is written as a draft and put on an agenda; the facilitator moves
it on by starting rounds, amending it, and deciding. Each function here takes
the facts about the proposal and answers with the phase it leads to, or raises
`RuleBroken` when the method does not allow the step now.
"""

from __future__ import annotations

from dataclasses import dataclass

from circle.method import election as elections
from circle.method.refusals import require
from circle.method.terms import FINAL_PHASES, Phase, RoundKind, RoundMode

__all__ = [
    "ROUND_STARTS", "AMENDABLE", "POSTPONABLE", "ProposalFacts", "edit_draft", "put_on_agenda",
    "start_review", "start_explanation", "start_round", "amend", "adopt", "postpone", "withdraw",
    "after_consent_round", "round_starts", "propose_person",
]

#: From which phases each round about a proposal may start, and the phase it leads to.
#: A consent round follows an opinion round or an amendment; after objections,
#: only a new version (AMENDING) gets a new consent round.
ROUND_STARTS: dict[RoundKind, frozenset[Phase]] = {
    RoundKind.PICTURE_FORMING: frozenset(
        {Phase.DRAFT, Phase.EXPLANATION, Phase.PICTURE_FORMING, Phase.REVIEW}
    ),
    RoundKind.OPINION_FORMING: frozenset(
        {Phase.PICTURE_FORMING, Phase.OPINION_FORMING, Phase.AMENDING, Phase.REVIEW}
    ),
    RoundKind.CONSENT: frozenset({Phase.OPINION_FORMING, Phase.AMENDING}),
}

#: Phases in which the facilitator may write a new version of the proposal.
AMENDABLE = frozenset(
    {Phase.PICTURE_FORMING, Phase.OPINION_FORMING, Phase.AMENDING, Phase.CONSENT,
     Phase.INTEGRATING, Phase.REVIEW}
)

#: Phases from which a proposal may be postponed (back to a later agenda).
POSTPONABLE = frozenset(Phase) - FINAL_PHASES - {Phase.POSTPONED}


@dataclass(frozen=True)
class ProposalFacts:
    """What the rules need to know about a proposal right now."""

    phase: Phase
    version: int
    #: A round is open in the meeting (one round at a time).
    round_open: bool = False
    #: The latest version whose consent round was complete (everyone seated answered).
    consent_complete_version: int | None = None
    #: Objections by anyone, on any version, that have not ended.
    standing_objections: int = 0
    #: A consent round between meetings ended with answers missing and sent it to the next meeting,
    #: while none was planned: it waits for one, as it stands (between.py, `closing`).
    waits_for_meeting: bool = False
    #: A topic (agenda.py): talked about in picture-forming and opinion rounds, never decided.
    topic: bool = False
    #: An election (election.py): nominations, then consent on a person for a term.
    election: bool = False
    #: In an election: the person the current version proposes; None until the facilitator proposes someone.
    nominee: int | None = None
    #: In an election: a nomination round about it has closed, so a person may be proposed.
    nominations_held: bool = False


def round_starts(kind: RoundKind) -> frozenset[Phase]:
    """From which phases a round about a proposal (or an election) may start."""
    return ROUND_STARTS.get(kind) or elections.ELECTION_STARTS.get(kind, frozenset())


def _not_final(facts: ProposalFacts) -> None:
    require(facts.phase not in FINAL_PHASES, "final")


def edit_draft(facts: ProposalFacts) -> Phase:
    """A draft is written in versions too; once the rounds start, only the facilitator amends."""
    _not_final(facts)
    elections.check_amend(facts.election)
    require(facts.phase in (Phase.DRAFT, Phase.POSTPONED), "wrong_phase")
    return facts.phase


def put_on_agenda(facts: ProposalFacts) -> Phase:
    """A draft, or a postponed proposal, goes on a meeting's agenda as a draft.

    One that a round between meetings sent to the next meeting keeps its phase:
    the meeting goes on from what was said.
    """
    _not_final(facts)
    if facts.waits_for_meeting:
        return facts.phase
    require(facts.phase in (Phase.DRAFT, Phase.POSTPONED), "wrong_phase")
    return Phase.DRAFT


def start_review(facts: ProposalFacts) -> Phase:
    """An adopted decision goes back on an agenda to be looked back at (evaluatie).

    The review runs like a proposal: rounds, perhaps an amendment, and a new
    consent round before it is adopted again; or its proposer withdraws it.
    """
    require(facts.phase == Phase.ADOPTED, "wrong_phase")
    elections.check_review(facts.election)
    return Phase.REVIEW


def start_explanation(facts: ProposalFacts) -> Phase:
    """The proposer explains before the first round; optional."""
    _not_final(facts)
    require(facts.phase == Phase.DRAFT, "wrong_phase")
    return Phase.EXPLANATION


def start_round(
    facts: ProposalFacts,
    kind: RoundKind,
    mode: RoundMode,
    reveal: bool,
    present: int,
    quorum: int,
) -> Phase:
    """Start a picture-forming, opinion or consent round on a proposal; in an election its own rounds.

    `present` counts the seated members present; `quorum` is how many must be.
    A nomination round always hides the answers until all are in: the action
    holds it with a simultaneous reveal whatever `reveal` says.
    """
    _not_final(facts)
    require(bool(round_starts(kind)), "wrong_phase")
    elections.check_round(facts.election, kind, facts.nominee)
    require(not facts.round_open, "round_open")
    require(facts.phase in round_starts(kind), "wrong_phase")
    require(present > 0, "nobody_present")
    if kind != RoundKind.NOMINATION:
        require(not reveal or (kind == RoundKind.CONSENT and mode == RoundMode.OPEN), "reveal_needs_open")
    if kind == RoundKind.CONSENT:
        require(not facts.topic, "topic_not_decided")
        require(present >= quorum, "no_quorum")
    return Phase(kind.value)


def amend(facts: ProposalFacts) -> Phase:
    """Write version n+1 in light of the rounds; never while a round is open."""
    _not_final(facts)
    elections.check_amend(facts.election)
    require(not facts.round_open, "round_open")
    require(facts.phase in AMENDABLE, "wrong_phase")
    return Phase.AMENDING


def adopt(facts: ProposalFacts) -> Phase:
    """Adopt only the version that had a complete consent round, with no objection standing."""
    _not_final(facts)
    require(not facts.topic, "topic_not_decided")
    require(not facts.round_open, "round_open")
    require(facts.phase in (Phase.CONSENT, Phase.INTEGRATING), "wrong_phase")
    require(facts.standing_objections == 0, "objections_stand")
    require(facts.consent_complete_version == facts.version, "no_consent_yet")
    elections.check_adopt(facts.election, facts.nominee)
    return Phase.ADOPTED


def propose_person(facts: ProposalFacts) -> Phase:
    """In an election the facilitator proposes a person for a term: a new version (election.py)."""
    _not_final(facts)
    return elections.check_propose_person(facts.election, facts.phase, facts.round_open, facts.nominations_held)


def postpone(facts: ProposalFacts) -> Phase:
    """Take the proposal off today's agenda; an open round about it ends unfinished."""
    _not_final(facts)
    require(facts.phase in POSTPONABLE, "wrong_phase")
    return Phase.POSTPONED


def withdraw(facts: ProposalFacts, by_proposer: bool) -> Phase:
    """Only the proposer withdraws a proposal, and not in the middle of a round."""
    _not_final(facts)
    require(by_proposer, "not_proposer")
    require(not facts.round_open, "round_open")
    return Phase.WITHDRAWN


def after_consent_round(objections: int) -> Phase:
    """A complete consent round leads to adoption if nobody objects, else to integration."""
    return Phase.INTEGRATING if objections else Phase.CONSENT
