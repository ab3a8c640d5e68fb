"""Personal links that expire and can be revoked: from the circle's page, the command line, or by
signing out everywhere; the printable handout with its QR code; refusals in the reader's language.

The clock is Kring's frozen one (tests/conftest.py): a link's age is moved on
with `frozen_clock.later`. The real server and its open sockets are in
tests/test_revocation.py.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from circle import create_app
from circle.auth import DEFAULT_MAX_AGE, sign_in_url
from circle.extensions import db, socketio
from circle.models import Member, Person
from tests.conftest import config_for
from tests.pages import unisolated
from tests.days import days
from tests.scenario import samen_vooruit


@pytest.fixture
def made(app):
    with app.app_context():
        return samen_vooruit()


def link(app, member_id: int) -> str:
    """A member's personal link as a path, made now (on Kring's clock)."""
    with app.app_context():
        return sign_in_url(db.session.get(Member, member_id), external=False)


def version(app, member_id: int) -> int:
    with app.app_context():
        return db.session.get(Member, member_id).person.sign_in_version


def text(html: str) -> str:
    """A page's words as they read: without tags, and without the isolation around people's text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unisolated(html)))


# --- Expiry ---------------------------------------------------------------------------------------


def test_a_link_works_for_ninety_days_then_says_it_expired(app, client, made, frozen_clock, csrf_token):
    assert DEFAULT_MAX_AGE == 90 * 24 * 3600
    url = link(app, made.member_ids["Joost"])
    with frozen_clock.later(days=89, hours=23):
        opened = client.get(url)
        assert opened.status_code == 200
    with frozen_clock.later(days=91):
        page = client.get(url)
        assert page.status_code == 400
        assert page.headers["Cache-Control"] == "no-store"
        assert "Deze link is verlopen" in text(page.text)
        assert "Een inloglink werkt 90 dagen nadat hij gemaakt is." in text(page.text)
        assert "Vraag je gespreksleider of secretaris om een nieuwe link." in page.text
        english = client.get(url, headers={"Accept-Language": "en"})
        assert "This link has expired" in english.text
        assert "Ask your facilitator or secretary for a new link." in english.text
        # Pressing the button on the page opened in time does not help either.
        pressed = client.post(url, data={"csrf_token": csrf_token(opened.text)})
        assert pressed.status_code == 400 and "Deze link is verlopen" in pressed.text
    assert client.get("/").location == "/sign-in"  # nobody was signed in


def test_a_phone_that_signed_in_stays_signed_in_after_its_link_expired(app, client, made, sign_in,
                                                                       frozen_clock):
    sign_in(client, made.member_ids["Joost"])
    with frozen_clock.later(days=120):
        client.delete_cookie("session", domain="kring.test")  # only the remembered phone is left
        assert client.get(f"/c/{made.circle_id}/").status_code == 200


def test_the_age_is_a_setting(app, client, made, frozen_clock, monkeypatch, tmp_path):
    monkeypatch.setenv("KRING_SIGN_IN_MAX_AGE", "3600")
    configured = create_app(config_for(tmp_path / "unused.sqlite3"), instance_path=str(tmp_path / "i"))
    assert configured.config["SIGN_IN_MAX_AGE"] == 3600
    app.config["SIGN_IN_MAX_AGE"] = 3600
    url = link(app, made.member_ids["Joost"])
    with frozen_clock.later(minutes=59):
        assert client.get(url).status_code == 200
    with frozen_clock.later(minutes=61):
        page = client.get(url)
        assert page.status_code == 400 and "Deze link is verlopen" in page.text
        assert "Een inloglink werkt 1 uur nadat hij gemaakt is." in text(page.text)


def test_a_link_from_a_clock_a_little_ahead_still_works_but_not_one_from_the_far_future(
        app, client, made, frozen_clock):
    with frozen_clock.later(minutes=4):
        soon = link(app, made.member_ids["Joost"])
    with frozen_clock.later(days=2):
        later = link(app, made.member_ids["Joost"])
    assert client.get(soon).status_code == 200
    assert client.get(later).status_code == 400


# --- Revoking from the circle's page ------------------------------------------------------------


