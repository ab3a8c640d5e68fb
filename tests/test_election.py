"""A whole sociocratic election through the real server, with phones (docs/roles-and-elections.md, "Election").

`python -m circle` on a real SQLite file (tests/server.py), the eight people
of Samen Vooruit on eight real Socket.IO clients, and the projector as a page
of Kring's own. Anna writes an election for the facilitator's role on its
page and puts it on the meeting's agenda; the meeting then holds it:

- a nomination round whose nominations stay hidden from every phone's state,
  the projector and the meeting page until the last is in, then are read out
  in seat order with their reasons;
- a change round in turn, where Joost changes his nomination and the others
  keep theirs;
- Anna proposes Fatima; in the consent round in turn Fatima is seated last
  whoever starts, and refused before her turn;
- Dewi objects ("a year is too long for me to judge, half a year please");
  Anna integrates it by proposing Fatima again for half a year;
- in the new consent round (open) Fatima's answer is refused until everyone
  else's is in; then the circle adopts, and Fatima holds the role from the
  term's first day (the tick) until its last.

Every refusal stores nothing; the log and the decision page say who is chosen as what, until when.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.days import days
from tests.pages import unisolated
from tests.phones import Phone, phone  # noqa: F401  (phone: a fixture)
from tests.scenario import PEOPLE
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    HOST, KringServer, Seeded, clock_code, prepared, seeded, serve, sign_in, wait_for,
)
from tests.test_facilitation import Page, logged, refused_with, text
from tests.test_guests_live import request

pytestmark = pytest.mark.server

NAMES = [name for name, _ in PEOPLE]
#: Whom each nominates in the nomination round, and why: everyone Fatima but Fatima (Joost) and Joost (Kees).
NOMINATES = {name: ("Joost" if name == "Fatima" else "Kees" if name == "Joost" else "Fatima") for name in NAMES}
REASONS = {name: f"{name} zegt: rustig, eerlijk en ze luistert goed (reden {i})." for i, name in enumerate(NAMES)}
OBJECTION = "Een jaar is te lang om te overzien voor mij, graag een half jaar."
TERM_FROM, TERM_UNTIL, SHORTER = days(8), days(372), days(8 + 181)


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


def jar_of(cookie: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in cookie.split("; "))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def write_election_on_its_page(server: KringServer, seeded: Seeded) -> int:
    """Anna writes an election for the facilitator's role on its page and puts it on the meeting's agenda."""
    jar = jar_of(sign_in(server.port, seeded.tokens["Anna"]))
    base = f"/c/{seeded.circle}"
    status, _, page = request(server, "GET", f"{base}/elections/new?role=facilitator.{seeded.circle}", jar)
    assert status == 200 and 'name="term_from"' in page
    form = {"csrf_token": csrf_of(page), "role": f"facilitator.{seeded.circle}",
            "term_from": TERM_FROM.isoformat(), "term_until": TERM_UNTIL.isoformat(),
            "note": "Anna stopt na dit jaar als gespreksleider."}
    status, location, _ = request(server, "POST", f"{base}/elections/new", jar, form)
    assert status == 303, location
    proposal = int(urllib.parse.urlsplit(location).path.rstrip("/").split("/")[-1])
    status, _, page = request(server, "GET", f"{base}/proposals/{proposal}/", jar)
    status, location, _ = request(server, "POST", f"{base}/proposals/{proposal}/agenda", jar,
                                  {"csrf_token": csrf_of(page), "meeting_id": seeded.meeting})
    assert status == 303
    return proposal


def step(p: Phone, event: str, **payload) -> dict:
    """A facilitator's step on what the phone shows; wait until the phone shows its result."""
    ack = p.step(event, **payload)
    wait_for(lambda: p.version >= ack["version"], 10, what=f"{event} on {p.name}'s phone")
    return ack


def everyone_at(phones: dict[str, Phone], server: KringServer, seeded: Seeded) -> int:
    version = server.meeting_version(seeded.meeting)
    wait_for(lambda: all(p.version == version for p in phones.values()), 10, what="every phone up to date")
    return version


def stored(server: KringServer) -> tuple:
    """What a refusal must leave as it was: the log's length and the meeting's version."""
    return server.query("SELECT count(*) FROM log_entry")[0][0], server.query("SELECT version FROM meeting")


def refused_and_nothing_stored(server: KringServer, p: Phone, code: str, event: str, **payload) -> None:
    before = stored(server)
    refused_with(p, code, event, **payload)
    assert stored(server) == before, (event, code)


def projector_text(projector: Page) -> str:
    ack = projector.sio.call("parts", {}, timeout=10)  # the whole page, as drawn for the projector now
    projector._take(ack)
    return text(" ".join(projector.part(i) for i in ("meeting-round", "meeting-contributions", "meeting-proposal")))


