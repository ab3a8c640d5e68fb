"""A whole sociocratic election between meetings, through the real server (docs/between-meetings.md, "Elections").

`python -m circle` on a real SQLite file (tests/server.py); the eight people of
Samen Vooruit each follow the election from a program of their own, a real
Socket.IO client connected with `{"proposal": id}` that keeps the latest
`between` it heard (docs/live-protocol.md, section 11); Joost and Fatima also
read the proposal page. Anna writes an election for the facilitator's role on
its page, and the circle holds it without meeting:

- a nomination round with a deadline, whose nominations stay out of every
  program's state and off the page until the last is in, then read out in seat
  order with their reasons;
- the change round: Joost changes to Fatima, everyone else keeps theirs;
- Anna proposes Fatima (never herself); in the consent round Fatima's answer
  is refused until everyone else's is in; Dewi objects ("half a year please");
- Anna integrates it by a shorter term, a new consent round completes with
  Fatima's consent last, and that adopts the election and gives her the role
  for the shorter term, as a meeting's adoption does;
- in a second election, a consent round whose deadline passes with Kees
  silent gives nobody the role, although the circle counts silence as
  consent for every other decision.

Every refusal stores nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from circle import clock
from tests.days import days
from tests.phones import client
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    KringServer, Seeded, clock_code, prepared, seeded, serve, sign_in, wait_for,
)
from tests.test_election import (
    NAMES, NOMINATES, OBJECTION, REASONS, SHORTER, TERM_FROM, TERM_UNTIL, csrf_of, jar_of,
    write_election_on_its_page,
)
from tests.pages import unisolated
from tests.test_facilitation import text
from tests.test_guests_live import request

pytestmark = pytest.mark.server

DEADLINE = clock.at_local(days(3), 20, 0)
ZULU = DEADLINE.isoformat() + "Z"


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


class Follower:
    """One person's program following the election: the latest `between` it heard, and its steps."""

    def __init__(self, server: KringServer, seeded: Seeded, name: str, proposal: int):
        self.name, self.member_id = name, seeded.members[name]
        self.state: dict | None = None
        self.lock = threading.Lock()
        self.sio = client(reconnection=False)
        self.sio.on("between", self._take)
        self.sio.connect(server.url, headers={"Cookie": sign_in(server.port, seeded.tokens[name])},
                         auth={"proposal": proposal}, transports=["websocket"], wait_timeout=10)
        wait_for(lambda: self.state is not None, 10, what=f"{name}'s first between")

    def _take(self, state: dict) -> None:
        with self.lock:
            if self.state is None or state["version"] >= self.state["version"]:
                self.state = state

    def call(self, event: str, **payload) -> dict:
        return self.sio.call(event, payload, timeout=10)

    def step(self, event: str, **payload) -> dict:
        """A step that must be taken; returns once this program heard what it did."""
        ack = self.call(event, **payload)
        assert ack["ok"], (self.name, event, ack)
        wait_for(lambda: self.state["version"] >= ack["version"], 10, what=f"{event} heard by {self.name}")
        return ack

    def nominate(self, round_id: int, nominee: int | None = None, text: str = "") -> dict:
        payload = {"round_id": round_id, "answer": "nominate", "text": text}
        if nominee is not None:
            payload["nominee_id"] = nominee
        return self.step("contribute_between", **payload)

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def follow(server: KringServer, seeded: Seeded) -> Iterator:
    """`follow(proposal)`: everyone's program following that election; all hung up afterwards."""
    made: list[Follower] = []

    def everyone(proposal: int) -> dict[str, Follower]:
        found = {name: Follower(server, seeded, name, proposal) for name in NAMES}
        made.extend(found.values())
        return found

    yield everyone
    for f in made:
        f.close()


def log_length(server: KringServer) -> int:
    return server.query("SELECT count(*) FROM log_entry")[0][0]


def refused(server: KringServer, f: Follower, code: str, event: str, **payload) -> None:
    """The step is refused with `code`, and nothing is stored."""
    before = log_length(server), server.query("SELECT count(*) FROM contribution")
    ack = f.call(event, **payload)
    assert not ack["ok"] and ack["error"] == code, (f.name, event, ack)
    assert (log_length(server), server.query("SELECT count(*) FROM contribution")) == before, (event, code)


def everyone_at(followers: dict[str, Follower], server: KringServer) -> dict:
    """Wait until every program heard the latest step; the state they all hold."""
    version = log_length(server)
    wait_for(lambda: all(f.state["version"] == version for f in followers.values()), 10,
             what=f"every program at {version}")
    return followers["Anna"].state


