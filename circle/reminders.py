"""Notices that come by the clock, not by an action: a round's deadline near, a review due, a task overdue.

tick runs these (circle/tick.py). Each asks the read side what is due today
and owes the people concerned a notice of it; the notice's unique key
(circle/notices.py) makes running them again, the same day or from two
processes at once, add nothing. The occasion in the key is the date the
notice is about, so a review date or a task's day that moves on brings a new
notice when it comes due again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import clock, notices
from circle.extensions import db
from circle.method import Role
from circle.models import Circle, NoticeKind, Round, RoundStatus
from circle.read.followup import overdue_tasks, reviews_due

#: How long before a round's deadline those who have not answered are reminded.
REMIND_BEFORE = dt.timedelta(days=1)


def remind_rounds() -> int:
    """A day before a round between meetings closes, remind those seated in it who have not answered.

    A round that was opened for less than that long gets no reminder: the
    notice that it waits for an answer came only just before.
    """
    now = clock.now()
    made = 0
    for rnd in db.session.scalars(sa.select(Round).where(
            Round.meeting_id.is_(None), Round.status == RoundStatus.OPEN, Round.deadline.is_not(None),
            Round.deadline > now, Round.deadline <= now + REMIND_BEFORE)):
        if rnd.deadline - rnd.started_at <= REMIND_BEFORE:
            continue
        answered = {c.member_id for c in rnd.contributions}
        made += notices.notify(NoticeKind.ROUND_REMINDER, rnd.id,
                               [s.member for s in rnd.seats if s.member_id not in answered],
                               circle_id=rnd.circle_id)
    db.session.commit()
    return made


def note_reviews_due() -> int:
    """On a decision's review day (or after, while it waits for an agenda), tell everyone seated in its circle."""
    made = 0
    for proposal, version in reviews_due(clock.today()):
        circle = db.session.get(Circle, proposal.circle_id)
        made += notices.notify(NoticeKind.REVIEW_DUE, proposal.id, circle.seated, circle_id=circle.id,
                               occasion=version.review_date.isoformat())
    db.session.commit()
    return made


def note_tasks_overdue() -> int:
    """The day after a task's day, not done: tell whoever carries it out, and the circle's facilitator."""
    made = 0
    for task in overdue_tasks(clock.today()):
        circle = db.session.get(Circle, task.circle_id)
        people = [task.carrier] + [m for m in circle.seated if m.role == Role.FACILITATOR]
        made += notices.notify(NoticeKind.TASK_OVERDUE, task.id, [m for m in people if m.active],
                               circle_id=task.circle_id, occasion=task.due_on.isoformat())
    db.session.commit()
    return made
