"""Benchmark: how fast a change reaches every phone, per server kind, beside a bare python-socketio server.

    .venv/bin/python tests/bench/live_latency.py [--members 50] [--modes eventlet,gevent,threading]
        [--clients programs,pages] [--cycles 30] [--budget 300] [--no-4n] [--keep]
    .venv/bin/python tests/bench/live_latency.py --meetings 50 --members 20 [--processes 2] ...

With --meetings M, M meetings of N members each, at once on one server (or,
with --processes 2, two joined by Redis): see tests/bench/many_meetings.py.

For each member count (N, 2N and, while the time budget allows, 4N with a
third of the cycles), each async mode and each kind of client, this starts
the real Kring server (`python -m circle` with KRING_ASYNC_MODE, through
tests/server.py's KringServer, on the suite's clock of tests/days.py) on a
fresh, migrated SQLite file and a free 127.0.0.1 port, with one circle: a
facilitator and N seated members, the meeting (dated TODAY) open, everyone
present. Every person signs in through their personal link over HTTP
(tests/server.py's `sign_in`) and connects a python-socketio client (asyncio,
websocket transport only), as one of two kinds of client (--clients):

  programs: auth {"meeting": id}; they follow the JSON `state` and, for one
     new answer, the small `answer` change (docs/live-protocol.md).
  pages: Kring's own pages, auth {"meeting": id, "view": "phone"} (the
     facilitator "console"); they follow `parts` messages as static/kring.js
     does (docs/live-page.md): ask `parts` with their version on connecting,
     take a full message whose version is not older, a one-answer message only
     on exactly the next version, and on any gap ask `parts` again. The ops
     are applied to a model of the page (parts by id, appended lines), and
     after everyone answered each page must show every answer.

Then, for each:

  a. steps: the facilitator starts and closes an open round, --cycles times
     (2 x cycles steps, after one warm-up cycle). For each step, the time from
     just before the emit until each client has the new version (a program:
     the `state` with it; a page: the parts with it): p50/p99 over all
     (client, step) pairs.
  b. all at once: an open round; all N members send their answer at the same
     moment. The time until any client had any answer, and until every client
     has every answer (a program: from `answer` changes or a `state`; a page:
     the final version), and the
     Socket.IO bytes each client received meanwhile (the encoded packets:
     events, its own acknowledgement, and a page's answers to its own `parts`
     requests), mean and max. Per-client bytes must grow linearly with N
     (ratio ~2 from N to 2N), not quadratically (~4). A client that loses its
     connection meanwhile (python-engineio drops it after 15 s without a ping)
     ends the wait and is reported, with what the clients' library logged.

In the same run, per member count and kind of client, a bare python-socketio
server (eventlet WSGI, this file started with --bare-server) gets the same
clients and the same patterns, broadcasting a copy of the very `state` (and
`answer`), or full `parts` (and one-answer `parts`), that Kring sent, so payload
size and shape match: its p50/p99 is the floor that Kring's own work (SQL,
state building, drawing the parts) adds to.

A mode whose server does not start or whose WebSockets do not connect here
(gevent not installed, say) is reported with the reason and skipped; gevent
serves WebSockets through gevent-websocket when installed, else through
simple-websocket, and the output says which. Only 127.0.0.1 is
used; every wait is bounded; every server process is stopped at the end, also
on Ctrl+C or an error. Not a test (pytest collects test_*.py only): timings
belong in a benchmark, never in a timed unit test.
Optional packages: `pip install -e '.[test,bench]'` (gevent, gevent-websocket,
and python-socketio's asyncio client, which needs aiohttp). See tests/bench/README.md.
"""

import sys

if __name__ == "__main__" and "--bare-server" in sys.argv:
    # The bare server runs this file in its own process: eventlet patches first.
    import warnings

    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import copy  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
MODES = ("eventlet", "gevent", "threading")
CLIENTS = ("programs", "pages")

#: Run inside the server's environment (tests/server.py's KringServer._run), on the suite's clock
#: (tests/days.py: memberships begin on TODAY, the day of the meeting): a circle of a facilitator
#: and N members, a meeting opened with everyone present, and everyone's sign-in token.
SEED = """
import datetime as dt, json
{clock}
from circle import create_app, meetings
from circle.auth import sign_in_token
from circle.circles import add_member, create_circle
from circle.extensions import db
from circle.method import Role
from circle.models import Member

app = create_app()
with app.app_context():
    circle, first = create_circle("Bench", "Facilitator")
    circle_id, fac_id = circle.id, first.id
    for i in range({n}):
        add_member(None, circle_id, f"Lid {{i + 1:03d}}", Role.MEMBER)
    fac = lambda: db.session.get(Member, fac_id)
    meeting = meetings.plan_meeting(fac(), "Benchmark", dt.date.fromisoformat("{day}")).subject
    meetings.open_meeting(fac(), meeting)
    people = db.session.scalars(
        db.select(Member).where(Member.circle_id == circle_id).order_by(Member.position)).all()
    ids = [m.id for m in people]
    for member_id in ids:
        meetings.mark_attendance(fac(), meeting, member_id, True)
    tokens = [sign_in_token(db.session.get(Member, i)) for i in ids]
    print(json.dumps({{"meeting": meeting, "facilitator": fac_id, "ids": ids, "tokens": tokens}}))
"""


# --- Small helpers ------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def measure(session, timeout: float = 600) -> None:
    """Run the clients' `session()` with this process's garbage collector held.

    The clients of a hundred phones make many objects; a full collection of
    them paused this process for 50 to 100 ms, every phone's clock with it, and
    showed up as the server's p99 and "all answers". What is left is collected
    after each session."""
    gc.collect()
    gc.disable()
    try:
        asyncio.run(asyncio.wait_for(session(), timeout))
    finally:
        gc.enable()
        gc.collect()


