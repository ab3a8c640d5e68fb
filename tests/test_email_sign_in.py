"""A sign-in link by e-mail, against a real SMTP server on 127.0.0.1 (tests/mailbox.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from circle.extensions import db
from circle.views import email_link
from tests import scenario
from tests.mailbox import Mailbox, mailbox, smtp  # noqa: F401  (fixtures)


@pytest.fixture
def made(app):
    """Samen Vooruit, where Aylin gave her address."""
    email_link._last_sent.clear()
    with app.app_context():
        made = scenario.samen_vooruit()
        made.member("Aylin").person.email = "aylin@example.org"
        db.session.commit()
        return made


def ask(client, csrf_token, address: str):
    page = client.get("/sign-in")
    return client.post("/sign-in/email", data={"csrf_token": csrf_token(page.text), "email": address},
                       follow_redirects=True)


def test_a_known_address_gets_a_link_that_signs_in(client, made, mailbox: Mailbox, csrf_token):
    page = ask(client, csrf_token, "Aylin@example.org")
    assert "onderweg" in page.text
    (msg,) = mailbox.wait(1)
    assert msg["To"] == "aylin@example.org"
    assert msg["Subject"] == "Je aanmeldlink voor Kring"
    text = Mailbox.text(msg)
    assert "Aylin" in text and "90 dagen" in text
    path = urlsplit(re.search(r"https?://\S+/s/\S+", text).group(0)).path
    confirm = client.get(path)
    assert confirm.status_code == 200
    response = client.post(path, data={"csrf_token": csrf_token(confirm.text)})
    assert response.status_code == 303
    assert client.get(f"/c/{made.circle_id}/", follow_redirects=True).status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, made, mailbox: Mailbox, csrf_token):
    known = ask(client, csrf_token, "aylin@example.org")
    unknown = ask(client, csrf_token, "niemand@example.org")
    message = "Als dit adres van iemand in een kring is"
    assert message in known.text and message in unknown.text
    mailbox.wait(1)
    assert [m["To"] for m in mailbox.messages] == ["aylin@example.org"]


def test_asking_again_at_once_sends_nothing_more(client, made, mailbox: Mailbox, csrf_token):
    for _ in range(5):
        ask(client, csrf_token, "aylin@example.org")
    mailbox.wait(1)
    assert len(mailbox.messages) == 1


def test_a_bad_address_is_refused_with_a_message(client, made, mailbox: Mailbox, csrf_token):
    page = ask(client, csrf_token, "aylin\x00@example.org")
    assert page.status_code == 200
    assert "onderweg" not in page.text
    assert mailbox.messages == []


def test_without_mail_there_is_no_form_and_no_route(client, made, csrf_token):
    page = client.get("/sign-in")
    assert "link-by-email" not in page.text
    assert client.post("/sign-in/email", data={"email": "aylin@example.org"}).status_code in (400, 404)


def test_the_mailed_link_is_on_kring_s_own_address_whatever_host_was_asked(app, client, made, mailbox: Mailbox,
                                                                          csrf_token):
    app.config.update(BASE_URL="https://kring.example.org", SERVER_NAME=None)  # any Host is served
    page = client.get("/sign-in", headers={"Host": "evil.example.com"})
    client.post("/sign-in/email", data={"csrf_token": csrf_token(page.text), "email": "aylin@example.org"},
                headers={"Host": "evil.example.com"})
    (msg,) = mailbox.wait(1)
    text = Mailbox.text(msg)
    assert "https://kring.example.org/s/" in text
    assert "evil.example.com" not in text