def test_a_whole_election_of_a_facilitator_in_samen_vooruit(server, seeded, phone):
    pid = write_election_on_its_page(server, seeded)
    phones = {name: phone(name) for name in NAMES}
    anna, fatima, dewi = phones["Anna"], phones["Fatima"], phones["Dewi"]
    ids = seeded.members
    projector = Page(server, seeded, "Anna", view="projector")
    joost_jar = jar_of(sign_in(server.port, seeded.tokens["Joost"]))
    meeting_page = f"/c/{seeded.circle}/meetings/{seeded.meeting}/"

    step(anna, "open_meeting")
    for name in NAMES:
        step(anna, "mark_attendance", member_id=ids[name], present=True)
    step(anna, "take_up", proposal_id=pid)
    step(anna, "start_explanation", proposal_id=pid)
    election = anna.state["proposal"]["election"]
    assert (election["role"]["kind"], election["term_from"], election["term_until"], election["nominee"]) == (
        "facilitator", TERM_FROM.isoformat(), TERM_UNTIL.isoformat(), None)

    # Not in an election: an opinion round, a consent round before anyone is proposed, a person before nominations.
    refused_and_nothing_stored(server, anna, "not_in_election", "start_round", kind="picture_forming",
                               proposal_id=pid, based_on=anna.version)
    refused_and_nothing_stored(server, anna, "no_nominee", "start_round", kind="consent", proposal_id=pid,
                               based_on=anna.version)
    refused_and_nothing_stored(server, anna, "nominations_first", "propose_person", proposal_id=pid,
                               nominee_id=ids["Fatima"], based_on=anna.version)

    # --- The nomination round: hidden until the last nomination is in --------------------------------------
    step(anna, "start_round", kind="nomination", mode="open", proposal_id=pid)
    assert anna.state["round"]["reveal"] is True  # always, whatever the form said
    joost = phones["Joost"]
    refused_and_nothing_stored(server, joost, "nomination_reason_required", "contribute", answer="nominate",
                               nominee_id=ids["Kees"], text=" ")
    refused_and_nothing_stored(server, joost, "nominee_unknown", "contribute", answer="nominate",
                               nominee_id=999_999, text=REASONS["Joost"])
    refused_and_nothing_stored(server, joost, "nominate_here", "contribute", answer="speak", text="Kees!")
    refused_and_nothing_stored(server, anna, "round_open", "propose_person", proposal_id=pid,
                               nominee_id=ids["Fatima"], based_on=anna.version)
    for i, name in enumerate(NAMES):
        phones[name].contribute("nominate", REASONS[name], nominee_id=ids[NOMINATES[name]])
        if i == len(NAMES) - 1:
            break
        everyone_at(phones, server, seeded)
        for p in phones.values():  # every phone's state: who nominated, never whom or why
            rnd = p.state["round"]
            assert rnd["visible"] is False and rnd["complete"] is False
            assert all(set(s) == {"member", "late", "answered"} for s in rnd["seats"]), rnd["seats"]
            assert not any(REASONS[n] in json.dumps(p.state) for n in NAMES)
        assert p.state["proposal"]["election"]["tally"] == []
        shown = projector_text(projector)
        assert not any(REASONS[n] in shown for n in NAMES) and "Fatima zegt" not in shown
        _, _, page = request(server, "GET", meeting_page, joost_jar)
        assert not any(REASONS[n] in page for n in NAMES)
    everyone_at(phones, server, seeded)
    for p in phones.values():  # the last one in: every nomination with its reason, on every phone
        seats = p.state["round"]["seats"]
        assert p.state["round"]["visible"] is True
        assert {s["member"]: (s["nominee"], s["text"]) for s in seats} == {
            ids[n]: (ids[NOMINATES[n]], REASONS[n]) for n in NAMES}
    shown = projector_text(projector)
    said = [shown.index(REASONS[n]) for n in NAMES]  # read out in seat order, with the reasons
    assert said == sorted(said), "the projector reads the nominations out in seat order"
    step(anna, "close_round")
    tally = anna.state["proposal"]["election"]["tally"]
    assert tally[0] == {"nominee": ids["Fatima"], "by": [ids[n] for n in NAMES if NOMINATES[n] == "Fatima"]}

    # --- The change round, in turn: Joost changes to Fatima, everyone else keeps theirs ---------------------
    step(anna, "start_round", kind="change_nomination", mode="in_turn", proposal_id=pid, starter_id=ids["Anna"])
    for name in NAMES:
        if name == "Joost":
            phones[name].contribute("nominate", "Na het horen van iedereen: Fatima.", nominee_id=ids["Fatima"])
        else:
            phones[name].contribute("nominate")  # keeps their nomination
        everyone_at(phones, server, seeded)
    kept = {s["member"]: s["nominee"] for s in anna.state["round"]["seats"]}
    assert kept == {ids[n]: ids["Fatima" if n == "Joost" else NOMINATES[n]] for n in NAMES}
    step(anna, "close_round")
    assert anna.state["proposal"]["election"]["tally"][0]["by"] == [ids[n] for n in NAMES if n != "Fatima"]

    # --- Anna proposes Fatima; the consent round in turn seats her last ------------------------------------
    ack = step(anna, "propose_person", proposal_id=pid, nominee_id=ids["Fatima"])
    assert ack["id"] and anna.state["proposal"]["election"]["nominee"] == ids["Fatima"]
    step(anna, "start_round", kind="consent", mode="in_turn", proposal_id=pid, starter_id=ids["Fatima"])
    order = [s["member"] for s in anna.state["round"]["seats"]]
    assert order[-1] == ids["Fatima"] and order[0] == ids["Joost"]  # whoever starts, the nominee answers last
    refused_and_nothing_stored(server, fatima, "not_your_turn", "contribute", answer="consent")
    by_id = {ids[n]: n for n in NAMES}
    for member in order:
        name = by_id[member]
        if name == "Dewi":
            dewi.contribute("objection", OBJECTION, workable="Een half jaar, dan kijken we opnieuw.")
        else:
            phones[name].contribute("consent")
        everyone_at(phones, server, seeded)
    step(anna, "close_round")
    assert anna.state["proposal"]["phase"] == "integrating"
    [objection] = anna.state["proposal"]["objections"]
    assert (objection["member"], objection["reason"], objection["status"]) == (ids["Dewi"], OBJECTION, "standing")
    refused_and_nothing_stored(server, anna, "objections_stand", "adopt", proposal_id=pid, based_on=anna.version)
    step(anna, "mark_tested", objection_id=objection["id"])

    # --- Integrated by a shorter term; the new consent round (open): the nominee only after everyone ------
    step(anna, "propose_person", proposal_id=pid, nominee_id=ids["Fatima"], term_until=SHORTER.isoformat(),
         note="Een half jaar, zoals Dewi vroeg.")
    election = anna.state["proposal"]["election"]
    assert (election["term_from"], election["term_until"]) == (TERM_FROM.isoformat(), SHORTER.isoformat())
    step(anna, "start_round", kind="consent", mode="open", proposal_id=pid)
    refused_and_nothing_stored(server, fatima, "nominee_last", "contribute", answer="consent")
    for name in NAMES:
        if name != "Fatima":
            phones[name].contribute("consent")
            if name != NAMES[-1]:
                refused_and_nothing_stored(server, fatima, "nominee_last", "contribute", answer="consent")
    fatima.contribute("consent", "Graag, een half jaar.")
    everyone_at(phones, server, seeded)
    step(anna, "close_round")
    assert anna.state["proposal"]["objections"][0]["status"] == "met"
    step(anna, "adopt", proposal_id=pid)
    assert anna.state["proposal"]["phase"] == "adopted"

    # --- The role is Fatima's from the term's first day until its last, and the record says so -------------
    [(person_id, held_from, held_until, ended_on)] = server.query(
        "SELECT person_id, held_from, held_until, ended_on FROM role_term WHERE proposal_id = ?", pid)
    assert (held_from, held_until, ended_on) == (TERM_FROM.isoformat(), SHORTER.isoformat(), None)
    assert server.query("SELECT person_id FROM member WHERE id = ?", ids["Fatima"]) == [(person_id,)]
    [adopted] = [e for e in logged(server, "adopt") if e["proposal"] == pid]
    assert (adopted["election"]["person"]["name"], adopted["election"]["role"]["kind"], adopted["election"]["from"],
            adopted["election"]["until"]) == ("Fatima", "facilitator", TERM_FROM.isoformat(), SHORTER.isoformat())
    assert [e["nominee"]["name"] for e in logged(server, "propose_person")] == ["Fatima", "Fatima"]
    chosen = "Fatima is gekozen als gespreksleider van 1 december 2026 tot en met 31 mei 2027."
    _, _, page = request(server, "GET", f"/c/{seeded.circle}/decisions/{pid}/", joost_jar)
    assert chosen in text(page)
    minutes = f"/c/{seeded.circle}/meetings/{seeded.meeting}/minutes"
    for path in (minutes, minutes + ".md"):
        _, _, page = request(server, "GET", path, joost_jar)
        assert chosen in unisolated(text(page)), path  # Markdown isolates what people wrote (docs/exports.md)
    _, _, page = request(server, "GET", minutes + ".json", joost_jar)
    [item] = [i for i in json.loads(page)["items"] if i["proposal_id"] == pid]
    assert item["election"] == {"role": "facilitator", "role_name": "", "nominee": "Fatima",
                                "term_from": TERM_FROM.isoformat(), "term_until": SHORTER.isoformat()}
    nominations = [c for c in item["rounds"][0]["contributions"]]
    assert {c["who"]: (c["nominee"], c["text"]) for c in nominations} == {n: (NOMINATES[n], REASONS[n]) for n in NAMES}
    roles = f"SELECT role FROM member WHERE id = {ids['Fatima']}"
    assert server.query(roles) == [("secretary",)]  # until her term begins
    tick = server._run("-c", f"{clock_code(dt.datetime.combine(TERM_FROM, dt.time(6)))}; import sys; "
                             "from flask.cli import main; sys.argv = ['flask', '--app', 'circle', 'tick']; main()")
    assert server.query(roles) == [("facilitator",)], tick
    assert server.query(f"SELECT role FROM member WHERE id = {ids['Anna']}") == [("member",)]
    server.verify_log()  # the hash chain holds
    projector.close()
