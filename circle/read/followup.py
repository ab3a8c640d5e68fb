"""Between meetings, read: the next meeting and its agenda, what waits to go on it, and the tasks of decisions.

Only reads, each in a fixed number of queries (per circle). The circle home, the next
meeting's page (where the facilitator shapes the agenda) and the decision page
read from here, and so may the notices: `overdue_tasks` and `reviews_due`
answer for every circle at once when no circle is named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from circle.extensions import db
from circle.facts import waits_for_meeting
from circle.method import FINAL_PHASES, WAITING_PHASES, MeetingStatus, Phase, TaskStatus
from circle.models import AgendaItem, Meeting, Proposal, ProposalVersion, Round, Task, TaskChange
from circle.read.reviews import due_reviews


def next_meeting(circle_id: int, today: dt.date) -> Meeting | None:
    """The circle's next meeting: the first planned one from today on (by date, then as planned)."""
    return db.session.scalar(
        sa.select(Meeting).where(Meeting.circle_id == circle_id, Meeting.status == MeetingStatus.PLANNED,
                                 Meeting.date >= today)
        .order_by(Meeting.date, Meeting.id).limit(1)
        .options(selectinload(Meeting.agenda).selectinload(AgendaItem.proposal).selectinload(Proposal.versions)))


@dataclass(frozen=True)
class Waiting:
    """A topic or draft waiting for an agenda: put forward for the next meeting, postponed, only written, or
    sent on by a consent round between meetings that ended with answers missing."""

    proposal: Proposal
    version: ProposalVersion
    #: Sent to the next meeting by a round between meetings (docs/between-meetings.md), as it stands.
    sent_on: bool = False

    @property
    def put_forward(self) -> bool:
        return self.proposal.put_forward_at is not None

    @property
    def order(self) -> tuple:
        """Put forward first (oldest first), then what a round or a meeting sent on, then other drafts."""
        p = self.proposal
        rank = 0 if self.put_forward else 1 if self.sent_on or p.phase == Phase.POSTPONED else 2
        return (rank, p.put_forward_at or dt.datetime.min, p.id)


def _latest_with_agenda(*conditions) -> sa.Select:
    """Proposals on no agenda now, with their latest version and their proposer."""
    return (sa.select(Proposal, ProposalVersion)
            .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                           ProposalVersion.number == Proposal.current_version))
            .outerjoin(AgendaItem, sa.and_(AgendaItem.proposal_id == Proposal.id, AgendaItem.outcome.is_(None)))
            .where(AgendaItem.id.is_(None), *conditions)
            .options(joinedload(Proposal.proposer)))


def waiting(circle_id: int) -> list[Waiting]:
    """Every topic and draft on no agenda yet, in the order the facilitator is offered them.

    Besides the pool (drafts and postponed proposals), a proposal whose consent
    round between meetings ended with answers missing waits for the next meeting
    in the phase it reached (`facts.waits_for_meeting`).
    """
    found = [Waiting(p, v) for p, v in db.session.execute(_latest_with_agenda(
        Proposal.circle_id == circle_id, Proposal.phase.in_(WAITING_PHASES)))]
    between = sa.select(Round.id).where(Round.proposal_id == Proposal.id, Round.meeting_id.is_(None)).exists()
    found += [Waiting(p, v, sent_on=True) for p, v in db.session.execute(_latest_with_agenda(
        Proposal.circle_id == circle_id, Proposal.phase.not_in(WAITING_PHASES | FINAL_PHASES), between))
        if waits_for_meeting(p)]
    return sorted(found, key=lambda w: w.order)


# --- Tasks --------------------------------------------------------------------------------------


def _tasks(*conditions) -> sa.Select:
    return (sa.select(Task).where(*conditions)
            .options(joinedload(Task.carrier), joinedload(Task.proposal).selectinload(Proposal.versions))
            .order_by(Task.due_on, Task.id))


def tasks_of(proposal_id: int) -> list[Task]:
    """A decision's tasks, each with every change to it (who, when, what they said), by day due."""
    return list(db.session.scalars(
        _tasks(Task.proposal_id == proposal_id)
        .options(selectinload(Task.changes).joinedload(TaskChange.by),
                 selectinload(Task.changes).joinedload(TaskChange.carrier))))


def open_tasks(circle_id: int) -> list[Task]:
    """The circle's tasks not done yet, soonest first."""
    return list(db.session.scalars(_tasks(Task.circle_id == circle_id, Task.status != TaskStatus.DONE)))


def overdue_tasks(today: dt.date, circle_id: int | None = None) -> list[Task]:
    """Tasks not done whose day has passed, in one circle or in all: what a notice "a task is overdue" is about."""
    conditions = [Task.status != TaskStatus.DONE, Task.due_on < today]
    if circle_id is not None:
        conditions.append(Task.circle_id == circle_id)
    return list(db.session.scalars(_tasks(*conditions)))


def reviews_due(today: dt.date, circle_id: int | None = None) -> list[tuple[Proposal, ProposalVersion]]:
    """Adopted decisions whose review date has come and that wait for an agenda, in one circle or in all.

    The circle home looks 30 days ahead (reviews.due_reviews); a notice "a
    review is due" is about the day itself.
    """
    if circle_id is not None:
        circles = [circle_id]
    else:
        circles = list(db.session.scalars(sa.select(Proposal.circle_id).distinct().where(
            Proposal.phase == Phase.ADOPTED)))
    return [(p, v) for c in circles for p, v in due_reviews(c, today) if v.review_date <= today]


@dataclass(frozen=True)
class Overdue:
    """A decision with overdue tasks, offered for the next agenda: the circle looks at it again."""

    proposal: Proposal
    tasks: list[Task]


def overdue_decisions(circle_id: int, today: dt.date) -> list[Overdue]:
    """Adopted decisions with overdue tasks that are on no agenda now, oldest task first.

    Putting one on an agenda is putting it up for review (proposals.put_on_agenda):
    the meeting looks at the decision and its tasks together.
    """
    by_proposal: dict[int, Overdue] = {}
    on_agenda = set(db.session.scalars(sa.select(AgendaItem.proposal_id).join(Proposal).where(
        Proposal.circle_id == circle_id, AgendaItem.outcome.is_(None))))
    for task in overdue_tasks(today, circle_id):
        if task.proposal.phase == Phase.ADOPTED and task.proposal_id not in on_agenda:
            by_proposal.setdefault(task.proposal_id, Overdue(task.proposal, [])).tasks.append(task)
    return list(by_proposal.values())


@dataclass
class TaskEntry:
    """A task as the minutes and their files show it: as it stands when they are read."""

    what: str
    who: str
    due_on: dt.date
    #: open, started, done or stuck.
    status: str


def task_entries(proposal_ids: list[int], name) -> dict[int, list[TaskEntry]]:
    """The tasks of these decisions, by proposal, with names as the reader may see them (one query)."""
    found: dict[int, list[TaskEntry]] = {}
    if proposal_ids:
        for task in db.session.scalars(_tasks(Task.proposal_id.in_(proposal_ids))):
            found.setdefault(task.proposal_id, []).append(
                TaskEntry(task.what, name(task.carrier), task.due_on, task.status.value))
    return found
