"""Roles held for a term: which circle chooses, which dates a term may have, and when it nears its end.

A circle's roles are the method's four (facilitator, secretary, and for a
sub-circle its leader and its delegate) and any it defines itself. A person
holds a role from one day up to and including another. The parent circle
chooses a sub-circle's leader; the circle itself chooses every other role,
its delegate to the parent included (the double link). A term that runs out
is not taken away: the holder keeps the role, marked overdue, until the
circle chooses again (docs/roles-and-elections.md, "Roles and terms").
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from circle.method.refusals import CONTRIBUTION_MAX, NAME_MAX, check_text, require
from circle.method.terms import N_, Role, RoleKind

__all__ = [
    "TERM_MAX_MONTHS", "NEAR_END_DAYS", "METHOD_ROLES", "SUBCIRCLE_ROLES", "SEATED_IN_BOTH", "GIVES_MEETING_ROLE", "TermState",
    "check_term", "check_own_role", "check_aim", "chosen_by_parent", "roles_of", "months_later",
    "term_state", "offered_for_agenda", "role_display", "member_role_for", "role_key", "parse_role_key",
]

#: The longest term a circle may give at once: three years; choosing again is part of the method.
TERM_MAX_MONTHS = 36
#: A term is offered for the agenda this many days before its last day (six weeks: a meeting or two).
NEAR_END_DAYS = 42
#: The roles every circle has.
METHOD_ROLES = (RoleKind.FACILITATOR, RoleKind.SECRETARY)
#: The roles a sub-circle has besides: the parent's leader in it, and its delegate to the parent.
SUBCIRCLE_ROLES = (RoleKind.LEADER, RoleKind.DELEGATE)
#: Roles whose holder sits in both the sub-circle and its parent.
SEATED_IN_BOTH = frozenset(SUBCIRCLE_ROLES)

#: The role in the meeting (`Member.role`) a term gives; the other roles give none beyond member.
_MEMBER_ROLE = {RoleKind.FACILITATOR: Role.FACILITATOR, RoleKind.SECRETARY: Role.SECRETARY}
#: Roles whose holder steers or records the circle's meetings.
GIVES_MEETING_ROLE = frozenset(_MEMBER_ROLE)
#: The method's roles by name, as pages show them (translated where shown).
_NAMES = {
    RoleKind.FACILITATOR: N_("Facilitator"),
    RoleKind.SECRETARY: N_("Secretary"),
    RoleKind.LEADER: N_("Leader"),
    RoleKind.DELEGATE: N_("Delegate"),
}


class TermState(StrEnum):
    """Where a term stands on a day."""

    COMING = "coming"  # it begins later
    HELD = "held"  # running, its end not yet near
    NEAR_END = "near_end"  # running, its last day within NEAR_END_DAYS
    OVERDUE = "overdue"  # its last day has passed and nobody holds the role after it: still held
    ENDED = "ended"  # someone else took the role, or the term was ended


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def check_term(held_from: dt.date, held_until: dt.date) -> None:
    """A term ends after it begins, and runs at most TERM_MAX_MONTHS."""
    require(held_until > held_from, "term_ends_before")
    require(held_until <= months_later(held_from, TERM_MAX_MONTHS), "term_too_long")


def check_own_role(name: str, description: str, term_months: int) -> None:
    """A circle's own role has a name, a description of its tasks, and a usual term of 1 to 36 months."""
    check_text(name, NAME_MAX, required=True)
    check_text(description, CONTRIBUTION_MAX, required=True)
    require(1 <= term_months <= TERM_MAX_MONTHS, "term_too_long")


def check_aim(aim: str, domain: str) -> None:
    """A circle's aim and domain: short texts, both may be left empty until the circle agrees on them."""
    check_text(aim, CONTRIBUTION_MAX)
    check_text(domain, CONTRIBUTION_MAX)


def chosen_by_parent(kind: RoleKind) -> bool:
    """Whether the parent circle chooses who holds the role: only a sub-circle's leader."""
    return kind == RoleKind.LEADER


def roles_of(is_subcircle: bool) -> tuple[RoleKind, ...]:
    """The method's roles a circle has: facilitator and secretary, and for a sub-circle leader and delegate."""
    return METHOD_ROLES + (SUBCIRCLE_ROLES if is_subcircle else ())


def term_state(held_from: dt.date, held_until: dt.date, ended_on: dt.date | None, today: dt.date) -> TermState:
    """How a term stands today. Past its last day and not ended by a next term it is overdue, not over."""
    if ended_on is not None and ended_on <= today:
        return TermState.ENDED
    if today < held_from:
        return TermState.COMING
    if today > held_until:
        return TermState.OVERDUE
    if (held_until - today).days <= NEAR_END_DAYS:
        return TermState.NEAR_END
    return TermState.HELD


def offered_for_agenda(state: TermState, next_term_recorded: bool) -> bool:
    """Whether the circle is offered to choose again: near its end or overdue, and no next term yet."""
    return state in (TermState.NEAR_END, TermState.OVERDUE) and not next_term_recorded


def role_display(kind: RoleKind, name: str) -> str:
    """The role's name: the method's (English, translated where shown), or the circle's own."""
    return name if kind == RoleKind.OWN else _NAMES[kind]


def member_role_for(kinds: set[RoleKind]) -> Role:
    """The role in meetings that the roles someone holds give: facilitator over secretary over member."""
    for kind in (RoleKind.FACILITATOR, RoleKind.SECRETARY):
        if kind in kinds:
            return _MEMBER_ROLE[kind]
    return Role.MEMBER


def role_key(kind: RoleKind, circle_id: int, role_id: int | None) -> str:
    """How a form names a role: a method's role by its circle ("leader.7"), one of a circle's own by its id
    ("own.12"), so a method's role needs no row before it is first given."""
    return f"{kind.value}.{role_id if kind == RoleKind.OWN else circle_id}"


def parse_role_key(key: str) -> tuple[RoleKind, int] | None:
    """The kind and the id (the circle's, or for a circle's own role the role's) a `role_key` names; None
    for anything else."""
    kind, _, ident = (key or "").partition(".")
    if kind not in {k.value for k in RoleKind} or not ident.isdigit() or not 0 < int(ident) < 2**31:
        return None
    return RoleKind(kind), int(ident)
