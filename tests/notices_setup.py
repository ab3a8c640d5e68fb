"""Samen Vooruit with e-mail addresses and languages, for the notice tests, and reading what they were sent.

Mail goes to the local SMTP server of tests/mailbox.py. Four residents gave
an address: Anna and Aylin read Dutch (Aylin never chose, so Kring's
default), Joost English, Fatima Dutch; the others gave none, so they are
sent nothing whatever they choose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from circle import notices
from circle.circles import add_member, create_circle
from circle.extensions import db
from circle.models import Member, Notice
from tests.mailbox import Mailbox, mailbox, smtp  # noqa: F401  (fixtures)
from tests.scenario import PEOPLE, Circle

#: Who gave an address, and the language they chose (None: never chose).
ADDRESSES = {
    "Anna": ("anna@example.org", "nl"),
    "Joost": ("joost@example.org", "en"),
    "Aylin": ("aylin@example.org", None),
    "Fatima": ("fatima@example.org", "nl"),
}
BASE_URL = "http://kring.test"


@pytest.fixture
def residents(app, mailbox) -> Iterator[Circle]:
    """The circle of eight, four with an address; mail on, links on KRING_BASE_URL."""
    app.config["BASE_URL"] = BASE_URL
    with app.app_context():
        circle, _ = create_circle("Samen Vooruit", "Anna")
        for name, role in PEOPLE[1:]:
            add_member(None, circle.id, name, role)
        ids = dict(db.session.execute(sa.select(Member.name, Member.id).where(Member.circle_id == circle.id)).all())
        made = Circle(circle.id, ids)
        for name, (address, language) in ADDRESSES.items():
            person = made.member(name).person
            person.email, person.language = address, language
        db.session.commit()
    yield made
    assert notices.settle(), "a notice was still being sent"


def by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    """Messages by address; fails when someone got two."""
    found: dict[str, EmailMessage] = {}
    for msg in messages:
        assert msg["To"] not in found, f"{msg['To']} got two mails"
        found[msg["To"]] = msg
    return found


def links(text: str) -> list[str]:
    """Every Kring address in a mail's text."""
    return re.findall(re.escape(BASE_URL) + r"/\S*", text)


def path(link: str) -> str:
    return urlsplit(link).path


def sent_notices(person_id: int | None = None) -> list[Notice]:
    query = sa.select(Notice).order_by(Notice.id)
    if person_id is not None:
        query = query.where(Notice.person_id == person_id)
    return list(db.session.scalars(query))


def settled(box: Mailbox) -> list[EmailMessage]:
    """Every message, once nothing is being sent in the background any more."""
    assert notices.settle(), "a notice was still being sent"
    return box.messages
