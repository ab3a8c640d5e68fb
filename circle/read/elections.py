"""An election as anyone may see it: the role, its term and tasks, whom the circle nominates, whom it chose.

The meeting's parts, the projector, the live state, the decision page and the
minutes show an election from here (docs/roles-and-elections.md, "Election").
Nominations count only from rounds whose answers may be seen (`round_view`):
a nomination round still waiting for answers shows nothing of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from circle import method
from circle.extensions import db
from circle.models import CircleRole, Contribution, Member, Proposal, ProposalVersion, RoleTerm, Round
from circle.read.rounds import round_view


@dataclass(frozen=True)
class Nominated:
    """One person nominated now, and by whom (each member's latest nomination)."""

    nominee: Member
    by: list[Member]


@dataclass(frozen=True)
class ElectionView:
    """An election at one of its versions (the latest unless told otherwise)."""

    proposal: Proposal
    version: ProposalVersion
    role: CircleRole
    #: Whom the circle nominates now, most nominations first; empty before a nomination round is revealed.
    tally: list[Nominated]
    #: The term the adopted election gave; None until it is adopted.
    term: RoleTerm | None

    @property
    def nominee(self) -> Member | None:
        """The person this version proposes; None until the facilitator proposes someone."""
        return self.version.nominee

    @property
    def term_from(self) -> dt.date | None:
        return self.version.term_from

    @property
    def term_until(self) -> dt.date | None:
        return self.version.term_until

    @property
    def chosen(self) -> bool:
        return self.proposal.phase == method.Phase.ADOPTED and self.nominee is not None


def is_election(proposal: Proposal | None) -> bool:
    return proposal is not None and proposal.kind == method.ProposalKind.ELECTION


def election_view(proposal: Proposal, version: ProposalVersion | None = None) -> ElectionView | None:
    """The election `proposal` is, at `version` (default: its latest); None for any other proposal."""
    if not is_election(proposal) or proposal.role is None:
        return None
    version = version or proposal.latest
    term = db.session.scalar(sa.select(RoleTerm).where(RoleTerm.proposal_id == proposal.id).limit(1))
    return ElectionView(proposal, version, proposal.role, tally(proposal), term)


def tally(proposal: Proposal) -> list[Nominated]:
    """Each member's latest nomination over the election's rounds that may be seen, grouped by nominee."""
    rounds = db.session.scalars(
        sa.select(Round).where(Round.proposal_id == proposal.id, Round.kind.in_(method.ELECTION_ROUNDS))
        .order_by(Round.id)
        .options(selectinload(Round.seats), selectinload(Round.contributions).selectinload(Contribution.nominee),
                 selectinload(Round.contributions).selectinload(Contribution.member))).all()
    seen = [round_view(r) for r in rounds]
    latest = method.latest_nominations([[(c.member_id, c.nominee_id) for c in rv.contributions] for rv in seen])
    people = {c.member_id: c.member for rv in seen for c in rv.contributions}
    people |= {c.nominee_id: c.nominee for rv in seen for c in rv.contributions if c.nominee is not None}
    grouped: dict[int, list[Member]] = {}
    for member, nominee in latest.items():
        grouped.setdefault(nominee, []).append(people[member])
    lines = [Nominated(people[n], sorted(by, key=lambda m: (m.position, m.id))) for n, by in grouped.items()]
    return sorted(lines, key=lambda line: (-len(line.by), line.nominee.position, line.nominee.id))
