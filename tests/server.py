"""The real Kring server in a subprocess, and phones that talk to it over real sockets.

`KringServer` runs `python -m circle` (eventlet, as in production) on a
fresh database (a SQLite file, or PostgreSQL: tests/databases.py) and a free loopback port: migrations through
`flask --app circle db upgrade`, the Samen Vooruit scenario of
tests/scenario.py through the application layer, then the server. It can be
killed (SIGKILL, like a crash) and started again on the same database and port.
The scenario and the server run on the suite's clock (tests/days.py): it
starts at NOW when the KringServer is made and runs on from there, also
across restarts, so the server's moments follow the scenario's dates.

`Phone` is one person's phone: signed in through their personal link over
plain HTTP (http.client), then a `socketio.Client` with reconnection on,
keeping the latest meeting state it heard of.

Every wait here is bounded in time; only 127.0.0.1 is used.
"""

from __future__ import annotations

import copy
import datetime as dt
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio

from circle.__main__ import PATCH
from tests import databases
from tests.conftest import find_csrf_token
from tests.days import NOW, TODAY

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SECRET_KEY = "kring-server-test-secret"

#: Run inside the server's environment: the scenario through the application
#: layer, and everyone's personal sign-in token, made with the server's key.
SEED = """
import json
from circle import create_app
from circle.auth import sign_in_token
from tests.scenario import samen_vooruit
{clock}

app = create_app()
with app.app_context():
    made = samen_vooruit()
    print(json.dumps({
        "circle": made.circle_id,
        "meeting": made.meeting_id,
        "proposal": made.proposal_id,
        "members": made.member_ids,
        "tokens": {name: sign_in_token(made.member(name)) for name in made.member_ids},
    }))
"""


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, interval: float = 0.02, what: str = "condition"):
    """Poll `condition()` until it is truthy; at most `timeout` seconds. Returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


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


@dataclass
class Seeded:
    """What the scenario made in the server's database: ids and sign-in tokens."""

    circle: int
    meeting: int
    proposal: int
    members: dict[str, int]
    tokens: dict[str, str]


def clock_code(moment: dt.datetime) -> str:
    """Python that sets Kring's clock in a subprocess to `moment`, running on from the instant it is called.

    The subprocess counts from that instant (the machine's monotonic clock is
    one for all its processes), not from when it got round to setting its
    clock: a process that takes a second to start on a busy machine would
    otherwise run a second behind the test and the other processes.
    """
    return ("import datetime as _dt, time as _time; from circle import clock as _clock; "
            f"_clock.set_to(_dt.datetime.fromisoformat({moment.isoformat()!r}) "
            f"+ _dt.timedelta(seconds=_time.monotonic() - {time.monotonic()!r}), running=True)")


def boot_code(mode: str, moment: dt.datetime) -> str:
    """`python -m circle` as its __main__ starts it, with the clock set first."""
    patch = f"{PATCH[mode]}; " if mode in PATCH else ""
    return (f"{patch}import os, runpy; os.environ['_KRING_PATCHED'] = {mode!r}; {clock_code(moment)}; "
            "runpy.run_module('circle', run_name='__main__')")


