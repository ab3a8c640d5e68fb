"""Guests: a meeting's guest link lets someone give a name and follow live, never answer, listed as a guest.

Through the pages, as people use them: the facilitator finds the link on the
meeting page, a browser without JavaScript opens it, gives a name and presses
the button (docs/membership.md, "Guests"). Every refusal checks that nothing
stored changed. The clock stands at tests/days.py's NOW, on the meeting's
day; the day after is `frozen_clock.later(days=1)`. The guest following live
on the real server is in tests/test_guests_live.py, in real Chromium in
tests/test_guests_browser.py.
"""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from circle import meetings, method, proposals, record, rounds
from circle.circles import add_member, create_circle, end_membership
from circle.extensions import db
from circle.method import MESSAGES, Role, RoundKind, RoundMode
from circle.models import Attendance, LogEntry, Meeting, Member, Person
from tests.days import TODAY, days
from tests.pages import shown
from tests.scenario import everyone_present, run_round, samen_vooruit
from tests.test_decision_page import text

NAME = "Wijkteam Oost"


@pytest.fixture
def made(app):
    with app.app_context():
        return samen_vooruit()


@pytest.fixture
def browser(app, sign_in):
    """`browser(name=None)`: a browser in English, signed in as that member of Samen Vooruit (or not)."""
    def make(member_id: int | None = None):
        client = app.test_client()
        with client.session_transaction() as session:
            session["lang"] = "en"
        if member_id is not None:
            sign_in(client, member_id)
        return client
    return make


def guest_link(browser, made) -> str:
    """The guest link as the facilitator finds it on the meeting page (a path)."""
    page = browser(made.member_ids["Anna"]).get(meeting_url(made)).text
    found = re.search(r'<code class="guest-url">([^<]+)</code>', page)
    assert found, "no guest link on the facilitator's meeting page"
    return urlsplit(html.unescape(found.group(1))).path


def meeting_url(made) -> str:
    return f"/c/{made.circle_id}/meetings/{made.meeting_id}/"


def stored(app) -> str:
    """A digest of every table: what a refusal must leave as it was."""
    with app.app_context():
        digest = hashlib.sha256()
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{rows!r}".encode())
        db.session.remove()
    return digest.hexdigest()