def logged(server: KringServer, action: str) -> list[dict]:
    return [json.loads(d) for (d,) in server.query("SELECT data FROM log_entry WHERE action = ? ORDER BY seq",
                                                   action)]


def page(server: KringServer, jar: dict, seeded: Seeded, pid: int) -> str:
    status, _, html = request(server, "GET", f"/c/{seeded.circle}/proposals/{pid}/", jar)
    assert status == 200
    return html


def post_on_the_page(server: KringServer, jar: dict, seeded: Seeded, pid: int, path: str, form: dict) -> str:
    """Post a form of the proposal page, as the page draws it (the fields must be there); the page after."""
    shown = page(server, jar, seeded, pid)
    for field in form:
        assert f'name="{field}"' in shown, field
    status, location, _ = request(server, "POST", f"/c/{seeded.circle}/proposals/{pid}/between/{path}", jar,
                                  {"csrf_token": csrf_of(shown), **form})
    assert status == 303 and location.endswith("#between"), (status, location)
    return page(server, jar, seeded, pid)


def nominations_and_change(server: KringServer, seeded: Seeded, pid: int, f: dict[str, Follower],
                           joost_jar: dict, anna_jar: dict) -> None:
    """The nomination round, hidden until the last is in, then read out in seat order; the change round."""
    ids, anna, joost = seeded.members, f["Anna"], f["Joost"]
    refused(server, anna, "not_in_election", "start_round_between", kind="opinion_forming", deadline=ZULU)
    refused(server, anna, "nominations_first", "propose_person_between", nominee_id=ids["Fatima"])
    shown = page(server, anna_jar, seeded, pid)  # the controls offer exactly what the rules accept
    assert '<option value="nomination"' in shown and 'value="opinion_forming"' not in shown
    rnd = anna.step("start_round_between", kind="nomination", deadline=ZULU)["id"]
    opened = everyone_at(f, server)["round"]
    assert (opened["kind"], opened["reveal"], opened["silence_counts"]) == ("nomination", True, False)

    refused(server, joost, "nomination_reason_required", "contribute_between", round_id=rnd, answer="nominate",
            nominee_id=ids["Kees"], text=" ")
    refused(server, joost, "nominee_unknown", "contribute_between", round_id=rnd, answer="nominate",
            nominee_id=999_999, text=REASONS["Joost"])
    refused(server, joost, "nominate_here", "contribute_between", round_id=rnd, answer="speak", text="Kees!")
    refused(server, anna, "round_open", "propose_person_between", nominee_id=ids["Fatima"])
    for i, name in enumerate(NAMES):
        if name == "Joost":  # from the page's own form, which runs the same step
            after = post_on_the_page(server, joost_jar, seeded, pid, "answer", {
                "round_id": rnd, "member_id": ids["Joost"], "client_id": "joost-page-1", "answer": "nominate",
                "nominee_id": ids[NOMINATES["Joost"]], "text": REASONS["Joost"]})
            assert REASONS["Joost"] not in after  # not even to himself, until all are in
        else:
            f[name].nominate(rnd, ids[NOMINATES[name]], REASONS[name])
        if i == len(NAMES) - 1:
            break
        everyone_at(f, server)
        for follower in f.values():  # who has nominated, never whom or why
            said = follower.state["round"]
            assert said["visible"] is False and said["status"] == "open"
            assert all(set(s) == {"member", "late", "answered"} for s in said["seats"]), said["seats"]
            assert not any(REASONS[n] in json.dumps(follower.state) for n in NAMES)
            assert follower.state["proposal"]["election"]["tally"] == []
        html = page(server, joost_jar, seeded, pid)
        assert not any(REASONS[n] in html for n in NAMES) and "Fatima zegt" not in html

    # The last one in closed the round: every nomination with its reason, in seat order, everywhere.
    state = everyone_at(f, server)
    said = state["round"]
    assert (said["status"], said["ended"], said["visible"]) == ("closed", "complete", True)
    assert [s["member"] for s in said["seats"]] == [ids[n] for n in NAMES]
    for follower in f.values():
        assert {s["member"]: (s["nominee"], s["text"]) for s in follower.state["round"]["seats"]} == {
            ids[n]: (ids[NOMINATES[n]], REASONS[n]) for n in NAMES}
    html = page(server, joost_jar, seeded, pid)
    read_out = [html.index(REASONS[n]) for n in NAMES]
    assert read_out == sorted(read_out), "the page reads the nominations out in seat order"
    assert state["proposal"]["election"]["tally"][0] == {
        "nominee": ids["Fatima"], "by": [ids[n] for n in NAMES if NOMINATES[n] == "Fatima"]}

    # The change round: Joost changes to Fatima, everyone else keeps theirs (no person named).
    rnd = anna.step("start_round_between", kind="change_nomination", deadline=ZULU)["id"]
    for name in NAMES:
        if name == "Joost":
            f[name].nominate(rnd, ids["Fatima"], "Na het lezen van iedereen: Fatima.")
        else:
            f[name].nominate(rnd)
    state = everyone_at(f, server)
    assert {s["member"]: s["nominee"] for s in state["round"]["seats"]} == {
        ids[n]: ids["Fatima" if n == "Joost" else NOMINATES[n]] for n in NAMES}
    assert state["round"]["ended"] == "complete"
    assert state["proposal"]["election"]["tally"][0]["by"] == [ids[n] for n in NAMES if n != "Fatima"]


