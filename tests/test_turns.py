"""The events about one meeting take turns in a server process, so they leave in the order they were stored.

circle/turns.py: an event about a meeting waits, parked, while another event
about the same meeting is handled; events about other meetings do not wait
for it. Events that waited for the turn tell the room once, after the last of
them (`turns.later`), and never leave it untold for longer than TELL_WITHIN.
On the real server (each server kind, the threading one being where handlers
truly run side by side) the members answer at the same moment, and a program
connection read frame by frame, in the order the server wrote them, hears the
meeting in the order it was stored, each message after the one before, up to
the last answer: no phone has to ask for the whole state because a later
version overtook an earlier one. docs/performance/sending.md, "Taking turns" and "A
burst told once".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from circle import create_app, turns
from circle.between_steps import BETWEEN
from circle.extensions import socketio
from circle.steps import STEPS
from tests.conftest import config_for
from tests.phones import Phone, converge
from tests.scenario import PEOPLE
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    HOST, KringServer, prepared, seeded, serve, wait_for,
)

NAMES = [name for name, _ in PEOPLE]


# --- The turns themselves ---------------------------------------------------------------


def test_an_event_waits_for_its_meetings_turn_and_not_for_another_meeting(tmp_path: Path):
    app = create_app(config_for(tmp_path))
    holding, release = threading.Event(), threading.Event()
    happened: list[str] = []

    @turns.in_turn
    def handler(name: str, hold: bool = False) -> dict:
        happened.append(f"{name} starts")
        if hold:
            holding.set()
            assert release.wait(10)
        happened.append(f"{name} ends")
        return {"ok": True}

    def event(meeting: int, name: str, hold: bool = False) -> threading.Thread:
        def run() -> None:
            with app.test_request_context(environ_overrides={"kring.meeting": meeting}):
                handler(name, hold)
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    first = event(1, "first in meeting 1", hold=True)
    assert holding.wait(10)
    second = event(1, "second in meeting 1")
    other = event(2, "meeting 2")
    other.join(10)
    time.sleep(0.2)  # time enough for the second to start, were it not waiting
    assert happened == ["first in meeting 1 starts", "meeting 2 starts", "meeting 2 ends"]
    release.set()
    first.join(10)
    second.join(10)
    assert happened[3:] == ["first in meeting 1 ends", "second in meeting 1 starts", "second in meeting 1 ends"]


def test_every_event_about_a_meeting_or_a_proposal_takes_its_turn(tmp_path: Path):
    create_app(config_for(tmp_path))
    handlers = socketio.server.handlers["/"]
    events = [*STEPS, *(action.value for action in BETWEEN), "between", "state", "parts"]
    for event in events:
        wrapped, made_by = handlers[event], []
        while wrapped is not None:  # functools.wraps copies names; the code object keeps where it was made
            made_by.append(wrapped.__code__.co_qualname)
            wrapped = getattr(wrapped, "__wrapped__", None)
        assert "in_turn.<locals>.on_event" in made_by, (event, made_by)


def test_a_connection_that_follows_no_meeting_takes_no_turn(tmp_path: Path):
    app = create_app(config_for(tmp_path))
    with app.test_request_context():
        assert turns.in_turn(lambda: {"ok": True})() == {"ok": True}


# --- A burst told once --------------------------------------------------------------------


class Burst:
    """Events about meeting 1, each in a thread of its own, that take its turn and hand `turns.later` what
    they would tell the room; `told` lists what was told, in order. An event may be held in its turn
    until released, so the next ones queue behind it."""

    def __init__(self, app) -> None:
        self.app = app
        self.told: list[str] = []

        @turns.in_turn
        def handler(name: str, holding: threading.Event | None, release: threading.Event | None,
                    tells: bool | None) -> dict:
            if holding is not None:
                holding.set()
                assert release.wait(10)
            if tells is None:
                raise RuntimeError(f"{name} broke")
            if tells and not turns.later(1, lambda: self.told.append(f"everything after {name}")):
                self.told.append(f"{name} alone")
            return {"ok": True}

        self.handler = handler

    def event(self, name: str, tells: bool = True) -> threading.Thread:
        return self._start(name, None, None, tells)

    def held(self, name: str) -> tuple[threading.Thread, threading.Event]:
        """An event that holds the turn once it has it, until the returned event is set."""
        holding, release = threading.Event(), threading.Event()
        thread = self._start(name, holding, release, True)
        assert holding.wait(10), f"{name} took the turn"
        return thread, release

    def _start(self, name, holding, release, tells) -> threading.Thread:
        """`tells`: True, False (a refused step), or None: the event breaks."""
        def run() -> None:
            with self.app.test_request_context(environ_overrides={"kring.meeting": 1}):
                if tells is None:
                    with pytest.raises(RuntimeError):
                        self.handler(name, holding, release, tells)
                else:
                    self.handler(name, holding, release, tells)
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def first_then(self, *names: str) -> list[str]:
        """"first" holds the turn while the events `names` queue behind it, then lets go; what was told."""
        first, release = self.held("first")
        others = [self.event(name) for name in names]
        self.wait_until_waiting(len(names))
        release.set()
        for thread in (first, *others):
            thread.join(10)
        return self.told

    def wait_until_waiting(self, count: int) -> None:
        wait_for(lambda: turns.turn_of("meeting:1").waiting == count, 10, what=f"{count} waiting for the turn")


@pytest.fixture
def burst(tmp_path: Path, monkeypatch) -> Burst:
    """Events that took the turn right after the one before count as a burst, however slow this machine."""
    monkeypatch.setattr(turns, "BURST_GAP", 10.0)
    return Burst(create_app(config_for(tmp_path)))


def test_a_lone_event_tells_the_room_at_once(burst: Burst):
    burst.event("the answer").join(10)
    assert burst.told == ["the answer alone"]


def test_events_that_waited_for_the_turn_tell_the_room_once_after_the_last(burst: Burst):
    told = burst.first_then("second", "third", "fourth")  # the first of a burst: told at once, alone
    assert told[0] == "first alone"
    assert told[1:] in (["everything after second"], ["everything after third"], ["everything after fourth"])
    assert turns.turn_of("meeting:1").waiting == 0


def owed_then(burst: Burst, last: str, tells: bool | None) -> list[str]:
    """An opening, then an answer that takes the turn right after it and leaves the telling to the event
    waiting behind it, `last` (`tells` as in Burst._start); what was told."""
    opening, release_opening = burst.held("opening")
    answer_holding, answer_release = threading.Event(), threading.Event()
    answer = burst._start("the answer", answer_holding, answer_release, True)
    burst.wait_until_waiting(1)
    release_opening.set()
    assert answer_holding.wait(10)
    after = burst._start(last, None, None, tells)
    burst.wait_until_waiting(1)
    answer_release.set()
    for thread in (opening, answer, after):
        thread.join(10)
    return burst.told


def test_what_the_room_is_owed_is_told_by_the_last_event_even_one_that_tells_nothing(burst: Burst):
    assert owed_then(burst, "a refused step", tells=False) == ["opening alone", "everything after the answer"]


def test_what_the_room_is_owed_is_told_even_when_the_last_event_breaks(burst: Burst):
    assert owed_then(burst, "a step that breaks", tells=None) == ["opening alone", "everything after the answer"]


def test_the_room_is_not_left_untold_longer_than_tell_within(burst: Burst, monkeypatch):
    monkeypatch.setattr(turns, "TELL_WITHIN", 0.0)
    told = burst.first_then("second", "third")
    assert told[0] == "first alone"
    assert sorted(told[1:]) in (["everything after second", "third alone"], ["everything after third", "second alone"])


def test_events_that_do_not_come_right_after_each_other_are_told_one_by_one(burst: Burst, monkeypatch):
    monkeypatch.setattr(turns, "BURST_GAP", -1.0)  # as with many meetings sharing the process
    assert sorted(burst.first_then("second", "third")) == ["first alone", "second alone", "third alone"]


# --- On the real server -------------------------------------------------------------------


class Wire:
    """A program's connection to the meeting, read frame by frame in the order the server wrote them."""

    def __init__(self, server: KringServer, cookie: str, meeting: int):
        self.ws = websocket.create_connection(f"ws://{HOST}:{server.port}/socket.io/?EIO=4&transport=websocket",
                                              header=[f"Cookie: {cookie}"], timeout=15)
        opened = self.ws.recv()
        assert opened.startswith("0{"), opened
        self.ws.send("40" + json.dumps({"meeting": meeting}))
        self.heard: list[tuple[str, int]] = []  # (event, version) of every `state` and `answer`, in order
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                frame = self.ws.recv()
            except (websocket.WebSocketException, OSError):
                return
            if frame == "2":
                self.ws.send("3")  # Engine.IO's ping, answered
            elif frame.startswith("42"):
                event, *data = json.loads(frame[2:])
                if event in ("state", "answer"):
                    with self.lock:
                        self.heard.append((event, data[0]["version"]))

    def versions(self) -> list[int]:
        """The versions of every `state` and `answer` heard, in the order they came."""
        with self.lock:
            return [version for _, version in self.heard]

    def close(self) -> None:
        self.ws.close()
        self.reader.join(5)


