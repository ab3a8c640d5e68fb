"""The demo's roles and its working group: who holds what in Samen Vooruit until when, and Werkgroep Zwerfvuil.

Written through the actions on the days they happened (`clock.played_at`),
so each circle's log runs forward in time (docs/roles-and-elections.md):

- when the circle came to Kring, its aim and domain and the roles it already
  had: Anna facilitates until a month from today (so the circle home offers
  to choose again), Fatima is secretary, Samira the circle's own
  "Contactpersoon gemeente";
- twelve days ago Samen Vooruit started Werkgroep Zwerfvuil with Kees as its
  leader; the working group took in Samira (its delegate to Samen Vooruit)
  and Dewi, and last week adopted Dewi's proposal to lend out litter pickers,
  with a task for Samira. Samen Vooruit's home lists it, with that decision and task.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import clock, demo_last_month, meetings, method, proposals, roles, subcircles
from circle.circles import add_member
from circle.extensions import db
from circle.method import RoleKind
from circle.models import Circle, Member
from circle.tasks import add_task

AIM = "Samen maken we de Indische Buurt schoner, groener en gezelliger."
DOMAIN = "Activiteiten in de buurt, het buurtbudget en wat we met de gemeente afspreken over de openbare ruimte."
CONTACT = ("Contactpersoon gemeente",
           ("Houdt contact met de gemeente en het stadsdeel: vraagt vergunningen aan, meldt wat de kring "
            "besloot en brengt terug wat de gemeente wil."), 24)

GROUP = "Werkgroep Zwerfvuil"
GROUP_AIM = "Geen zwerfvuil meer in de Javastraat en de straten eromheen."
GROUP_DOMAIN = "De opruimochtenden, de grijpers en handschoenen, en afspraken met de vuilophaal van het stadsdeel."
#: How many days ago Samen Vooruit started the working group (after last month's history, before the garden).
STARTED_DAYS_AGO = 12
#: How many days ago the working group decided, and what.
DECIDED_DAYS_AGO = 9
PICKERS = proposals.Wording(
    title="Grijpers uitlenen vanuit het buurthuis",
    text="Wie wil opruimen, leent een grijper en handschoenen bij het buurthuis, ook buiten de opruimochtenden.",
    success_criteria="Na twee maanden zijn de grijpers minstens tien keer geleend.",
    carried_out_by="Samira",
)
TASK = ("Uitleenlijst maken en bij de balie van het buurthuis leggen", 14)


def _member(circle_id: int, name: str) -> Member:
    return db.session.scalar(sa.select(Member).where(Member.circle_id == circle_id, Member.name == name))


def found(circle: Circle, today: dt.date) -> None:
    """When the circle came to Kring: its aim and domain, and who held its roles until when."""
    anna = _member(circle.id, "Anna")
    subcircles.set_aim(anna, AIM, DOMAIN)
    def key(kind: RoleKind) -> str:
        return method.role_key(kind, circle.id, None)

    roles.record_term(anna, key(RoleKind.FACILITATOR), anna.id, today - dt.timedelta(days=365),
                      today + dt.timedelta(days=30))
    roles.record_term(anna, key(RoleKind.SECRETARY), _member(circle.id, "Fatima").id, today - dt.timedelta(days=365),
                      today + dt.timedelta(days=200))
    own = roles.define_role(anna, *CONTACT).subject
    roles.record_term(anna, method.role_key(RoleKind.OWN, circle.id, own), _member(circle.id, "Samira").id, today - dt.timedelta(days=200),
                      today + dt.timedelta(days=530))


def working_group(circle: Circle, today: dt.date) -> int:
    """Werkgroep Zwerfvuil: started twelve days ago, with its decision of last week; its id."""
    def on(days_ago: int, hour: int, minute: int = 0):
        return clock.played_at(clock.at_local(today - dt.timedelta(days=days_ago), hour, minute))

    started = today - dt.timedelta(days=STARTED_DAYS_AGO)
    with on(STARTED_DAYS_AGO, 20):
        sub = subcircles.start_subcircle(_member(circle.id, "Anna"), GROUP, GROUP_AIM, GROUP_DOMAIN,
                                         _member(circle.id, "Kees").id, started, started + dt.timedelta(days=364)).subject
        for name in ("Samira", "Dewi"):
            add_member(None, sub, name, since=started, person_id=_member(circle.id, name).person_id)
        roles.record_term(_member(sub, "Kees"), method.role_key(RoleKind.DELEGATE, sub, None), _member(sub, "Samira").id, started,
                          started + dt.timedelta(days=364))
    people = [_member(sub, n) for n in ("Kees", "Samira", "Dewi")]
    kees, samira, dewi = people
    with on(DECIDED_DAYS_AGO + 2, 18):
        proposal = proposals.write_draft(dewi, PICKERS).subject
        meeting = meetings.plan_meeting(kees, "Werkgroep-overleg", today - dt.timedelta(days=DECIDED_DAYS_AGO))
        proposals.put_on_agenda(kees, proposal, meeting.subject)
    meeting = meeting.subject
    demo_last_month.hold_rounds(kees, meeting, proposal, people,
                                clock.at_local(today - dt.timedelta(days=DECIDED_DAYS_AGO), 19, 30),
                                ("Waar bewaren we ze?", "Goed, dan kan iedereen meedoen."))
    with on(DECIDED_DAYS_AGO, 20, 50):
        proposals.adopt(kees, meeting, proposal)
        add_task(kees, proposal, TASK[0], samira.id, today - dt.timedelta(days=DECIDED_DAYS_AGO - TASK[1]))
        meetings.close_meeting(kees, meeting)
    return sub
