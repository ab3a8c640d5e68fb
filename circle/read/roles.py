"""Roles and sub-circles, read: who holds what until when, what to choose again, and the circles within.

Only reads. A circle whose method roles have no rows yet (founded before roles
were stored) still shows them: the facilitator and the secretary as their
meeting roles say, "no term recorded". Each function runs a fixed number of
queries per circle (docs/roles-and-elections.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from circle import method
from circle.extensions import db
from circle.method import FINAL_PHASES, Phase, ProposalKind, RoleKind, TermState
from circle.models import Circle, CircleRole, Member, Person, Proposal, ProposalVersion, RoleTerm, Task
from circle.read.followup import open_tasks

#: How many of a sub-circle's decisions its parent's home shows; its logbook holds them all.
SUB_DECISIONS = 3


@dataclass
class RoleLine:
    """One role of a circle as its home shows it: who holds it, until when, and whether to choose again."""

    kind: RoleKind
    #: The circle the role is held in; for a leader, the sub-circle.
    circle: Circle
    #: The circle's own role's row; None for a method role without one yet.
    role: CircleRole | None = None
    #: The term running today (held, near its end, or overdue); None if nobody holds it by a term.
    term: RoleTerm | None = None
    #: A term recorded ahead, beginning after today.
    next_term: RoleTerm | None = None
    #: Who has the meeting role without a term (a facilitator from before terms were recorded).
    untermed: list[Member] = field(default_factory=list)
    state: TermState | None = None
    #: An election for the role under way (written, not yet decided or withdrawn).
    election: Proposal | None = None

    @property
    def key(self) -> str:
        """How the form to record a term names this role (`method.role_key`)."""
        return method.role_key(self.kind, self.circle.id, self.role.id if self.role else None)

    @property
    def name(self) -> str:
        """The circle's own role's name; empty for the method's, which pages name by kind."""
        return self.role.name if self.role else ""

    @property
    def description(self) -> str:
        return self.role.description if self.role else ""

    @property
    def holder(self) -> Person | None:
        return self.term.person if self.term else None

    @property
    def offered(self) -> bool:
        """Near its end or overdue, and no next term yet: the circle is offered to choose again."""
        return self.state is not None and method.offered_for_agenda(self.state, self.next_term is not None)

    @property
    def chosen_by_parent(self) -> bool:
        return method.chosen_by_parent(self.kind)


def role_lines(circles: list[Circle], today: dt.date) -> dict[int, list[RoleLine]]:
    """Every role of these circles, by circle: the method's roles first, then the circle's own (four queries)."""
    ids = [c.id for c in circles]
    rows = db.session.scalars(sa.select(CircleRole).where(CircleRole.circle_id.in_(ids))
                              .order_by(CircleRole.id)).all()
    terms = db.session.scalars(
        sa.select(RoleTerm).where(RoleTerm.role_id.in_([r.id for r in rows]))
        .where(sa.or_(RoleTerm.ended_on.is_(None), RoleTerm.ended_on > today))
        .options(joinedload(RoleTerm.person)).order_by(RoleTerm.held_from)).all()
    steering = db.session.scalars(sa.select(Member).where(
        Member.circle_id.in_(ids), Member.role.in_([method.member_role_for({k}) for k in method.GIVES_MEETING_ROLE]),
        Member.active)).all()
    elections = {p.role_id: p for p in db.session.scalars(sa.select(Proposal).where(
        Proposal.role_id.in_([r.id for r in rows]), Proposal.kind == ProposalKind.ELECTION,
        Proposal.phase.not_in(FINAL_PHASES)))}
    found: dict[int, list[RoleLine]] = {}
    for circle in circles:
        mine = [r for r in rows if r.circle_id == circle.id]
        by_kind = {r.kind: r for r in mine if r.kind != RoleKind.OWN}
        lines = [RoleLine(k, circle, by_kind.get(k)) for k in method.roles_of(circle.parent_id is not None)]
        lines += [RoleLine(RoleKind.OWN, circle, r) for r in mine if r.kind == RoleKind.OWN]
        for line in lines:
            _fill(line, [t for t in terms if line.role and t.role_id == line.role.id], steering, today)
            line.election = elections.get(line.role.id) if line.role else None
        found[circle.id] = lines
    return found


def _fill(line: RoleLine, terms: list[RoleTerm], steering: list[Member], today: dt.date) -> None:
    """Set a line's running term, its next one, and who holds the meeting role without a term."""
    terms = [t for t in terms if t.ended_on is None or t.ended_on > t.held_from]  # not ended before it began
    line.term = next((t for t in reversed(terms) if t.held_from <= today), None)
    line.next_term = next((t for t in terms if t.held_from > today), None)
    if line.term is not None:
        line.state = method.term_state(line.term.held_from, line.term.held_until, line.term.ended_on, today)
    elif line.kind in method.GIVES_MEETING_ROLE:
        wanted = method.member_role_for({line.kind})
        line.untermed = [m for m in steering if m.circle_id == line.circle.id and m.role == wanted]


def chosen_here(circle: Circle, today: dt.date) -> list[RoleLine]:
    """The roles this circle chooses: its own but a leader, and its sub-circles' leaders."""
    lines = role_lines([circle, *circle.subcircles], today)
    return ([line for line in lines[circle.id] if not line.chosen_by_parent]
            + [line for sub in circle.subcircles for line in lines[sub.id] if line.chosen_by_parent])


def offers(circle: Circle, today: dt.date) -> list[RoleLine]:
    """The roles this circle chooses whose term nears its end or is past it, with no next term yet."""
    return [line for line in chosen_here(circle, today) if line.offered]


@dataclass
class SubCircle:
    """A sub-circle as its parent's home shows it."""

    circle: Circle
    leader: RoleLine
    delegate: RoleLine
    #: Its latest decisions: (proposal, latest version), newest first.
    decisions: list[tuple[Proposal, ProposalVersion]]
    open_tasks: list[Task]


def subcircles(circle: Circle, today: dt.date) -> list[SubCircle]:
    """The circle's sub-circles with their leader and delegate, latest decisions and open tasks."""
    subs = list(circle.subcircles)
    if not subs:
        return []
    lines = role_lines(subs, today)
    found = []
    for sub in subs:
        by_kind = {line.kind: line for line in lines[sub.id]}
        found.append(SubCircle(sub, by_kind[RoleKind.LEADER], by_kind[RoleKind.DELEGATE],
                               latest_decisions(sub.id), open_tasks(sub.id)))
    return found


def latest_decisions(circle_id: int, count: int = SUB_DECISIONS) -> list[tuple[Proposal, ProposalVersion]]:
    """A circle's latest decided proposals (adopted, withdrawn), each with its latest version."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Proposal, ProposalVersion)
        .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                       ProposalVersion.number == Proposal.current_version))
        .where(Proposal.circle_id == circle_id, Proposal.phase.in_(FINAL_PHASES | {Phase.REVIEW}))
        .order_by(Proposal.decided_at.desc().nulls_last(), Proposal.id.desc()).limit(count))]
