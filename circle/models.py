"""The database: circles, people and their memberships, meetings, proposals, rounds and the hash-chained record.

Rows that make up the record (versions, contributions, log entries) are only
ever added. State that moves (a proposal's phase, who is present now) sits on
its own row, and every change to it is written to the log in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle import clock
from circle.extensions import db
from circle.method import (
    Answer,
    MeetingStatus,
    NameDisplay,
    ObjectionStatus,
    Phase,
    Role,
    RoundKind,
    RoundMode,
    SEATED_ROLES,
    expected,
    membership_covers,
    quorum_needed,
)


def utcnow() -> dt.datetime:
    """Now, in UTC, to the second: what the record shows and hashes (from circle/clock.py)."""
    return clock.now()


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """Store an enum by its value, as a short string, on every database."""
    return sa.Enum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class RoundStatus(StrEnum):
    """A round is open, then closed; postponing a proposal abandons its open round."""

    OPEN = "open"
    CLOSED = "closed"
    ABANDONED = "abandoned"


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
    #: Number of entries in the circle's log; a removed last entry shows against it.
    log_length: Mapped[int] = mapped_column(default=0)
    #: Hash of the circle's latest log entry (hex); None while the log is empty.
    log_head: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the circle was created (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[Member]] = relationship(
        back_populates="circle", order_by="Member.position"
    )

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
    #: The language they chose ("nl", "en"); None until they choose: their browser's counts then.
    language: Mapped[str | None] = mapped_column(sa.String(8))
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

    def member_on(self, day: dt.date) -> bool:
        """Whether they were (or will be) a member of the circle on `day`."""
        return membership_covers(self.joined_on, self.left_on, day)

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
        today = clock.today()
        return sa.and_(cls.joined_on <= today, sa.or_(cls.left_on.is_(None), cls.left_on > today))


class Meeting(db.Model):
    """A meeting of a circle: attendance, an agenda, rounds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle that meets.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: A short title, e.g. "November meeting".
    title: Mapped[str] = mapped_column(sa.String(200))
    #: The day the meeting is held.
    date: Mapped[dt.date]
    #: Planned, open or closed.
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus), default=MeetingStatus.PLANNED
    )
    #: Raised by every change to the meeting, so a client can tell it missed one.
    version: Mapped[int] = mapped_column(default=1)
    #: The proposal the facilitator is on now, if any.
    current_proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"))
    #: When the meeting was planned (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position"
    )
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting")
    rounds: Mapped[list[Round]] = relationship(back_populates="meeting", order_by="Round.number")
    current_proposal: Mapped[Proposal | None] = relationship(foreign_keys=[current_proposal_id])

    @property
    def quorum(self) -> int:
        """How many seated members must be present for a consent round: counted from the members
        of the circle on the meeting's date (docs/quorum.md)."""
        return quorum_needed(len(self.circle.seated_on(self.date)), self.circle.quorum)

    def people(self, marked: set[int] | frozenset[int] = frozenset()) -> list[Member]:
        """Who belongs on this meeting's list: members on its date, and anyone marked there (`marked`)."""
        return [m for m in self.circle.members if m.member_on(self.date) or m.id in marked]


class Attendance(db.Model):
    """Whether a member is present at a meeting now; each change is in the log."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The meeting.
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: The member.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Present now.
    present: Mapped[bool] = mapped_column(default=True)
    #: First marked present after the meeting's first round had started.
    late: Mapped[bool] = mapped_column(default=False)
    #: When this was last changed (UTC).
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()


class Proposal(db.Model):
    """A proposal (voorstel): its versions, its rounds, its outcome."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle that decides on it.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: Who brought it in.
    proposer_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Where it stands in the method.
    phase: Mapped[Phase] = mapped_column(enum_type(Phase), default=Phase.DRAFT)
    #: Number of its latest version (versions count from 1).
    current_version: Mapped[int] = mapped_column(default=1)
    #: When it was adopted, postponed or withdrawn last (UTC).
    decided_at: Mapped[dt.datetime | None]
    #: When it was first written (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposer: Mapped[Member] = relationship()
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    objections: Mapped[list[Objection]] = relationship(
        back_populates="proposal", order_by="Objection.id"
    )

    @property
    def latest(self) -> ProposalVersion:
        """The version now under discussion (or adopted)."""
        return self.versions[-1]


