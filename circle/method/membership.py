"""Who belongs to the circle on a day, who was expected at a meeting, and quorum.

A membership runs from the day someone joined until the day they left; on the
day they left they are no longer a member. Who was expected at a meeting, who
was absent and who counts toward quorum all follow from the membership on the
meeting's date (docs/membership.md).
"""

from __future__ import annotations

import datetime as dt

from circle.method.refusals import require
from circle.method.terms import SEATED_ROLES, NameDisplay, Role

__all__ = ["membership_covers", "check_leaving", "expected", "quorum_needed", "quorum_on", "public_name"]


def membership_covers(joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    """Whether someone was a member on `day`: from the day they joined until the day they left."""
    return joined_on <= day and (left_on is None or day < left_on)


def check_leaving(joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> None:
    """A membership ends once, and not before it began."""
    require(left_on is None, "already_left")
    require(day >= joined_on, "left_before_joined")


def expected(role: Role, joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    """Whether someone was expected at a meeting on `day`: seated in the circle on that day.

    Expected and not present is absent; the expected count toward quorum.
    """
    return role in SEATED_ROLES and membership_covers(joined_on, left_on, day)


def quorum_needed(members: int, quorum: int | None) -> int:
    """How many seated members must be present: the circle's own number, else more than half.

    `members` counts the seated members on the meeting's date (`expected`); a
    circle's own number never asks more than there are members.
    """
    if quorum is not None:
        return max(1, min(quorum, members))
    return members // 2 + 1


def quorum_on(memberships, day: dt.date, quorum: int | None) -> int:
    """The quorum of a meeting on `day`, from the circle's memberships (anything with `role`, `joined_on`
    and `left_on`: a member, or a row of one)."""
    return quorum_needed(sum(expected(m.role, m.joined_on, m.left_on, day) for m in memberships), quorum)


def public_name(name: str, display: NameDisplay) -> str:
    """A member's name as the circle chose to show it to the neighbourhood."""
    parts = name.split()
    if display == NameDisplay.FULL or not parts:
        return name
    if display == NameDisplay.FIRST:
        return parts[0]
    return "".join(p[0].upper() + "." for p in parts)
