"""A large, realistic record for query-count tests and benchmarks, built in seconds.

`make_big_record(decisions, contributions)` makes one circle of twelve people
with full names (eleven seated, one guest; its record private) and a meeting
every fortnight, one per ten decisions up to a hundred, the last one still
planned. `decisions` proposals are spread over them: adopted (1 to 3 versions,
objections met or withdrawn on the way), postponed, withdrawn, some adopted
ones back on the planned meeting's agenda for their review, and a few drafts
on it still in progress. Their rounds (check-in, picture-forming, opinion,
consent; in turn, or open with a simultaneous reveal) hold exactly
`contributions` contributions (given at least 3 decisions). Attendance (some
absent, some late), agenda items with their outcomes, seats, objections, a few
corrections, and a hash-chained log with one entry per action, as the real
actions write them: `record.verify` accepts it.

Rows go in with bulk inserts (SQLAlchemy core, lists of dicts), so 1,000
decisions and 20,000 contributions take a few seconds. The same arguments
always give the same record (a seeded random generator); only the database
ids depend on what the database already holds.

Texts are Dutch, about containers, zwerfafval, the moestuin, the buurtfeest,
so full-text search has something to find. Call it inside an app context.

The builder is tests/bigrecord_builder.py (the circle, its meetings, the
insert), a proposal's rounds up to its decision tests/bigrecord_rounds.py,
the people and texts tests/bigrecord_words.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from circle.extensions import db
from circle.method import MeetingStatus, Phase, Role
from circle.models import AgendaItem, Meeting, Member, Objection, Proposal
from tests.bigrecord_builder import Builder

#: (decisions, contributions) of the records the query-count test and the benchmark compare.
#: The small one still has a second page of decisions and of search results.
SMALL = (60, 900)
LARGE = (1000, 20_000)


def make_big_record(decisions: int = 1000, contributions: int = 20_000) -> int:
    """Build the circle and its whole record; return the circle's id."""
    return Builder(decisions, contributions).build()


@dataclass(frozen=True)
class Sample:
    """A built record and the ids its pages are reached with."""

    circle_id: int
    #: The adopted decision with the most versions (then the most objections).
    decision_id: int
    #: The closed meeting with the most agenda items.
    meeting_id: int
    #: The facilitator, to read as a member.
    member_id: int


def sample(circle_id: int) -> Sample:
    """The richest decision and meeting of a record, so their pages have the most to show."""
    objections = (sa.select(sa.func.count(Objection.id)).where(Objection.proposal_id == Proposal.id)
                  .scalar_subquery())
    decision = db.session.scalar(
        sa.select(Proposal.id)
        .where(Proposal.circle_id == circle_id, Proposal.phase == Phase.ADOPTED)
        .order_by(Proposal.current_version.desc(), objections.desc(), Proposal.id)
        .limit(1))
    items = sa.select(sa.func.count(AgendaItem.id)).where(AgendaItem.meeting_id == Meeting.id).scalar_subquery()
    meeting = db.session.scalar(
        sa.select(Meeting.id)
        .where(Meeting.circle_id == circle_id, Meeting.status == MeetingStatus.CLOSED)
        .order_by(items.desc(), Meeting.id)
        .limit(1))
    member = db.session.scalar(
        sa.select(Member.id).where(Member.circle_id == circle_id, Member.role == Role.FACILITATOR))
    return Sample(circle_id, decision, meeting, member)