class ProposalVersion(db.Model):
    """One numbered version of a proposal; never overwritten."""

    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal.
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: 1, 2, 3, ...
    number: Mapped[int]
    #: A short title.
    title: Mapped[str] = mapped_column(sa.String(200))
    #: What we would do: the proposal itself.
    text: Mapped[str] = mapped_column(sa.Text)
    #: Why: background to the proposal.
    background: Mapped[str] = mapped_column(sa.Text, default="")
    #: When the circle looks back at this decision (evaluatiedatum).
    review_date: Mapped[dt.date | None]
    #: How we will see that it works.
    success_criteria: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who carries it out.
    carried_out_by: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Why this version differs from the one before (empty for version 1).
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who wrote this version.
    written_by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: When it was written (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    written_by: Mapped[Member] = relationship()


class AgendaItem(db.Model):
    """A proposal on a meeting's agenda, and what became of it in that meeting."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The meeting.
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: The proposal.
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: Place on the agenda.
    position: Mapped[int] = mapped_column(default=0)
    #: Adopted, postponed or withdrawn in this meeting; None while open.
    outcome: Mapped[Phase | None] = mapped_column(enum_type(Phase))
    #: The item reviews an adopted decision (evaluatie) rather than deciding a new one.
    review: Mapped[bool] = mapped_column(default=False)
    #: When the outcome was reached in this meeting (UTC); None while open.
    decided_at: Mapped[dt.datetime | None]
    #: The version of the proposal the outcome was about; None while open.
    version: Mapped[int | None]

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    proposal: Mapped[Proposal] = relationship()


class Round(db.Model):
    """A round of a meeting: who must answer (seats) and their contributions."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The meeting it is held in.
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: 1, 2, 3, ... within the meeting.
    number: Mapped[int]
    #: The proposal it is about; None for the opening and closing rounds.
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: The version of the proposal under discussion when the round started.
    proposal_version: Mapped[int | None]
    #: Opening, picture-forming, opinion, consent or closing.
    kind: Mapped[RoundKind] = mapped_column(enum_type(RoundKind))
    #: In turn or open.
    mode: Mapped[RoundMode] = mapped_column(enum_type(RoundMode))
    #: Consent answers stay hidden until the last one is in.
    reveal: Mapped[bool] = mapped_column(default=False)
    #: Open, closed or abandoned.
    status: Mapped[RoundStatus] = mapped_column(enum_type(RoundStatus), default=RoundStatus.OPEN)
    #: Who started it.
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: When it started (UTC).
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When it closed (UTC).
    closed_at: Mapped[dt.datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="rounds")
    proposal: Mapped[Proposal | None] = relationship()
    seats: Mapped[list[Seat]] = relationship(back_populates="round", order_by="Seat.position")
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="round", order_by="Contribution.position"
    )


class Seat(db.Model):
    """A member who must answer in a round, at a place in its speaking order."""

    __table_args__ = (sa.UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The round.
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    #: The member.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Speaking order; a skipped speaker gets the next number after the last.
    position: Mapped[int]
    #: Added by the facilitator after the round started (a late arrival).
    added_late: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="seats")
    member: Mapped[Member] = relationship()