async def wait_until(condition, timeout: float, what: str, interval: float = 0.003) -> None:
    """Poll `condition()` on the event loop; at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Tally(logging.Handler):
    """Counts what the clients' python-socketio and python-engineio log, instead of printing it.

    "packet queue is empty, aborting": a client heard no ping from the server for
    ping_interval + 5 s and dropped its connection (a browser does the same after
    pingInterval + pingTimeout): the server was too busy to ping.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.getMessage()[:120]] += 1

    def take(self) -> str:
        """What was logged since the last call, as one line ('' for nothing)."""
        said = "; ".join(f"{n} x {message!r}" for message, n in self.seen.most_common(3))
        self.seen.clear()
        return said


CLIENT_LOG = logging.getLogger("kring.bench.clients")
TALLY = Tally()
CLIENT_LOG.addHandler(TALLY)
CLIENT_LOG.setLevel(logging.WARNING)
CLIENT_LOG.propagate = False


# --- Every process this run starts, to stop them all whatever happens ----------------

STARTED: list[subprocess.Popen] = []


def stop_process(process: subprocess.Popen | None, timeout: float = 5) -> None:
    """SIGTERM, then SIGKILL after `timeout`; only our own child, by its pid."""
    if process is None:
        return
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    if process in STARTED:
        STARTED.remove(process)


def stop_everything() -> None:
    for process in list(STARTED):
        stop_process(process)


# --- The bare python-socketio server (its own process) -------------------------------


def serve_bare(port: int, template_path: str | None) -> None:
    """A python-socketio server on eventlet's WSGI server: one room, one version counter.

    For programs, `step` broadcasts a `state` and `answer` an `answer`; for pages
    (payload `parts: true`) `step` broadcasts a full `parts` message and `answer`
    a one-answer `parts` message, and `parts` answers with the full one. All are
    copies of what Kring sent in this run (from `template_path`) with the version
    (and member) put in, so the bare server sends documents of the same size and shape.
    """
    import eventlet.wsgi
    import socketio

    templates = json.loads(Path(template_path).read_text()) if template_path else {}
    state_template = templates.get("state") or {"version": 0, "pad": ""}
    answer_template = templates.get("answer") or {
        "version": 0, "round": 1, "seat": {"member": 0, "answered": True}, "current": None, "complete": False}
    full_template = templates.get("parts_full") or {"version": 0, "full": True, "ops": []}
    ops_template = templates.get("parts_answer") or {"version": 0, "full": False, "ops": []}
    sio = socketio.Server(async_mode="eventlet", ping_interval=10, ping_timeout=10)
    versions: Counter = Counter()  # per room (the `meeting` a client connects with; --meetings: many)
    rooms: dict[str, str] = {}  # sid -> its room

    def full(room: str) -> dict:
        return dict(full_template, version=versions[room], full=True)

    @sio.on("connect")
    def connect(sid, environ, auth=None):
        room = rooms[sid] = f"meeting:{auth.get('meeting') if isinstance(auth, dict) else None}"
        sio.enter_room(sid, room)
        if not (isinstance(auth, dict) and auth.get("view")):  # a page asks for its parts itself
            sio.emit("state", dict(state_template, version=versions[room]), to=sid)

    @sio.on("disconnect")
    def disconnect(sid, reason=None):
        rooms.pop(sid, None)

    @sio.on("step")
    def step(sid, payload=None):
        room = rooms[sid]
        versions[room] += 1
        if (payload or {}).get("parts"):
            sio.emit("parts", full(room), to=room)
        else:
            sio.emit("state", dict(state_template, version=versions[room]), to=room)
        return {"ok": True, "version": versions[room]}

    @sio.on("answer")
    def answer(sid, payload=None):
        room = rooms[sid]
        versions[room] += 1
        if (payload or {}).get("parts"):
            sio.emit("parts", dict(ops_template, version=versions[room], full=False), to=room)
            return {"ok": True, "version": versions[room]}
        change = copy.deepcopy(answer_template)
        change["version"] = versions[room]
        change["round"] = (payload or {}).get("round", change.get("round"))
        change["seat"]["member"] = (payload or {}).get("member")
        sio.emit("answer", change, to=room)
        return {"ok": True, "version": versions[room]}

    @sio.on("parts")
    def parts(sid, payload=None):
        room = rooms[sid]
        have = (payload or {}).get("version")
        if isinstance(have, int) and have >= versions[room]:
            return {"ok": True, "version": versions[room], "full": False, "ops": []}
        return {"ok": True, **full(room)}

    print("bare server ready", flush=True)
    eventlet.wsgi.server(eventlet.listen((HOST, port)), socketio.WSGIApp(sio), log_output=False, max_size=8192)


class BareServer:
    """`live_latency.py --bare-server` in a subprocess on a free loopback port."""

    def __init__(self, folder: Path, templates: dict):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = folder / "bare.log"
        path = folder / "bare-templates.json"
        path.write_text(json.dumps(templates))
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--bare-server", "--port", str(self.port), "--template", str(path)],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        STARTED.append(self.process)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bare server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise RuntimeError("the bare server did not answer within 20 s")
                time.sleep(0.05)

    def stop(self) -> None:
        stop_process(self.process)


# --- One phone: an asyncio python-socketio client that notes when and what it received ---


def client_class():
    import socketio

    class RecordingClient(socketio.AsyncClient):
        """Notes the arrival time and size of each Socket.IO packet before it is dispatched."""

        bench: "Phone"

        async def _handle_eio_message(self, data):
            b = self.bench
            b.rx_t = time.perf_counter()
            b.rx_len = len(data) if isinstance(data, bytes) else len(data.encode())
            if b.counting:
                b.rx_bytes += b.rx_len
            await super()._handle_eio_message(data)

    return RecordingClient


