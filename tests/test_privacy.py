"""A person sees and downloads everything Kring holds about them, and only that; their e-mail address."""

from __future__ import annotations

import json

import pytest

from circle.extensions import db
from circle.method import RoundKind
from circle.models import Person
from tests import scenario


@pytest.fixture
def made(app):
    """Samen Vooruit after an opinion round in which everyone spoke."""
    with app.app_context():
        made = scenario.samen_vooruit()
        scenario.everyone_present(made)
        scenario.run_round(made, RoundKind.PICTURE_FORMING)
        return made


def test_the_page_and_the_download_hold_what_is_yours(app, client, sign_in, made):
    sign_in(client, made.member_ids["Aylin"])
    page = client.get("/you/data")
    assert page.status_code == 200
    assert "Aylin zegt iets." in page.text and "Afvalcontainers vergroenen" in page.text
    assert "Joost zegt iets." not in page.text  # another member's words are not yours

    download = client.get("/you/data.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.data)
    assert data["person"]["name"] == "Aylin"
    assert [m["circle"] for m in data["memberships"]] == ["Samen Vooruit"]
    assert [a["text"] for a in data["answers"]] == ["Aylin zegt iets."]
    assert [p["title"] for p in data["proposals"]] == ["Afvalcontainers vergroenen"]
    assert data["attendance"][0]["present"] is True
    actions = {e["action"] for e in data["log_entries"]}
    # She wrote the draft, was added and marked present, and spoke: each entry names her.
    assert {"write_draft", "mark_attendance", "contribute"} <= actions
    with app.app_context():
        joost = made.member_ids["Joost"]
    assert all(joost not in (e["data"].get("member") or {}).values() for e in data["log_entries"]
               if isinstance(e["data"].get("member"), dict))


def test_signed_out_you_see_nothing(client, made):
    for path in ("/you/data", "/you/data.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_your_email_address_is_saved_checked_and_unique(app, client, sign_in, made, csrf_token):
    sign_in(client, made.member_ids["Aylin"])
    token = csrf_token(client.get("/you/data").text)
    client.post("/you/email", data={"csrf_token": token, "email": " Aylin@Example.org "})
    with app.app_context():
        assert db.session.get(Person, _person(app, made, "Aylin")).email == "aylin@example.org"

    page = client.post("/you/email", data={"csrf_token": token, "email": "geen adres"}, follow_redirects=True)
    assert "Dit is geen e-mailadres." in page.text
    with app.app_context():
        assert db.session.get(Person, _person(app, made, "Aylin")).email == "aylin@example.org"

    sign_in(client, made.member_ids["Joost"])
    token = csrf_token(client.get("/you/data").text)
    page = client.post("/you/email", data={"csrf_token": token, "email": "aylin@example.org"},
                       follow_redirects=True)
    assert "Dit e-mailadres wordt al door iemand anders gebruikt." in page.text
    with app.app_context():
        assert db.session.get(Person, _person(app, made, "Joost")).email is None


def _person(app, made, name: str) -> int:
    with app.app_context():
        return made.member(name).person_id
