"""Reviews (evaluatie): adopted decisions coming up for review, and what a review brings back.

An adopted decision carries a review date. When it comes near, the circle
home lists it, and the facilitator or secretary puts it on a meeting's agenda
for review (`proposals.put_on_agenda`, which moves it to REVIEW). At the
review the meeting page shows the decision's success criteria and the
concerns given with consent, kept with the decision for this moment. Only
reads here, each in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from circle import clock
from circle.extensions import db
from circle.method import Answer, Phase, RoundKind, is_overdue
from circle.models import (
    AgendaItem,
    Contribution,
    Meeting,
    Member,
    Proposal,
    ProposalVersion,
    Round,
    RoundStatus,
    Task,
)

#: How far ahead the circle home looks for decisions due for review.
REVIEW_HORIZON = dt.timedelta(days=30)


def due_reviews(circle_id: int, today: dt.date) -> list[tuple[Proposal, ProposalVersion]]:
    """Adopted decisions whose review date falls within the horizon (or has passed), soonest first.

    An adopted decision is on no agenda (putting it on one for review moves it
    to REVIEW). One that was already reviewed, in a meeting inside this window,
    is not due again until its review date moves on.
    """
    due = [tuple(r) for r in db.session.execute(
        sa.select(Proposal, ProposalVersion)
        .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                       ProposalVersion.number == Proposal.current_version))
        .outerjoin(AgendaItem, sa.and_(AgendaItem.proposal_id == Proposal.id,
                                       AgendaItem.outcome.is_(None)))
        .where(Proposal.circle_id == circle_id, Proposal.phase == Phase.ADOPTED,
               AgendaItem.id.is_(None), ProposalVersion.review_date.is_not(None),
               ProposalVersion.review_date <= today + REVIEW_HORIZON)
        .order_by(ProposalVersion.review_date, Proposal.id))]
    if not due:
        return due
    reviewed: dict[int, dt.date] = {}
    for pid, day in db.session.execute(
            sa.select(AgendaItem.proposal_id, Meeting.date).join(Meeting)
            .where(AgendaItem.proposal_id.in_([p.id for p, _ in due]), AgendaItem.review.is_(True),
                   AgendaItem.outcome == Phase.ADOPTED)):
        reviewed[pid] = max(day, reviewed.get(pid, day))
    return [(p, v) for p, v in due
            if p.id not in reviewed or reviewed[p.id] < v.review_date - REVIEW_HORIZON]


def review_dates(circle_id: int) -> list[tuple[Proposal, ProposalVersion]]:
    """Adopted decisions with a review date, for the calendar feed."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Proposal, ProposalVersion)
        .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                       ProposalVersion.number == Proposal.current_version))
        .where(Proposal.circle_id == circle_id, Proposal.phase == Phase.ADOPTED,
               ProposalVersion.review_date.is_not(None))
        .order_by(ProposalVersion.review_date, Proposal.id))]


@dataclass
class ReviewNotes:
    """What a review brings back to the table: the decision's version, its criteria, its concerns."""

    version: ProposalVersion
    decided_in: Meeting | None
    concerns: list[tuple[Member, str]]
    #: The decision's tasks and which of them are overdue: a review looks at how it was carried out.
    tasks: list[Task] = field(default_factory=list)
    overdue: set[int] = field(default_factory=set)


def review_notes(meeting: Meeting, proposal: Proposal) -> ReviewNotes | None:
    """For a proposal under review on this meeting's agenda, the decision being reviewed."""
    if not any(i.proposal_id == proposal.id and i.review for i in meeting.agenda):
        return None
    adopted = db.session.scalar(  # in an earlier meeting, or between meetings (no meeting then)
        sa.select(Round).outerjoin(Meeting, Meeting.id == Round.meeting_id)
        .where(Round.proposal_id == proposal.id, sa.or_(Round.meeting_id.is_(None), Round.meeting_id != meeting.id),
               Round.kind == RoundKind.CONSENT, Round.status == RoundStatus.CLOSED)
        .order_by(sa.func.coalesce(Meeting.date, sa.func.date(Round.closed_at)).desc(), Meeting.id.desc(),
                  Round.number.desc(), Round.id.desc()).limit(1)
        .options(joinedload(Round.meeting)))
    number = adopted.proposal_version if adopted else proposal.current_version
    version = next((v for v in proposal.versions if v.number == number), proposal.latest)
    concerns = [] if adopted is None else [tuple(r) for r in db.session.execute(
        sa.select(Member, Contribution.text).join(Contribution, Contribution.member_id == Member.id)
        .where(Contribution.round_id == adopted.id, Contribution.answer == Answer.CONSENT,
               Contribution.text != "").order_by(Contribution.position))]
    tasks = list(db.session.scalars(sa.select(Task).where(Task.proposal_id == proposal.id)
                                    .order_by(Task.due_on, Task.id).options(joinedload(Task.carrier))))
    today = clock.today()
    return ReviewNotes(version, adopted.meeting if adopted else None, concerns, tasks,
                       {t.id for t in tasks if is_overdue(t.status, t.due_on, today)})
