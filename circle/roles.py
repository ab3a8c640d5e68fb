"""Roles held for a term: giving a role to a person, the circle's own roles, and terms that begin.

`give_role` is the one place a term is written: recording a term by hand
(`record_term`) and adopting an election both call it, inside their own
`unit_of_work()`, and write their own log entry. What a term's end means is
the method's (circle/method/roles.py): nobody loses a role because a date
passed; the circle home offers it for the agenda until the circle chooses
again (docs/roles-and-elections.md, "Roles and terms").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from circle import clock, method, record
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import SEATED_ROLES, Action, Role, RoleKind, require
from circle.models import Circle, CircleRole, Member, RoleTerm

#: The log entry in a circle where a role chosen elsewhere seated someone (a leader, a delegate).
SEATED_FOR_ROLE = "seated_for_role"
#: The log entry of a term recorded ahead that begins today: the meeting role moves to its holder.
BEGIN_TERM = "begin_term"


def method_roles(circle: Circle) -> list[CircleRole]:
    """The circle's rows for the method's roles, made where missing (flushed, not committed).

    Circles founded before roles were stored get theirs the first time a write
    needs them (giving a role, starting a sub-circle); pages read what is there
    and name the method's roles without a row too (circle/read/roles.py). A
    sub-circle's leader is chosen by its parent.
    """
    have = {r.kind: r for r in db.session.scalars(
        sa.select(CircleRole).where(CircleRole.circle_id == circle.id, CircleRole.kind != RoleKind.OWN))}
    wanted = method.roles_of(circle.parent_id is not None)
    for kind in wanted:
        if kind not in have:
            chooser = circle.parent_id if method.chosen_by_parent(kind) else circle.id
            have[kind] = CircleRole(circle_id=circle.id, kind=kind, chosen_by_id=chooser)
            db.session.add(have[kind])
    db.session.flush()
    return [have[k] for k in wanted]


def method_role(circle: Circle, kind: RoleKind) -> CircleRole:
    """One of the method's roles of a circle, its row made if missing; refused for one the circle lacks."""
    found = next((r for r in method_roles(circle) if r.kind == kind), None)
    require(found is not None, "not_found")
    return found


def give_role(actor: Member, role: CircleRole, person_id: int, held_from: dt.date, held_until: dt.date,
              proposal_id: int | None = None) -> RoleTerm:
    """Give `role` to a person from `held_from` up to and including `held_until`; the new term.

    Called inside the caller's `unit_of_work()`: it writes and flushes rows but
    neither commits nor writes the caller's log entry (`term_changes` says what
    it did, for that entry). `actor` acts for the circle that chooses the role
    (the parent for a leader); the person must be seated in that circle now.

    - Every other term of the role still running on `held_from` (an overdue one
      included) ends that day (`ended_on = held_from`); one that would begin
      later ends before it began.
    - Facilitator and secretary: from `held_from` (today, or by `begin_due_terms`
      on that day) the person's role in the circle's meetings (`Member.role`) is
      that role, and whoever had it goes back to member (`_move_meeting_role`).
    - Leader and delegate: the person is seated in both the sub-circle and its
      parent, as a member at the end of the ring from `held_from`, where they
      have no membership; that circle's log says so (`seated_for_role`).
    """
    method.check_term(held_from, held_until)
    require(actor.active and actor.circle_id == role.chosen_by_id, "not_found")
    chooser = _membership(role.chosen_by_id, person_id)
    require(chooser is not None and chooser.active and chooser.role in SEATED_ROLES, "role_needs_member")
    ended = _end_terms_of(role, held_from)
    term = RoleTerm(role_id=role.id, person_id=person_id, held_from=held_from, held_until=held_until,
                    proposal_id=proposal_id)
    db.session.add(term)
    db.session.flush()
    seated = []
    if role.kind in method.SEATED_IN_BOTH:
        seated = [m for m in (_seat(c, person_id, held_from, role) for c in (role.circle, role.circle.parent)) if m]
    if role.kind in method.GIVES_MEETING_ROLE and held_from <= clock.today():
        _move_meeting_role(role, person_id)
    term.changes = {
        "term": term.id,
        "role": role_data(role),
        "person": {"id": person_id, "name": chooser.name},
        "from": held_from.isoformat(), "until": held_until.isoformat(),
        "ended": [{"term": t.id, "person": t.person_id} for t in ended],
        "seated": [person(m) | {"circle": m.circle_id} for m in seated],
    }
    return term


