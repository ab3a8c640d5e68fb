"""Circle actions: founding a circle, and who belongs to it from when until when.

A membership has dates (docs/membership.md): who was expected at a meeting,
who was absent and who counted toward quorum follow from the membership on
the meeting's date. Joining and leaving are logged actions; someone who
leaves stays in the record as a former member.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import clock, method
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import NAME_MAX, TITLE_MAX, Action, NameDisplay, Role, check_text, require
from circle.models import Circle, Member


def create_circle(name: str, facilitator: str, quorum: int | None = None,
                  since: dt.date | None = None) -> tuple[Circle, Member]:
    """Found a circle with its first facilitator (a member from `since`, default today).

    Run by an administrator, so no actor.
    """
    name, facilitator = name.strip(), facilitator.strip()
    check_text(name, TITLE_MAX, required=True)
    check_text(facilitator, NAME_MAX, required=True)
    since = since or clock.today()
    with unit_of_work():
        circle = Circle(name=name, quorum=quorum)
        db.session.add(circle)
        db.session.flush()
        first = Member(circle_id=circle.id, name=facilitator, role=Role.FACILITATOR, position=1,
                       joined_on=since)
        db.session.add(first)
        db.session.flush()
        log(circle.id, None, "create_circle",
            {"name": name, "quorum": quorum, "facilitator": person(first),
             "since": since.isoformat()})
    return circle, first


def add_member(actor: Member | None, circle_id: int, name: str, role: Role = Role.MEMBER,
               since: dt.date | None = None) -> Done:
    """Add a person to the circle, at the end of its ring; the facilitator or an administrator.

    `since` is the first day of their membership (default today); it may lie in
    the past, for someone who joined before the circle used Kring.
    """
    name = name.strip()
    check_text(name, NAME_MAX, required=True)
    since = since or clock.today()
    with unit_of_work():
        if actor is not None:
            allowed(actor, Action.ADD_MEMBER)
            require(actor.circle_id == circle_id, "not_found")
        taken = db.session.scalar(
            sa.select(Member.id).where(Member.circle_id == circle_id, Member.name == name)
        )
        require(taken is None, "name_taken")
        last = db.session.scalar(
            sa.select(sa.func.max(Member.position)).where(Member.circle_id == circle_id)
        )
        member = Member(circle_id=circle_id, name=name, role=role, position=(last or 0) + 1,
                        joined_on=since)
        db.session.add(member)
        db.session.flush()
        done = log(circle_id, actor, Action.ADD_MEMBER,
                   {"member": person(member), "role": role.value, "since": since.isoformat()},
                   subject=member.id)
    return done


def end_membership(actor: Member | None, circle_id: int, member_id: int,
                   on: dt.date | None = None) -> Done:
    """Someone leaves the circle on `on` (default today): from that day they are no longer a member.

    The facilitator or an administrator records it. Their sign-in stops from
    that day; everything they said stays in the record, under their name,
    marked as a former member's.
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
        done = log(circle_id, actor, Action.END_MEMBERSHIP,
                   {"member": person(member), "on": on.isoformat()}, subject=member.id)
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
