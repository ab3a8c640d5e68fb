"""Larger text (docs/reading.md): each person chooses it on their own page, and then every page they
see is drawn larger, a class on <html> that raises the root font size; nobody else's pages change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from circle.extensions import db
from circle.models import LogEntry, Member, Person
from tests import scenario


@pytest.fixture
def made(app):
    """Samen Vooruit with its meeting open and everyone present."""
    with app.app_context():
        made = scenario.samen_vooruit()
        scenario.everyone_present(made)
        for name in ("Joost", "Aylin"):
            made.member(name).person.language = "en"
        db.session.commit()
        return made


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def pages(made) -> list[str]:
    """One of every kind of page a member of the circle reads."""
    c, m, p = made.circle_id, made.meeting_id, made.proposal_id
    return ["/you", "/you/data", "/you/notices", f"/c/{c}/", f"/c/{c}/meetings/{m}/",
            f"/c/{c}/meetings/{m}/projector", f"/c/{c}/proposals/{p}/", f"/c/{c}/meetings/{m}/minutes",
            f"/c/{c}/logbook/", f"/c/{c}/decisions/{p}/", f"/c/{c}/meetings/{m}/handout", "/no-such-page"]


def choose(client, csrf_token, **data):
    page = client.get("/you").text
    return client.post("/you/reading", data={"csrf_token": csrf_token(page), **data})


def person_row(app, member_id: int) -> dict:
    with app.app_context():
        person = db.session.get(Member, member_id).person
        return {c.key: getattr(person, c.key) for c in sa.inspect(Person).column_attrs}


def log_length(app, made) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(LogEntry.id)))


def test_a_person_chooses_larger_text_and_nothing_else_changes(app, client, sign_in, csrf_token, made):
    sign_in(client, made.member_ids["Joost"])
    page = client.get("/you").text
    assert re.search(r'<input[^>]*id="larger_text"[^>]*name="larger_text"[^>]*type="checkbox"[^>]*value="y"',
                     page)
    assert "checked" not in re.search(r'<input[^>]*id="larger_text"[^>]*>', page).group(0)
    before, entries = person_row(app, made.member_ids["Joost"]), log_length(app, made)

    response = choose(client, csrf_token, larger_text="y")
    assert response.status_code == 303 and response.headers["Location"].endswith("/you#reading")
    after = person_row(app, made.member_ids["Joost"])
    assert after.pop("larger_text") is True and before.pop("larger_text") is False
    assert after == before  # the name, language, e-mail and sign-in stay as they were
    assert log_length(app, made) == entries  # a person's own reading choice is in no circle's record
    page = client.get("/you").text
    assert "checked" in re.search(r'<input[^>]*id="larger_text"[^>]*>', page).group(0)
    assert "Saved: every page now shows larger text." in page

    choose(client, csrf_token)  # unticked: the checkbox sends nothing
    assert person_row(app, made.member_ids["Joost"])["larger_text"] is False


@pytest.mark.parametrize("bad", [{"larger_text": "yes please"}, {"larger_text": ["y", "y"]}])
def test_what_the_page_never_sends_is_refused_and_nothing_is_stored(app, client, sign_in, csrf_token, made, bad):
    sign_in(client, made.member_ids["Joost"])
    choose(client, csrf_token, larger_text="y")
    refused = choose(client, csrf_token, **bad)
    assert refused.status_code == 303
    assert "Please check what you entered." in client.get("/you").text
    assert person_row(app, made.member_ids["Joost"])["larger_text"] is True


def test_without_a_form_token_nothing_is_stored(app, client, sign_in, made):
    sign_in(client, made.member_ids["Joost"])
    assert client.post("/you/reading", data={"larger_text": "y"}).status_code == 400
    assert person_row(app, made.member_ids["Joost"])["larger_text"] is False


def test_signed_out_nobody_chooses(client, made):
    assert client.post("/you/reading", data={"larger_text": "y"}).status_code in (302, 400)


def test_every_page_is_larger_for_who_chose_it_and_for_nobody_else(app, sign_in, csrf_token, made):
    joost, aylin = app.test_client(), app.test_client()
    sign_in(joost, made.member_ids["Joost"])
    sign_in(aylin, made.member_ids["Aylin"])
    choose(joost, csrf_token, larger_text="y")
    for url in pages(made):
        mine, theirs = joost.get(url), aylin.get(url)
        assert mine.status_code == theirs.status_code, url
        assert 'class="larger-text"' in html_tag(mine.text), url
        assert "larger-text" not in html_tag(theirs.text), url
    # In Arabic too, beside the direction.
    with app.app_context():
        db.session.get(Member, made.member_ids["Joost"]).person.language = "ar"
        db.session.commit()
    assert html_tag(joost.get("/you").text) == '<html lang="ar" dir="rtl" class="larger-text">'


def test_the_choice_shows_on_the_persons_data_page_and_in_the_download(app, client, sign_in, csrf_token, made):
    sign_in(client, made.member_ids["Joost"])
    choose(client, csrf_token, larger_text="y")
    assert re.search(r"<dt>Larger text</dt><dd>on</dd>", client.get("/you/data").text)
    assert client.get("/you/data.json").json["person"]["larger_text"] is True


def test_the_stylesheet_raises_the_root_size_and_sizes_text_in_rem_or_em(app):
    """Everything grows with the root: no font size in px outside the ring's own drawing."""
    text = (Path(app.static_folder) / "kring.css").read_text(encoding="utf-8")
    assert re.search(r"html\.larger-text\s*\{\s*font-size:\s*140\.625%", text)  # 125 % of 112.5 %
    px = [line for line in text.splitlines() if re.search(r"font-size:\s*\d+px", line) and ".ring" not in line]
    assert px == []
