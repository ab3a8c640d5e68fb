"""The database: circles, people and their memberships, meetings, proposals, rounds and the hash-chained record.

Rows that make up the record (versions, contributions, log entries) are only
ever added. State that moves (a proposal's phase, who is present now) sits on
its own row, and every change to it is written to the log in the same
transaction.
"""

from circle.models.base import enum_type, utcnow
from circle.models.meetings import (
    AgendaItem,
    Attendance,
    Contribution,
    Meeting,
    Round,
    RoundStatus,
    Seat,
)
from circle.models.notices import Delivery, Notice, NoticeDigest, NoticeKind, NoticePreference
from circle.models.people import Circle, Member, Person
from circle.models.proposals import Objection, Proposal, ProposalVersion
from circle.models.record import Connection, Correction, LogEntry
from circle.models.roles import CircleRole, ReadyMark, RoleTerm
from circle.models.tasks import Task, TaskChange

__all__ = [
    "AgendaItem", "Attendance", "Circle", "CircleRole", "Connection", "Contribution", "Correction", "Delivery", "LogEntry",
    "Meeting", "Member", "Notice", "NoticeDigest", "NoticeKind", "NoticePreference", "Objection", "Person",
    "Proposal", "ProposalVersion", "ReadyMark", "RoleTerm", "Round", "RoundStatus", "Seat", "Task",
    "TaskChange", "enum_type", "utcnow",
]
