"""Roles a circle fills for a term, and who holds them from when until when (docs/roles-and-elections.md)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.extensions import db
from circle.method import RoleKind
from circle.models.base import enum_type, utcnow

if TYPE_CHECKING:
    from circle.models.people import Circle, Person
    from circle.models.proposals import Proposal


class CircleRole(db.Model):
    """A role in a circle: facilitator, secretary, a sub-circle's leader or delegate, or one of its own."""

    __tablename__ = "circle_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle the role is held in (for a leader or delegate: the sub-circle).
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: Which role: one the method knows, or the circle's own.
    kind: Mapped[RoleKind] = mapped_column(enum_type(RoleKind))
    #: The role's name where the circle defined it; empty for the method's roles, which are named by kind.
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    #: What the role does: its tasks, shown in an election and on the circle home.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: How long a term usually runs, in months: an election proposes it.
    term_months: Mapped[int] = mapped_column(default=12)
    #: The circle that chooses who holds it: the parent circle for a leader, else the circle itself.
    chosen_by_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"))
    #: When the role was defined (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship(foreign_keys=[circle_id])
    chosen_by: Mapped[Circle] = relationship(foreign_keys=[chosen_by_id])
    terms: Mapped[list[RoleTerm]] = relationship(back_populates="role", order_by="RoleTerm.held_from")


class RoleTerm(db.Model):
    """A person holds a role from one day up to and including another: one term, never edited but ended."""

    __tablename__ = "role_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The role.
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("circle_role.id"), index=True)
    #: Who holds it: a person, since a leader or delegate sits in two circles.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: The first day of the term.
    held_from: Mapped[dt.date]
    #: The last day of the term.
    held_until: Mapped[dt.date]
    #: The day it ended early (someone else took the role, or the holder left); None otherwise.
    ended_on: Mapped[dt.date | None]
    #: The election that gave it; None when it was recorded as held (a circle's first roles).
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"))
    #: When the row was written (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    role: Mapped[CircleRole] = relationship(back_populates="terms")
    person: Mapped[Person] = relationship()
    proposal: Mapped[Proposal | None] = relationship()


class ReadyMark(db.Model):
    """A member tapped "ready" in one of a meeting's ready checks."""

    __tablename__ = "ready_mark"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "check", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The meeting.
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: Which of the meeting's ready checks (`Meeting.ready_check`).
    check: Mapped[int]
    #: Who is ready.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: When they tapped (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