def term_changes(term: RoleTerm) -> dict[str, Any]:
    """What `give_role` did, for the caller's log entry: the role, the person, the dates, the terms it ended
    and the memberships it made."""
    return term.changes


def role_data(role: CircleRole) -> dict[str, Any]:
    """How a role appears in the log: enough to read on its own."""
    return {"id": role.id, "kind": role.kind.value, "name": role.name, "circle": role.circle_id}


def _membership(circle_id: int, person_id: int) -> Member | None:
    return db.session.scalar(sa.select(Member).where(Member.circle_id == circle_id, Member.person_id == person_id))


def _end_terms_of(role: CircleRole, day: dt.date) -> list[RoleTerm]:
    """End every term of `role` still running on `day` (overdue ones too: they are held until now)."""
    running = db.session.scalars(sa.select(RoleTerm).where(
        RoleTerm.role_id == role.id, sa.or_(RoleTerm.ended_on.is_(None), RoleTerm.ended_on > day))).all()
    for term in running:
        term.ended_on = day
    return list(running)


def end_terms_of(member: Member, day: dt.date) -> list[int]:
    """A member leaves their circle on `day`: their terms of its roles, and of the roles it chooses, end then.

    Inside the caller's `unit_of_work()`; the ids of the terms it ended, for its log entry.
    """
    running = db.session.scalars(sa.select(RoleTerm).join(CircleRole).where(
        RoleTerm.person_id == member.person_id,
        sa.or_(CircleRole.circle_id == member.circle_id, CircleRole.chosen_by_id == member.circle_id),
        sa.or_(RoleTerm.ended_on.is_(None), RoleTerm.ended_on > day))).all()
    for term in running:
        term.ended_on = max(day, term.held_from)
    return [t.id for t in running]


def _seat(circle: Circle | None, person_id: int, since: dt.date, role: CircleRole) -> Member | None:
    """Seat a person in `circle` as a member from `since` unless they sit there; the new membership.

    Where the role was chosen in another circle, this circle's own log records
    the new member (each circle's log says who belongs to it).
    """
    if circle is None:
        return None
    had = _membership(circle.id, person_id)
    if had is not None:
        # One membership per person and circle: a former member or today's guest cannot be seated again here.
        require(had.left_on is None and had.role in SEATED_ROLES, "seated_before")
        return None
    last = db.session.scalar(sa.select(sa.func.max(Member.position)).where(Member.circle_id == circle.id))
    member = Member(circle_id=circle.id, person_id=person_id, role=Role.MEMBER, position=(last or 0) + 1,
                    joined_on=since)
    db.session.add(member)
    db.session.flush()
    if circle.id != role.chosen_by_id:
        record.append(circle.id, None, SEATED_FOR_ROLE,
                      {"member": person(member), "role": role_data(role), "chosen_by": role.chosen_by_id,
                       "since": since.isoformat()})
    return member


def _move_meeting_role(role: CircleRole, person_id: int) -> None:
    """The holder takes the role in the circle's meetings (`Member.role`); earlier holders leave it.

    An earlier holder is anyone else with that meeting role who holds no running
    term of the role: whose term just ended, or who had it before terms were
    recorded. They go back to what their running terms give, else member.
    Someone who is facilitator and is given the secretary's role stays
    facilitator (`method.member_role_for`). A guest stays a guest.
    """
    today = clock.today()
    meeting_role = method.member_role_for({role.kind})
    for member in db.session.scalars(sa.select(Member).where(Member.circle_id == role.circle_id)):
        if member.role == Role.GUEST:
            continue
        kinds = _running_kinds(role.circle_id, member.person_id, today)
        if member.person_id == person_id:
            member.role = method.member_role_for(kinds | {role.kind} | _kind_of(member.role))
        elif member.role == meeting_role and role.kind not in kinds:
            member.role = method.member_role_for(kinds)
    db.session.flush()


def _kind_of(meeting_role: Role) -> set[RoleKind]:
    """The role kind a meeting role stands for, held before terms were recorded."""
    return {k for k in method.GIVES_MEETING_ROLE if method.member_role_for({k}) == meeting_role}


