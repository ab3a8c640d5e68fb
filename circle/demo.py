"""The Samen Vooruit demo: a resident core group in Amsterdam's Indische Buurt."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from circle.circles import add_member, create_circle
from circle.extensions import db
from circle.meetings import plan_meeting
from circle.method import Role
from circle.models import Circle, Member
from circle.proposals import Wording, put_on_agenda, write_draft

MEMBERS = [
    ("Fatima", Role.SECRETARY),
    ("Joost", Role.MEMBER),
    ("Aylin", Role.MEMBER),
    ("Kees", Role.MEMBER),
    ("Samira", Role.MEMBER),
    ("Dewi", Role.MEMBER),
    ("Mohamed", Role.MEMBER),
]

GREENING = Wording(
    title="Afvalcontainers in de Javastraat vergroenen",
    text=(
        "We zetten plantenbakken rond de vier ondergrondse afvalcontainers aan de Javastraat. "
        "Bewoners van de straat kiezen samen de planten en geven om beurten water."
    ),
    background=(
        "Rond de containers ligt vaak zwerfafval. Waar het groen is, laten mensen minder "
        "rommel achter, en de straat wordt mooier."
    ),
    success_criteria="Na drie maanden ligt er minder afval rond de containers (foto's voor en na).",
    carried_out_by="Aylin en Kees, met de groencommissie",
)


def seed() -> Circle:
    """Create the demo circle: 8 members, a meeting, a draft proposal on its agenda."""
    circle, anna = create_circle("Samen Vooruit", "Anna")
    for name, role in MEMBERS:
        add_member(None, circle.id, name, role)
    proposer = db.session.scalar(db.select(Member).filter_by(circle_id=circle.id, name="Aylin"))
    proposal = write_draft(proposer, replace(GREENING, review_date=dt.date.today() + dt.timedelta(days=120)))
    meeting = plan_meeting(anna, "Kernteam-overleg", dt.date.today())
    put_on_agenda(anna, proposal.subject, meeting.subject)
    return db.session.get(Circle, circle.id)
