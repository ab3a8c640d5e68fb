"""Build a Samen Vooruit circle and meeting through the application layer, for tests."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from circle import meetings, proposals, rounds
from circle.circles import add_member, create_circle
from circle.demo import MEMBERS
from circle.extensions import db
from circle.method import Answer, Role, RoundKind, RoundMode
from circle.models import Member
from tests.days import TODAY, days

#: The review date the scenario's proposal carries: about three months after the meeting.
REVIEW_DATE = days(98)

#: The eight residents of the demo circle, in ring order, with their roles.
PEOPLE = [("Anna", Role.FACILITATOR), *MEMBERS]


@dataclass
class Circle:
    """Ids of what a scenario made; look rows up fresh in each test's session."""

    circle_id: int
    member_ids: dict[str, int]
    meeting_id: int | None = None
    proposal_id: int | None = None

    def member(self, name: str) -> Member:
        """The member of this circle with that name."""
        return db.session.get(Member, self.member_ids[name])


def samen_vooruit(guest: bool = False) -> Circle:
    """A circle of eight with a draft about greening the containers on a planned meeting."""
    circle, anna = create_circle("Samen Vooruit", "Anna")
    for name, role in PEOPLE[1:]:
        add_member(None, circle.id, name, role)
    if guest:
        add_member(None, circle.id, "Wijkteam", Role.GUEST)
    ids = dict(db.session.execute(sa.select(Member.name, Member.id).where(Member.circle_id == circle.id)).all())
    made = Circle(circle.id, ids)
    aylin = made.member("Aylin")
    made.proposal_id = proposals.write_draft(
        aylin,
        proposals.Wording(
            title="Afvalcontainers vergroenen",
            text="Plantenbakken rond de containers in de Javastraat.",
            review_date=REVIEW_DATE,
        ),
    ).subject
    made.meeting_id = meetings.plan_meeting(made.member("Anna"), "Kernteam", TODAY).subject
    proposals.put_on_agenda(made.member("Anna"), made.proposal_id, made.meeting_id)
    return made


def everyone_present(made: Circle) -> None:
    """Open the meeting and mark every seated member present."""
    anna = made.member("Anna")
    meetings.open_meeting(anna, made.meeting_id)
    for name, _ in PEOPLE:
        meetings.mark_attendance(anna, made.meeting_id, made.member_ids[name], True)


def neighbours_present(made: Circle, count: int) -> list[int]:
    """Add `count` neighbours ("Buur 0", "Buur 1", ...) to the circle as members, marked present at its
    open meeting after the eight: a larger ring. Their member ids, in ring order."""
    anna = made.member("Anna")
    added = [add_member(None, made.circle_id, f"Buur {i}", Role.MEMBER).subject for i in range(count)]
    for member_id in added:
        meetings.mark_attendance(anna, made.meeting_id, member_id, True)
    return added


def run_round(made: Circle, kind: RoundKind, answers: dict[str, tuple[Answer, str]] | None = None) -> None:
    """Hold a whole round in turn; everyone speaks unless `answers` says otherwise."""
    anna = made.member("Anna")
    rounds.start_round(anna, made.meeting_id, kind, RoundMode.IN_TURN, proposal_id=made.proposal_id)
    default = (Answer.CONSENT, "") if kind == RoundKind.CONSENT else (Answer.SPEAK, "")
    for name, _ in PEOPLE:
        answer, text = (answers or {}).get(name, default)
        if answer == Answer.SPEAK and not text:
            text = f"{name} zegt iets."
        member = made.member(name)
        rounds.contribute(member, made.meeting_id, member.id, answer, text)
    rounds.close_round(anna, made.meeting_id)