def test_a_whole_election_of_a_facilitator_between_meetings(server, seeded, follow):
    pid = write_election_on_its_page(server, seeded)  # on the planned meeting's agenda, not yet open
    f = follow(pid)
    anna_jar = jar_of(sign_in(server.port, seeded.tokens["Anna"]))
    ids, anna, fatima = seeded.members, f["Anna"], f["Fatima"]
    joost_jar = jar_of(sign_in(server.port, seeded.tokens["Joost"]))
    fatima_jar = jar_of(sign_in(server.port, seeded.tokens["Fatima"]))
    election = anna.state["proposal"]["election"]
    assert (election["role"]["kind"], election["term_from"], election["term_until"]) == (
        "facilitator", TERM_FROM.isoformat(), TERM_UNTIL.isoformat())
    shown = text(page(server, joost_jar, seeded, pid))  # the role, its term and its tasks (in Dutch)
    assert "van 1 december 2026 tot en met 30 november 2027" in shown, shown
    assert "Leidt het overleg van de kring" in shown, shown
    nominations_and_change(server, seeded, pid, f, joost_jar, anna_jar)

    # --- Anna proposes Fatima; nobody proposes themselves between meetings ------------------------------
    refused(server, fatima, "not_allowed", "propose_person_between", nominee_id=ids["Fatima"])
    refused(server, anna, "propose_self", "propose_person_between", nominee_id=ids["Anna"])
    refused(server, anna, "election_amend", "amend_between", title="Verkiezing", text="Wie?")
    assert 'id="do-propose-between"' in page(server, anna_jar, seeded, pid)
    anna.step("propose_person_between", nominee_id=ids["Fatima"], based_on=anna.state["proposal"]["version"])
    state = everyone_at(f, server)
    assert (state["proposal"]["phase"], state["proposal"]["election"]["nominee"]) == ("amending", ids["Fatima"])

    # --- The consent round: Fatima answers once everyone else has; Dewi objects -------------------------
    rnd = anna.step("start_round_between", kind="consent", deadline=ZULU)["id"]
    refused(server, fatima, "nominee_last", "contribute_between", round_id=rnd, answer="consent")
    assert 'id="answer-last"' in page(server, fatima_jar, seeded, pid)
    others = [n for n in NAMES if n != "Fatima"]
    for name in others:
        if name == "Dewi":
            f[name].step("contribute_between", round_id=rnd, answer="objection", text=OBJECTION,
                         workable="Een half jaar, dan kijken we opnieuw.")
        else:
            f[name].step("contribute_between", round_id=rnd, answer="consent")
        if name != others[-1]:
            refused(server, fatima, "nominee_last", "contribute_between", round_id=rnd, answer="consent")
    fatima.step("contribute_between", round_id=rnd, answer="consent")
    state = everyone_at(f, server)
    assert (state["round"]["ended"], state["proposal"]["phase"]) == ("complete", "integrating")
    [objection] = state["proposal"]["objections"]
    assert (objection["member"], objection["reason"], objection["status"]) == (ids["Dewi"], OBJECTION, "standing")
    assert server.query("SELECT count(*) FROM role_term WHERE proposal_id = ?", pid) == [(0,)]

    # --- Integrated by a shorter term, on the page; the new consent round adopts and gives the role ------
    shown = post_on_the_page(server, anna_jar, seeded, pid, "propose-person", {
        "based_on": 2, "nominee_id": ids["Fatima"], "term_until": SHORTER.isoformat(),
        "note": "Een half jaar, zoals Dewi vroeg."})
    assert "Bewaard als versie 3." in shown
    election = everyone_at(f, server)["proposal"]["election"]
    assert (election["term_from"], election["term_until"]) == (TERM_FROM.isoformat(), SHORTER.isoformat())
    rnd = anna.step("start_round_between", kind="consent", deadline=ZULU)["id"]
    for name in others:
        f[name].step("contribute_between", round_id=rnd, answer="consent")
    fatima.step("contribute_between", round_id=rnd, answer="consent", text="Graag, een half jaar.")
    state = everyone_at(f, server)
    assert (state["round"]["ended"], state["proposal"]["phase"]) == ("complete", "adopted")
    assert state["proposal"]["objections"][0]["status"] == "met"
    assert state["on_agenda"] is None  # it left the planned meeting's agenda, decided

    [(person_id, held_from, held_until, ended_on)] = server.query(
        "SELECT person_id, held_from, held_until, ended_on FROM role_term WHERE proposal_id = ?", pid)
    assert (held_from, held_until, ended_on) == (TERM_FROM.isoformat(), SHORTER.isoformat(), None)
    assert server.query("SELECT person_id FROM member WHERE id = ?", ids["Fatima"]) == [(person_id,)]
    adopted = logged(server, "close_round_between")[-1]
    assert (adopted["outcome"], adopted["election"]["person"]["name"], adopted["election"]["from"],
            adopted["election"]["until"]) == ("adopted", "Fatima", TERM_FROM.isoformat(), SHORTER.isoformat())
    assert [e["nominee"]["name"] for e in logged(server, "propose_person_between")] == ["Fatima", "Fatima"]
    assert logged(server, "adopt") == []  # one path: the round that completed adopted it
    _, _, decision = request(server, "GET", f"/c/{seeded.circle}/decisions/{pid}/", joost_jar)
    chosen = "Fatima is gekozen als gespreksleider van 1 december 2026 tot en met 31 mei 2027."
    assert chosen in text(decision)
    minutes = f"/c/{seeded.circle}/meetings/{seeded.meeting}/minutes"  # it reports what happened between meetings
    for path in (minutes, minutes + ".md"):
        _, _, shown = request(server, "GET", path, joost_jar)
        assert chosen in unisolated(text(shown)), path
    roles = f"SELECT role FROM member WHERE id = {ids['Fatima']}"
    assert server.query(roles) == [("secretary",)]  # until her term begins
    server._run("-c", f"{clock_code(dt.datetime.combine(TERM_FROM, dt.time(6)))}; import sys; "
                      "from flask.cli import main; sys.argv = ['flask', '--app', 'circle', 'tick']; main()")
    assert server.query(roles) == [("facilitator",)]
    server.verify_log()


