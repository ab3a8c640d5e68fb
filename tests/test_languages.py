"""Kring's languages (circle.LANGUAGES): each person's choice goes with them, every page in Arabic
reads right to left, and the language switch offers each language in its own words."""

from __future__ import annotations

import re

import pytest
from flask import render_template

from circle import LANGUAGES
from circle.extensions import db, socketio
from circle.letters import writing_to
from circle.method import MESSAGES
from circle.models import Member
from tests import scenario

#: How each language says "Use your personal link to sign in." on the sign-in page.
SIGN_IN = {
    "nl": "Gebruik je persoonlijke link",
    "en": "Use your personal link",
    "tr": "Giriş yapmak için kişisel bağlantınızı kullanın.",
    "ar": "استخدم رابطك الشخصي لتسجيل الدخول.",
}
ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.fixture
def made(app):
    """The Samen Vooruit circle with a meeting planned today."""
    with app.app_context():
        return scenario.samen_vooruit()


def choose(client, lang: str, csrf_token) -> None:
    page = client.get("/sign-in")
    response = client.post("/lang", data={"lang": lang, "next": "/sign-in",
                                          "csrf_token": csrf_token(page.text)})
    assert response.status_code == 303


def test_every_language_is_on_the_switch_in_its_own_words(client, csrf_token):
    """Someone who reads no Dutch finds their language: a globe, then each language in its own words."""
    page = client.get("/sign-in").text
    buttons = re.findall(r'<button type="submit" name="lang" value="(\w+)" lang="(\w+)"\s+'
                         r'aria-pressed="(\w+)">([^<]+)</button>', page)
    assert buttons == [
        ("nl", "nl", "true", "Nederlands"),
        ("en", "en", "false", "English"),
        ("tr", "tr", "false", "Türkçe"),
        ("ar", "ar", "false", "العربية"),
    ]
    assert [value for value, *_ in buttons] == list(LANGUAGES)
    assert '<summary><span lang="nl">NL</span></summary>' in page
    choose(client, "ar", csrf_token)
    assert '<span lang="ar">عربي</span></summary>' in client.get("/sign-in").text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_reads_in_its_own_direction(client, csrf_token, lang):
    choose(client, lang, csrf_token)
    page = client.get("/sign-in").text
    assert SIGN_IN[lang] in page
    if lang == "ar":
        assert html_tag(page) == '<html lang="ar" dir="rtl">'
    else:
        assert html_tag(page) == f'<html lang="{lang}">'  # left to right, the default


@pytest.mark.parametrize("lang", ["tr", "ar"])
def test_a_persons_choice_goes_with_them_to_every_phone_they_sign_in_on(app, made, sign_in, csrf_token, lang):
    first_phone = app.test_client()
    sign_in(first_phone, made.member_ids["Aylin"])
    choose(first_phone, lang, csrf_token)
    with app.app_context():
        assert db.session.get(Member, made.member_ids["Aylin"]).person.language == lang

    second_phone = app.test_client()  # a new phone whose browser asks for English
    sign_in(second_phone, made.member_ids["Aylin"])
    page = second_phone.get(f"/c/{made.circle_id}/", headers=ENGLISH_BROWSER).text
    assert f'<html lang="{lang}"' in html_tag(page)
    assert ('dir="rtl"' in html_tag(page)) == (lang == "ar")


def test_the_projector_and_the_meeting_read_right_to_left_in_arabic(app, made, sign_in, csrf_token):
    client = app.test_client()
    sign_in(client, made.member_ids["Anna"])
    choose(client, "ar", csrf_token)
    with app.app_context():
        scenario.everyone_present(made)
    base = f"/c/{made.circle_id}/meetings/{made.meeting_id}"
    for path in (base + "/", base + "/projector"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert html_tag(page.text) == '<html lang="ar" dir="rtl">', path


def test_a_mail_in_arabic_reads_right_to_left(app, made):
    with app.app_context():
        person = made.member("Aylin").person
        person.language = "ar"
        with writing_to(person):
            html = render_template("notices/mail.html", person=person, told=[], digest=False, preferences="/")
    assert html_tag(html) == '<html lang="ar" dir="rtl">'
    assert "مرحباً" in html


def test_a_live_connection_speaks_the_language_it_connected_in(app, made, sign_in):
    """Its refusals as its page: the language is worked out once, when the phone connects, not from the
    person's row at every event (circle/i18n.py, docs/performance/statements.md). Choosing another language reloads
    the page, which connects anew."""
    aylin = made.member_ids["Aylin"]
    with app.app_context():
        db.session.get(Member, aylin).person.language = "en"
        db.session.commit()
    phone = app.test_client()
    sign_in(phone, aylin)
    sock = socketio.test_client(app, flask_test_client=phone, auth={"meeting": made.meeting_id})
    assert sock.is_connected()
    with app.app_context():
        db.session.get(Member, aylin).person.language = "tr"  # chosen meanwhile, on another phone
        db.session.commit()
    ack = sock.emit("contribute", {"answer": "speak", "text": "Ja."}, callback=True)
    assert ack["ok"] is False and ack["message"] == MESSAGES[ack["error"]], ack  # the English words
    sock.disconnect()
