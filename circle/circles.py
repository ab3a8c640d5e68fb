"""Circle actions: founding a circle, and who belongs to it from when until when.

A membership has dates (docs/membership.md): who was expected at a meeting,
who was absent and who counted toward quorum follow from the membership on
the meeting's date. Joining and leaving are logged actions; someone who
leaves stays in the record as a former member.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import clock, method, roles
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import NAME_MAX, TITLE_MAX, Action, NameDisplay, Role, check_text, require
from circle.models import Circle, Member, Person


def create_circle(name: str, facilitator: str, quorum: int | None = None,
                  since: dt.date | None = None, person_id: int | None = None) -> tuple[Circle, Member]:
    """Found a circle with its first facilitator (a member from `since`, default today).

    Run by an administrator, so no actor. The facilitator is a new person, or,
    with `person_id`, someone who already signs in to another circle.
    """
    name, facilitator = name.strip(), facilitator.strip()
    check_text(name, TITLE_MAX, required=True)
    check_text(facilitator, NAME_MAX, required=True)
    since = since or clock.today()
    with unit_of_work():
        who = _existing_person(person_id)
        circle = Circle(name=name, quorum=quorum)
        db.session.add(circle)
        db.session.flush()
        first = Member(circle_id=circle.id, role=Role.FACILITATOR, position=1, joined_on=since)
        _name_membership(first, who, facilitator)
        db.session.add(first)
        db.session.flush()
        log(circle.id, None, "create_circle",
            {"name": name, "quorum": quorum, "facilitator": person(first),
             "since": since.isoformat()})
    return circle, first


def add_member(actor: Member | None, circle_id: int, name: str, role: Role = Role.MEMBER,
               since: dt.date | None = None, person_id: int | None = None) -> Done:
    """Add a person to the circle, at the end of its ring; the facilitator or an administrator.

    `since` is the first day of their membership (default today); it may lie in
    the past, for someone who joined before the circle used Kring. The person is
    new, named `name`; only an administrator may add, with `person_id`, someone
    who already signs in to another circle (a facilitator does not see other
    circles' people, so cannot pick one).
    """
    name = name.strip()
    check_text(name, NAME_MAX, required=True)
    since = since or clock.today()
    with unit_of_work():
        if actor is not None:
            allowed(actor, Action.ADD_MEMBER)
            require(actor.circle_id == circle_id, "not_found")
            require(person_id is None, "not_allowed")
        who = _existing_person(person_id)
        name = who.name if who is not None else name
        taken = db.session.scalar(
            sa.select(Member.id).where(Member.circle_id == circle_id, Member.name == name)
        )
        require(taken is None, "name_taken")
        last = db.session.scalar(
            sa.select(sa.func.max(Member.position)).where(Member.circle_id == circle_id)
        )
        member = Member(circle_id=circle_id, role=role, position=(last or 0) + 1, joined_on=since)
        _name_membership(member, who, name)
        db.session.add(member)
        db.session.flush()
        done = log(circle_id, actor, Action.ADD_MEMBER,
                   {"member": person(member), "role": role.value, "since": since.isoformat()},
                   subject=member.id)
    return done


def _existing_person(person_id: int | None) -> Person | None:
    """The person `person_id` names, or None for a new one; an unknown id is refused."""
    if person_id is None:
        return None
    who = db.session.get(Person, person_id)
    require(who is not None, "not_found")
    return who


def _name_membership(member: Member, who: Person | None, name: str) -> None:
    """Give a new membership its person: the one who already signs in, else a new person named `name`."""
    if who is not None:
        member.person = who
    else:
        member.name = name


def end_membership(actor: Member | None, circle_id: int, member_id: int,
                   on: dt.date | None = None) -> Done:
    """Someone leaves the circle on `on` (default today): from that day they are no longer a member.

    The facilitator or an administrator records it. Their sign-in stops from
    that day; everything they said stays in the record, under their name,
    marked as a former member's. Their terms of the circle's roles (and of the
    roles it chooses, a sub-circle's leader) end that day too.
    """
    on = on or clock.today()
    with unit_of_work():
        if actor is not None:
            allowed(actor, Action.END_MEMBERSHIP)
            require(actor.circle_id == circle_id, "not_found")
        member = db.session.get(Member, member_id)
        require(member is not None and member.circle_id == circle_id, "not_found")
        method.check_leaving(member.joined_on, member.left_on, on)
        member.left_on = on
        ended = roles.end_terms_of(member, on)
        done = log(circle_id, actor, Action.END_MEMBERSHIP,
                   {"member": person(member), "on": on.isoformat(), **({"ended_terms": ended} if ended else {})},
                   subject=member.id)
    return done


def set_public_record(actor: Member, public: bool, names: NameDisplay) -> Done:
    """Make the circle's record readable without signing in, or not; and how names appear there.

    Facilitator only. Public means the decision list, the decision pages and the
    minutes (and the log download when names are shown in full); nothing else.
    """
    require(str(names) in {d.value for d in NameDisplay}, "invalid")
    names = NameDisplay(names)
    with unit_of_work():
        allowed(actor, Action.SET_PUBLIC_RECORD)
        circle = db.session.get(Circle, actor.circle_id)
        was = {"public": circle.public_record, "names": circle.public_names.value}
        circle.public_record, circle.public_names = bool(public), names
        done = log(circle.id, actor, Action.SET_PUBLIC_RECORD,
                   {"public": bool(public), "names": names.value, "was": was})
    return done
