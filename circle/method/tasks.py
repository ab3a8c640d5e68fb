"""Decisions followed through: the tasks a decision carries, and who says how they stand.

A decision says what will be done; its tasks say who does what, by when. The
facilitator or the secretary, or the decision's proposer, adds them to an
adopted decision (also while it is under review) and may give a task to
someone else or another date later. Whoever carries a task out marks how it
stands (started, done, stuck), with a note; stuck needs one, saying what is in
the way. The facilitator or the secretary may mark it for them, for someone
without a phone, and the record says so. A task is overdue from the day after
its date until it is marked done.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from circle.method.refusals import CONTRIBUTION_MAX, TITLE_MAX, check_text, require
from circle.method.terms import RECORDING_ROLES, Phase, Role

__all__ = ["TaskStatus", "PROGRESS", "CARRIES_TASKS", "check_task", "add_task", "change_task", "mark_task",
           "is_overdue"]


class TaskStatus(StrEnum):
    """How a task stands; every change is a logged action."""

    OPEN = "open"  # nobody said anything yet
    STARTED = "started"  # begonnen
    DONE = "done"  # klaar
    STUCK = "stuck"  # vastgelopen: the note says what is in the way


#: What the one who carries a task out may mark.
PROGRESS = (TaskStatus.STARTED, TaskStatus.DONE, TaskStatus.STUCK)
#: Phases of a proposal whose decision may be given tasks: adopted, or adopted and back for its review.
CARRIES_TASKS = frozenset({Phase.ADOPTED, Phase.REVIEW})


def check_task(what: str, carrier_is_member: bool, due_on: dt.date, today: dt.date,
               was: dt.date | None = None) -> None:
    """What, who and by when: a short text, someone seated in the circle now, a day not past.

    `was`: the task's day before a change; an overdue task keeps it while it goes to someone else.
    """
    check_text(what, TITLE_MAX, required=True)
    require(carrier_is_member, "not_a_member_now")
    require(due_on >= today or due_on == was, "due_in_past")


def _proposer_or_recorder(role: Role, actor: int, proposer: int) -> None:
    require(actor == proposer or role in RECORDING_ROLES, "not_allowed")


def add_task(phase: Phase, role: Role, actor: int, proposer: int) -> None:
    """The facilitator, the secretary or the proposer adds a task to an adopted decision."""
    require(phase in CARRIES_TASKS, "not_adopted")
    _proposer_or_recorder(role, actor, proposer)


def change_task(role: Role, actor: int, proposer: int) -> None:
    """Whoever may add a task may give it to someone else, another date or other words."""
    _proposer_or_recorder(role, actor, proposer)


def mark_task(role: Role, actor: int, carrier: int, status: TaskStatus, note: str) -> None:
    """Its carrier marks a task started, done or stuck (the facilitator or secretary may, for them)."""
    require(actor == carrier or role in RECORDING_ROLES, "not_your_task")
    require(status in PROGRESS, "invalid")
    check_text(note, CONTRIBUTION_MAX)
    require(status != TaskStatus.STUCK or bool(note.strip()), "note_required")


def is_overdue(status: TaskStatus, due_on: dt.date, today: dt.date) -> bool:
    """Not done, and its day has passed."""
    return status != TaskStatus.DONE and due_on < today