class Phone:
    """A program's phone (docs/live-protocol.md): its first receipt time per state version, and what answers it has seen."""

    kind = "programs"

    def __init__(self, url: str, cookie: str | None = None, meeting: int | None = None, member: int = 0):
        self.url, self.cookie, self.meeting, self.member = url, cookie, meeting, member
        self.sio = client_class()(reconnection=False, handle_sigint=False, logger=CLIENT_LOG,
                                  engineio_logger=CLIENT_LOG)
        self.sio.bench = self
        self.rx_t = 0.0
        self.rx_len = 0
        self.version: int | None = None
        self.received: dict[int, float] = {}  # state version -> first receipt
        self.last_state: dict | None = None
        self.state_bytes = 0
        # the all-at-once round
        self.counting = False
        self.rx_bytes = 0
        self.kinds: Counter = Counter()
        self.round_id: int | None = None
        self.answered: dict[int, float] = {}  # member -> when this phone first saw their answer
        self.answer_sizes: list[int] = []
        self.last_answer: dict | None = None
        self.sio.on("state", self.on_state)
        self.sio.on("answer", self.on_answer)
        self.sio.on("presence", self.on_presence)

    def on_state(self, state: dict) -> None:
        v = state.get("version")
        self.received.setdefault(v, self.rx_t)
        if self.version is None or v >= self.version:
            self.version, self.last_state, self.state_bytes = v, state, self.rx_len
        if self.counting:
            self.kinds["state"] += 1
            rnd = state.get("round") or {}
            if rnd.get("id") == self.round_id:
                for seat in rnd.get("seats", ()):
                    if seat.get("answered"):
                        self.answered.setdefault(seat["member"], self.rx_t)

    def on_answer(self, change: dict) -> None:
        self.version = max(self.version or 0, change.get("version", 0))
        if self.counting:
            self.kinds["answer"] += 1
            self.answer_sizes.append(self.rx_len)
            self.last_answer = change
            if change.get("round") == self.round_id and change["seat"].get("answered"):
                self.answered.setdefault(change["seat"]["member"], self.rx_t)

    def on_presence(self, change: dict) -> None:
        if self.counting:
            self.kinds["presence"] += 1

    # What the measurements ask of every kind of client -------------------------------

    def has_version(self, version: int) -> bool:
        """Whether this client has had the change that made `version`."""
        return version in self.received

    def reached(self, version: int) -> float | None:
        """When this client first had `version`."""
        return self.received.get(version)

    def caught_up(self, expected: frozenset, final: int | None) -> bool:
        """After everyone answered: whether this client has every answer the server took."""
        return len(self.answered) >= len(expected) and expected <= self.answered.keys()

    def caught_up_at(self, expected: frozenset, final: int | None) -> float:
        return max(self.answered[m] for m in expected)

    def behind(self, expected: frozenset, final: int | None) -> int:
        """How many answers this client still misses."""
        return len(expected - self.answered.keys())

    def sample_change(self) -> dict | None:
        """One of the small one-answer messages it received, to copy in the bare server."""
        return self.last_answer

    def watch_round(self, round_id: int) -> None:
        self.round_id, self.answered = round_id, {}
        self.rx_bytes, self.kinds, self.answer_sizes = 0, Counter(), []
        self.watched_from = self.version or 0
        self.counting = True

    def first_news(self) -> float | None:
        """When this client first had any of the answers (None: none came)."""
        return min(self.answered.values(), default=None)

    def auth(self) -> dict | None:
        return {"meeting": self.meeting} if self.meeting is not None else None

    async def connect(self) -> None:
        await self.sio.connect(
            self.url, headers={"Cookie": self.cookie} if self.cookie else {},
            auth=self.auth(), transports=["websocket"], wait_timeout=10,
        )


class PagePhone(Phone):
    """One of Kring's own pages (docs/live-page.md): follows `parts` with the rules of static/kring.js.

    `version` is what the page shows. A full message is taken when its version
    is not older; a one-answer message only on exactly the next version (an
    older one is ignored); on a gap the page emits `parts` with its version and
    takes the acknowledgement as a full message. The ops are applied to a model
    of the page: parts by id, and the lines appended to a list.
    """

    kind = "pages"

    def __init__(self, url: str, cookie: str | None = None, meeting: int | None = None, member: int = 0,
                 view: str = "phone"):
        super().__init__(url, cookie, meeting, member)
        self.view = view
        self.parts: dict[str, str] = {}  # element id -> its outer HTML
        self.appended: dict[str, list[str]] = {}  # list id -> lines appended since it was last replaced
        self.last_full: dict | None = None
        self.last_ops: dict | None = None
        self.asks = 0
        self.sio.on("parts", self.on_parts)

    def auth(self) -> dict | None:
        return {**(super().auth() or {}), "view": self.view}

    def on_state(self, state: dict) -> None:  # not meant for a page
        if self.counting:
            self.kinds["state (unexpected)"] += 1

    def on_answer(self, change: dict) -> None:  # not meant for a page
        if self.counting:
            self.kinds["answer (unexpected)"] += 1

    async def on_parts(self, message: dict) -> None:
        t, size = self.rx_t, self.rx_len  # read before any await: the next packet may come meanwhile
        if self.counting:
            self.kinds["parts/full" if isinstance(message, dict) and message.get("full") else "parts/ops"] += 1
        if self.take(message, t, size) == "gap":
            await self.ask()

    def take(self, message: Any, t: float, size: int) -> str:
        """static/kring.js's `take`: 'taken', 'old', 'gap' (ask for the parts) or 'bad'."""
        if not (isinstance(message, dict) and isinstance(message.get("version"), int)
                and isinstance(message.get("ops"), list)):
            return "bad"
        v, full = message["version"], bool(message.get("full"))
        have = -1 if self.version is None else self.version
        if (v < have) if full else (v <= have):
            return "old"
        if not full and v != have + 1:
            return "gap"
        for op in message["ops"]:
            if "append" in op:
                self.appended.setdefault(op["append"], []).append(op["html"])
            else:
                self.parts[op["id"]] = op["html"]
                if op["id"] == "meeting-contributions":  # the list is inside: replaced with it
                    self.appended.pop("contributions-list", None)
        self.version = v
        self.received.setdefault(v, t)
        if full and message["ops"]:
            self.last_full, self.state_bytes = message, size
        elif not full:
            self.last_ops = message
        return "taken"

    async def ask(self) -> None:
        """Emit `parts` with the version shown; the acknowledgement counts as a full message."""
        self.asks += 1
        if self.counting:
            self.kinds["asks"] += 1

        def got(ack: Any) -> None:
            if isinstance(ack, dict) and ack.get("ok"):
                self.take({**ack, "full": True}, self.rx_t, self.rx_len)

        try:
            await self.sio.emit("parts", {"version": self.version if self.version is not None else 0}, callback=got)
        except Exception:  # noqa: BLE001 - not connected: nothing to ask now, the wait reports it
            pass

    async def connect(self) -> None:
        await super().connect()
        await self.ask()  # as the page does on connecting (a page loaded cold: version 0, the whole page)

    # What the measurements ask -----------------------------------------------------

    def has_version(self, version: int) -> bool:
        return self.version is not None and self.version >= version

    def reached(self, version: int) -> float | None:
        return min((t for v, t in self.received.items() if v >= version), default=None)

    def caught_up(self, expected: frozenset, final: int | None) -> bool:
        return final is None or self.has_version(final)

    def caught_up_at(self, expected: frozenset, final: int | None) -> float:
        return self.reached(final)

    def behind(self, expected: frozenset, final: int | None) -> int:
        return 0 if final is None or self.version is None else max(0, final - self.version)

    def sample_change(self) -> dict | None:
        return self.last_ops

    def first_news(self) -> float | None:
        return min((t for v, t in self.received.items() if v > self.watched_from), default=None)

    def answers_shown(self) -> set[str]:
        """The contributions this page shows now: in its list of what was said, and appended to it."""
        html = self.parts.get("meeting-contributions", "") + "".join(self.appended.get("contributions-list", ()))
        return set(re.findall(r'id="contribution-(\d+)"', html))


