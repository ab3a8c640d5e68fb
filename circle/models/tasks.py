"""Tasks: what a decision asks of whom, by when, and every change to how they stand."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.extensions import db
from circle.method import TaskStatus
from circle.models.base import enum_type, utcnow

if TYPE_CHECKING:
    from circle.models.people import Member
    from circle.models.proposals import Proposal


class Task(db.Model):
    """A task of an adopted decision: what, who carries it out, by when, and how it stands now.

    The row holds the present; its changes (`TaskChange`) hold how it got
    there, each with its log entry.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle (the decision's): tasks are listed per circle.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: The decision it follows through.
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: What is to be done.
    what: Mapped[str] = mapped_column(sa.String(200))
    #: Who carries it out: a membership of the circle.
    carrier_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    #: The day by which it is done; overdue from the day after.
    due_on: Mapped[dt.date] = mapped_column(index=True)
    #: Open, started, done or stuck.
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus), default=TaskStatus.OPEN)
    #: Who added it.
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: When it was added (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    carrier: Mapped[Member] = relationship(foreign_keys=[carrier_id])
    changes: Mapped[list[TaskChange]] = relationship(back_populates="task", order_by="TaskChange.id")


class TaskChange(db.Model):
    """One change to a task, as it stood after it: added, given to someone else or another day, marked.

    Only ever added, like the log entry (`log_seq`) written with it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The task.
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"), index=True)
    #: The action: add_task, change_task or mark_task.
    action: Mapped[str] = mapped_column(sa.String(40))
    #: How the task stood after the change.
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus))
    what: Mapped[str] = mapped_column(sa.String(200))
    carrier_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    due_on: Mapped[dt.date]
    #: What the one who marked it said (empty for other changes).
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who made the change: the carrier, or the facilitator or secretary (for them).
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: The log entry that records it.
    log_seq: Mapped[int]
    #: When (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship(back_populates="changes")
    carrier: Mapped[Member] = relationship(foreign_keys=[carrier_id])
    by: Mapped[Member] = relationship(foreign_keys=[by_id])
