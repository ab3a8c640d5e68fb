"""The Samen Vooruit demo: a resident core group in Amsterdam's Indische Buurt."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from circle import clock, demo_between, demo_last_month, demo_roles
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

#: How many days before today each demo member joined: the core group started a year ago,
#: Dewi and Mohamed came in later.
JOINED_DAYS_AGO = {"Anna": 365, "Fatima": 365, "Joost": 365, "Aylin": 300, "Kees": 300,
                   "Samira": 240, "Dewi": 90, "Mohamed": 30}

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
    """Create the demo circle: 8 members (joined over the past year), its aim and roles held for a term,
    last month's decision with its tasks (demo_last_month.py), its working group (demo_roles.py), a consent
    round running between meetings (demo_between.py), today's meeting with a draft on its agenda, and a
    topic put forward for the next."""
    today = clock.today()

    def since(name: str) -> dt.date:
        return today - dt.timedelta(days=JOINED_DAYS_AGO[name])

    # The circle came to Kring before last month's meeting: its history is written on its own days.
    with clock.played_at(clock.at_local(today - dt.timedelta(days=demo_last_month.HELD_DAYS_AGO + 14), 10)):
        circle, anna = create_circle("Samen Vooruit", "Anna", since=since("Anna"))
        for name, role in MEMBERS:
            add_member(None, circle.id, name, role, since=since(name))
        demo_roles.found(circle, today)  # its aim and domain, and who held its roles until when
    demo_last_month.hold(circle, today)
    demo_roles.working_group(circle, today)  # Werkgroep Zwerfvuil, started twelve days ago
    demo_between.hold(circle, today)  # a consent round between meetings, open until three days from now
    proposer = db.session.scalar(db.select(Member).filter_by(circle_id=circle.id, name="Aylin"))
    proposal = write_draft(proposer, replace(GREENING, review_date=today + dt.timedelta(days=120)))
    meeting = plan_meeting(anna, "Kernteam-overleg", today)
    put_on_agenda(anna, proposal.subject, meeting.subject)
    demo_last_month.put_forward_today(circle)
    return db.session.get(Circle, circle.id)
