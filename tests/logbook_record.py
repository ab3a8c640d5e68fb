"""The record the logbook tests read: five proposals of Samen Vooruit, one of each status, and another
circle that talks about the same things.

The record is made through the application layer, as meetings make it; only
the moments of the decisions are moved apart afterwards, so the period filter
has something to tell apart. It is built once for each test module that reads
it (`record_database`) and every test gets a copy of it (`app`); `titles` and
`logbook` read the logbook page as a person sees it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from circle import create_app, meetings, proposals, rounds
from circle.circles import add_member, create_circle
from circle.extensions import db
from circle.method import Answer, Role, RoundKind, RoundMode
from circle.models import Member, Proposal
from tests import databases
from tests.conftest import app_on_copy, config_for, sign_in_with_link

PEOPLE = [
    ("Fatima El Amrani", Role.SECRETARY),
    ("Joost Bakker", Role.MEMBER),
    ("Aylin Yilmaz", Role.MEMBER),
    ("Kees van Dijk", Role.MEMBER),
]


@dataclass
class Record:
    circle_id: int
    other_circle_id: int
    ids: dict[str, int]  # people by first name, proposals by key
    meeting_id: int
    review_meeting_id: int


def member_named(circle_id: int, first: str) -> Member:
    """The member of the circle with this first name."""
    return db.session.scalar(sa.select(Member).where(
        Member.circle_id == circle_id, Member.name.startswith(first + " ")))


def _round(anna, meeting_id, proposal_id, kind, texts: dict[str, str] | None = None):
    """A whole round in turn; everyone present answers (speaks, or consents)."""
    rounds.start_round(anna, meeting_id, kind, RoundMode.IN_TURN, proposal_id=proposal_id)
    for name in ["Anna", *[p.split()[0] for p, _ in PEOPLE]]:
        member = member_named(anna.circle_id, name)
        if kind == RoundKind.CONSENT:
            answer, text = Answer.CONSENT, (texts or {}).get(name, "")
        else:
            answer, text = Answer.SPEAK, (texts or {}).get(name, f"{name} heeft een vraag.")
        rounds.contribute(member, meeting_id, member.id, answer, text)
    rounds.close_round(anna, meeting_id)


def _adopt(anna, meeting_id, proposal_id, picture: dict[str, str] | None = None):
    _round(anna, meeting_id, proposal_id, RoundKind.PICTURE_FORMING, picture)
    _round(anna, meeting_id, proposal_id, RoundKind.OPINION_FORMING)
    _round(anna, meeting_id, proposal_id, RoundKind.CONSENT)
    proposals.adopt(anna, meeting_id, proposal_id)


def build_record() -> Record:
    """Five proposals, one of each status, and another circle that talks about the same things."""
    founded = dt.date(2025, 1, 6)  # the record below starts in March 2025
    circle, anna = create_circle("Samen Vooruit", "Anna de Vries", since=founded)
    for name, role in PEOPLE:
        add_member(None, circle.id, name, role, since=founded)
    cid = circle.id
    anna = member_named(cid, "Anna")
    aylin, kees = member_named(cid, "Aylin"), member_named(cid, "Kees")

    def draft(author, title, text, review=None):
        return proposals.write_draft(author, proposals.Wording(title=title, text=text, review_date=review)).subject

    ids = {
        "containers": draft(aylin, "Afvalcontainers vergroenen",
                            "Plantenbakken rond de containers in de Javastraat.", dt.date(2026, 9, 1)),
        "feest": draft(kees, "Buurtfeest in juni", "Een kleedjesmarkt en muziek in de Balistraat."),
        "moestuin": draft(aylin, "Moestuin op het Javaplein", "Tien bakken voor kruiden."),
        "prikken": draft(kees, "Zwerfafval prikken", "Elke eerste zaterdag van de maand."),
        "bankjes": draft(kees, "Bankjes op het Ambonplein", "Drie bankjes bij de speeltuin."),
    }
    meeting = meetings.plan_meeting(anna, "Kernteam maart", dt.date(2025, 3, 10)).subject
    for key in ("containers", "feest", "moestuin", "prikken"):
        proposals.put_on_agenda(anna, ids[key], meeting)
    meetings.open_meeting(anna, meeting)
    for name in ["Anna", *[p.split()[0] for p, _ in PEOPLE]]:
        meetings.mark_attendance(anna, meeting, member_named(cid, name).id, True)
    _adopt(anna, meeting, ids["containers"],
           {"Joost": "Wie betaalt de plantenbakken?", "Kees": "Ik ken een kweker in Purmerend."})
    _round(anna, meeting, ids["feest"], RoundKind.PICTURE_FORMING)
    proposals.postpone(anna, meeting, ids["feest"])
    proposals.withdraw(aylin, ids["moestuin"], meeting)
    _adopt(anna, meeting, ids["prikken"])
    meetings.close_meeting(anna, meeting)
    review = meetings.plan_meeting(anna, "Kernteam januari", dt.date(2026, 1, 20)).subject
    proposals.put_on_agenda(anna, ids["prikken"], review)  # back for its review

    # The moments the record shows: decided in four different months, the draft written in February.
    moments = {"containers": dt.datetime(2025, 3, 10, 19), "feest": dt.datetime(2025, 6, 1, 19),
               "moestuin": dt.datetime(2025, 9, 15, 19), "prikken": dt.datetime(2025, 12, 31, 23, 30)}
    for key, moment in moments.items():
        db.session.execute(sa.update(Proposal).where(Proposal.id == ids[key]).values(decided_at=moment))
    db.session.execute(sa.update(Proposal).where(Proposal.id == ids["bankjes"])
                       .values(created_at=dt.datetime(2026, 2, 1, 10)))
    db.session.commit()

    other, bob = create_circle("Andere Kring", "Bob Smit")
    ids["other"] = proposals.write_draft(bob, proposals.Wording(
        title="Een kweker voor de containers", text="Zwerfafval en een moestuin.")).subject
    ids.update({name: member_named(cid, name).id for name in ("Anna", "Fatima", "Joost", "Aylin", "Kees")})
    ids["Bob"] = bob.id
    return Record(cid, other.id, ids, meeting, review)


@pytest.fixture(scope="module")
def record_database(template_database: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Record]:
    """The record, built once for each test module that uses it, in a database file that each test
    gets a copy of."""
    folder = tmp_path_factory.mktemp("logbook")
    database = folder / "kring.sqlite3"
    databases.copy(template_database, database)
    app = create_app(config_for(database), instance_path=str(folder / "instance"))
    with app.app_context():
        made = build_record()
        db.session.remove()
        db.engine.dispose()
    return database, made


@pytest.fixture
def app(record_database, tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh copy of the record (replaces conftest's app where it is imported)."""
    yield from app_on_copy(record_database[0], tmp_path)


@pytest.fixture
def record(record_database) -> Record:
    return record_database[1]


@pytest.fixture
def member(client, record) -> object:
    """A browser signed in as Joost, a member of the circle."""
    sign_in_with_link(client, record.ids["Joost"])
    return client


def titles(html: str) -> list[str]:
    """The titles in the list, in order."""
    return re.findall(r'<h2><a href="/c/\d+/decisions/\d+/"><bdi>([^<]+)</bdi></a></h2>', html)


def logbook(client, record, **params):
    """The logbook page with these filters, in English."""
    response = client.get(f"/c/{record.circle_id}/logbook/", query_string=params,
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    return response.text

