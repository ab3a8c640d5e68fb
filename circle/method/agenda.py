"""The agenda between meetings: what members put forward, and how the facilitator shapes it.

Any member may put forward a *topic* (a subject to talk about, with a note,
not yet a proposal) or one of their drafts for the next meeting. A topic is
a proposal of the kind `topic`: it waits in the same pool, goes on an agenda
the same way, and gets the same picture-forming and opinion rounds; it is
never decided. The circle decides only on a proposal, so a topic becomes one
first: its author or the facilitator writes it out as a draft (or, in a
meeting, the facilitator amends it). The facilitator (or the secretary)
places, orders and removes the items of a meeting's agenda until the meeting
closes; an item the meeting has begun to discuss stays on.
"""

from __future__ import annotations

from enum import StrEnum

from circle.method.refusals import CONTRIBUTION_MAX, TITLE_MAX, check_text, require
from circle.method.terms import FINAL_PHASES, RECORDING_ROLES, MeetingStatus, Phase, Role

__all__ = [
    "ProposalKind", "WAITING_PHASES", "check_topic", "put_forward", "turn_into_draft", "shape_agenda",
    "move_on_agenda", "take_off_agenda",
]


class ProposalKind(StrEnum):
    """What the circle is asked: to decide (a proposal), or to talk about something (a topic)."""

    PROPOSAL = "proposal"  # voorstel: ends in consent, or not
    TOPIC = "topic"  # onderwerp: picture-forming and opinion, then perhaps a proposal
    ELECTION = "election"  # verkiezing: who holds a role for a term (docs/roles-and-elections.md)


#: Phases of a proposal waiting for a meeting: the pool the next agenda is made from.
WAITING_PHASES = frozenset({Phase.DRAFT, Phase.POSTPONED})


def check_topic(subject: str, note: str) -> None:
    """A topic is a short subject (required) and an optional note."""
    check_text(subject, TITLE_MAX, required=True)
    check_text(note, CONTRIBUTION_MAX)


def _author_or_recorder(role: Role, actor: int, author: int, code: str) -> None:
    """Its author acts on their own; the facilitator or the secretary may act for them."""
    require(actor == author or role in RECORDING_ROLES, code)


def put_forward(phase: Phase, role: Role, actor: int, author: int, on_agenda: bool, already: bool) -> None:
    """A draft waiting for a meeting is put forward for the next one, by its proposer (or for them)."""
    require(phase not in FINAL_PHASES, "final")
    require(phase in WAITING_PHASES, "wrong_phase")
    _author_or_recorder(role, actor, author, "not_your_proposal")
    require(not on_agenda, "already_on_agenda")
    require(not already, "already_put_forward")


def turn_into_draft(kind: ProposalKind, phase: Phase, role: Role, actor: int, author: int) -> None:
    """A waiting topic is written out as a proposal (a draft), by its author or the facilitator or secretary."""
    require(kind == ProposalKind.TOPIC, "not_a_topic")
    require(phase not in FINAL_PHASES, "final")
    require(phase in WAITING_PHASES, "wrong_phase")
    _author_or_recorder(role, actor, author, "not_allowed")


def shape_agenda(status: MeetingStatus) -> None:
    """A meeting's agenda changes until the meeting closes."""
    require(status != MeetingStatus.CLOSED, "meeting_closed")


def move_on_agenda(status: MeetingStatus, position: int, items: int) -> None:
    """An item moves to another place on the agenda (1 is the first)."""
    shape_agenda(status)
    require(1 <= position <= items, "invalid")


def take_off_agenda(status: MeetingStatus, discussed: bool) -> None:
    """An item leaves the agenda only before the meeting discussed it (a round, an explanation, an outcome).

    After that the meeting postpones it, or its proposer withdraws it: the
    record then says what happened to it there.
    """
    shape_agenda(status)
    require(not discussed, "item_discussed")
