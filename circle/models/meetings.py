"""Meetings: attendance, the agenda, rounds, seats and what was said."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.extensions import db
from circle.method import (
    Answer,
    MeetingStatus,
    Phase,
    RoundKind,
    RoundEnd,
    RoundMode,
    quorum_on,
)
from circle.models.base import enum_type, utcnow

if TYPE_CHECKING:
    from circle.models.people import Circle, Member
    from circle.models.proposals import Proposal


class RoundStatus(StrEnum):
    """A round is open, then closed; postponing a proposal abandons its open round."""

    OPEN = "open"
    CLOSED = "closed"
    ABANDONED = "abandoned"


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
    #: Who steers it after a handover or a takeover; None: the circle's facilitator.
    steered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"))
    #: Since when whoever steers has had no connection to the meeting (UTC); None while connected.
    steerer_away_since: Mapped[dt.datetime | None]
    #: Speaking time per turn in seconds, shown as a countdown; None: no timer.
    turn_seconds: Mapped[int | None]
    #: Number of the meeting's latest ready check; 0: none asked yet.
    ready_check: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Whether the latest ready check is still open (the console shows who is not ready yet).
    ready_open: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: When the meeting was planned (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship()
    steered_by: Mapped[Member | None] = relationship(foreign_keys=[steered_by_id])
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position"
    )
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting")
    rounds: Mapped[list[Round]] = relationship(back_populates="meeting", order_by="Round.number")
    current_proposal: Mapped[Proposal | None] = relationship(foreign_keys=[current_proposal_id])

    @property
    def quorum(self) -> int:
        """How many seated members must be present for a consent round: counted from the members
        of the circle on the meeting's date (docs/membership.md, "Quorum")."""
        return quorum_on(self.circle.members, self.date, self.circle.quorum)


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
    """A round of a meeting, or between meetings: who must answer (seats) and their contributions."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle whose round it is.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: The meeting it is held in; None for a round between meetings (docs/between-meetings.md).
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: 1, 2, 3, ... within the meeting; between meetings, within the proposal's rounds between meetings.
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
    #: When the current speaker's turn began (UTC): the speaking time counts down from here.
    turn_started_at: Mapped[dt.datetime | None]
    #: When it closed (UTC); at its deadline, the deadline, however late the server noticed.
    closed_at: Mapped[dt.datetime | None]
    #: Between meetings: when it closes by itself (UTC). None in a meeting.
    deadline: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: Between meetings: how it ended (everyone answered, its deadline, or the facilitator early).
    ended: Mapped[RoundEnd | None] = mapped_column(enum_type(RoundEnd))
    #: Between meetings: silence at its deadline counts as consent in this round (the circle's rule for
    #: this kind of decision when it opened; docs/between-meetings.md).
    silence_counts: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Between meetings: at its deadline, silence was counted as consent.
    silence_as_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    meeting: Mapped[Meeting | None] = relationship(back_populates="rounds")
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
    #: What was said; with consent a remark (a concern), with an objection its reason; with a nomination why.
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: In an election's nomination rounds: whom the member nominates.
    nominee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"))
    #: An id the sender made, so a resent submission is stored once.
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: When it was given (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(back_populates="contributions")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    recorded_by: Mapped[Member] = relationship(foreign_keys=[recorded_by_id])
    nominee: Mapped[Member | None] = relationship(foreign_keys=[nominee_id])

    @property
    def on_behalf(self) -> bool:
        """Recorded by someone else for the member."""
        return self.recorded_by_id != self.member_id