def _running(today: dt.date) -> sa.ColumnElement[bool]:
    """A term running today: begun, and not ended by a next one (an overdue term runs)."""
    return sa.and_(RoleTerm.held_from <= today, sa.or_(RoleTerm.ended_on.is_(None), RoleTerm.ended_on > today))


def _running_kinds(circle_id: int, person_id: int, today: dt.date) -> set[RoleKind]:
    """The kinds of the circle's roles a person holds today."""
    return set(db.session.scalars(
        sa.select(CircleRole.kind).join(RoleTerm, RoleTerm.role_id == CircleRole.id)
        .where(CircleRole.circle_id == circle_id, RoleTerm.person_id == person_id, _running(today))))


def begin_due_terms() -> int:
    """Terms of facilitator or secretary recorded ahead that have begun: their holder takes the meeting role.

    A job of `flask tick` (circle/tick.py); it does something only where the
    meeting role does not yet follow the terms, so it may run any number of times.
    """
    today = clock.today()
    begun = 0
    terms = db.session.scalars(sa.select(RoleTerm).join(CircleRole).where(
        CircleRole.kind.in_(method.GIVES_MEETING_ROLE), _running(today))).all()
    for term in terms:
        with unit_of_work():
            member = _membership(term.role.circle_id, term.person_id)
            if member is None or not member.active or member.role == Role.GUEST:
                continue
            wanted = method.member_role_for(_running_kinds(member.circle_id, member.person_id, today)
                                            | _kind_of(member.role))
            if member.role == wanted:
                continue
            _move_meeting_role(term.role, term.person_id)
            log(member.circle_id, None, BEGIN_TERM,
                {"term": term.id, "role": role_data(term.role), "person": person(member),
                 "from": term.held_from.isoformat(), "until": term.held_until.isoformat()})
        begun += 1
    return begun


# --- The actions --------------------------------------------------------------------------------


def define_role(actor: Member, name: str, description: str, term_months: int) -> Done:
    """The facilitator defines a role of the circle's own: its name, what it does, how long a term usually runs."""
    name, description = name.strip(), description.strip()
    method.check_own_role(name, description, term_months)
    with unit_of_work():
        allowed(actor, Action.DEFINE_ROLE)
        taken = db.session.scalar(sa.select(CircleRole.id).where(
            CircleRole.circle_id == actor.circle_id, CircleRole.kind == RoleKind.OWN,
            sa.func.lower(CircleRole.name) == name.lower()))
        require(taken is None, "role_exists")
        role = CircleRole(circle_id=actor.circle_id, kind=RoleKind.OWN, name=name, description=description,
                          term_months=term_months, chosen_by_id=actor.circle_id)
        db.session.add(role)
        db.session.flush()
        done = log(actor.circle_id, actor, Action.DEFINE_ROLE,
                   {"role": role_data(role), "description": description, "term_months": term_months},
                   subject=role.id)
    return done


def role_for_key(chooser_id: int, key: str) -> CircleRole:
    """The role a form names by `method.role_key`, its row made if it is one of the method's roles without one.

    Only roles that circle `chooser_id` chooses: its own roles, its method roles
    but the leader, and its sub-circles' leaders. Anything else is not found.
    """
    parsed = method.parse_role_key(key)
    require(parsed is not None, "not_found")
    where, ident = parsed
    if where == RoleKind.OWN:
        role = db.session.get(CircleRole, ident)
        require(role is not None and role.kind == RoleKind.OWN, "not_found")
    else:
        circle = db.session.get(Circle, ident)
        require(circle is not None, "not_found")
        role = method_role(circle, where)
    require(role.chosen_by_id == chooser_id, "not_found")
    return role


def record_term(actor: Member, key: str, member_id: int, held_from: dt.date, held_until: dt.date) -> Done:
    """The facilitator records who holds a role from when until when, without an election.

    For a circle's first roles, or roles chosen before the circle used Kring;
    an election is the usual way (docs/roles-and-elections.md). `member_id` is
    the person's membership of this circle, the one that chooses.
    """
    with unit_of_work():
        allowed(actor, Action.RECORD_TERM)
        role = role_for_key(actor.circle_id, key)
        member = db.session.get(Member, member_id)
        require(member is not None and member.circle_id == actor.circle_id, "not_found")
        term = give_role(actor, role, member.person_id, held_from, held_until)
        done = log(actor.circle_id, actor, Action.RECORD_TERM, term_changes(term), subject=term.id)
    return done
