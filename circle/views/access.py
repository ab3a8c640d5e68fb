"""Who may read a circle's record, and how names appear to them.

Members read everything of their own circle. Members of a sub-circle's parent
read its decision list, decision pages and minutes with full names, and act
nowhere in it (docs/roles-and-elections.md). Where the circle made its record
public, anyone may read the same (and nothing else), with names as the circle
chose: full, first name or initials.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from circle.auth import member_of
from circle.method import SEATED_ROLES, NameDisplay, public_name
from circle.models import Circle, Member
from circle.views.common import circle_or_404


@dataclass(frozen=True)
class Reader:
    """Someone reading a circle's record: a member, a member of its parent circle, or a neighbour."""

    circle: Circle
    #: Their membership of this circle; None for a parent's member or a neighbour: they act nowhere here.
    member: Member | None
    #: For a member of the parent circle reading a sub-circle's record: that membership.
    parent_member: Member | None = None

    @property
    def public(self) -> bool:
        """Reading the public record, neither a member of the circle nor of its parent."""
        return self.member is None and self.parent_member is None

    def name(self, person: Member | None) -> str:
        """A person's name as this reader may see it."""
        if person is None:
            return ""
        display = self.circle.public_names if self.public else NameDisplay.FULL
        return public_name(person.name, display)


def record_reader(circle_id: int) -> Reader:
    """The reader of a record page: a member of the circle or of its parent, or anyone if the record is public.

    Anyone else is sent to sign in (or, signed in to another circle, gets 404).
    A guest of the parent reads no more than the public.
    """
    circle = circle_or_404(circle_id)
    member = current_user.membership(circle.id) if current_user.is_authenticated else None
    if member is not None and member.active:
        return Reader(circle, member_of(circle.id))
    above = current_user.membership(circle.parent_id) if current_user.is_authenticated and circle.parent_id else None
    if above is not None and above.active and above.role in SEATED_ROLES:
        return Reader(circle, None, above)
    if circle.public_record:
        return Reader(circle, None)
    member_of(circle_id)  # redirects to sign in, or 404 for another circle's member
    abort(404)
