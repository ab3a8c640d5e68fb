"""Guests: someone who follows one meeting by its guest link, never answers, and is listed as a guest.

A meeting's guest link works on the meeting's day while the meeting is not
closed. Whoever opens it gives a name and becomes a guest of the circle for
that day only: a membership with the role GUEST from the meeting's day until
the next (docs/membership.md, "Guests"). Guests never sit in a round, never
count for quorum, and never take a step (permissions.py).
"""

from __future__ import annotations

import datetime as dt

from circle.method.refusals import require
from circle.method.terms import MeetingStatus

__all__ = ["GUESTS_MAX", "check_guest_arrival", "check_guest_link_shown", "guest_days"]

#: The most guests one meeting takes by its link: the area team and a civil servant or two, with room to
#: spare; a link posted where it should not be cannot fill the circle's record with names.
GUESTS_MAX = 50


def check_guest_arrival(status: MeetingStatus, meeting_day: dt.date, today: dt.date, guests: int) -> None:
    """Refuse a guest by the link unless the meeting is not closed, it is its day, and there is room.

    `guests`: how many guests came to this meeting by its link so far.
    """
    require(status != MeetingStatus.CLOSED, "meeting_closed")
    require(today >= meeting_day, "guest_link_early")
    require(today <= meeting_day, "guest_link_over")
    require(guests < GUESTS_MAX, "guests_full")


def check_guest_link_shown(status: MeetingStatus, meeting_day: dt.date, today: dt.date) -> None:
    """Refuse to show a meeting's guest link once it can no longer let anyone in; before the day it may be
    handed out already."""
    require(status != MeetingStatus.CLOSED, "meeting_closed")
    require(today <= meeting_day, "guest_link_over")


def guest_days(meeting_day: dt.date) -> tuple[dt.date, dt.date]:
    """A guest's membership: from the meeting's day until the next, when it ends by itself."""
    return meeting_day, meeting_day + dt.timedelta(days=1)