async def connect_all(phones: list[Phone], parallel: int = 16) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(p: Phone) -> None:
        async with gate:
            await asyncio.wait_for(p.connect(), 20)

    await asyncio.gather(*(one(p) for p in phones))
    await wait_until(lambda: all(p.version is not None for p in phones), 20, "every first state (or parts)")


async def hang_up(phones: list[Phone]) -> None:
    async def one(p: Phone) -> None:
        try:
            await asyncio.wait_for(p.sio.disconnect(), 5)
        except Exception:  # noqa: BLE001 - hanging up is best effort
            pass

    await asyncio.gather(*(one(p) for p in phones))
    await asyncio.sleep(0.1)


# --- The two measurements, the same for Kring and the bare server -------------------


@dataclass
class Result:
    """What one server (a mode, or the bare one) measured with one member count and kind of client."""

    steps: list[float] = field(default_factory=list)
    #: per measured step: whether it started a round, and its latency to the first and the last client
    step_spread: list[tuple[bool, float, float]] = field(default_factory=list)
    all_answer: float | None = None
    #: the first moment any client had any of the answers (with eventlet, the server sends hardly
    #: anything until it has stored them all: compare with all_answer)
    first_answer: float | None = None
    bytes_per_client: float | None = None
    max_bytes: int | None = None
    kinds: str = ""
    acks_failed: int = 0
    state_bytes: int | None = None
    error: str | None = None
    templates: dict = field(default_factory=dict)
    #: what the clients' Socket.IO libraries logged (dropped connections): Tally.take()
    client_log: str = ""
    #: pages: what one message holds, by part (`what_is_in`), for a member's page and the console
    anatomy: dict = field(default_factory=dict)


def what_is_in(message: dict | None) -> str:
    """The size of each op of a `parts` message (its HTML, in UTF-8 bytes), largest first, and the whole."""
    if not message:
        return "-"
    sizes = Counter()
    for op in message.get("ops", ()):
        name = op.get("id") or f"append {op.get('append')}"
        name = re.sub(r"-\d+$", "-<id>", name)
        sizes[name] += len(op.get("html", "").encode())
    whole = len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{whole:,} B JSON: " + ", ".join(f"{k} {v:,}" for k, v in sizes.most_common())


async def steps(fac: Phone, phones: list[Phone], cycles: int, step, result: Result, patience: float = 15) -> None:
    """Warm-up cycle, then `cycles` start/close pairs; one latency per (client, step), each waited for at most
    `patience` seconds."""
    for i in range(2 * (cycles + 1)):
        based_on = fac.version
        t0 = time.perf_counter()
        ack = await asyncio.wait_for(step(i % 2 == 0, based_on), patience)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"step {i} refused: {ack}")
        target = ack["version"]
        await wait_until(lambda: all(p.has_version(target) for p in phones), patience,
                         f"every phone at version {target}")
        if i >= 2:
            times = [p.reached(target) - t0 for p in phones]
            result.steps.extend(times)
            result.step_spread.append((i % 2 == 0, min(times), max(times)))
    result.state_bytes = next(p for p in phones if p is not fac).state_bytes  # a member's (the console's is larger)


async def while_connected(p: Phone, coro, timeout: float):
    """Await `coro` (a call of this client's) at most `timeout` seconds, and only while the client is connected:
    an acknowledgement never comes over a connection that dropped."""
    task = asyncio.ensure_future(coro)
    deadline = time.monotonic() + timeout
    try:
        while not task.done():
            if not p.sio.connected:
                raise ConnectionError("the connection dropped before the acknowledgement came")
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no acknowledgement within {timeout} s")
            await asyncio.wait({task}, timeout=0.2)
        return task.result()
    finally:
        if not task.done():
            task.cancel()