@pytest.fixture(params=["eventlet", "threading"])
def server(request, prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path, KRING_ASYNC_MODE=request.param)


@pytest.mark.server
def test_answers_given_at_the_same_moment_leave_in_the_order_they_were_stored(server, seeded):
    phones = {name: Phone(server, seeded, name).connect() for name in NAMES}
    wire = None
    try:
        anna = phones["Anna"]
        anna.step("open_meeting")
        for p in phones.values():
            marked = p.call("mark_attendance", {"member_id": p.member_id, "present": True})
            assert marked["ok"], marked
        converge(list(phones.values()), marked["version"])
        opened = anna.step("start_round", kind="opening", mode="open")
        converge(list(phones.values()), opened["version"])
        wire = Wire(server, anna.cookie, seeded.meeting)
        wait_for(lambda: wire.heard, 10, what="the program's first state")

        members = [p for name, p in phones.items() if name != "Anna"]
        go = threading.Barrier(len(members))
        acks: list[dict] = []

        def answer(p: Phone) -> None:
            go.wait(10)
            acks.append(p.contribute("speak", f"{p.name}: fijn dat we er zijn."))

        threads = [threading.Thread(target=answer, args=(p,)) for p in members]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(acks) == len(members) and all(a["ok"] for a in acks), acks
        stored = sorted(a["version"] for a in acks)
        assert stored == list(range(stored[0], stored[0] + len(members)))
        wait_for(lambda: wire.versions()[-1] == stored[-1], 10, what="the last answer on the wire")
        heard = [v for v in wire.versions() if v >= stored[0]]
        assert heard == sorted(set(heard))  # in the order stored: each after the one before, none twice
        assert len(heard) <= len(members)  # an answer alone, or those that waited for the turn told once
        converge(list(phones.values()), stored[-1])
    finally:
        if wire is not None:
            wire.close()
        for p in phones.values():
            p.close()