class Contribution(db.Model):
    """What a member said or answered in a round; never edited."""

    __table_args__ = (
        sa.UniqueConstraint("round_id", "member_id"),
        sa.UniqueConstraint("recorded_by_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The round.
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    #: Order within the round: 1 is the first answer given.
    position: Mapped[int]
    #: Whose contribution it is.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Who typed it in: the member, or the secretary or facilitator for them.
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Speak, pass, consent or objection.
    answer: Mapped[Answer] = mapped_column(enum_type(Answer))
    #: What was said; with consent a remark (a concern), with an objection its reason.
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: An id the sender made, so a resent submission is stored once.
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: When it was given (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(back_populates="contributions")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    recorded_by: Mapped[Member] = relationship(foreign_keys=[recorded_by_id])

    @property
    def on_behalf(self) -> bool:
        """Recorded by someone else for the member."""
        return self.recorded_by_id != self.member_id


class Objection(db.Model):
    """A reasoned objection to one version of a proposal, and how it ended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal objected to.
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: The consent answer that raised it; its text is the reason (what it harms in our aim).
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contribution.id"), unique=True)
    #: Who objected.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: The version objected to.
    version: Mapped[int]
    #: What would make it workable for the maker.
    workable: Mapped[str] = mapped_column(sa.Text, default="")
    #: Standing, withdrawn or met.
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_type(ObjectionStatus), default=ObjectionStatus.STANDING
    )
    #: The facilitator tested it (getoetst): it is reasoned and about our aim.
    tested: Mapped[bool] = mapped_column(default=False)
    #: The version its maker consented to, when it was met.
    met_by_version: Mapped[int | None]
    #: When it ended (UTC).
    ended_at: Mapped[dt.datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="objections")
    contribution: Mapped[Contribution] = relationship()
    member: Mapped[Member] = relationship()


class Correction(db.Model):
    """A correction of something recorded: a new entry pointing at the original; both stay visible."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle whose record is corrected.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: The contribution whose text is corrected, if that is what is corrected.
    contribution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contribution.id"), index=True)
    #: The meeting whose minutes are corrected (e.g. a typo in its title), if that is what is corrected.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: The corrected text, as it should have read.
    text: Mapped[str] = mapped_column(sa.Text)
    #: Why it was corrected.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who corrected it (the secretary).
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: The log entry that records the correction.
    log_seq: Mapped[int]
    #: When it was corrected (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    contribution: Mapped[Contribution | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    recorded_by: Mapped[Member] = relationship()


class LogEntry(db.Model):
    """One entry of a circle's append-only, hash-chained log (logboek).

    `hash` is SHA-256 over the canonical form of the entry, which includes the
    previous entry's hash: see circle/record.py and docs/record-format.md.
    """

    __table_args__ = (sa.UniqueConstraint("circle_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle whose chain it belongs to.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"))
    #: 1, 2, 3, ... within the circle, without gaps.
    seq: Mapped[int]
    #: When it was written, UTC, ISO 8601 to the second, as hashed.
    at: Mapped[str] = mapped_column(sa.String(20))
    #: Who did it (None for a command run by an administrator).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"))
    #: What was done, e.g. "start_round".
    action: Mapped[str] = mapped_column(sa.String(40))
    #: The facts of the action as canonical JSON, as hashed.
    data: Mapped[str] = mapped_column(sa.Text)
    #: The previous entry's hash; "" for the first entry.
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 (hex) over this entry's canonical form.
    hash: Mapped[str] = mapped_column(sa.String(64))

    actor: Mapped[Member | None] = relationship()


class Connection(db.Model):
    """A phone (or console, or projector) connected to a meeting's live view right now.

    Presence, not record: a row lives while its Socket.IO connection does and
    is never logged. Any server process may hold a connection, so this table,
    not a process's memory, says who is connected (see circle/presence.py).
    """

    #: The Socket.IO session id of the connection.
    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: The meeting it follows.
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: Who is signed in on it (their membership of the meeting's circle).
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Their person's sign-in version when it connected: once raised, the connection is closed.
    sign_in_version: Mapped[int] = mapped_column(default=1)
    #: The server process that holds it, as "host:pid"; its rows go when that host's server restarts.
    server: Mapped[str] = mapped_column(sa.String(80))
    #: What it is sent: "json" (a program: the meeting state) or the kind of page it shows
    #: ("console", "recorder", "member", "projector": the page's parts, circle/broadcast.py).
    kind: Mapped[str] = mapped_column(sa.String(16), default="json")
    #: The language its page parts are drawn in.
    lang: Mapped[str] = mapped_column(sa.String(8), default="nl")
    #: When it connected (UTC).
    connected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
