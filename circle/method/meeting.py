"""A meeting's own states: planned, open while it runs, closed; and who may say who is there."""

from __future__ import annotations

from circle.method.refusals import require
from circle.method.terms import RECORDING_ROLES, SEATED_ROLES, MeetingStatus, Role

__all__ = ["open_meeting", "close_meeting", "check_meeting_open", "check_attendance"]


def open_meeting(status: MeetingStatus) -> MeetingStatus:
    """Open a planned meeting."""
    require(status != MeetingStatus.CLOSED, "meeting_closed")
    require(status == MeetingStatus.PLANNED, "wrong_phase")
    return MeetingStatus.OPEN


def close_meeting(status: MeetingStatus, round_open: bool) -> MeetingStatus:
    """Close an open meeting once its last round has closed."""
    require(status == MeetingStatus.OPEN, "meeting_not_open")
    require(not round_open, "round_open")
    return MeetingStatus.CLOSED


def check_meeting_open(status: MeetingStatus) -> None:
    """Rounds, attendance and decisions happen only while the meeting is open."""
    require(status != MeetingStatus.CLOSED, "meeting_closed")
    require(status == MeetingStatus.OPEN, "meeting_not_open")


def check_attendance(role: Role, actor: int, member: int, present: bool, listed: bool) -> None:
    """The secretary and the facilitator mark anyone present or absent; anyone seated may say "I am here".

    `listed`: the person belongs on the meeting's list (a member of the circle on its date).
    """
    own = present and actor == member and role in SEATED_ROLES
    require(own or role in RECORDING_ROLES, "not_allowed")
    require(listed, "not_a_member_then")