def join(client, link: str, name: str | None = NAME):
    """Open the link and press the button, with `name` typed in."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    data = {"csrf_token": find_token(page.text)}
    if name is not None:
        data["name"] = name
    return client.post(link, data=data)


def find_token(page: str) -> str:
    return re.search(r'<form method="post" class="guest-join">\s*<input type="hidden" name="csrf_token" '
                     r'value="([^"]+)"', page).group(1)


def message(code: str) -> str:
    return MESSAGES[code]


def the_guest(app, made, name: str = NAME) -> Member:
    with app.app_context():
        guest = db.session.scalar(sa.select(Member).where(Member.circle_id == made.circle_id,
                                                          Member.name == name))
        db.session.expunge_all()
        return guest


def test_a_guest_gives_a_name_follows_the_meeting_and_is_written_down_as_a_guest(app, made, browser):
    with app.app_context():
        everyone_present(made)
    link = guest_link(browser, made)
    guest = browser()
    response = join(guest, link)
    assert response.status_code == 303 and response.headers["Location"] == meeting_url(made)
    page = guest.get(meeting_url(made))
    assert page.status_code == 200
    seen = text(shown(page.text))
    assert "Welcome. You follow this meeting as a guest." in seen and "You follow as a guest." in seen
    assert re.search(rf"<bdi>{NAME}</bdi></strong> · Guest</span>\s*<span class=\"state\">present", page.text)
    assert "<form" not in shown(page.text).split("<main>")[1]  # no answer, no step, no "I am here"

    with app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.name == NAME))
        assert (member.role, member.joined_on, member.left_on) == (Role.GUEST, TODAY, days(1))
        assert member.circle_id == made.circle_id and member.person.memberships == [member]
        attendance = db.session.scalar(sa.select(Attendance).where(Attendance.member_id == member.id))
        assert (attendance.meeting_id, attendance.present, attendance.late) == (made.meeting_id, True, False)
        entry = db.session.scalar(sa.select(LogEntry).order_by(LogEntry.seq.desc()).limit(1))
        assert (entry.action, entry.actor_id) == ("join_as_guest", member.id)
        assert entry.data == (
            f'{{"late":false,"meeting":{made.meeting_id},"meeting_version":{entry_version(made)},'
            f'"member":{{"id":{member.id},"name":"{NAME}"}},"present":true,"role":"guest",'
            f'"since":"{TODAY.isoformat()}","until":"{days(1).isoformat()}"}}')
        assert record.verify(made.circle_id).intact
        assert method.expected(member.role, member.joined_on, member.left_on, TODAY) is False  # no quorum
    anna = text(shown(browser(made.member_ids["Anna"]).get(meeting_url(made)).text))
    assert f"{NAME} · Guest present" in anna and "8 present; 5 needed" in anna


def entry_version(made) -> int:
    return db.session.get(Meeting, made.meeting_id).version


def test_a_preview_of_the_link_creates_nothing(app, made, browser):
    link = guest_link(browser, made)
    before = stored(app)
    preview = app.test_client()
    for agent in ("WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)", "Mozilla/5.0"):
        page = preview.get(link, headers={"User-Agent": agent})
        assert page.status_code == 200 and 'name="name"' in page.text
        assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Robots-Tag"] == "noindex"
    preview.head(link)
    assert stored(app) == before
    assert preview.get("/you").status_code == 302  # nobody signed in


def test_a_guest_answers_nothing_and_takes_no_step_over_the_page_form(app, made, browser):
    link = guest_link(browser, made)
    guest = browser()
    join(guest, link)
    me = the_guest(app, made).id
    with app.app_context():
        anna = made.member("Anna")
        everyone_present(made)
        rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
    page = guest.get(meeting_url(made)).text
    assert "How are you today?" in shown(page) and "<form" not in shown(page).split("<main>")[1]
    before = stored(app)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    for path, data in (("contribute", {"member_id": me, "answer": "speak", "text": "Ik kom van de gemeente."}),
                       ("attendance", {"member_id": me, "present": ""}),
                       ("round/close", {})):
        response = guest.post(meeting_url(made) + path, data={"csrf_token": token, **data})
        assert response.status_code == 303
        assert message("not_allowed") in text(guest.get(meeting_url(made)).text)
    assert stored(app) == before


def test_the_minutes_the_decision_page_and_the_log_list_the_guest_as_a_guest(app, made, browser, frozen_clock):
    link = guest_link(browser, made)
    join(browser(), link)
    with app.app_context():
        everyone_present(made)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING, RoundKind.CONSENT):
            run_round(made, kind)
        anna = made.member("Anna")
        proposals.adopt(anna, made.meeting_id, made.proposal_id)
        meetings.close_meeting(anna, made.meeting_id)
    minutes_url = f"/c/{made.circle_id}/meetings/{made.meeting_id}/minutes"
    decision_url = f"/c/{made.circle_id}/decisions/{made.proposal_id}/"
    joost = browser(made.member_ids["Joost"])
    with frozen_clock.later(days=30):  # read a month on: the guest's day is long over
        minutes = text(joost.get(minutes_url).text)
        assert f"Guests: {NAME}" in minutes and "left the circle" not in minutes
        assert NAME not in minutes.split("Present:")[1].split("Guests:")[0]
        decision = text(joost.get(decision_url).text)
        assert f"Guests: {NAME}" in decision and "left the circle" not in decision
        assert NAME not in decision.split("Present:")[1].split("Absent:")[0]
        assert NAME not in text(joost.get(f"/c/{made.circle_id}/").text)  # not a former member either
        log = joost.get(f"/c/{made.circle_id}/log.jsonl").text
        assert '"action":"join_as_guest"' in log and f'"name":"{NAME}"}},"present":true,"role":"guest"' in log
        joost_nl = browser(made.member_ids["Joost"])
        with joost_nl.session_transaction() as session:
            session["lang"] = "nl"
        assert f"Gasten: {NAME}" in text(joost_nl.get(minutes_url).text)


@pytest.mark.parametrize("when", ["closed", "the day after", "a week before"])
def test_the_link_lets_nobody_in_once_the_meeting_is_closed_or_on_another_day(app, made, browser, frozen_clock,
                                                                              when):
    link = guest_link(browser, made)
    if when == "closed":
        with app.app_context():
            everyone_present(made)
            meetings.close_meeting(made.member("Anna"), made.meeting_id)
        code, moment = "meeting_closed", {}
    elif when == "the day after":
        code, moment = "guest_link_over", {"days": 1}
    else:
        code, moment = "guest_link_early", {"days": -7}
    before = stored(app)
    with frozen_clock.later(**moment):
        guest = browser()
        page = guest.get(link)
        assert page.status_code == 200 and message(code) in text(page.text) and 'name="name"' not in page.text
        response = guest.post(link, data={"csrf_token": guest_csrf(guest), "name": NAME})
        assert response.status_code == 422 and message(code) in text(response.text)
        assert stored(app) == before
        assert guest.get(meeting_url(made)).status_code == 302  # not signed in


def guest_csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)


def test_the_guests_access_ends_by_itself_after_the_day(app, made, browser, frozen_clock):
    link = guest_link(browser, made)
    guest = browser()
    join(guest, link)
    assert guest.get(meeting_url(made)).status_code == 200
    with frozen_clock.later(hours=4):  # half past eleven: still the meeting's day
        assert guest.get(meeting_url(made)).status_code == 200
    with frozen_clock.later(hours=5):  # half past midnight: the next day
        response = guest.get(meeting_url(made))
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"
        assert guest.get("/you").status_code == 302
        assert guest.get(link).status_code == 200  # the link says its day is over; nobody is let in
        assert message("guest_link_over") in text(guest.get(link).text)


def test_a_member_of_the_circle_just_goes_to_the_meeting(app, made, browser):
    link = guest_link(browser, made)
    joost = browser(made.member_ids["Joost"])
    before = stored(app)
    response = joost.get(link)
    assert response.status_code == 303 and response.headers["Location"] == meeting_url(made)
    token = guest_csrf(joost)
    page = joost.post(link, data={"csrf_token": token, "name": "Joost"})
    assert page.status_code == 200 and "You are in this circle already" in text(page.text)
    assert stored(app) == before


def test_a_person_of_another_circle_comes_as_who_they_are(app, made, browser, sign_in):
    with app.app_context():
        other, bob = create_circle("Andere Kring", "Bob")
        other_id, bob_id, bob_person = other.id, bob.id, bob.person_id
    link = guest_link(browser, made)
    client = browser()
    sign_in(client, bob_id)
    page = client.get(link)
    assert "You follow as <bdi>Bob</bdi>." in page.text and 'name="name"' not in page.text
    response = client.post(link, data={"csrf_token": find_token(page.text), "name": "Iemand anders"})
    assert response.status_code == 303
    with app.app_context():
        person = db.session.get(Person, bob_person)
        assert {(m.circle_id, m.role) for m in person.memberships} == {
            (other_id, Role.FACILITATOR), (made.circle_id, Role.GUEST)}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 9  # nobody new
    assert client.get(meeting_url(made)).status_code == 200
    assert client.get(f"/c/{other_id}/").status_code == 200  # still in his own circle


def test_someone_who_was_in_the_circle_before_is_told_to_sign_out_first(app, made, browser, sign_in):
    with app.app_context():
        _, bob = create_circle("Andere Kring", "Bob")
        bob_id, bob_person = bob.id, bob.person_id
        earlier = add_member(None, made.circle_id, "Bob", since=days(-60), person_id=bob_person).subject
        end_membership(None, made.circle_id, earlier, on=days(-30))
    link = guest_link(browser, made)
    client = browser()
    sign_in(client, bob_id)
    before = stored(app)
    page = client.get(link)
    assert page.status_code == 200 and message("guest_before") in text(page.text)
    assert "Follow the meeting" not in text(page.text)  # no button
    response = client.post(link, data={"csrf_token": guest_csrf(client), "name": "Bob"})
    assert response.status_code == 422 and message("guest_before") in text(response.text)
    assert stored(app) == before


@pytest.mark.parametrize(("name", "error"), [
    ("", "This field is required."),
    ("W", "Field must be between 2 and 80 characters long."),
    ("W" * 81, "Field must be between 2 and 80 characters long."),
    ("Wijk\x00team", None),
    ("Wijk\x1bteam", None),
    ("joost", "Someone in this circle already has that name."),
])
def test_a_name_that_will_not_do_is_refused_with_a_message_and_nothing_stored(app, made, browser, name, error):
    link = guest_link(browser, made)
    before = stored(app)
    response = join(browser(), link, name)
    assert response.status_code == 422
    if error is not None:
        assert error in text(response.text)
    else:  # a control character: the shared validators of circle/forms.py say which
        assert 'class="field-error"' in response.text
    assert stored(app) == before


def test_a_name_that_turns_the_text_around_is_kept_apart_from_krings_words(app, made, browser):
    link = guest_link(browser, made)
    guest = browser()
    assert join(guest, link, "\u202eWijkteam").status_code == 303
    page = browser(made.member_ids["Anna"]).get(meeting_url(made)).text
    assert re.search(r"<bdi>\u202eWijkteam(\u202c)?</bdi></strong> · Guest</span>", page)


def test_guests_of_another_day_may_share_a_name_but_not_two_today(app, made, browser, frozen_clock):
    link = guest_link(browser, made)
    assert join(browser(), link).status_code == 303
    second = join(browser(), link, NAME.upper())
    assert second.status_code == 422 and message("name_taken") in text(second.text)
    with frozen_clock.later(days=7), app.app_context():
        anna = made.member("Anna")
        next_week = meetings.plan_meeting(anna, "Kernteam december", days(7)).subject
    with frozen_clock.later(days=7):
        made.meeting_id = next_week
        assert join(browser(), guest_link(browser, made)).status_code == 303


def test_a_forged_link_or_another_kind_of_token_does_not_work(app, made, browser):
    link = guest_link(browser, made)
    before = stored(app)
    with app.app_context():
        from circle.auth import sign_in_token
        joost = sign_in_token(made.member("Joost"))
    for bad in (link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"), f"/g/{joost}", "/g/nonsense"):
        client = browser()
        page = client.get(bad)
        assert page.status_code == 400 and "This guest link does not work" in text(page.text)
        assert client.post(bad, data={"csrf_token": guest_csrf(client), "name": NAME}).status_code == 400
    assert stored(app) == before


def test_the_facilitator_and_the_secretary_print_the_link_a_member_may_not(app, made, browser):
    url = f"/c/{made.circle_id}/meetings/{made.meeting_id}/guests"
    link = guest_link(browser, made)
    for name in ("Anna", "Fatima"):
        page = browser(made.member_ids[name]).get(url)
        assert page.status_code == 200 and 'class="qr"' in page.text and "style=" not in page.text
        assert link in page.text and "Scan to follow as a guest" in page.text
    assert 'class="guest-url"' in browser(made.member_ids["Fatima"]).get(meeting_url(made)).text
    joost = browser(made.member_ids["Joost"])
    assert 'class="guest-url"' not in joost.get(meeting_url(made)).text
    response = joost.get(url)
    assert response.status_code == 303
    assert message("not_allowed") in text(joost.get(meeting_url(made)).text)
    with app.app_context():
        everyone_present(made)
        meetings.close_meeting(made.member("Anna"), made.meeting_id)
    anna = browser(made.member_ids["Anna"])
    assert anna.get(url).status_code == 303 and message("meeting_closed") in text(anna.get(meeting_url(made)).text)
    assert 'class="guest-url"' not in anna.get(meeting_url(made)).text


def test_a_meeting_takes_so_many_guests_by_its_link(app, made, browser, monkeypatch):
    monkeypatch.setattr(method.guests, "GUESTS_MAX", 2)
    link = guest_link(browser, made)
    assert join(browser(), link, "Gast Een").status_code == 303
    assert join(browser(), link, "Gast Twee").status_code == 303
    before = stored(app)
    third = browser()
    page = third.get(link)
    assert message("guests_full") in text(page.text)
    response = third.post(link, data={"csrf_token": guest_csrf(third), "name": "Gast Drie"})
    assert response.status_code == 422 and stored(app) == before


def test_the_guest_pages_speak_dutch(app, made, browser):
    link = guest_link(browser, made)
    page = text(app.test_client().get(link).text)
    with app.test_request_context(), force_locale("nl"):
        assert gettext("Follow as a guest") in page and gettext("Follow as a guest") != "Follow as a guest"
        assert gettext("Your name") in page