async def all_at_once(phones: list[Phone], answerers: list[Phone], round_id: int, answer, result: Result) -> None:
    """Every answerer sends at the same moment; until every phone has every answer."""
    for p in phones:
        p.watch_round(round_id)
    t0 = time.perf_counter()
    acks = await asyncio.gather(*(while_connected(p, answer(p), 60) for p in answerers), return_exceptions=True)
    ok = [isinstance(a, dict) and a.get("ok") for a in acks]
    # Only the answers the server took can reach the phones; a refused one is reported as an error.
    expected = frozenset(p.member for p, took in zip(answerers, ok) if took)
    final = max((a["version"] for a, took in zip(acks, ok) if took), default=None)
    result.acks_failed = len(acks) - len(expected)
    if result.acks_failed:
        bad = next(a for a, took in zip(acks, ok) if not took)
        result.error = f"{result.acks_failed}/{len(acks)} answers refused or failed, e.g. {bad!r}"[:300]
    try:
        await wait_until(lambda: all(p.caught_up(expected, final) for p in phones)
                         or any(not p.sio.connected for p in phones), 60,
                         "every phone to have every answer", interval=0.01)
    except TimeoutError as timeout:
        missing = [p.behind(expected, final) for p in phones]
        result.error = (result.error or "") + f" {timeout} (missing per phone: max {max(missing)})"
    dropped = sum(not p.sio.connected for p in phones)
    if dropped:
        result.error = (result.error or "") + f" {dropped}/{len(phones)} clients lost their connection"
    await asyncio.sleep(0.05)  # stragglers after the last answer count too
    for p in phones:
        p.counting = False
    if expected and all(p.caught_up(expected, final) for p in phones):
        result.all_answer = max(p.caught_up_at(expected, final) for p in phones) - t0
    firsts = [t for p in phones if (t := p.first_news()) is not None]
    result.first_answer = min(firsts) - t0 if firsts else None
    sizes = [p.rx_bytes for p in phones]
    result.bytes_per_client = statistics.mean(sizes)
    result.max_bytes = max(sizes)
    kinds = Counter()
    for p in phones:
        kinds.update(p.kinds)
    result.kinds = " ".join(f"{k} {v / len(phones):.1f}" for k, v in sorted(kinds.items()))
    sample = next((p.sample_change() for p in answerers if p.sample_change()), None)
    if sample is not None:
        result.templates["parts_answer" if phones[0].kind == "pages" else "answer"] = sample


# --- Kring in one async mode -------------------------------------------------------


@dataclass
class Seeded:
    meeting: int
    facilitator: int
    ids: list[int]
    tokens: list[str]
    #: time.monotonic() when the seeding server's clock stood at tests/days.py's NOW: the servers
    #: of this member count run on from there (KringServer.born), so the record's moments go forward.
    born: float = 0.0


def migrated(folder: Path) -> Path:
    """An empty database that the real migrations built, to copy for each member count."""
    from tests.server import KringServer

    server = KringServer(folder)
    server._run("-m", "flask", "--app", "circle", "db", "upgrade", timeout=120)
    return server.database


def prepare(n: int, folder: Path, empty: Path) -> tuple[Path, Seeded]:
    """A copy of the migrated database with the bench circle of a facilitator and `n` members."""
    from tests.days import TODAY
    from tests.server import KringServer, clock_code

    server = KringServer(folder)
    server.copy_database(empty)
    out = server._run("-c", SEED.format(n=n, clock=clock_code(server.now()), day=TODAY.isoformat()), timeout=300)
    return server.database, Seeded(**json.loads(out.strip().splitlines()[-1]), born=server.born)


def mode_unavailable(mode: str) -> str | None:
    """Why this mode cannot serve WebSockets here, if we can tell before starting it."""
    try:
        if mode in ("gevent", "eventlet"):
            metadata.version(mode)
    except metadata.PackageNotFoundError as missing:
        return f"{missing} is not installed (pip install -e .[bench])"
    return None


def run_kring(mode: str, clients: str, n: int, template: Path, seeded: Seeded, folder: Path,
              cycles: int) -> Result:
    """Kring in one async mode with one kind of client (programs or pages) on a copy of `template`."""
    from tests.server import KringServer, sign_in

    result = Result()
    TALLY.take()
    server = KringServer(folder)
    server.born = seeded.born  # the clock runs on from the seed's moments
    server.env["KRING_ASYNC_MODE"] = mode
    server.copy_database(template)
    try:
        try:
            server.start(timeout=30)
        except AssertionError as failed:
            result.error = f"server did not start: {str(failed)[-400:]}"
            return result
        STARTED.append(server.process)
        with ThreadPoolExecutor(8) as pool:
            cookies = list(pool.map(lambda token: sign_in(server.port, token), seeded.tokens))
        if clients == "pages":
            phones = [PagePhone(server.url, cookie, seeded.meeting, member,
                                view="console" if member == seeded.facilitator else "phone")
                      for cookie, member in zip(cookies, seeded.ids)]
        else:
            phones = [Phone(server.url, cookie, seeded.meeting, member)
                      for cookie, member in zip(cookies, seeded.ids)]
        fac = phones[seeded.ids.index(seeded.facilitator)]
        members = [p for p in phones if p is not fac]

        async def step(start: bool, based_on: int) -> dict:
            if start:
                return await fac.sio.call("start_round", {"kind": "opening", "mode": "open", "based_on": based_on},
                                          timeout=15)
            return await fac.sio.call("close_round", {"based_on": based_on}, timeout=15)

        async def answer(p: Phone) -> dict:
            return await p.sio.call("contribute", {
                "answer": "speak", "text": f"Goed dat we er zijn. (lid {p.member})",
                "client_id": uuid.uuid4().hex}, timeout=60)

        async def session() -> None:
            try:
                try:
                    await connect_all(phones)
                except Exception as failed:  # noqa: BLE001 - reported as the mode's reason
                    result.error = f"WebSocket clients could not connect: {type(failed).__name__}: {failed}"
                    return
                await steps(fac, phones, cycles, step, result)
                if clients == "pages":
                    result.templates["parts_full"] = members[0].last_full
                else:
                    result.templates["state"] = fac.last_state
                ack = await step(True, fac.version)
                assert isinstance(ack, dict) and ack.get("ok"), ack
                await wait_until(lambda: all(p.has_version(ack["version"]) for p in phones), 15, "the open round")
                await all_at_once(phones, members, ack["id"], answer, result)
                if clients == "pages":
                    result.anatomy = {"member, one answer": what_is_in(members[0].last_ops),
                                      "console, one answer": what_is_in(fac.last_ops),
                                      "member, full": what_is_in(result.templates.get("parts_full"))}
                if clients == "pages" and result.all_answer is not None:
                    short = [p for p in phones if len(p.answers_shown()) < n - result.acks_failed]
                    if short:
                        result.error = (result.error or "") + (
                            f" {len(short)} page(s) at the final version show fewer than the {n - result.acks_failed} "
                            f"answers, e.g. "
                            f"{len(short[0].answers_shown())} (member {short[0].member})")
                await step(False, fac.version)
            finally:
                result.client_log = TALLY.take()  # what hanging up logs is no news
                await hang_up(phones)
                TALLY.take()

        measure(session)
    except Exception as failed:  # noqa: BLE001 - one mode failing must not stop the others
        result.error = (result.error or "") + f" {type(failed).__name__}: {failed}"[:400]
    finally:
        process = server.process
        server.stop(signal.SIGTERM, timeout=5)
        if process in STARTED:
            STARTED.remove(process)
    if result.error:
        result.error += server_said(server.log, whole=not result.steps)
    return result