def page_and_token(client, url: str, csrf_token) -> tuple[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return page.text, csrf_token(page.text)


def test_the_secretary_revokes_a_link_and_hands_out_a_new_one(app, made, sign_in, csrf_token):
    fatima, joost = app.test_client(), app.test_client()
    old = link(app, made.member_ids["Joost"])
    sign_in(joost, made.member_ids["Joost"])
    sign_in(fatima, made.member_ids["Fatima"])
    home = fatima.get(f"/c/{made.circle_id}/")
    handout_url = f"/c/{made.circle_id}/members/{made.member_ids['Joost']}/handout"
    assert f'href="{handout_url}"' in home.text

    _, token = page_and_token(fatima, handout_url, csrf_token)
    response = fatima.post(f"/c/{made.circle_id}/members/{made.member_ids['Joost']}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 303 and response.location == handout_url
    handout = fatima.get(handout_url)
    assert "De oude links van <bdi>Joost</bdi> werken niet meer, en hun telefoons zijn uitgelogd." in handout.text

    # The old link, the session in use and the remembered phone all stop at once.
    assert joost.get(old).status_code == 400
    assert joost.get(f"/c/{made.circle_id}/").location.startswith("/sign-in")
    joost.delete_cookie("session", domain="kring.test")
    assert joost.get(f"/c/{made.circle_id}/").status_code == 302
    # The new one, from the handout, works.
    new = re.search(r"<code>http://kring\.test(/s/[^<]+)</code>", handout.text).group(1)
    page = joost.get(new)
    assert page.status_code == 200
    assert joost.post(new, data={"csrf_token": csrf_token(page.text)}).location == f"/c/{made.circle_id}/"


def test_a_member_may_not_hand_out_or_revoke_links(app, made, sign_in, csrf_token):
    joost = app.test_client()
    sign_in(joost, made.member_ids["Joost"])
    home = joost.get(f"/c/{made.circle_id}/")
    assert "/handout" not in home.text
    aylin = made.member_ids["Aylin"]
    response = joost.get(f"/c/{made.circle_id}/members/{aylin}/handout")
    assert response.status_code == 303
    assert "Dit mag niet met jouw rol in deze kring." in joost.get(response.location).text
    response = joost.post(f"/c/{made.circle_id}/members/{aylin}/revoke", data={"csrf_token": csrf_token(home.text)})
    assert response.status_code == 303
    assert version(app, aylin) == 1


def test_only_a_facilitator_hands_out_the_facilitators_link(app, made, sign_in, csrf_token):
    """A link acts with its person's role: the secretary with Anna's link would be the facilitator."""
    fatima = app.test_client()
    sign_in(fatima, made.member_ids["Fatima"])
    anna = made.member_ids["Anna"]
    home = fatima.get(f"/c/{made.circle_id}/")
    assert f"/members/{anna}/handout" not in home.text
    assert f"/members/{made.member_ids['Joost']}/handout" in home.text
    refused = fatima.get(f"/c/{made.circle_id}/members/{anna}/handout")
    assert refused.status_code == 303
    assert "Dit mag niet met jouw rol in deze kring." in text(fatima.get(refused.location).text)
    fatima.post(f"/c/{made.circle_id}/members/{anna}/revoke", data={"csrf_token": csrf_token(home.text)})
    assert version(app, anna) == 1
    facilitator = app.test_client()
    sign_in(facilitator, anna)
    assert facilitator.get(f"/c/{made.circle_id}/members/{anna}/handout").status_code == 200


def test_a_revocation_needs_the_forms_token(app, made, sign_in):
    fatima = app.test_client()
    sign_in(fatima, made.member_ids["Fatima"])
    response = fatima.post(f"/c/{made.circle_id}/members/{made.member_ids['Joost']}/revoke")
    assert response.status_code == 400 and "Het formulier is verlopen" in response.text
    assert version(app, made.member_ids["Joost"]) == 1


def test_no_link_for_a_former_member_nor_for_another_circles_member(app, made, sign_in, csrf_token):
    from circle.circles import create_circle, end_membership

    with app.app_context():
        end_membership(None, made.circle_id, made.member_ids["Kees"])  # from today
        _, dirk = create_circle("Elders", "Dirk")
        dirk_id = dirk.id
    anna = app.test_client()
    sign_in(anna, made.member_ids["Anna"])
    response = anna.get(f"/c/{made.circle_id}/members/{made.member_ids['Kees']}/handout")
    assert response.status_code == 303
    assert "Deze persoon is al uit de kring gegaan." in text(anna.get(response.location).text)
    assert anna.get(f"/c/{made.circle_id}/members/{dirk_id}/handout").status_code == 404
    assert anna.get(f"/c/{made.circle_id + 1}/members/{dirk_id}/handout").status_code == 404


def test_a_link_that_opens_another_circle_is_not_handed_out_there(app, made, sign_in, csrf_token):
    """Joost facilitates a second circle: Fatima, secretary here only, may not make or revoke his key."""
    from circle.circles import create_circle

    with app.app_context():
        create_circle("Groen Dapper", "Joost", person_id=made.member("Joost").person_id)
    fatima = app.test_client()
    sign_in(fatima, made.member_ids["Fatima"])
    home = fatima.get(f"/c/{made.circle_id}/")
    joost = made.member_ids["Joost"]
    refused = fatima.get(f"/c/{made.circle_id}/members/{joost}/handout")
    assert refused.status_code == 303
    message = text(fatima.get(refused.location).text)
    assert "Deze persoon zit ook in een andere kring, waar jij geen links uitdeelt" in message
    fatima.post(f"/c/{made.circle_id}/members/{joost}/revoke", data={"csrf_token": csrf_token(home.text)})
    assert version(app, joost) == 1


# --- The handout --------------------------------------------------------------------------------


def test_the_handout_holds_the_link_as_a_qr_code_without_inline_style(app, made, sign_in, frozen_clock):
    anna = app.test_client()
    sign_in(anna, made.member_ids["Anna"])
    page = anna.get(f"/c/{made.circle_id}/members/{made.member_ids['Samira']}/handout")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "same-origin"
    [svg] = re.findall(r"<svg\b.*?</svg>", page.text, flags=re.S)
    assert "<title>Scan om in te loggen</title>" in svg
    assert "style" not in svg and "<script" not in svg
    assert " style=" not in page.text and "<style" not in page.text
    body = text(page.text)
    assert "Jouw persoonlijke inlogcode, Samira" in body and "Samen Vooruit" in body
    until = format_date(days(90), "long", locale="nl")
    assert f"Deze code werkt tot {until}." in body
    # The printed link signs Samira in.
    url = re.search(r"<code>http://kring\.test(/s/[^<]+)</code>", page.text).group(1)
    assert "Samira" in app.test_client().get(url).text
    # The QR code holds exactly that link.
    import segno

    assert svg.split("</title>", 1)[1] in segno.make(f"http://kring.test{url}", error="m").svg_inline(
        scale=1, border=2, dark="#000", light="#fff", omitsize=True, svgclass="qr")


# --- Signing out everywhere ---------------------------------------------------------------------


def test_signing_out_everywhere_ends_every_phone_and_every_link(app, made, sign_in, csrf_token):
    phone, laptop = app.test_client(), app.test_client()
    old = link(app, made.member_ids["Joost"])
    sign_in(phone, made.member_ids["Joost"])
    sign_in(laptop, made.member_ids["Joost"])
    you = laptop.get("/you")
    assert "Overal uitloggen" in you.text
    response = laptop.post("/sign-out-everywhere", data={"csrf_token": csrf_token(you.text)})
    assert response.status_code == 303 and response.location == "/sign-in"
    assert "Je bent overal uitgelogd." in laptop.get("/sign-in").text
    for client in (phone, laptop):
        assert client.get(f"/c/{made.circle_id}/").status_code == 302
        client.delete_cookie("session", domain="kring.test")
        assert client.get(f"/c/{made.circle_id}/").status_code == 302
    assert phone.get(old).status_code == 400
    assert version(app, made.member_ids["Joost"]) == 2
    assert version(app, made.member_ids["Aylin"]) == 1


def test_signing_out_everywhere_needs_a_sign_in_and_the_forms_token(app, client, made, sign_in):
    client.get("/sign-in")
    assert client.post("/sign-out-everywhere").status_code == 400  # no token
    sign_in(client, made.member_ids["Joost"])
    assert client.post("/sign-out-everywhere").status_code == 400
    assert version(app, made.member_ids["Joost"]) == 1


# --- A socket whose sign-in was revoked elsewhere -----------------------------------------------


def test_every_socket_event_checks_the_sign_in_again(app, made, sign_in):
    """The word to close a socket may not arrive (another process, no queue): its next event finds out."""
    from circle import meetings

    with app.app_context():
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
    client = app.test_client()
    sign_in(client, made.member_ids["Joost"])
    sock = socketio.test_client(app, flask_test_client=client, auth={"meeting": made.meeting_id})
    assert sock.emit("state", callback=True)["ok"]
    with app.app_context():  # raised the way another process does: the table only
        db.session.execute(sa.update(Person).where(Person.id == made.member("Joost").person_id)
                           .values(sign_in_version=Person.sign_in_version + 1))
        db.session.commit()
    ack = sock.emit("mark_attendance", {"member_id": made.member_ids["Joost"], "present": True}, callback=True)
    assert ack == {"ok": False, "error": "signed_out",
                   "message": "Je bent hier niet meer ingelogd. Log opnieuw in met je persoonlijke link."}
    assert not sock.is_connected()
    with app.app_context():  # and nothing was stored
        assert db.session.scalar(sa.text("SELECT count(*) FROM attendance WHERE member_id = :m"),
                                 {"m": made.member_ids["Joost"]}) == 0


# --- The command line ---------------------------------------------------------------------------


def test_the_commands_print_fresh_links_and_revoke_one(app, runner, made, client, frozen_clock):
    old = link(app, made.member_ids["Joost"])
    listed = runner.invoke(args=["links", str(made.circle_id)])
    assert listed.exit_code == 0
    assert f"valid until {days(90).isoformat()}" in listed.output
    printed = dict(re.findall(r"^  (\w+) \(.*?\): http://[^/]+(/s/\S+)$", listed.output, flags=re.M))
    assert set(printed) == set(made.member_ids)
    with frozen_clock.later(days=89):
        assert client.get(printed["Joost"]).status_code == 200

    revoked = runner.invoke(args=["revoke-link", str(made.circle_id), "Joost"])
    assert revoked.exit_code == 0, revoked.output
    assert "The links of Joost" in revoked.output and "no longer work" in revoked.output
    new = re.search(r"http://[^/]+(/s/\S+)$", revoked.output.strip()).group(1)
    assert client.get(old).status_code == 400 and client.get(printed["Joost"]).status_code == 400
    assert client.get(new).status_code == 200
    assert version(app, made.member_ids["Joost"]) == 2

    missing = runner.invoke(args=["revoke-link", str(made.circle_id), "Niemand"])
    assert missing.exit_code != 0 and "No member 'Niemand'" in missing.output
