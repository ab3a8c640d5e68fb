"""Phones that talk to the real Kring server (tests/server.py) over real sockets.

`Phone` is one person's phone: signed in through their personal link over
plain HTTP (`sign_in`), then a `socketio.Client` with reconnection on,
keeping the latest meeting state it heard of. Every test client comes from
`client`, whose waits end on time under `faketime` too (docs/time.md);
`converge` waits until phones agree on a version, and `phone` is the fixture
that hands out connected phones.

Every wait here is bounded in time; only 127.0.0.1 is used.
"""

from __future__ import annotations

import copy
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from tests.server import KringServer, Seeded, sign_in, wait_for


class PatientEvent(threading.Event):
    """An event whose timed wait sleeps in short steps instead of blocking on a lock with a deadline.

    Under `faketime` (libfaketime 0.9.10) a timed lock wait never ends while `time.sleep` works: see
    docs/time.md. The test clients (`client`) wait on these.
    """

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is None:
            return super().wait()
        deadline = time.monotonic() + timeout
        while not self.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.is_set()


def client(**options: Any) -> socketio.Client:
    """A Socket.IO client whose every wait ends on time, under `faketime` too: for an acknowledgement
    (`call(..., timeout=)`), for the connection, and between reconnection attempts (PatientEvent)."""
    sio = socketio.Client(handle_sigint=False, **options)
    sio.eio.create_event = PatientEvent  # what python-socketio's client makes each of those waits with
    return sio


# --- A phone ----------------------------------------------------------------------

_client_ids = itertools.count(1)

#: The newest meeting version the server acknowledged to any phone, per server and meeting: what a person
#: about to steer has seen by the time they tap (`Phone.step`).
_acknowledged: dict[tuple[str, int], int] = {}
_acknowledged_lock = threading.Lock()