def server_said(log: Path, whole: bool) -> str:
    """The exceptions in a server's log, with where the first came from (or, when nothing was measured, its last lines)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    errors = Counter(line.strip() for line in lines
                     if line[:1].isalpha() and ("Error:" in line or "Exception:" in line))
    if errors:
        first = next(i for i, line in enumerate(lines) if line.strip() in errors)
        begin = next((i for i in range(first, -1, -1) if lines[i].startswith("Traceback")), first)
        frames = [re.sub(r'^File "(?:.*/site-packages/|.*/main/)?([^"]+)", line (\d+), in (\S+)', r"\1:\2 \3",
                         line.strip()) for line in lines[begin:first] if line.strip().startswith("File ")]
        where = " <- ".join(reversed(frames[-4:])) + (
            f" <- ... <- {' <- '.join(reversed(frames[:3]))}" if len(frames) > 7 else
            (" <- " + " <- ".join(reversed(frames[:-4])) if len(frames) > 4 else ""))
        repeated = [f"{frame} x{n}" for frame, n in Counter(frames).most_common(3) if n > 3]
        return (" | server log: " + "; ".join(f"{n} x {line[:200]}" for line, n in errors.most_common(3))
                + (f" (the first at {where})" if where else "")
                + (f" (frames repeated in it: {', '.join(repeated)})" if repeated else ""))
    if whole and lines:
        return " | server said: " + " / ".join(line[:160] for line in lines[-3:])
    return ""


def run_bare(n: int, clients: str, templates: dict, folder: Path, cycles: int) -> Result:
    """The bare server with the same clients (programs or pages) and the same patterns."""
    result = Result()
    TALLY.take()
    bare = BareServer(folder, templates)
    pages = clients == "pages"
    try:
        if pages:
            phones = [PagePhone(bare.url, member=i + 1, view="console" if i == 0 else "phone") for i in range(n + 1)]
        else:
            phones = [Phone(bare.url, member=i + 1) for i in range(n + 1)]
        fac, members = phones[0], phones[1:]

        async def step(start: bool, based_on: int) -> dict:
            return await fac.sio.call("step", {"based_on": based_on, "parts": pages}, timeout=15)

        async def answer(p: Phone) -> dict:
            return await p.sio.call("answer", {"member": p.member, "round": 1, "parts": pages}, timeout=60)

        async def session() -> None:
            try:
                await connect_all(phones)
                await steps(fac, phones, cycles, step, result)
                await all_at_once(phones, members, 1, answer, result)
            finally:
                result.client_log = TALLY.take()  # what hanging up logs is no news
                await hang_up(phones)
                TALLY.take()

        measure(session)
    except Exception as failed:  # noqa: BLE001
        result.error = f"{type(failed).__name__}: {failed}"[:400]
    finally:
        bare.stop()
    return result


# --- The run -------------------------------------------------------------------------


def versions() -> str:
    out = []
    for name in ("Flask-SocketIO", "python-socketio", "python-engineio", "eventlet", "gevent",
                 "gevent-websocket", "simple-websocket", "Werkzeug", "aiohttp"):
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50, help="N: seated members besides the facilitator")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: eventlet,gevent,threading")
    parser.add_argument("--clients", default=",".join(CLIENTS),
                        help="comma-separated: programs (JSON state, python-socketio), pages (Kring's own "
                             "pages: parts messages); default both")
    parser.add_argument("--cycles", type=int, default=30, help="start/close cycles measured (2 steps each)")
    parser.add_argument("--budget", type=float, default=300,
                        help="seconds: the 4N run (with a third of the cycles) is done only if N and 2N "
                             "took less than 60%% of this")
    parser.add_argument("--no-4n", action="store_true", help="measure N and 2N only")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (databases, server logs) and print where it is")
    parser.add_argument("--meetings", type=int, default=0,
                        help="M: M meetings of --members at once on one server (tests/bench/many_meetings.py)")
    parser.add_argument("--processes", type=int, default=1,
                        help="with --meetings: Kring processes joined by the message queue on Redis (127.0.0.1:6379)")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(unknown)}")
    kinds = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = [c for c in kinds if c not in CLIENTS]
    if unknown or not kinds:
        parser.error(f"--clients: {', '.join(unknown) or 'none given'}: choose from {', '.join(CLIENTS)}")
    if args.members < 1 or args.cycles < 1:
        parser.error("--members and --cycles must be at least 1")

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # many sockets, here and in the children
    sys.path.insert(0, str(ROOT))

    if args.meetings:
        import many_meetings

        many_meetings.bench = sys.modules[__name__]
        started = time.monotonic()
        say(f"Kring live latency, many meetings: {os.cpu_count()} cores, load average {load()} at start; "
            f"{args.meetings} meetings of {args.members} members (+1 facilitator each), {args.processes} Kring "
            f"process(es); modes {', '.join(modes)}; clients {', '.join(kinds)}; {args.cycles} start/close cycles")
        with tempfile.TemporaryDirectory(prefix="kring-live-bench-") as tmp:
            code = many_meetings.run(args, Path(tmp), kinds, modes, started)
        say(f"total {time.monotonic() - started:.0f} s; load average {load()} at the end")
        return code

    sizes = [args.members, 2 * args.members] + ([] if args.no_4n else [4 * args.members])
    big_cycles = max(5, args.cycles // 3)
    started = time.monotonic()
    say(f"Kring live latency: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load()} at start; {versions()}")
    say(f"modes {', '.join(modes)}; clients {', '.join(kinds)}; members {', '.join(map(str, sizes))} "
        f"(+1 facilitator, all connected); "
        f"{args.cycles} start/close cycles = {2 * args.cycles} steps after 1 warm-up cycle"
        + ("" if args.no_4n else f" ({big_cycles} cycles with {sizes[-1]} members)"))
    if "gevent" in modes:
        try:
            metadata.version("gevent-websocket")
            say("gevent serves WebSockets through gevent-websocket's WebSocketHandler (Flask-SocketIO's choice)")
        except metadata.PackageNotFoundError:
            say("gevent serves WebSockets through simple-websocket (gevent-websocket is not installed)")
    skipped = {m: why for m in modes if (why := mode_unavailable(m))}
    for m, why in skipped.items():
        say(f"  {m}: skipped: {why}")
    gave_up: dict[tuple[str, str], str] = {}  # (mode, clients) that measured nothing: not tried with more
    rows: list[tuple[str, str, int, Result, Result]] = []
    notes: list[str] = []
    if args.keep:
        kept = tempfile.mkdtemp(prefix="kring-live-bench-")
        say(f"keeping databases and server logs in {kept}")
    with contextlib.nullcontext(kept) if args.keep else tempfile.TemporaryDirectory(prefix="kring-live-bench-") as tmp:
        (Path(tmp) / "empty").mkdir()
        empty = migrated(Path(tmp) / "empty")
        for n in sizes:
            elapsed = time.monotonic() - started
            big = len(sizes) == 3 and n == sizes[-1]
            if big and elapsed > 0.6 * args.budget:
                notes.append(f"{n} members: not measured, N and 2N had taken {elapsed:.0f} s, more than 60% of "
                             f"the {args.budget:.0f} s budget (--budget)")
                break
            cycles = big_cycles if big else args.cycles
            folder = Path(tmp) / f"n{n}"
            folder.mkdir()
            t = time.monotonic()
            try:
                template, seeded = prepare(n, folder, empty)
            except (AssertionError, subprocess.TimeoutExpired, ValueError) as failed:
                notes.append(f"{n} members: not measured, the database could not be seeded: "
                             f"{str(failed).strip().splitlines()[-1][:300]}")
                say(f"    {notes[-1]}")
                continue
            say(f"[{time.monotonic() - started:5.0f} s] {n} members: database seeded in {time.monotonic() - t:.1f} s")
            templates: dict = {}
            results: dict[tuple[str, str], Result] = {}
            for mode in modes:
                if mode in skipped:
                    continue
                for clients in kinds:
                    if (mode, clients) in gave_up:
                        continue
                    (folder / f"{mode}-{clients}").mkdir()
                    r = run_kring(mode, clients, n, template, seeded, folder / f"{mode}-{clients}", cycles)
                    results[mode, clients] = r
                    if r.error:
                        say(f"    {mode}, {clients}: {r.error.strip()}")
                    if r.error and not r.steps:  # nothing measured: do not try again with more members
                        gave_up[mode, clients] = r.error.strip()
                    for key, value in r.templates.items():
                        if value:
                            templates.setdefault(key, value)
                    say(f"[{time.monotonic() - started:5.0f} s] {n} members, {mode}, {clients}: "
                        f"step p50 {ms(_p(r.steps, 50))} ms, first answer {ms(r.first_answer)} ms, "
                        f"all answers {ms(r.all_answer)} ms, {_int(r.bytes_per_client)} B/phone")
                    if r.client_log:
                        say(f"    {mode}, {clients}: the clients logged {r.client_log}")
            bare: dict[str, Result] = {}
            for clients in kinds:
                (folder / f"bare-{clients}").mkdir()
                b = bare[clients] = run_bare(n, clients, templates, folder / f"bare-{clients}", cycles)
                if b.error:
                    say(f"    bare, {clients}: {b.error}")
                if b.client_log:
                    say(f"    bare, {clients}: the clients logged {b.client_log}")
                say(f"[{time.monotonic() - started:5.0f} s] {n} members, bare, {clients}: "
                    f"step p50 {ms(_p(b.steps, 50))} ms, all answers {ms(b.all_answer)} ms, "
                    f"{_int(b.bytes_per_client)} B/phone")
            for (mode, clients), r in results.items():
                rows.append((mode, clients, n, r, bare[clients]))
            if not results:
                for clients in kinds:
                    rows.append(("(none)", clients, n, Result(), bare[clients]))

    table(rows, sizes, modes, kinds, skipped, gave_up, notes)
    say(f"total {time.monotonic() - started:.0f} s; load average {load()} at the end "
        f"(other work on this machine shows up as noise, mostly in p99)")
    return 0 if all(not r.error for *_, r, _ in rows) else 1


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _p(values: list[float], p: float) -> float | None:
    return percentile(values, p) if values else None


def table(rows, sizes, modes, kinds, skipped, gave_up, notes) -> None:
    say("")
    say("step = facilitator starts/closes an open round; latency from emit until each client has that version "
        "(a program: the `state`; a page: the `parts`), over all (client, step) pairs.")
    say("all-ans = N members answer at once: until every client has every answer (a page: the final version); "
        "first = until any client had any answer. B/phone, max B = Socket.IO bytes each client received "
        "meanwhile (mean, max).")
    say("bare = python-socketio on eventlet, same clients, broadcasting copies of the same JSON (state/answer "
        "or parts). full B = one full `state` (programs) or one full `parts` message of a member's page (pages).")
    head = (f"{'mode':<10} {'clients':<8} {'members':>7} {'step p50':>9} {'step p99':>9} {'bare p50':>9} "
            f"{'bare p99':>9} {'first':>8} {'all-ans':>9} {'bare all':>9} {'B/phone':>9} {'max B':>9} {'bare B':>9} "
            f"{'full B':>8}  received per phone (mean)")
    say(head)
    say("-" * len(head))
    order = {m: i for i, m in enumerate(modes)}
    for mode, clients, n, r, bare in sorted(rows, key=lambda row: (order.get(row[0], -1), row[2], row[1] != "programs")):
        say(f"{mode:<10} {clients:<8} {n:>7} {ms(_p(r.steps, 50)):>9} {ms(_p(r.steps, 99)):>9} "
            f"{ms(_p(bare.steps, 50)):>9} {ms(_p(bare.steps, 99)):>9} {ms(r.first_answer):>8} "
            f"{ms(r.all_answer) + ('!' if r.acks_failed else ''):>9} {ms(bare.all_answer):>9} "
            f"{_int(r.bytes_per_client):>9} {_int(r.max_bytes):>9} {_int(bare.bytes_per_client):>9} "
            f"{_int(r.state_bytes):>8}  {r.kinds}")
    say("(times in ms; ! = some answers failed, see the errors below)")
    say("")
    say("Growth of what each client receives when everyone answers at once (linear: x2 per doubling; N^2: x4).")
    say("(The time is another matter: N answers to N+1 clients are N(N+1) messages for the server to send,")
    say(" so even the bare server's time grows towards x4 per doubling once sending dominates.)")
    for mode in [*modes, "bare"]:
        if mode in skipped:
            continue
        for clients in kinds:
            per = {n: (bare if mode == "bare" else r) for m, c, n, r, bare in rows
                   if c == clients and (m == mode or mode == "bare")}
            got = [(n, per[n].bytes_per_client, per[n].max_bytes, per[n].all_answer) for n in sizes
                   if n in per and per[n].bytes_per_client]
            if len(got) < 2:
                continue
            parts = [f"{n}: {b:,.0f} B mean, {mx:,} max ({b / n:,.0f} B/answer)" for n, b, mx, _ in got]
            ratios = [f"x{b2 / b1:.2f} mean, x{m2 / m1:.2f} max bytes, "
                      + (f"x{t2 / t1:.2f}" if t1 and t2 else "-") + f" time ({n1}->{n2})"
                      for (n1, b1, m1, t1), (n2, b2, m2, t2) in zip(got, got[1:])]
            say(f"  {mode + ', ' + clients:<18} " + "; ".join(parts))
            say(f"  {'':<18} " + "; ".join(ratios))
    say("")
    say("Steps by kind: latency until every client had the new version (each step's last client), p50/p99 over "
        "the steps; the slowest step, and its first client.")
    head = (f"{'mode':<10} {'clients':<8} {'members':>7} {'start p50':>10} {'start p99':>10} {'close p50':>10} "
            f"{'close p99':>10}  slowest step")
    say(head)
    say("-" * len(head))
    for mode, clients, n, r, bare in sorted(rows, key=lambda row: (order.get(row[0], -1), row[2], row[1] != "programs")):
        for name, res in ((mode, r), ("bare", bare)):
            if not res.step_spread:
                continue
            start = [last for is_start, _, last in res.step_spread if is_start]
            close = [last for is_start, _, last in res.step_spread if not is_start]
            i, (is_start, first, last) = max(enumerate(res.step_spread), key=lambda x: x[1][2])
            say(f"{name:<10} {clients:<8} {n:>7} {ms(_p(start, 50)):>10} {ms(_p(start, 99)):>10} "
                f"{ms(_p(close, 50)):>10} {ms(_p(close, 99)):>10}  #{i + 1} ({'start' if is_start else 'close'}): "
                f"first client {ms(first)}, last {ms(last)}")
    say("")
    biggest = {}
    for m, c, n, r, _ in rows:
        if r.anatomy:
            biggest[m] = (n, r.anatomy)
    for m, (n, anatomy) in biggest.items():
        say(f"What a page's `parts` messages hold, {m} with {n} members (HTML bytes per part, largest first):")
        for what, inside in anatomy.items():
            say(f"  {what:<20} {inside}")
    for m, why in skipped.items():
        say(f"  {m}: skipped: {why}")
    for (m, c), why in gave_up.items():
        say(f"  {m}, {c}: gave up after the first failure: {why[:300]}")
    for note in notes:
        say(f"  note: {note}")
    for m, c, n, r, bare in rows:
        if r.client_log:
            say(f"  clients' log: {m}, {c} with {n} members: {r.client_log}")
        if bare.client_log and m == rows[0][0]:
            say(f"  clients' log: bare, {c} with {n} members: {bare.client_log}")
    errors = [(m, c, n, r.error.strip()) for m, c, n, r, _ in rows if r.error]
    for m, c, n, e in errors:
        say(f"  error: {m}, {c} with {n} members: {e}")
    for m, c, n, _, bare in rows:
        if bare.error and m == rows[0][0]:
            say(f"  error: bare, {c} with {n} members: {bare.error.strip()}")


def _int(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


if __name__ == "__main__":
    if "--bare-server" in sys.argv:
        bare = argparse.ArgumentParser()
        bare.add_argument("--bare-server", action="store_true")
        bare.add_argument("--port", type=int, required=True)
        bare.add_argument("--template")
        options = bare.parse_args()
        serve_bare(options.port, options.template)
        sys.exit(0)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted: stopping the servers")
        sys.exit(130)
    finally:
        stop_everything()
