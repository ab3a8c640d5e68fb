"""An election (verkiezing): who holds one of the circle's roles, and for which term.

An election is a proposal of the kind `election` (agenda.py, `ProposalKind`):
it goes on an agenda, is taken up, explained (the role, its term, its tasks),
and ends in a consent round, objections and adoption like any proposal. What
differs, following Sociocracy For All and the Sociocratisch Centrum
(docs/roles-and-elections.md, "Election"):

- Instead of picture-forming and opinion rounds, a nomination round: everyone
  names whom they nominate and why, hidden until all have nominated (always a
  simultaneous reveal), then read out in seat order; then perhaps a round to
  keep or change one's nomination.
- Instead of amending the wording, the facilitator proposes a person for a
  term (`propose_person`): a new version naming them. It is also how an
  objection is integrated: a shorter term, or another person.
- The consent round is on a version that names a person, who is present and
  answers last.

A normal proposal never gets nomination rounds. The rules here are called from
proposal.py, rounds.py and steps.py, so `available` offers exactly what the
actions accept.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from circle.method.refusals import require
from circle.method.terms import Answer, Phase, RoundKind

__all__ = [
    "ELECTION_PHASES", "ELECTION_STARTS", "PROPOSABLE", "check_round", "check_nomination", "check_propose_person",
    "check_consent_round", "check_adopt", "check_amend", "check_review", "latest_nominations", "reveal_of",
    "check_not_oneself",
]

#: Phases only an election reaches: its nomination rounds.
ELECTION_PHASES = frozenset({Phase.NOMINATION, Phase.CHANGE_NOMINATION})

#: From which phases each round of an election may start. A nomination round comes first (after the
#: explanation, or again); the change round follows a nomination round (and may be held again).
ELECTION_STARTS: dict[RoundKind, frozenset[Phase]] = {
    RoundKind.NOMINATION: frozenset({Phase.DRAFT, Phase.EXPLANATION, Phase.NOMINATION}),
    RoundKind.CHANGE_NOMINATION: frozenset({Phase.NOMINATION, Phase.CHANGE_NOMINATION}),
}

#: Phases in which the facilitator may propose a person: after the nominations, and to integrate objections.
PROPOSABLE = frozenset({Phase.NOMINATION, Phase.CHANGE_NOMINATION, Phase.AMENDING, Phase.CONSENT,
                        Phase.INTEGRATING})


def check_round(election: bool, kind: RoundKind, nominee: int | None) -> None:
    """Which rounds about a proposal fit it: an election's own, and its consent round on a named person."""
    if kind in ELECTION_STARTS:
        require(election, "not_an_election")
    elif election:
        require(kind == RoundKind.CONSENT, "not_in_election")
        require(nominee is not None, "no_nominee")


def reveal_of(kind: RoundKind, reveal: bool) -> bool:
    """Whether a round hides its answers until all are in: a nomination round always does, whatever was asked."""
    return reveal or kind == RoundKind.NOMINATION


def check_not_oneself(actor: int | None, nominee: int | None) -> None:
    """Between meetings nobody proposes themselves for the role: a facilitator who is the person to propose
    leaves it to the proposer (where the circle lets proposers steer) or to a meeting, where the steering
    can be handed over (docs/between-meetings.md, "Elections")."""
    require(nominee is None or nominee != actor, "propose_self")


def check_consent_round(nominee: int | None, present: Collection[int]) -> None:
    """The person proposed is in the consent round (present), since their own consent comes last."""
    require(nominee is not None, "no_nominee")
    require(nominee in present, "nominee_absent")


def check_nomination(kind: RoundKind, answer: Answer, nominee: int | None, reason: str,
                     candidates: Collection[int]) -> None:
    """In an election's rounds everyone names someone who sits in the circle (themselves too, as SoFA allows).

    In the nomination round the reason is required: it is read out to everyone.
    In the change round a reason for a change is welcome, not required.
    """
    require(answer == Answer.NOMINATE, "nominate_here")
    require(nominee is not None and nominee in candidates, "nominee_unknown")
    if kind == RoundKind.NOMINATION:
        require(bool(reason.strip()), "nomination_reason_required")


def check_propose_person(election: bool, phase: Phase, round_open: bool, nominations_held: bool) -> Phase:
    """The facilitator proposes a person: after a nomination round, never while a round is open.

    Leads to a new version (AMENDING), which gets its own consent round.
    """
    require(election, "not_an_election")
    require(not round_open, "round_open")
    require(nominations_held, "nominations_first")
    require(phase in PROPOSABLE, "wrong_phase")
    return Phase.AMENDING


def check_adopt(election: bool, nominee: int | None) -> None:
    """An election is adopted only on a version naming a person."""
    require(not election or nominee is not None, "no_nominee")


def check_amend(election: bool) -> None:
    """An election changes by a person or a term proposed, never by rewording."""
    require(not election, "election_amend")


def check_review(election: bool) -> None:
    """An adopted election is not reviewed: the term's end brings a new election."""
    require(not election, "election_no_review")


def latest_nominations(rounds: Sequence[Sequence[tuple[int, int | None]]]) -> dict[int, int]:
    """Whom each member nominates now: their latest nomination over the election's rounds, in order.

    `rounds` holds, per round in the order held, (member, nominee) pairs; a
    nominee of None (no nomination given) keeps the earlier one.
    """
    latest: dict[int, int] = {}
    for answers in rounds:
        for member, nominee in answers:
            if nominee is not None:
                latest[member] = nominee
    return latest
