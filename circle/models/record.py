"""The record's own rows: corrections, the hash-chained log, and who is connected now."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.extensions import db
from circle.models.base import utcnow

if TYPE_CHECKING:
    from circle.models.meetings import Contribution, Meeting
    from circle.models.people import Member


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
    #: The meeting it follows; None for a connection that follows a proposal's rounds between meetings.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    #: The proposal whose rounds between meetings it follows, if that is what it follows.
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
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