class KringServer:
    """`python -m circle` on its own database and loopback port."""

    def __init__(self, folder: Path, port: int | None = None, secret_key: str = SECRET_KEY):
        self.born = time.monotonic()  # the server's clock: NOW at this moment, running on
        self.folder = folder
        self.database = folder / "kring.sqlite3"
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KRING_", "FLASK_", "_KRING"))}
        env.update(
            KRING_SQLALCHEMY_DATABASE_URI=databases.uri_for(self.database),
            KRING_SECRET_KEY=secret_key,
            KRING_ASYNC_MODE="eventlet",
            HOST=HOST,
            PORT=str(self.port),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            KRING_TEST_TODAY=TODAY.isoformat(),  # the scenario's dates in the seed (tests/days.py)
        )
        self.env = env

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _run(self, *args: str, timeout: float = 60) -> str:
        """Run a command in the server's environment; fail with its output if it fails."""
        databases.ensure(self.database)
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"{args[:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def now(self) -> dt.datetime:
        """What Kring's clock says in this server now: NOW, plus the time since it was made."""
        return NOW + dt.timedelta(seconds=time.monotonic() - self.born)

    def prepare(self) -> Seeded:
        """Run the migrations on a fresh database and set up the Samen Vooruit meeting."""
        self._run("-m", "flask", "--app", "circle", "db", "upgrade")
        out = self._run("-c", SEED.replace("{clock}", clock_code(self.now())))
        return Seeded(**json.loads(out.strip().splitlines()[-1]))

    def copy_database(self, template: Path) -> None:
        """Start from a copy of a prepared database (on SQLite what its WAL holds comes along)."""
        databases.copy(template, self.database)

    def verify_log(self) -> str:
        """`flask verify-log` on the server's database: the hash chain holds."""
        return self._run("-m", "flask", "--app", "circle", "verify-log")

    def start(self, timeout: float = 20) -> None:
        """Start the server; return once its port answers, or fail with what it said."""
        assert self.process is None, "already running"
        databases.ensure(self.database)
        self.starts += 1
        self.log = self.folder / f"server-{self.starts}.log"
        with open(self.log, "wb") as out:
            mode = self.env.get("KRING_ASYNC_MODE", "eventlet")
            self.process = subprocess.Popen(
                [sys.executable, "-c", boot_code(mode, self.now())], cwd=ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise AssertionError(f"the server exited at start:\n{self.output()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise AssertionError(f"the server did not answer within {timeout}s:\n{self.output()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGKILL, timeout: float = 10) -> None:
        """Stop the server: by default SIGKILL, as a crash or a pulled plug."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)
        self.process = None

    def restart(self) -> None:
        """Kill the server and start it again on the same database and port."""
        self.stop(signal.SIGKILL)
        self.start()

    def output(self) -> str:
        """What the server printed in its latest run (the tail)."""
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except (AttributeError, OSError):
            return ""

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Read the database directly, read-only: the truth after the fact."""
        return databases.read(self.database, sql, *params)

    def meeting_version(self, meeting_id: int) -> int:
        return self.query("SELECT version FROM meeting WHERE id = ?", meeting_id)[0][0]


# --- Signing in over plain HTTP -------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """The cookies a response sets, name to value."""
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def sign_in(port: int, token: str) -> str:
    """Sign in the way a person does, over HTTP: open the link, press the button.

    Returns the Cookie header (session and remember cookies) to send with the
    Socket.IO handshake.
    """
    path = f"/s/{token}"
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path)
        page = connection.getresponse()
        body = page.read().decode()
        assert page.status == 200, f"{page.status}: {body[:300]}"
        jar = _cookies(page)
        form = urllib.parse.urlencode({"csrf_token": find_csrf_token(body)})
        connection.request("POST", path, body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        })
        signed_in = connection.getresponse()
        signed_in.read()
        assert signed_in.status == 303, signed_in.status
        jar.update(_cookies(signed_in))
        assert "session" in jar and "remember_token" in jar, jar
        return "; ".join(f"{k}={v}" for k, v in jar.items())
    finally:
        connection.close()


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


# --- Fixtures for test modules that drive the real server (import them by name) -----------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """Migrations and the scenario, run once per module; each test starts from a copy of that file."""
    folder = tmp_path_factory.mktemp("kring-server-template")
    seeded = KringServer(folder).prepare()
    return folder / "kring.sqlite3", seeded


def serve(prepared: tuple[Path, Seeded], tmp_path: Path, **env: str) -> Iterator[KringServer]:
    """Run the real server on a copy of the prepared database until the test ends."""
    template, _ = prepared
    kring = KringServer(tmp_path)
    kring.env.update(env)
    kring.copy_database(template)
    kring.start()
    yield kring
    kring.stop()


@pytest.fixture
def seeded(prepared) -> Seeded:
    """What the scenario made: ids to look things up by."""
    return prepared[1]


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
