"""Signing in with a personal link, signing out, revoking; the language switch; forms without a token."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Blueprint

from circle.auth import member_of, revoke, sign_in_url
from circle.extensions import db
from circle.method import Role
from circle.models import Circle, Member
from tests.days import days


@pytest.fixture
def app(app):
    """The test app, plus a page that only members of a circle may see."""
    probe = Blueprint("probe", __name__)

    @probe.get("/probe/<int:circle_id>")
    def page(circle_id: int):
        return f"hello {member_of(circle_id).name}"

    app.register_blueprint(probe)
    return app


@pytest.fixture
def people(app) -> SimpleNamespace:
    """Two circles: Samen Vooruit (Anna, Bram, and Carla who left) and Elders (Dirk)."""
    with app.app_context():
        ours, theirs = Circle(name="Samen Vooruit"), Circle(name="Elders")
        anna = Member(circle=ours, name="Anna", role=Role.FACILITATOR)
        bram = Member(circle=ours, name="Bram")
        carla = Member(circle=ours, name="Carla", joined_on=days(-400), left_on=days(-10))
        dirk = Member(circle=theirs, name="Dirk")
        db.session.add_all([ours, theirs, anna, bram, carla, dirk])
        db.session.commit()
        return SimpleNamespace(circle=ours.id, other_circle=theirs.id,
                               anna=anna.id, bram=bram.id, carla=carla.id, dirk=dirk.id)


def link(app, member_id: int) -> str:
    """A member's personal link, as a path."""
    with app.app_context():
        return sign_in_url(db.session.get(Member, member_id), external=False)


def test_link_asks_first_then_signs_in(app, client, people, csrf_token):
    url = link(app, people.anna)
    page = client.get(url)
    assert page.status_code == 200
    assert "Anna" in page.text and "Samen Vooruit" in page.text
    assert page.headers["Referrer-Policy"] == "same-origin"  # never to another host (tests/test_headers.py)
    # Opening the link (as a chat app's preview does) signs nobody in.
    assert client.get(f"/probe/{people.circle}").status_code == 302

    response = client.post(url, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert response.location == f"/c/{people.circle}/"
    assert client.get(f"/probe/{people.circle}").text == "hello Anna"


def test_links_are_absolute_for_sharing(app, people):
    with app.app_context():
        url = sign_in_url(db.session.get(Member, people.bram))
    assert url.startswith("http://kring.test/s/")


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "x" + token,
    lambda token: "nonsense",
])
def test_a_tampered_link_is_refused_clearly(app, client, people, mangle):
    token = link(app, people.bram).removeprefix("/s/")
    page = client.get(f"/s/{mangle(token)}")
    assert page.status_code == 400
    assert "Deze link werkt niet" in page.text
    assert "Vraag je gespreksleider om een nieuwe link" in page.text


def test_a_forged_post_is_refused_too(client, people):
    client.get("/sign-in")  # a session for the CSRF token
    assert client.post("/s/nonsense").status_code == 400


def test_someone_who_left_cannot_sign_in(app, client, people):
    assert client.get(link(app, people.carla)).status_code == 400


def test_revoking_ends_links_and_remembered_phones(app, client, people, sign_in):
    old_link = link(app, people.bram)
    sign_in(client, people.bram)
    assert client.get_cookie("remember_token", domain="kring.test") is not None

    # The browser forgets its session; the remembered phone signs in again by itself.
    client.delete_cookie("session", domain="kring.test")
    assert client.get(f"/probe/{people.circle}").text == "hello Bram"

    with app.app_context():
        revoke(db.session.get(Member, people.bram).person)

    # The session in use ends at once...
    response = client.get(f"/probe/{people.circle}")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    # ...and so does the remembered phone, and the old link.
    client.delete_cookie("session", domain="kring.test")
    assert client.get(f"/probe/{people.circle}").status_code == 302
    assert client.get(old_link).status_code == 400
    # A new link works.
    sign_in(client, people.bram)
    assert client.get(f"/probe/{people.circle}").text == "hello Bram"


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    response = client.get(f"/probe/{people.circle}")
    assert response.status_code == 302
    assert response.location == f"/sign-in?next=%2Fprobe%2F{people.circle}"
    page = client.get(response.location)
    assert "Log in met je persoonlijke link." in page.text  # flashed
    assert "Gebruik je persoonlijke link" in page.text
    assert "Vraag het aan je gespreksleider" in page.text


def test_other_circles_do_not_exist_for_you(client, people, sign_in):
    sign_in(client, people.dirk)
    assert client.get(f"/probe/{people.circle}").status_code == 404
    assert client.get(f"/probe/{people.other_circle}").text == "hello Dirk"


def test_sign_out(client, people, sign_in, csrf_token):
    sign_in(client, people.anna)
    page = client.get("/sign-in")
    assert "Anna" in page.text
    response = client.post("/sign-out", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert client.get(f"/probe/{people.circle}").status_code == 302


def test_dutch_first_then_english_on_request(client, csrf_token):
    page = client.get("/sign-in")
    assert '<html lang="nl">' in page.text
    assert "Gebruik je persoonlijke link" in page.text

    response = client.post("/lang", data={"lang": "en", "next": "/sign-in",
                                          "csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert response.location == "/sign-in"
    page = client.get("/sign-in")
    assert '<html lang="en">' in page.text
    assert "Use your personal link" in page.text


def test_the_browser_language_counts_until_someone_chooses(client, csrf_token):
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    page = client.get("/sign-in", headers=english)
    assert "Use your personal link" in page.text
    client.post("/lang", data={"lang": "nl", "csrf_token": csrf_token(page.text)}, headers=english)
    assert "Gebruik je persoonlijke link" in client.get("/sign-in", headers=english).text


def test_an_unknown_language_changes_nothing(client, csrf_token):
    page = client.get("/sign-in")
    client.post("/lang", data={"lang": "xx", "csrf_token": csrf_token(page.text)})
    assert '<html lang="nl">' in client.get("/sign-in").text


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "javascript:alert(1)",
    "http:/evil.example",
])
def test_the_language_switch_never_leaves_the_site(client, csrf_token, target):
    page = client.get("/sign-in")
    response = client.post("/lang", data={"lang": "en", "next": target,
                                          "csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert response.location == "/"


def test_the_language_switch_goes_back_with_the_query(client, csrf_token):
    page = client.get("/sign-in")
    response = client.post("/lang", data={"lang": "en", "next": "/sign-in?next=%2Fc%2F1%2F",
                                          "csrf_token": csrf_token(page.text)})
    assert response.location == "/sign-in?next=%2Fc%2F1%2F"


def test_a_form_without_its_token_is_refused_kindly(client):
    client.get("/sign-in")
    response = client.post("/lang", data={"lang": "en", "next": "/sign-in"})
    assert response.status_code == 400
    assert "Het formulier is verlopen, probeer het opnieuw." in response.text
    # Nothing changed.
    assert '<html lang="nl">' in client.get("/sign-in").text


def test_signing_in_needs_the_token_too(app, client, people):
    url = link(app, people.anna)
    client.get(url)
    response = client.post(url)
    assert response.status_code == 400
    assert "Het formulier is verlopen" in response.text
    assert client.get(f"/probe/{people.circle}").status_code == 302


def test_the_front_door_leads_to_your_circle(client, people, sign_in):
    assert client.get("/").location == "/sign-in"
    sign_in(client, people.bram)
    assert client.get("/").location == f"/c/{people.circle}/"
