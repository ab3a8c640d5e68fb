"""Notices owed to people, the daily digests that gather them, and how each person wants them.

A notice is made once per person per thing (its `key` is unique), when
what it tells of happens; how it goes out was the person's choice at that
moment (`delivery`). Sending claims the row first, so two processes never
both send it (circle/notices.py, docs/notices.md).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.extensions import db
from circle.models.base import enum_type, utcnow

if TYPE_CHECKING:
    from circle.models.people import Person


class NoticeKind(StrEnum):
    """What a notice tells of; `subject` is the id of what it is about."""

    #: A meeting was planned (subject: the meeting), with its agenda and a calendar invitation.
    MEETING_PLANNED = "meeting_planned"
    #: A round between meetings awaits your answer (subject: the round).
    ROUND_OPEN = "round_open"
    #: A day before that round's deadline, and you have not answered (subject: the round).
    ROUND_REMINDER = "round_reminder"
    #: A proposal was adopted (subject: the proposal).
    DECISION_MADE = "decision_made"
    #: A decision's review date comes near (subject: the proposal).
    REVIEW_DUE = "review_due"
    #: A task of a decision is past its date and not done (subject: the task).
    TASK_OVERDUE = "task_overdue"


class Delivery(StrEnum):
    """How a person wants a kind of notice: at once, gathered in one mail a day, or not at all."""

    EACH = "each"
    DIGEST = "digest"
    NONE = "none"


class Notice(db.Model):
    """One notice owed to one person: made once, sent at most once (alone or in a digest)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who it is for.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: The circle it is about: its name heads the mail.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: What it tells of.
    kind: Mapped[NoticeKind] = mapped_column(enum_type(NoticeKind))
    #: The id of what it is about: a meeting, a round, a proposal or a task, by `kind`.
    subject: Mapped[int]
    #: kind, subject, occasion and person: the same notice is never made twice.
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: How it goes out: the person's choice for this kind when it was made (none without an address).
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery))
    #: When it was made (UTC).
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: When a process took it to send (UTC); another leaves it alone meanwhile.
    claimed_at: Mapped[dt.datetime | None]
    #: How many times sending it was tried.
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the mail server took it (UTC); None while owed.
    sent_at: Mapped[dt.datetime | None]
    #: When it was found to have nothing left to tell (the person left the circle, the meeting
    #: began, the round closed) and was not sent; None otherwise.
    dropped_at: Mapped[dt.datetime | None]
    #: The digest that gathered it, for a notice sent by digest.
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notice_digest.id"), index=True)

    person: Mapped[Person] = relationship()
    digest: Mapped[NoticeDigest | None] = relationship(back_populates="notices")


class NoticeDigest(db.Model):
    """One person's notices of a day, gathered into one mail: at most one a person a day."""

    __tablename__ = "notice_digest"
    __table_args__ = (sa.UniqueConstraint("person_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who it is for.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: The day it is sent on, where the circles live.
    day: Mapped[dt.date]
    #: When it gathered its notices (UTC).
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When a process took it to send (UTC).
    claimed_at: Mapped[dt.datetime | None]
    #: How many times sending it was tried.
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the mail server took it (UTC); None while owed.
    sent_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()
    notices: Mapped[list[Notice]] = relationship(back_populates="digest", order_by="Notice.id")


class NoticePreference(db.Model):
    """How one person wants one kind of notice; a kind without a row goes as `DEFAULTS` says."""

    __tablename__ = "notice_preference"
    __table_args__ = (sa.UniqueConstraint("person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Whose choice.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: For which kind of notice.
    kind: Mapped[NoticeKind] = mapped_column(enum_type(NoticeKind))
    #: Each time, a daily digest, or none.
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery))
