"""The facilitator's tools (docs/facilitation.md): their plain rules, and each through the real server.

Through `python -m circle` with real Socket.IO clients as phones (tests/phones.py): a speaking time whose
end moves with every turn and skips nobody when it has passed; a ready check whose list of who is not ready
yet shrinks on the console as phones tap "ready"; a handover after which the new steerer's steps are taken
and the circle's facilitator's refused, for this meeting only; the secretary's takeover, refused while
whoever steers is connected or has been away less than the circle's set time, taken after (the server's
clock moved on by a restart); the opening round before the first proposal, the closing round before the
meeting closes. Every step is in the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from circle import method
from circle.method import Action, MeetingFacts, MeetingStatus, Role, RoundKind, RuleBroken
from tests.conftest import find_csrf_token
from tests.phones import Phone, client, phone  # noqa: F401  (phone: a fixture)
from tests.scenario import PEOPLE
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    KringServer, Seeded, prepared, seeded, serve, sign_in, wait_for,
)

NAMES = [name for name, _ in PEOPLE]
T0 = dt.datetime(2026, 11, 23, 18, 30)


def refused(code: str, rule, *args) -> None:
    with pytest.raises(RuleBroken) as caught:
        rule(*args)
    assert caught.value.code == code


# --- The plain rules ------------------------------------------------------------------


def test_whoever_the_steering_went_to_is_the_facilitator_of_that_meeting():
    assert method.role_in_meeting(Role.FACILITATOR, 1, None) == Role.FACILITATOR  # nobody took it
    assert method.role_in_meeting(Role.MEMBER, 3, 3) == Role.FACILITATOR  # handed to Joost
    assert method.role_in_meeting(Role.FACILITATOR, 1, 3) == Role.MEMBER  # Anna takes part as a member
    assert method.role_in_meeting(Role.SECRETARY, 2, 3) == Role.SECRETARY  # the secretary still records
    assert method.role_in_meeting(Role.SECRETARY, 2, 2) == Role.FACILITATOR  # she took it over
    assert method.role_in_meeting(None, 3, 3) is None  # who left the circle steers nothing


def test_a_speaking_time_is_one_offered_or_none_and_its_end_follows_the_turn():
    method.check_turn_seconds(None)
    for seconds in method.TURN_SECONDS:
        method.check_turn_seconds(seconds)
    refused("invalid", method.check_turn_seconds, 45)
    assert method.turn_ends(T0, 90) == T0 + dt.timedelta(seconds=90)
    assert method.turn_ends(T0, None) is None and method.turn_ends(None, 90) is None


def test_a_ready_check_is_asked_once_ended_once_and_answered_by_who_is_present():
    method.check_ask_ready(False, True)
    method.check_ask_ready(True, False)
    refused("ready_check_open", method.check_ask_ready, True, True)
    refused("no_ready_check", method.check_ask_ready, False, False)
    refused("round_open", method.check_ask_ready, False, True, True)  # a step is under way: the round
    method.check_ask_ready(True, False, True)  # ending it is always possible
    method.check_mark_ready(True, Role.MEMBER, 3, 3, True)  # oneself
    method.check_mark_ready(True, Role.SECRETARY, 2, 6, True)  # for Samira, who has no phone
    refused("not_allowed", method.check_mark_ready, True, Role.MEMBER, 3, 6, True)
    refused("no_ready_check", method.check_mark_ready, False, Role.MEMBER, 3, 3, True)
    refused("not_present", method.check_mark_ready, True, Role.MEMBER, 3, 3, False)
    assert method.ends_ready_check(Action.START_ROUND) and method.ends_ready_check("take_up")
    assert not method.ends_ready_check(Action.MARK_ATTENDANCE) and not method.ends_ready_check(Action.HAND_OVER)


def test_the_steering_goes_to_someone_else_present():
    method.check_hand_over({1}, 3, True)
    refused("already_steers", method.check_hand_over, {1}, 1, True)
    refused("not_present", method.check_hand_over, {1}, 3, False)


def test_the_secretary_takes_over_only_once_whoever_steers_has_been_away_long_enough():
    refused("steerer_connected", method.check_take_over, 2, {1}, None, 3, T0)
    refused("steerer_away_briefly", method.check_take_over, 2, {1}, T0, 3, T0 + dt.timedelta(minutes=2, seconds=59))
    method.check_take_over(2, {1}, T0, 3, T0 + dt.timedelta(minutes=3))
    refused("already_steers", method.check_take_over, 2, {2}, T0, 3, T0 + dt.timedelta(minutes=9))
    assert method.takeover_from(T0, 5) == T0 + dt.timedelta(minutes=5) and method.takeover_from(None, 5) is None


def test_the_opening_round_comes_before_the_first_proposal_and_the_closing_round_any_time():
    method.check_meeting_round(RoundKind.OPENING, False)
    refused("opening_over", method.check_meeting_round, RoundKind.OPENING, True)
    method.check_meeting_round(RoundKind.CLOSING, True)


def test_what_each_role_is_offered_follows_who_steers():
    """Anna handed the steering to Joost (3); Fatima (2) is the secretary; Anna has been away 4 minutes."""
    facts = MeetingFacts(status=MeetingStatus.OPEN, listed=frozenset({1, 2, 3, 4}), seated=frozenset({1, 2, 3, 4}),
                         present=frozenset({1, 2, 3, 4}), steerers=frozenset({3}), ready_open=True,
                         ready=frozenset({4}), steerer_away_since=T0, now=T0 + dt.timedelta(minutes=4))
    joost = method.available(facts, method.role_in_meeting(Role.MEMBER, 3, 3), 3)
    assert {Action.SET_TURN_TIME, Action.ASK_READY, Action.HAND_OVER} <= set(joost)
    assert joost[Action.HAND_OVER] == (1, 2, 4) and joost[Action.MARK_READY] == (1, 2, 3)
    anna = method.available(facts, method.role_in_meeting(Role.FACILITATOR, 1, 3), 1)
    assert set(anna) == {Action.MARK_READY} and anna[Action.MARK_READY] == (1,)  # only her own "ready"
    fatima = method.available(facts, Role.SECRETARY, 2)
    assert fatima[Action.TAKE_OVER] == (None,) and fatima[Action.MARK_READY] == (1, 2, 3)
    here = dataclasses.replace(facts, steerer_away_since=None)  # Anna is back
    assert Action.TAKE_OVER not in method.available(here, Role.SECRETARY, 2)


# --- Through the real server --------------------------------------------------------------------

@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


class Page:
    """A page of Kring's own (the console, a phone) as the server sends it: the latest HTML of each part."""

    def __init__(self, server: KringServer, seeded: Seeded, name: str, view: str = "phone"):
        self.parts: dict[str, str] = {}
        self.lock = threading.Lock()
        self.sio = client(reconnection=False)
        self.sio.on("parts", self._take)
        self.sio.connect(server.url, headers={"Cookie": sign_in(server.port, seeded.tokens[name])},
                         auth={"meeting": seeded.meeting, "view": view}, transports=["websocket"], wait_timeout=10)
        ack = self.sio.call("parts", {}, timeout=10)
        self._take(ack)

    def _take(self, msg: dict) -> None:
        with self.lock:
            for op in msg.get("ops", []):
                if "id" in op:
                    self.parts[op["id"]] = op["html"]

    def part(self, part_id: str) -> str:
        with self.lock:
            return self.parts.get(part_id, "")

    def close(self) -> None:
        self.sio.shutdown()


