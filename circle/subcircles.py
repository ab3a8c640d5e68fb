"""Circles within circles: a circle's aim and domain, and starting a sub-circle with its first leader.

The double link (docs/roles-and-elections.md, "Circles within circles"): the
parent chooses a sub-circle's leader, the sub-circle chooses its delegate, and
both sit in both circles (`roles.give_role` seats them). The sub-circle keeps
its own record, which the parent's members may read (circle/views/access.py).
"""

from __future__ import annotations

import datetime as dt

from circle import method
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import TITLE_MAX, Action, Role, RoleKind, check_text, require
from circle.models import Circle, Member
from circle.roles import give_role, method_role, method_roles, term_changes


def set_aim(actor: Member, aim: str, domain: str) -> Done:
    """The facilitator writes down the circle's aim (what it is for) and domain (what it decides about).

    Logged with what they were, so the record holds every aim the circle had.
    """
    aim, domain = aim.strip(), domain.strip()
    method.check_aim(aim, domain)
    with unit_of_work():
        allowed(actor, Action.SET_AIM)
        circle = db.session.get(Circle, actor.circle_id)
        was = {"aim": circle.aim, "domain": circle.domain}
        circle.aim, circle.domain = aim, domain
        done = log(circle.id, actor, Action.SET_AIM, {"aim": aim, "domain": domain, "was": was})
    return done


def start_subcircle(actor: Member, name: str, aim: str, domain: str, leader_id: int,
                    held_from: dt.date, held_until: dt.date) -> Done:
    """The parent's facilitator starts a sub-circle: its name, aim, domain, and its first leader for a term.

    The leader (`leader_id`, a member of the parent: the parent chooses them)
    is the sub-circle's first member and steers it as facilitator until it
    chooses its own; the sub-circle gets the method's four roles. Its log begins
    with `create_circle`, naming its parent; the parent's log has `start_subcircle`.
    """
    name = name.strip()
    check_text(name, TITLE_MAX, required=True)
    aim, domain = aim.strip(), domain.strip()
    method.check_aim(aim, domain)
    method.check_term(held_from, held_until)
    with unit_of_work():
        allowed(actor, Action.START_SUBCIRCLE)
        leader = db.session.get(Member, leader_id)
        require(leader is not None and leader.circle_id == actor.circle_id, "not_found")
        require(leader.active and leader.role != Role.GUEST, "role_needs_member")
        sub = Circle(name=name, parent_id=actor.circle_id, aim=aim, domain=domain)
        db.session.add(sub)
        db.session.flush()
        first = Member(circle_id=sub.id, person_id=leader.person_id, role=Role.FACILITATOR, position=1,
                       joined_on=held_from)
        db.session.add(first)
        db.session.flush()
        log(sub.id, None, "create_circle",
            {"name": name, "quorum": None, "facilitator": person(first), "since": held_from.isoformat(),
             "parent": {"id": actor.circle_id, "name": actor.circle.name}, "aim": aim, "domain": domain,
             "started_by": person(actor)})
        method_roles(sub)
        term = give_role(actor, method_role(sub, RoleKind.LEADER), leader.person_id, held_from, held_until)
        done = log(actor.circle_id, actor, Action.START_SUBCIRCLE,
                   {"subcircle": {"id": sub.id, "name": name}, "aim": aim, "domain": domain,
                    "leader": term_changes(term)}, subject=sub.id)
    return done
