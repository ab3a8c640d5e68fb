"""Roles held for a term: giving a role to a person, and the circle's roles as rows.

`give_role` is the one place a term is written: recording a term by hand
(`record_term` below) and adopting an election both call it, inside their
own `unit_of_work()`, and write their own log entry. What a term's end means is
the method's (circle/method/roles.py): nobody loses a role because a date
passed; the circle home offers it for the agenda until the circle chooses
again (docs/roles-and-elections.md, "Roles and terms").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from circle import method
from circle.actions import person
from circle.extensions import db
from circle.method import SEATED_ROLES, Role, RoleKind, require
from circle.models import Circle, CircleRole, Member, RoleTerm


def method_roles(circle: Circle) -> list[CircleRole]:
    """The circle's rows for the method's roles, made where missing (flushed, not committed).

    Circles founded before roles were stored get theirs the first time they are
    needed: by a write (giving a role, starting a sub-circle) or by the caller's
    own transaction. A sub-circle's leader is chosen by its parent.
    """
    have = {r.kind: r for r in db.session.scalars(
        sa.select(CircleRole).where(CircleRole.circle_id == circle.id, CircleRole.kind != RoleKind.OWN))}
    for kind in method.roles_of(circle.parent_id is not None):
        if kind not in have:
            chooser = circle.parent_id if method.chosen_by_parent(kind) else circle.id
            have[kind] = CircleRole(circle_id=circle.id, kind=kind, chosen_by_id=chooser)
            db.session.add(have[kind])
    db.session.flush()
    return [have[k] for k in method.roles_of(circle.parent_id is not None)]


def method_role(circle: Circle, kind: RoleKind) -> CircleRole:
    """One of the method's roles of a circle, its row made if missing."""
    found = next((r for r in method_roles(circle) if r.kind == kind), None)
    require(found is not None, "not_found")
    return found


def give_role(actor: Member, role: CircleRole, person_id: int, held_from: dt.date, held_until: dt.date,
              proposal_id: int | None = None) -> RoleTerm:
    """Give `role` to a person from `held_from` up to and including `held_until`; the new term.

    Called inside the caller's `unit_of_work()`: it writes and flushes rows but
    neither commits nor logs. `actor` acts for the circle that chooses the role
    (the parent for a leader). The person must be a member of that circle now.

    - Every other term of the role still running on `held_from` (an overdue one
      included) ends that day (`ended_on = held_from`); one that would begin later
      ends before it began.
    - Facilitator and secretary: the person's role in the circle's meetings
      (`Member.role`) becomes that role; a previous holder whose term thus ended
      goes back to what their other terms give (`method.member_role_for`), else member.
    - Leader and delegate: the person is seated in both the sub-circle and its
      parent: a membership (member, at the end of the ring, from `held_from`) is
      made where they have none.

    `term_changes(term)` says what it did, for the caller's log entry.
    """
    method.check_term(held_from, held_until)
    require(actor.active and actor.circle_id == role.chosen_by_id, "not_found")
    chooser = db.session.scalar(sa.select(Member).where(
        Member.circle_id == role.chosen_by_id, Member.person_id == person_id))
    require(chooser is not None and chooser.active and chooser.role in SEATED_ROLES, "role_needs_member")
    ended = _end_terms_of(role, held_from)
    term = RoleTerm(role_id=role.id, person_id=person_id, held_from=held_from, held_until=held_until,
                    proposal_id=proposal_id)
    db.session.add(term)
    db.session.flush()
    seated = []
    if role.kind in method.SEATED_IN_BOTH:
        circle = role.circle
        seated = [m for m in (_seat(c, person_id, held_from) for c in (circle, circle.parent)) if m]
    if role.kind in method.GIVES_MEETING_ROLE:
        _move_meeting_role(role, person_id, {t.person_id for t in ended})
    db.session.flush()
    term.changes = {
        "role": {"id": role.id, "kind": role.kind.value, "name": role.name, "circle": role.circle_id},
        "person": {"id": person_id, "name": chooser.name},
        "from": held_from.isoformat(), "until": held_until.isoformat(),
        "ended": [{"term": t.id, "person": t.person_id} for t in ended],
        "seated": [person(m) | {"circle": m.circle_id} for m in seated],
    }
    return term


def term_changes(term: RoleTerm) -> dict[str, Any]:
    """What `give_role` did, for the log entry of the action that called it: role, person, dates, ended
    terms and new memberships."""
    return term.changes


def _end_terms_of(role: CircleRole, day: dt.date) -> list[RoleTerm]:
    """End every term of `role` still running on `day` (overdue ones too: they are held until now)."""
    running = db.session.scalars(sa.select(RoleTerm).where(
        RoleTerm.role_id == role.id, sa.or_(RoleTerm.ended_on.is_(None), RoleTerm.ended_on > day))).all()
    for term in running:
        term.ended_on = day
    return list(running)


def _seat(circle: Circle | None, person_id: int, since: dt.date) -> Member | None:
    """Seat a person in `circle` as a member from `since` unless they sit there now; the new membership."""
    if circle is None:
        return None
    had = db.session.scalar(sa.select(Member).where(Member.circle_id == circle.id, Member.person_id == person_id))
    if had is not None:
        # One membership per person and circle: a former member or today's guest cannot be seated again here.
        require(had.left_on is None and had.role in SEATED_ROLES, "seated_before")
        return None
    last = db.session.scalar(sa.select(sa.func.max(Member.position)).where(Member.circle_id == circle.id))
    member = Member(circle_id=circle.id, person_id=person_id, role=Role.MEMBER, position=(last or 0) + 1,
                    joined_on=since)
    db.session.add(member)
    db.session.flush()
    return member


def _move_meeting_role(role: CircleRole, person_id: int, ended: set[int]) -> None:
    """The new holder takes the role in the circle's meetings (`Member.role`); earlier holders leave it.

    Earlier holders are those whose term just ended, and anyone who has the
    meeting role without a term (a circle's role from before terms were
    recorded): each goes back to what their running terms give, else member.
    Someone who is facilitator without a term and is given the secretary's role
    stays facilitator (`method.member_role_for`). A guest stays a guest.
    """
    members = db.session.scalars(sa.select(Member).where(Member.circle_id == role.circle_id)).all()
    meeting_role = method.member_role_for({role.kind})
    for member in members:
        if member.role == Role.GUEST:
            continue
        kinds = _running_kinds(role.circle_id, member.person_id)
        if member.person_id == person_id:
            member.role = method.member_role_for(kinds | {role.kind} | _kind_of(member.role))
        elif member.person_id in ended or (member.role == meeting_role and role.kind not in kinds):
            member.role = method.member_role_for(kinds)


def _kind_of(meeting_role: Role) -> set[RoleKind]:
    """The role kind a meeting role stands for, held before terms were recorded."""
    return {k for k in method.GIVES_MEETING_ROLE if method.member_role_for({k}) == meeting_role}


def _running_kinds(circle_id: int, person_id: int) -> set[RoleKind]:
    """The kinds of the circle's roles a person holds now: terms not ended, overdue ones included."""
    return set(db.session.scalars(
        sa.select(CircleRole.kind).join(RoleTerm, RoleTerm.role_id == CircleRole.id)
        .where(CircleRole.circle_id == circle_id, RoleTerm.person_id == person_id, RoleTerm.ended_on.is_(None))))
