"""The demo's last month: Samen Vooruit decided on a monthly clean-up morning, and its tasks went their ways.

Played through the actions on the days it happened (`clock.played_at`), so the
log runs forward in time: the meeting five weeks ago adopts the clean-up
mornings with three tasks; Kees starts and finishes his, Samira has begun
hers, and Joost's is overdue. All of it before the demo's round between
meetings began (demo_between.py). Today Dewi puts a topic forward for the
next meeting.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import clock, meetings, proposals, rounds
from circle.agenda import put_forward_topic
from circle.extensions import db
from circle.method import Answer, RoundKind, RoundMode, TaskStatus
from circle.models import Circle, Member
from circle.tasks import add_task, mark_task

#: How many days ago the meeting was held.
HELD_DAYS_AGO = 35

CLEAN_UP = proposals.Wording(
    title="Opruimochtend in de Javastraat",
    text=("Elke eerste zaterdag van de maand ruimen we samen de Javastraat op, van tien tot twaalf. "
          "Wie meedoet krijgt een grijper en handschoenen; daarna is er koffie en soep."),
    background="Er ligt veel zwerfafval, en samen opruimen brengt buren bij elkaar.",
    success_criteria="Na drie ochtenden doen er minstens vijftien buren mee.",
    carried_out_by="Kees, Samira en Joost",
)

#: The tasks: what, who, due how many days after the meeting, and how it went (days after it, mark, note).
TASKS = [
    ("Grijpers en handschoenen lenen bij het stadsdeel", "Kees", 14,
     [(3, TaskStatus.STARTED, "Aangevraagd bij het stadsdeel."),
      (11, TaskStatus.DONE, "Twintig grijpers opgehaald, ze staan in het buurthuis.")]),
    ("Flyers maken en in de straat rondbrengen", "Samira", 42,
     [(22, TaskStatus.STARTED, "De flyer is klaar, nu nog rondbrengen.")]),
    ("Koffie en soep regelen bij de buurtwinkel", "Joost", 30, []),
]

TOPIC = ("Fietsen op de stoep bij de school",
         "Elke ochtend staan er fietsen op de stoep, en kinderwagens kunnen er niet langs. Kan er een rek bij?")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return clock.at_local(day, hour, minute)


def hold(circle: Circle, today: dt.date) -> None:
    """Last month's meeting, its decision, its tasks and how they went; each on its own day."""
    held = today - dt.timedelta(days=HELD_DAYS_AGO)
    people = {m.name: m for m in db.session.scalars(sa.select(Member).where(Member.circle_id == circle.id))}
    anna = people["Anna"]
    there = [m for m in people.values() if m.expected_on(held)]
    with clock.played_at(_at(held - dt.timedelta(days=10), 20)):
        clean_up = proposals.write_draft(people["Kees"], CLEAN_UP).subject
    with clock.played_at(_at(held - dt.timedelta(days=7), 9)):
        meeting = meetings.plan_meeting(anna, "Kernteam-overleg (vorige maand)", held).subject
        proposals.put_on_agenda(anna, clean_up, meeting)
    hold_rounds(anna, meeting, clean_up, there, _at(held, 19, 30),
                ("Hoe laat begint het, en wie zorgt voor de spullen?", "Goed idee, als we het samen volhouden."))
    with clock.played_at(_at(held, 20, 50)):
        proposals.adopt(anna, meeting, clean_up)
        tasks = [add_task(anna, clean_up, what, people[who].id, held + dt.timedelta(days=due)).subject
                 for what, who, due, _ in TASKS]
        meetings.close_meeting(anna, meeting)
    for task, (_, who, _, marks) in zip(tasks, TASKS, strict=True):
        for after, status, note in marks:
            with clock.played_at(_at(held + dt.timedelta(days=after), 18)):
                mark_task(people[who], task, status, note)


def hold_rounds(steerer: Member, meeting: int, proposal: int, there: list[Member], opened: dt.datetime,
                said: tuple[str, str]) -> None:
    """Open a meeting at `opened`, mark who is there, and hold the three rounds on one proposal, open, everyone
    saying `said` in the picture-forming and the opinion round and consenting in the consent round."""
    with clock.played_at(opened):
        meetings.open_meeting(steerer, meeting)
        for m in there:
            meetings.mark_attendance(steerer, meeting, m.id, True)
    for minute, kind, say in ((35, RoundKind.PICTURE_FORMING, said[0]), (50, RoundKind.OPINION_FORMING, said[1]),
                              (65, RoundKind.CONSENT, "")):
        with clock.played_at(opened + dt.timedelta(minutes=minute)):
            rounds.start_round(steerer, meeting, kind, RoundMode.OPEN, proposal_id=proposal)
            for m in there:
                answer = Answer.CONSENT if kind == RoundKind.CONSENT else Answer.SPEAK
                rounds.contribute(m, meeting, m.id, answer, say)
            rounds.close_round(steerer, meeting)


def put_forward_today(circle: Circle) -> None:
    """Dewi puts a topic forward for the next meeting."""
    dewi = db.session.scalar(sa.select(Member).where(Member.circle_id == circle.id, Member.name == "Dewi"))
    put_forward_topic(dewi, *TOPIC)
