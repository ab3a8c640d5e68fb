"""Who may read a circle's record, and how names appear to them.

Members read everything of their own circle. Where the circle made its record
public, anyone may read the decision list, decision pages and minutes (and
nothing else), with names as the circle chose: full, first name or initials.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from circle.auth import member_of
from circle.method import NameDisplay, public_name
from circle.models import Circle, Member
from circle.views.common import circle_or_404


@dataclass(frozen=True)
class Reader:
    """Someone reading a circle's record: a member, or (member None) a neighbour."""

    circle: Circle
    member: Member | None

    @property
    def public(self) -> bool:
        """Reading the public record, not signed in as a member."""
        return self.member is None

    def name(self, person: Member | None) -> str:
        """A person's name as this reader may see it."""
        if person is None:
            return ""
        display = self.circle.public_names if self.public else NameDisplay.FULL
        return public_name(person.name, display)


def record_reader(circle_id: int) -> Reader:
    """The reader of a record page: a member of the circle, or anyone if the record is public.

    Anyone else is sent to sign in (or, signed in to another circle, gets 404).
    """
    circle = circle_or_404(circle_id)
    member = current_user.membership(circle.id) if current_user.is_authenticated else None
    if member is not None and member.active:
        return Reader(circle, member_of(circle.id))
    if circle.public_record:
        return Reader(circle, None)
    member_of(circle_id)  # redirects to sign in, or 404 for another circle's member
    abort(404)