def test_a_consent_round_whose_deadline_passes_with_someone_silent_gives_nobody_the_role(server, seeded, follow):
    jar = jar_of(sign_in(server.port, seeded.tokens["Anna"]))
    _, _, home = request(server, "GET", f"/c/{seeded.circle}/", jar)
    status, _, _ = request(server, "POST", f"/c/{seeded.circle}/settings/between-meetings", jar,
                           {"csrf_token": csrf_of(home), "silence": "all"})
    assert status == 303  # silence counts as consent for every decision between meetings: never in an election
    pid = write_election_on_its_page(server, seeded)
    f = follow(pid)
    ids, anna = seeded.members, f["Anna"]
    rnd = anna.step("start_round_between", kind="nomination", deadline=ZULU)["id"]
    for name in NAMES:
        f[name].nominate(rnd, ids["Fatima"], REASONS[name])
    anna.step("propose_person_between", nominee_id=ids["Fatima"])
    rnd = anna.step("start_round_between", kind="consent", deadline=ZULU)["id"]
    assert everyone_at(f, server)["round"]["silence_counts"] is False
    for name in NAMES:
        if name not in ("Kees", "Fatima"):
            f[name].step("contribute_between", round_id=rnd, answer="consent")
    refused(server, f["Fatima"], "nominee_last", "contribute_between", round_id=rnd, answer="consent")

    # The deadline passes with Kees silent (and so Fatima, who answers last): cron's tick closes the round.
    server._run("-c", f"{clock_code(DEADLINE + dt.timedelta(hours=1))}; import sys; "
                      "from flask.cli import main; sys.argv = ['flask', '--app', 'circle', 'tick']; main()")
    ack = anna.call("between")
    state = ack["between"]
    assert (state["round"]["ended"], state["round"]["silence_as_consent"]) == ("deadline", False)
    assert sorted(state["round"]["unanswered"]) == sorted([ids["Kees"], ids["Fatima"]])
    assert state["proposal"]["phase"] == "amending"  # as proposed, for the next meeting's consent round
    [closed] = [e for e in logged(server, "close_round_between") if e["round"] == rnd]
    assert (closed["outcome"], closed["silence_as_consent"]) == ("to_meeting", False) and "election" not in closed
    assert server.query("SELECT count(*) FROM role_term WHERE proposal_id = ?", pid) == [(0,)]
    assert server.query("SELECT role FROM member WHERE id = ?", ids["Fatima"]) == [("secretary",)]