class Phone:
    """One person's phone in the meeting: a Socket.IO client that keeps the latest state.

    A full `state` replaces what it has when it is not older. An `answer`
    change is applied when it is the next version for the round it has;
    after a gap it asks for the whole `state`, as the protocol says.
    """

    def __init__(self, server: KringServer, seeded: Seeded, name: str, cookie: str | None = None,
                 member_id: int | None = None):
        """`cookie` and `member_id`: someone the scenario did not make, signed in otherwise (a guest)."""
        self.server, self.name = server, name
        self.member_id = member_id if member_id is not None else seeded.members[name]
        self.meeting_id = seeded.meeting
        self.cookie = cookie or sign_in(server.port, seeded.tokens[name])
        self.sio = client(reconnection=True, reconnection_attempts=100, reconnection_delay=0.2,
                          reconnection_delay_max=0.5, randomization_factor=0.1)
        self.lock = threading.Lock()
        self.state: dict | None = None
        self.connects = 0
        self.resyncs = 0
        self.changes_applied = 0
        self.answers_heard: list[dict] = []
        #: Every `state` the server sent unasked (not the answers to `state` requests).
        self.states_heard: list[dict] = []
        #: Drop the next `answer` as if it were lost, to see the phone catch up.
        self.miss_next_answer = False
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("state", self._on_state)
        self.sio.on("answer", self._on_answer)
        self.sio.on("presence", self._on_presence)
        #: Whose phones are connected, as the latest state or `presence` said.
        self.online: list[int] | None = None

    # What the server sends -----------------------------------------------------

    def _on_connect(self) -> None:
        with self.lock:
            self.connects += 1

    def _on_disconnect(self, reason: Any = None) -> None:
        # python-engineio leaves a dead WebSocket open when the transport fails;
        # close it, or it lingers until garbage collection (a ResourceWarning).
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None and reason != self.sio.reason.CLIENT_DISCONNECT:
            ws.shutdown()

    def _take(self, state: dict) -> None:
        with self.lock:
            if self.state is None or state["version"] >= self.state["version"]:
                self.state = state
                self.online = state.get("connected")

    def _on_state(self, state: dict) -> None:
        with self.lock:
            self.states_heard.append(state)
        self._take(state)

    def told_answers(self, round_id: int) -> set[int]:
        """Whose answers in a round the server told this phone of, unasked: one at a time (`answer`), or
        in a `state` (answers that waited for the meeting's turn are told once, circle/turns.py)."""
        with self.lock:
            told = {c["seat"]["member"] for c in self.answers_heard if c["round"] == round_id}
            for state in self.states_heard:
                if state["round"] and state["round"]["id"] == round_id:
                    told |= {s["member"] for s in state["round"]["seats"] if s["answered"]}
        return told

    def _on_presence(self, change: dict) -> None:
        with self.lock:
            self.online = change["connected"]

    def _on_answer(self, change: dict) -> None:
        with self.lock:
            if self.miss_next_answer:
                self.miss_next_answer = False
                return
            self.answers_heard.append(change)
            have = self.state
            if have is not None and change["version"] <= have["version"]:
                return  # old news: a newer state already holds it
            rnd = have and have["round"]
            if rnd and change["version"] == have["version"] + 1 and rnd["id"] == change["round"]:
                seats = [s for s in rnd["seats"] if s["member"] == change["seat"]["member"]]
                if seats:
                    new = copy.deepcopy(have)
                    new_round = new["round"]
                    i = next(i for i, s in enumerate(new_round["seats"])
                             if s["member"] == change["seat"]["member"])
                    new_round["seats"][i] = change["seat"]
                    new_round["current"] = change["current"]
                    new_round["complete"] = change["complete"]
                    new_round["turn_started_at"] = change["turn_started_at"]
                    new_round["turn_ends_at"] = change["turn_ends_at"]
                    new["version"] = change["version"]
                    self.state = new
                    self.changes_applied += 1
                    return
        self.resync()

    def resync(self) -> None:
        """Ask for the whole state (after a gap); its answer replaces ours when newer."""
        self.resyncs += 1

        def got(ack):
            if isinstance(ack, dict) and ack.get("ok"):
                self._take(ack["state"])

        try:
            self.sio.emit("state", None, callback=got)
        except socketio.exceptions.SocketIOError:
            pass  # not connected: connecting again brings the state anyway

    # What the phone does ---------------------------------------------------------

    def connect(self, timeout: float = 10) -> Phone:
        """Connect to the meeting; the server answers with the state."""
        self.sio.connect(
            self.server.url, headers={"Cookie": self.cookie},
            auth={"meeting": self.meeting_id}, transports=["websocket"], wait_timeout=timeout,
        )
        wait_for(lambda: self.state is not None, timeout, what=f"{self.name}'s first state")
        return self

    @property
    def connected(self) -> bool:
        return self.sio.connected and "/" in self.sio.namespaces

    def wait_connected(self, timeout: float = 15) -> None:
        wait_for(lambda: self.connected, timeout, what=f"{self.name} to be connected")

    def call(self, event: str, payload: Any = None, timeout: float = 5) -> dict:
        """Send one event and return its acknowledgement."""
        self.wait_connected()
        ack = self.sio.call(event, payload, timeout=timeout)
        if isinstance(ack, dict) and ack.get("ok") and isinstance(ack.get("version"), int):
            key = (self.server.url, self.meeting_id)
            with _acknowledged_lock:
                _acknowledged[key] = max(_acknowledged.get(key, 0), ack["version"])
        return ack

    def step(self, event: str, **payload: Any) -> dict:
        """A facilitator's step based on the version this phone has; must succeed.

        Without an explicit `based_on` it first waits (briefly) until this phone heard what the server
        acknowledged to any phone: another phone's answer reaches it a moment after that phone's
        acknowledgement, and a step based on the version before is refused as stale, rightly."""
        if "based_on" not in payload:
            with _acknowledged_lock:
                newest = _acknowledged.get((self.server.url, self.meeting_id), 0)
            deadline = time.monotonic() + 5
            while (self.version or 0) < newest and time.monotonic() < deadline:
                time.sleep(0.01)
            payload["based_on"] = self.version
        ack = self.call(event, payload)
        assert ack["ok"], (self.name, event, ack)
        return ack

    def answer_payload(self, answer: str, text: str = "", **more: Any) -> dict:
        """A contribution with a fresh client id, to send (and resend) as it is."""
        return {"answer": answer, "text": text, "client_id": f"{self.name}-{next(_client_ids)}", **more}

    def contribute(self, answer: str, text: str = "", **more: Any) -> dict:
        ack = self.call("contribute", self.answer_payload(answer, text, **more))
        assert ack["ok"], (self.name, ack)
        return ack

    @property
    def version(self) -> int | None:
        with self.lock:
            return self.state and self.state["version"]

    def snapshot(self) -> dict | None:
        with self.lock:
            return copy.deepcopy(self.state)

    def cut(self) -> None:
        """The phone's connection dies without a goodbye (a tunnel, a sleeping phone)."""
        ws = self.sio.eio.ws
        ws.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Hang up for good: no reconnection, not even one the client is about to begin."""
        self.sio.reconnection = False
        self.sio.shutdown()


#: What a state holds that changes without a version: who is connected, whether whoever steers is
#: (and so from when the secretary may take over), and the server's clock (docs/live-protocol.md).
VERSIONLESS = ("connected", "steerer_away_since", "takeover_from", "now")


def versioned(state: dict) -> dict:
    """A state without what changes without a version: what two phones at one version hold alike."""
    return {k: v for k, v in state.items() if k not in VERSIONLESS}


def converge(phones: list[Phone], version: int, timeout: float = 10) -> dict:
    """Wait until every phone has exactly `version`, and the same state; return that state.

    What changes without a version (`VERSIONLESS`: who is connected, the
    server's clock) is left out of the comparison: two phones may hold it
    from different moments.
    """
    wait_for(
        lambda: all(p.version == version for p in phones), timeout,
        what=f"every phone at version {version} "
             f"(now {[(p.name, p.version) for p in phones]})",
    )
    states = [versioned(p.snapshot()) for p in phones]
    for phone, state in zip(phones, states):
        assert state == states[0], f"{phone.name} differs from {phones[0].name} at version {version}"
    return states[0]


@pytest.fixture
def phone(server: KringServer, seeded: Seeded) -> Iterator[Callable[[str], Phone]]:
    """`phone(name)`: that person's phone, signed in and connected; all hung up afterwards."""
    made: list[Phone] = []

    def make(name: str) -> Phone:
        p = Phone(server, seeded, name)
        made.append(p)
        return p.connect()

    yield make
    for p in made:
        p.close()
