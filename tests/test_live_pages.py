"""The meeting live in the browser: the projector, joining by QR code, what kring.js reads, the budget.

kring.js itself runs in the browser tests; here we check what the server
gives it: the labels (every key the script uses), the settings, a
`data-event` on every step form that names a live event, the vendored
Socket.IO client, and the weight of a member's first load.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import pytest

from circle import elections, facilitation, meetings, proposals, roles, rounds
from circle.circles import create_circle
from circle.extensions import db
from circle.method import Answer, RoleKind, RoundKind, RoundMode
from circle.read.state import meeting_state
from circle.steps import STEPS
from tests.days import days
from tests.scenario import PEOPLE, everyone_present, run_round, samen_vooruit

STATIC = Path(__file__).resolve().parent.parent / "static"
SCRIPT = STATIC / "kring.js"
#: A member's first load is at most this many bytes over the wire (docs/live-page.md, "Budget").
BUDGET = 45 * 1024


@pytest.fixture
def made(app):
    with app.app_context():
        return samen_vooruit(guest=True)


@pytest.fixture
def browser(app, made, sign_in):
    """`browser(name)`: a signed-in test client reading English pages."""
    def make(name):
        client = app.test_client()
        with client.session_transaction() as session:
            session["lang"] = "en"
        sign_in(client, made.member_ids[name])
        return client
    return make


def urls(made):
    base = f"/c/{made.circle_id}/meetings/{made.meeting_id}"
    return {"page": base + "/", "projector": base + "/projector", "join": base + "/join"}


def json_block(page: str, block_id: str):
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', page, re.S)
    assert match, f"no {block_id} on the page"
    return json.loads(match.group(1))


# --- the projector and joining ----------------------------------------------------------


def test_the_projector_shows_a_qr_code_and_the_join_link(app, made, browser):
    with app.app_context():
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.PICTURE_FORMING,
                             RoundMode.IN_TURN, proposal_id=made.proposal_id)
    response = browser("Anna").get(urls(made)["projector"])
    assert response.status_code == 200
    page = response.text
    join = f"http://kring.test{urls(made)['join']}"
    qr = re.search(r'<aside class="pj-join".*?</aside>', page, re.S).group(0)
    svg = re.search(r"<svg[^>]*>", qr).group(0)  # segno's inline SVG, sized by CSS
    assert 'class="qr"' in svg and "viewBox=" in svg and "width=" not in svg
    assert "<path" in qr
    short = re.search(r'<p class="short-link">(.*?)</p>', page, re.S).group(1)
    assert html.unescape(short.strip()) == join
    # the round large, the proposal, and no controls
    assert 'class="ring"' in page and "Now speaking:" in page and "Plantenbakken rond de containers" in page
    drawn = page.split('<script type="application/json"')[0]
    assert "<form" not in drawn and "Your turn!" not in drawn  # Anna speaks first, but this is the room's screen
    assert json_block(page, "kring-settings")["view"] == "projector"


def test_a_member_may_open_the_projector_a_guest_not(made, browser):
    assert browser("Joost").get(urls(made)["projector"]).status_code == 200
    assert browser("Wijkteam").get(urls(made)["projector"]).status_code == 403


def test_joining_marks_a_member_present_and_opens_the_meeting(app, made, browser, csrf_token):
    with app.app_context():
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
    joost = browser("Joost")
    page = joost.get(urls(made)["join"])
    assert page.status_code == 200 and "I am here" in page.text
    response = joost.post(urls(made)["join"], data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert response.location == urls(made)["page"]
    with app.app_context():
        state = meeting_state(made.meeting_id)
    joost_state = next(m for m in state["members"] if m["id"] == made.member_ids["Joost"])
    assert joost_state["present"] is True
    assert "You are marked present." in joost.get(urls(made)["join"]).text


def test_joining_without_the_token_changes_nothing(app, made, browser):
    with app.app_context():
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
        version = meeting_state(made.meeting_id)["version"]
    response = browser("Joost").post(urls(made)["join"], data={})
    assert response.status_code == 400
    with app.app_context():
        assert meeting_state(made.meeting_id)["version"] == version


def test_joining_a_planned_meeting_says_it_has_not_started(made, browser, csrf_token):
    joost = browser("Joost")
    page = joost.get(urls(made)["join"]).text
    assert "The meeting has not started yet." in page and "I am here" not in page.split("<main>")[1]
    response = joost.post(urls(made)["join"], data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303 and response.location == urls(made)["join"]


def test_an_anonymous_visitor_signs_in_and_comes_back_to_join(app, made, client, sign_in):
    response = client.get(urls(made)["join"])
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    signed_in = sign_in(client, made.member_ids["Joost"])
    assert signed_in.location == urls(made)["join"]
    assert client.get(urls(made)["join"]).status_code == 200
    # used once: the next sign-in goes to the circle again
    assert sign_in(client, made.member_ids["Joost"]).location == f"/c/{made.circle_id}/"


def test_someone_from_another_circle_finds_nothing(app, made, client, sign_in):
    with app.app_context():
        _, bram = create_circle("Buurtkeuken", "Bram")
        bram_id = bram.id
    sign_in(client, bram_id)
    for page in ("projector", "join"):
        assert client.get(urls(made)[page]).status_code == 404
    assert client.post(urls(made)["join"], data={}).status_code in (400, 404)


# --- what kring.js reads ----------------------------------------------------------------


def test_the_labels_hold_every_word_the_script_says_itself(app, made, browser, sign_in):
    """kring.js draws no meeting markup; the few words it shows itself come from the page, translated."""
    page = browser("Anna").get(urls(made)["page"]).text
    labels = json_block(page, "kring-settings")["labels"]
    keys = set(re.findall(r"\bL\.(\w+)", SCRIPT.read_text()))
    keys |= {k for call in re.findall(r"showConn\(([^)]*)\)", SCRIPT.read_text())
             for k in re.findall(r'"(\w+)"', call)}
    assert len(keys) > 5, "the key scan found almost nothing: did the script change shape?"
    assert sorted(keys - set(labels)) == []
    assert all(isinstance(v, str) and v for v in labels.values())
    dutch = app.test_client()
    sign_in(dutch, made.member_ids["Joost"])
    assert json_block(dutch.get(urls(made)["page"]).text, "kring-settings")["labels"]["your_turn"] == "Jij bent aan de beurt!"


def test_the_script_builds_no_meeting_markup():
    """One renderer: the script swaps in what the server drew; it never writes tags of its own."""
    source = SCRIPT.read_text()
    assert not re.search(r"`[^`]*<[a-z]", source), "a template string with a tag in kring.js"
    assert not re.search(r"[\"']<(?!/)[a-z]+[ >]", source), "a tag in a string in kring.js"
    assert not (STATIC / "js").exists()


def test_the_settings_say_who_is_looking(made, browser):
    anna = json_block(browser("Anna").get(urls(made)["page"]).text, "kring-settings")
    joost = json_block(browser("Joost").get(urls(made)["page"]).text, "kring-settings")
    guest = json_block(browser("Wijkteam").get(urls(made)["page"]).text, "kring-settings")
    projector = json_block(browser("Anna").get(urls(made)["projector"]).text, "kring-settings")
    assert (anna["view"], anna["kind"]) == ("console", "console")
    assert (joost["view"], joost["kind"], joost["me"], joost["seated"]) == (
        "phone", "member", made.member_ids["Joost"], True)
    assert (guest["kind"], guest["seated"]) == ("member", False)
    assert set(joost["events"]) == set(STEPS) and projector["events"] == []
    assert (projector["view"], projector["me"]) == ("projector", None)


def _forms(page: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", page)


def test_every_step_form_names_a_live_event(app, made, browser, csrf_token, frozen_clock):
    """Walk a meeting through its steps; every form of the meeting on every page has a known event."""
    seen: set[str] = set()
    people = ("Anna", "Fatima", "Joost", "Kees", "Aylin")

    def look():
        for name in people:
            page = browser(name).get(urls(made)["page"]).text
            for form in _forms(page):
                if "/meetings/" not in form:
                    continue  # the language switch and signing out
                event = re.search(r'data-event="(\w+)"', form)
                assert event, f"{name}: {form} has no data-event"
                assert event.group(1) in STEPS
                seen.add(event.group(1))

    def do(step):
        with app.app_context():
            step()

    look()  # planned: open the meeting
    do(lambda: meetings.open_meeting(made.member("Anna"), made.meeting_id))
    do(lambda: meetings.mark_attendance(made.member("Anna"), made.meeting_id, made.member_ids["Joost"], True))
    look()  # open: attendance, explanation, start a round, postpone, close
    for name, _ in PEOPLE:
        do(lambda name=name: meetings.mark_attendance(made.member("Anna"), made.meeting_id,
                                                      made.member_ids[name], name != "Kees"))
    do(lambda: rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.PICTURE_FORMING,
                                    RoundMode.IN_TURN, proposal_id=made.proposal_id))
    do(lambda: meetings.mark_attendance(made.member("Anna"), made.meeting_id, made.member_ids["Kees"], True))
    look()  # a round: answer, skip, close, add a late arrival
    do(lambda: rounds.close_round(made.member("Anna"), made.meeting_id))
    do(lambda: run_round(made, RoundKind.OPINION_FORMING))
    do(lambda: run_round(made, RoundKind.CONSENT, {"Kees": (Answer.OBJECTION, "Te duur.")}))
    look()  # integrating: withdraw or test the objection, withdraw the proposal

    def withdraw():
        objection = meeting_state(made.meeting_id)["proposal"]["objections"][0]["id"]
        proposals.withdraw_objection(made.member("Kees"), made.meeting_id, objection)

    do(withdraw)
    look()  # no objection stands: adopt
    do(lambda: facilitation.ask_ready(made.member("Anna"), made.meeting_id))
    with frozen_clock.later(minutes=4):  # Anna steers without a connection (no socket here) for four minutes
        look()  # a ready check: "ready" for oneself and, from the secretary, for others; her takeover

    def an_election():
        """An election on the agenda, taken up, its nominations in: the facilitator proposes a person."""
        anna = made.member("Anna")
        role = roles.method_role(anna.circle, RoleKind.FACILITATOR)
        db.session.commit()
        election = elections.write_election(anna, role.id, days(8), days(372)).subject
        proposals.put_on_agenda(anna, election, made.meeting_id)
        meetings.take_up(anna, made.meeting_id, election)
        rounds.start_round(anna, made.meeting_id, RoundKind.NOMINATION, RoundMode.OPEN, proposal_id=election)
        for name, _ in PEOPLE:
            member = made.member(name)
            rounds.contribute(member, made.meeting_id, member.id, Answer.NOMINATE, "Zij kan het goed.",
                                nominee_id=made.member_ids["Fatima"])
        rounds.close_round(anna, made.meeting_id)

    do(an_election)
    look()  # two items: take the other up again; propose a person for the role
    assert seen == set(STEPS) - {"amend"}  # amending is a page of its own


def test_the_page_is_drawn_by_the_server_first(made, browser):
    """No blank page before the script: the regions kring.js redraws are filled by the server."""
    page = browser("Anna").get(urls(made)["page"]).text
    for region in ("meeting-round", "meeting-attendance", "meeting-proposal", "meeting-steer"):
        assert re.search(rf'<section id="{region}"[^>]*>\s*\S', page), region
    assert '<script type="module" src="/static/kring.js">' in page
    assert re.search(r'<script src="/static/vendor/socket\.io\.min\.js" defer>', page)
    assert re.search(r'id="kring" [^>]*data-meeting="%d"' % made.meeting_id, page)
    assert re.search(r'id="kring-conn"[^>]*aria-live="polite"', page)


# --- the vendored client and the budget ---------------------------------------------------


def test_the_socket_io_client_is_served_from_static(client):
    response = client.get("/static/vendor/socket.io.min.js")
    assert response.status_code == 200
    header = response.get_data(as_text=True)[:200]
    response.close()
    assert re.search(r"Socket\.IO v4\.\d+\.\d+", header)  # client 4.x speaks protocol v5, as python-socketio 5
    assert "MIT License" in header


def test_a_members_first_load_fits_the_budget(app, made, browser):
    with app.app_context():
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.CONSENT,
                             RoundMode.OPEN, proposal_id=made.proposal_id)
    joost = browser("Joost")
    page = joost.get(urls(made)["page"]).get_data()
    assert b'data-event="contribute"' in page
    parts = {"meeting page (Joost, consent round)": page}
    for path in re.findall(rb'(?:src|href)="(/static/[^"]+)"', page):
        response = joost.get(path.decode())
        assert response.status_code == 200, path
        parts[path.decode()] = response.get_data()
        response.close()
    sizes = {name: len(gzip.compress(body, 9)) for name, body in parts.items()}
    total = sum(sizes.values())
    print()
    for name, size in sizes.items():
        print(f"  {size:>7,} B gzip  {name}")
    print(f"  {total:>7,} B gzip  total (budget {BUDGET:,})")
    assert "/static/vendor/socket.io.min.js" in parts and "/static/kring.js" in parts
    assert total < BUDGET
