"""Circle actions: founding a circle and who belongs to it."""

from __future__ import annotations

import sqlalchemy as sa

from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import NAME_MAX, TITLE_MAX, Action, NameDisplay, Role, check_text, require
from circle.models import Circle, Member


def create_circle(name: str, facilitator: str, quorum: int | None = None) -> tuple[Circle, Member]:
    """Found a circle with its first facilitator; run by an administrator, so no actor."""
    name, facilitator = name.strip(), facilitator.strip()
    check_text(name, TITLE_MAX, required=True)
    check_text(facilitator, NAME_MAX, required=True)
    with unit_of_work():
        circle = Circle(name=name, quorum=quorum)
        db.session.add(circle)
        db.session.flush()
        first = Member(circle_id=circle.id, name=facilitator, role=Role.FACILITATOR, position=1)
        db.session.add(first)
        db.session.flush()
        log(circle.id, None, "create_circle",
            {"name": name, "quorum": quorum, "facilitator": person(first)})
    return circle, first


def add_member(actor: Member | None, circle_id: int, name: str, role: Role = Role.MEMBER) -> Done:
    """Add a person to the circle, at the end of its ring; the facilitator or an administrator."""
    name = name.strip()
    check_text(name, NAME_MAX, required=True)
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
        member = Member(circle_id=circle_id, name=name, role=role, position=(last or 0) + 1)
        db.session.add(member)
        db.session.flush()
        done = log(circle_id, actor, Action.ADD_MEMBER,
                   {"member": person(member), "role": role.value}, subject=member.id)
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