def text(html: str) -> str:
    """What a part says, without its markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def state(p: Phone) -> dict:
    ack = p.call("state")
    assert ack["ok"], ack
    return ack["state"]


def at(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment.removesuffix("Z"))


def logged(server: KringServer, action: str) -> list[dict]:
    return [json.loads(d) for (d,) in server.query("SELECT data FROM log_entry WHERE action = ? ORDER BY seq",
                                                   action)]


def refused_with(p: Phone, code: str, event: str, **payload) -> None:
    ack = p.call(event, payload)
    assert not ack["ok"] and ack["error"] == code, (p.name, event, ack)


def open_with(phones: dict[str, Phone], seeded: Seeded, present=NAMES) -> None:
    """Anna opens the meeting and marks `present` present; every phone has caught up."""
    anna = phones["Anna"]
    anna.step("open_meeting")
    for name in present:
        anna.step("mark_attendance", member_id=seeded.members[name], present=True)
    version = anna.server.meeting_version(seeded.meeting)
    wait_for(lambda: all(p.version == version for p in phones.values()), 10, what="every phone up to date")


@pytest.fixture
def phones(phone) -> dict[str, Phone]:
    """The phones of Anna (facilitator), Fatima (secretary), Joost and Kees; the others have none."""
    return {name: phone(name) for name in ("Anna", "Fatima", "Joost", "Kees")}


@pytest.mark.server
def test_the_speaking_time_counts_each_turn_and_skips_nobody(server, seeded, phones):
    anna, joost, kees = phones["Anna"], phones["Joost"], phones["Kees"]
    open_with(phones, seeded)
    anna.step("set_turn_time", seconds=90)
    assert state(anna)["meeting"]["turn_seconds"] == 90

    # The opening round opens the meeting, in turn from Joost: his 90 seconds count from its start.
    anna.step("start_round", kind="opening", mode="in_turn", starter_id=joost.member_id)
    first = state(anna)["round"]
    assert first["current"] == joost.member_id
    assert at(first["turn_ends_at"]) - at(first["turn_started_at"]) == dt.timedelta(seconds=90)
    now = at(state(anna)["now"])
    assert at(first["turn_started_at"]) <= now < at(first["turn_ends_at"])

    # Each answer passes the turn: the next speaker's time starts then.
    joost.contribute("speak", "Goed, ik heb zin in vanavond.")
    second = state(anna)["round"]
    aylin = first["seats"][1]["member"]  # next in the ring
    assert second["current"] == aylin and second["turn_ends_at"] is not None
    assert at(second["turn_started_at"]) >= at(first["turn_started_at"])
    heard = wait_for(lambda: [c for c in anna.answers_heard if c["seat"]["member"] == joost.member_id], 5,
                     what="the answer event")
    assert heard[0]["turn_ends_at"] == second["turn_ends_at"]  # the small change carries the new end too

    # Aylin's time runs out (the server's clock five minutes on): nobody is skipped, nothing changes by itself.
    version = state(anna)["version"]
    server.born -= 300
    server.restart()
    anna.wait_connected()
    later = state(anna)
    assert at(later["now"]) > at(second["turn_ends_at"])
    assert later["version"] == version and later["round"]["current"] == aylin
    assert later["round"]["turn_ends_at"] == second["turn_ends_at"]
    anna.step("skip_speaker")  # the facilitator decides; the next speaker's time starts then
    skipped = state(anna)["round"]
    assert skipped["current"] == kees.member_id and at(skipped["turn_started_at"]) >= at(later["now"])

    # Off: no countdown any more.
    anna.step("set_turn_time", seconds=0)
    assert state(anna)["round"]["turn_ends_at"] is None
    assert [e["seconds"] for e in logged(server, "set_turn_time")] == [90, None]
    refused_with(anna, "invalid", "set_turn_time", seconds=45)
    anna.step("close_round")

    # After a round about the proposal, the opening round is over; the closing round comes before closing.
    anna.step("start_round", kind="picture_forming", mode="open", proposal_id=seeded.proposal)
    anna.step("close_round")
    refused_with(anna, "opening_over", "start_round", kind="opening", mode="open")
    console = Page(server, seeded, "Anna", "console")
    try:
        steer = console.part("meeting-steer")
        assert steer.index('value="closing"') < steer.index("do-close_meeting")  # offered before closing
        assert 'value="opening"' not in steer
    finally:
        console.close()
    anna.step("start_round", kind="closing", mode="open")
    for p in phones.values():
        p.contribute("speak", f"{p.name}: een fijne vergadering.")
    anna.step("close_round")
    anna.step("close_meeting")
    kinds = [e["kind"] for e in logged(server, "start_round")]
    assert kinds == ["opening", "picture_forming", "closing"]


@pytest.mark.server
def test_the_ready_check_shrinks_on_the_console_as_phones_tap_ready(server, seeded, phones):
    anna, fatima, joost, kees = (phones[n] for n in ("Anna", "Fatima", "Joost", "Kees"))
    open_with(phones, seeded, present=["Anna", "Fatima", "Joost", "Kees", "Samira"])  # Samira has no phone
    console = Page(server, seeded, "Anna", "console")
    try:
        anna.step("ask_ready")
        ready = state(anna)["ready"]
        assert ready["open"] and ready["ready"] == []
        everyone = {seeded.members[n] for n in ("Anna", "Fatima", "Joost", "Kees", "Samira")}
        assert set(ready["not_ready"]) == everyone

        def not_ready_on_console() -> str:
            found = re.search(r'<p id="not-ready">(.*?)</p>', console.part("meeting-steer"), re.S)
            return text(found.group(1)) if found else ""

        wait_for(lambda: all(n in not_ready_on_console() for n in ("Joost", "Kees", "Samira")), 5,
                 what="everyone on the console's list")
        seen = state(kees)["version"]  # what Kees's phone showed when both tapped
        joost.step("mark_ready")  # his own, by default
        wait_for(lambda: "Joost" not in not_ready_on_console(), 5, what="Joost off the console's list")
        assert "Kees" in not_ready_on_console()
        assert joost.call("mark_ready", {})["unchanged"]  # twice is once
        refused_with(joost, "not_allowed", "mark_ready", member_id=kees.member_id)  # not for someone else
        ack = kees.call("mark_ready", {"member_id": kees.member_id, "based_on": seen})
        assert ack["ok"] and not ack["unchanged"], ack  # everyone taps at once: never stale
        fatima.step("mark_ready", member_id=seeded.members["Samira"])  # the secretary, for Samira without a phone
        wait_for(lambda: "Samira" not in not_ready_on_console() and "Kees" not in not_ready_on_console(), 5,
                 what="Kees and Samira off the list")
        assert set(state(anna)["ready"]["not_ready"]) == {anna.member_id, fatima.member_id}
        assert logged(server, "mark_ready")[-1]["recorded_by"]["name"] == "Fatima"

        # The facilitator ends it: the log says who was not ready. The next check starts anew.
        anna.step("ask_ready", end=True)
        assert logged(server, "ask_ready")[-1]["not_ready"] == [{"id": anna.member_id, "name": "Anna"},
                                                                 {"id": fatima.member_id, "name": "Fatima"}]
        refused_with(joost, "no_ready_check", "mark_ready")
        anna.step("ask_ready")
        assert state(anna)["ready"] == {"check": 2, "open": True, "ready": [],
                                        "not_ready": state(anna)["ready"]["not_ready"]}
        refused_with(anna, "ready_check_open", "ask_ready")
        # Starting the next step ends it too.
        anna.step("start_round", kind="opening", mode="open")
        assert not state(anna)["ready"]["open"]
        assert logged(server, "start_round")[-1]["ready_check_ended"] == 2
    finally:
        console.close()


@pytest.mark.server
def test_a_handover_moves_the_steering_for_this_meeting_only(server, seeded, phones):
    anna, fatima, joost = phones["Anna"], phones["Fatima"], phones["Joost"]
    open_with(phones, seeded)
    refused_with(joost, "not_allowed", "hand_over", member_id=joost.member_id)
    anna.step("hand_over", member_id=joost.member_id)
    got = state(joost)
    assert got["meeting"]["steered_by"] == joost.member_id and got["meeting"]["steerers"] == [joost.member_id]
    assert logged(server, "hand_over") == [{"meeting": seeded.meeting, "meeting_version": got["version"],
                                            "steerers_before": [{"id": anna.member_id, "name": "Anna"}],
                                            "steerer": {"id": joost.member_id, "name": "Joost"}}]

    # Joost steers: his steps are taken; Anna's steering is refused, she answers as a member.
    page = Page(server, seeded, "Joost")  # his phone's page is the console now
    try:
        assert "meeting-steer" in page.parts
    finally:
        page.close()
    joost.step("set_turn_time", seconds=60)
    joost.step("start_round", kind="opening", mode="open")
    refused_with(anna, "not_allowed", "close_round")
    refused_with(anna, "not_allowed", "set_turn_time", seconds=120)
    refused_with(anna, "not_allowed", "contribute", member_id=fatima.member_id, answer="speak", text="Namens")
    anna.contribute("speak", "Ik doe vandaag gewoon mee.")
    joost.step("close_round")

    # He hands it back at the end; after the meeting the circle's roles are as they were.
    joost.step("hand_over", member_id=anna.member_id)
    anna.step("close_meeting")
    roles = dict(server.query("SELECT id, role FROM member WHERE circle_id = ?", seeded.circle))
    assert (roles[anna.member_id], roles[joost.member_id]) == ("facilitator", "member")
    assert [e["steerer"]["name"] for e in logged(server, "hand_over")] == ["Joost", "Anna"]
    # What Kring holds about Joost (/you/data) has both: the log entries that name him.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/you/data.json", headers={"Cookie": sign_in(server.port, seeded.tokens["Joost"])})
    mine = json.loads(connection.getresponse().read())["log_entries"]
    connection.close()
    assert [e["action"] for e in mine].count("hand_over") == 2


@pytest.mark.server
def test_the_secretary_takes_over_once_the_facilitator_has_been_away_long_enough(server, seeded, phones):
    anna, fatima, joost = phones["Anna"], phones["Fatima"], phones["Joost"]
    open_with(phones, seeded)
    refused_with(fatima, "steerer_connected", "take_over")
    refused_with(joost, "not_allowed", "take_over")
    assert state(fatima)["steerer_away_since"] is None

    page = Page(server, seeded, "Fatima")  # her meeting page, as the server sends it
    assert "takeover" not in page.part("meeting-facilitation")
    anna.close()  # Anna's phone is gone
    away = wait_for(lambda: state(fatima)["steerer_away_since"], 10, what="Anna noted away")
    assert at(state(fatima)["takeover_from"]) == at(away) + dt.timedelta(minutes=3)
    refused_with(fatima, "steerer_away_briefly", "take_over")
    # Her page is told without a step: from when she may take over, and to ask again then.
    told = wait_for(lambda: re.search(r'data-refresh-at="(\d+)"', page.part("meeting-facilitation")), 10,
                    what="the takeover's moment on Fatima's page")
    assert int(told.group(1)) == int((at(away) + dt.timedelta(minutes=3)).replace(tzinfo=dt.UTC).timestamp() * 1000)
    assert "do-take_over" not in page.part("meeting-facilitation")
    page.close()

    # Four minutes later on the server's clock (a restart with the clock moved on), she may.
    server.born -= 240
    server.restart()
    fatima.wait_connected()
    assert state(fatima)["steerer_away_since"] == away  # still away since then, not since the restart
    page = Page(server, seeded, "Fatima")  # what her page gets when it asks at that moment
    assert "do-take_over" in page.part("meeting-facilitation")
    page.close()
    fatima.step("take_over")
    got = state(fatima)
    assert got["meeting"]["steered_by"] == fatima.member_id
    [entry] = logged(server, "take_over")
    assert entry["steerers_before"] == [{"id": anna.member_id, "name": "Anna"}] and entry["away_since"] == away
    assert entry["away_seconds"] >= 240 and entry["takeover_minutes"] == 3
    fatima.step("start_round", kind="opening", mode="open")  # she steers now

    # Anna comes back: she takes part as a member; the steering is Fatima's to hand back.
    back = Phone(server, seeded, "Anna").connect()
    try:
        refused_with(back, "not_allowed", "close_round")
        fatima.step("close_round")
        fatima.step("hand_over", member_id=back.member_id)
        back.step("close_meeting")
    finally:
        back.close()


@pytest.mark.server
def test_the_circle_sets_how_long_before_the_secretary_may_take_over(server, seeded, phones):
    """From the circle's settings (a page post), the next takeover waits that long."""

    cookie = sign_in(server.port, seeded.tokens["Anna"])
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", f"/c/{seeded.circle}/", headers={"Cookie": cookie})
    home = connection.getresponse().read().decode()
    assert 'id="takeover"' in home
    connection.request("POST", f"/c/{seeded.circle}/settings/takeover", headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=urllib.parse.urlencode({"csrf_token": find_csrf_token(home), "minutes": 10}))
    assert connection.getresponse().status == 303
    connection.close()
    assert server.query("SELECT takeover_minutes FROM circle WHERE id = ?", seeded.circle) == [(10,)]
    assert logged(server, "set_takeover") == [{"minutes": 10, "was": 3}]
    open_with(phones, seeded)
    phones["Anna"].close()
    away = wait_for(lambda: state(phones["Fatima"])["steerer_away_since"], 10, what="Anna noted away")
    assert at(state(phones["Fatima"])["takeover_from"]) == at(away) + dt.timedelta(minutes=10)
