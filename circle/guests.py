"""The guest action: someone who opened a meeting's guest link joins it as a guest, for that day.

One transaction makes the guest's membership of the circle (the role GUEST,
from the meeting's day until the next, so it ends by itself), marks them
present at the meeting, and writes one entry in the circle's log,
`join_as_guest`, with the guest as its actor (docs/membership.md, "Guests").
The guest is a new person named by what they typed, or the person already
signed in on that phone (a member of another circle). The method decides
when the link lets anyone in (`method.check_guest_arrival`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from circle import clock, method
from circle.actions import Done, lock_meeting, log, person, unit_of_work
from circle.extensions import db
from circle.facts import rounds_held
from circle.method import NAME_MAX, Role, check_text, require
from circle.models import Attendance, Member, Person

#: The log entry's action: not a step anyone takes in a meeting, but what a guest link does.
JOIN_AS_GUEST = "join_as_guest"


@dataclass(frozen=True)
class _Arriving:
    """Who locks the meeting before their membership exists: only their circle is known."""

    circle_id: int


def guests_by_link(meeting_id: int) -> int:
    """How many guests have joined this meeting so far (by its link, or listed by hand)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Attendance).join(Attendance.member)
        .where(Attendance.meeting_id == meeting_id, Member.role == Role.GUEST)
    ) or 0


def name_taken(circle_id: int, name: str, day) -> bool:
    """Whether `name` would be confused with someone of the circle: any member, current or former, or a
    guest of the same day (guests of other days may share a name: the area team comes every month)."""
    wanted = name.casefold()
    return any(m.name.casefold() == wanted and (m.role != Role.GUEST or m.member_on(day))
               for m in db.session.scalars(sa.select(Member).where(Member.circle_id == circle_id)))


def join_as_guest(circle_id: int, meeting_id: int, name: str, who: Person | None = None) -> Done:
    """Join meeting `meeting_id` as a guest: a new person named `name`, or `who`, already signed in.

    Refused while the link does not work (`check_guest_arrival`), for a name
    the circle would confuse with someone else's (`name_taken`), and for a
    person who already has a membership of this circle, current or past
    (a current one needs no guest link; a past one cannot be doubled).
    """
    name = (who.name if who is not None else name).strip()
    check_text(name, NAME_MAX, required=True)
    with unit_of_work():
        meeting = lock_meeting(_Arriving(circle_id), meeting_id, None)
        method.check_guest_arrival(meeting.status, meeting.date, clock.today(), guests_by_link(meeting.id))
        require(who is None or who.membership(circle_id) is None, "guest_before")
        require(not name_taken(circle_id, name, meeting.date), "name_taken")
        since, until = method.guest_days(meeting.date)
        last = db.session.scalar(sa.select(sa.func.max(Member.position)).where(Member.circle_id == circle_id))
        guest = Member(circle_id=circle_id, role=Role.GUEST, position=(last or 0) + 1,
                       joined_on=since, left_on=until)
        if who is not None:
            guest.person = who
        else:
            guest.name = name
        db.session.add(guest)
        db.session.flush()
        late = rounds_held(meeting) > 0
        db.session.add(Attendance(meeting_id=meeting.id, member_id=guest.id, present=True, late=late))
        done = log(circle_id, guest, JOIN_AS_GUEST,
                   {"member": person(guest), "role": Role.GUEST.value, "since": since.isoformat(),
                    "until": until.isoformat(), "present": True, "late": late}, meeting, subject=guest.id)
    return done
