"""Circles, the people who sign in, and their memberships."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle import clock
from circle.extensions import db
from circle.method import (
    SEATED_ROLES,
    NameDisplay,
    Role,
    Silence,
    expected,
    membership_covers,
)
from circle.models.base import enum_type, utcnow


class Circle(db.Model):
    """A circle (kring): a group that decides together by consent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle's name, e.g. "Samen Vooruit".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: How many seated members must be present for a consent round; None: more than half.
    quorum: Mapped[int | None]
    #: The decision list, decision pages and minutes are readable without signing in.
    public_record: Mapped[bool] = mapped_column(default=False)
    #: How members' names appear in the public record: full, first name or initials.
    public_names: Mapped[NameDisplay] = mapped_column(
        enum_type(NameDisplay), default=NameDisplay.FIRST
    )
    #: Between meetings, for which decisions silence at a deadline counts as consent (none by default).
    silence_is_consent: Mapped[Silence] = mapped_column(
        enum_type(Silence), default=Silence.NONE, server_default=Silence.NONE.value)
    #: Between meetings, a proposer may open rounds on their own proposal and amend it, not only the facilitator.
    proposer_opens_rounds: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The circle this one is a sub-circle of (a working group of a core group); None for a top circle.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: Its aim (doel): what it is for. In the record, set by the circle (docs/roles-and-elections.md).
    aim: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Its domain: what it decides about.
    domain: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: After how many minutes away (not connected) of whoever steers a meeting the secretary may take over.
    takeover_minutes: Mapped[int] = mapped_column(default=3, server_default="3")
    #: Number of entries in the circle's log; a removed last entry shows against it.
    log_length: Mapped[int] = mapped_column(default=0)
    #: Hash of the circle's latest log entry (hex); None while the log is empty.
    log_head: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the circle was created (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[Member]] = relationship(
        back_populates="circle", order_by="Member.position"
    )
    parent: Mapped[Circle | None] = relationship(remote_side="Circle.id", back_populates="subcircles")
    subcircles: Mapped[list[Circle]] = relationship(back_populates="parent", order_by="Circle.id")

    @property
    def seated(self) -> list[Member]:
        """Members who sit in the circle today (not guests), in the circle's order."""
        return [m for m in self.members if m.active and m.role in SEATED_ROLES]

    def seated_on(self, day: dt.date) -> list[Member]:
        """Who was expected at a meeting on `day`: the seated members of that day, in ring order."""
        return [m for m in self.members if m.expected_on(day)]


class Person(UserMixin, db.Model):
    """Someone who signs in: one name, one language, one sign-in, and a membership in each circle.

    Flask-Login's user. The personal link and the remembered phone belong to the
    person, so they sign in once for all their circles; what they may do in a
    circle follows from their membership there (`Member`, with its role).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name their circles know them by; the record's entries keep the name they had then.
    name: Mapped[str] = mapped_column(sa.String(80))
    #: The language they chose (one of circle.LANGUAGES: "nl", "en", "tr", "ar"); None until they
    #: choose: their browser's counts then.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    #: Every page they see is drawn in larger text (docs/reading.md); their own choice, on their page.
    larger_text: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Where a sign-in link may be mailed; optional, and nobody else's.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    #: Raised to revoke every sign-in link, remembered phone and open connection of this person.
    sign_in_version: Mapped[int] = mapped_column(default=1)
    #: When the row was written (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Member]] = relationship(back_populates="person", order_by="Member.id")

    @property
    def current(self) -> list[Member]:
        """Their memberships today, in the order they joined Kring's circles: who may act where."""
        return [m for m in self.memberships if m.active]

    def membership(self, circle_id: int) -> Member | None:
        """Their membership of a circle, current or former, or None."""
        return next((m for m in self.memberships if m.circle_id == circle_id), None)

    def get_id(self) -> str:
        """Flask-Login's session id: a revoked sign-in ends remembered sessions too."""
        return f"{self.id}:{self.sign_in_version}"


class Member(db.Model):
    """A person's membership of one circle: their role and place there, from when until when."""

    __table_args__ = (sa.UniqueConstraint("circle_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: Who: their name, language and sign-in.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: Facilitator, secretary, member or guest.
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.MEMBER)
    #: Place in the circle's ring: the default speaking order.
    position: Mapped[int] = mapped_column(default=0)
    #: The first day of their membership: from then on they are expected at meetings.
    joined_on: Mapped[dt.date] = mapped_column(default=clock.today)
    #: The day they left the circle (no longer a member from that day on); None while a member.
    #: Their record stays, shown as a former member's.
    left_on: Mapped[dt.date | None]
    #: When the row was written (UTC); says nothing about membership, which the dates above hold.
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship(back_populates="members")
    #: Loaded with the membership (one join), since nearly every page shows the member's name.
    person: Mapped[Person] = relationship(back_populates="memberships", lazy="joined", innerjoin=True)

    @hybrid_property
    def name(self) -> str:
        """The person's name: pages and the read side keep writing `member.name`."""
        return self.person.name

    @name.inplace.setter
    def _name_setter(self, value: str) -> None:
        """Name a membership's person; a membership made with only a name is a new person's."""
        if self.person is None:
            self.person = Person(name=value)
        else:
            self.person.name = value

    @name.inplace.expression
    @classmethod
    def _name_expression(cls) -> sa.ColumnElement[str]:
        return sa.select(Person.name).where(Person.id == cls.person_id).scalar_subquery()

    @hybrid_method
    def member_on(self, day: dt.date) -> bool:
        """Whether they were (or will be) a member of the circle on `day`."""
        return membership_covers(self.joined_on, self.left_on, day)

    @member_on.inplace.expression
    @classmethod
    def _member_on_expression(cls, day: Any) -> sa.ColumnElement[bool]:
        """The same in SQL; `day` a date or a parameter (`sa.bindparam`)."""
        return sa.and_(cls.joined_on <= day, sa.or_(cls.left_on.is_(None), cls.left_on > day))

    def expected_on(self, day: dt.date) -> bool:
        """Whether they were expected at a meeting on `day` (seated and a member then)."""
        return expected(self.role, self.joined_on, self.left_on, day)

    @hybrid_property
    def active(self) -> bool:
        """A member today: may sign in and act. Someone who left stays in the record."""
        return self.member_on(clock.today())

    @active.inplace.expression
    @classmethod
    def _active_expression(cls) -> sa.ColumnElement[bool]:
        return cls.member_on(clock.today())
