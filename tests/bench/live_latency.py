"""Benchmark: how fast a change reaches every phone, per server kind, beside a bare python-socketio server.

    .venv/bin/python tests/bench/live_latency.py [--members 50] [--modes eventlet,gevent,threading]
        [--cycles 30] [--budget 300]

For each member count (N, 2N and, while the time budget allows, 4N with a
third of the cycles) and each
async mode, this starts the real Kring server (`python -m circle` with
KRING_ASYNC_MODE, through tests/server.py's KringServer) on a fresh, migrated
SQLite file and a free 127.0.0.1 port, with one circle: a facilitator and N
seated members, the meeting open, everyone present. Every person signs in
through their personal link over HTTP (tests/server.py's `sign_in`) and
connects a python-socketio client (asyncio, websocket transport only). Then:

  a. steps: the facilitator starts and closes an open round, --cycles times
     (2 x cycles steps, after one warm-up cycle). For each step, the time from
     just before the emit to each client's receipt of the `state` with the new
     version: p50/p99 over all (client, step) pairs.
  b. all at once: an open round; all N members send their answer at the same
     moment. The time until every client has seen every answer (from `answer`
     changes or a `state`), and the Socket.IO bytes each client received
     meanwhile (the encoded packets: events and its own acknowledgement).
     Per-client bytes must grow linearly with N (ratio ~2 from N to 2N), not
     quadratically (~4).

In the same run, per member count, a bare python-socketio server (eventlet
WSGI, this file started with --bare-server) gets the same clients and the same
patterns, broadcasting a copy of the very `state` (and `answer`) JSON that
Kring sent, so payload size and shape match: its p50/p99 is the floor that
Kring's own work (SQL, state building) adds to.

A mode whose server does not start or whose WebSockets do not connect here
(gevent not installed, say) is reported with the reason and skipped; gevent
serves WebSockets through gevent-websocket when installed, else through
simple-websocket, and the output says which. Only 127.0.0.1 is
used; every wait is bounded; every server process is stopped at the end, also
on Ctrl+C or an error. Not a test (pytest collects test_*.py only): timings
belong in a benchmark, never in a timed unit test (DESIGN.md, "Budgets").
Optional packages: `pip install -e '.[test,bench]'` (gevent, gevent-websocket,
and python-socketio's asyncio client, which needs aiohttp).
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
import copy  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
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

#: Run inside the server's environment (tests/server.py's KringServer._run): a circle of a
#: facilitator and N members, a meeting opened with everyone present, and everyone's sign-in token.
SEED = """
import datetime as dt, json
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
    meeting = meetings.plan_meeting(fac(), "Benchmark", dt.date(2026, 11, 23)).subject
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

    `step` broadcasts a `state`, `answer` broadcasts an `answer`; both are copies of
    what Kring sent in this run (from `template_path`) with the version (and member)
    put in, so the bare server sends documents of the same size and shape.
    """
    import eventlet.wsgi
    import socketio

    templates = json.loads(Path(template_path).read_text()) if template_path else {}
    state_template = templates.get("state") or {"version": 0, "pad": ""}
    answer_template = templates.get("answer") or {
        "version": 0, "round": 1, "seat": {"member": 0, "answered": True}, "current": None, "complete": False}
    sio = socketio.Server(async_mode="eventlet", ping_interval=10, ping_timeout=10)
    meeting = {"version": 0}

    @sio.on("connect")
    def connect(sid, environ, auth=None):
        sio.enter_room(sid, "meeting")
        sio.emit("state", dict(state_template, version=meeting["version"]), to=sid)

    @sio.on("step")
    def step(sid, payload=None):
        meeting["version"] += 1
        sio.emit("state", dict(state_template, version=meeting["version"]), to="meeting")
        return {"ok": True, "version": meeting["version"]}

    @sio.on("answer")
    def answer(sid, payload=None):
        meeting["version"] += 1
        change = copy.deepcopy(answer_template)
        change["version"] = meeting["version"]
        change["round"] = (payload or {}).get("round", change.get("round"))
        change["seat"]["member"] = (payload or {}).get("member")
        sio.emit("answer", change, to="meeting")
        return {"ok": True, "version": meeting["version"]}

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
    """One person's phone: its first receipt time per state version, and what answers it has seen."""

    def __init__(self, url: str, cookie: str | None = None, meeting: int | None = None, member: int = 0):
        self.url, self.cookie, self.meeting, self.member = url, cookie, meeting, member
        self.sio = client_class()(reconnection=False, handle_sigint=False)
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
        self.sio.on("state", self.on_state)
        self.sio.on("answer", self.on_answer)

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

    def has_seen(self, expected: frozenset) -> bool:
        return len(self.answered) >= len(expected) and expected <= self.answered.keys()

    def watch_round(self, round_id: int) -> None:
        self.round_id, self.answered = round_id, {}
        self.rx_bytes, self.kinds, self.answer_sizes = 0, Counter(), []
        self.counting = True

    async def connect(self) -> None:
        await self.sio.connect(
            self.url, headers={"Cookie": self.cookie} if self.cookie else {},
            auth={"meeting": self.meeting} if self.meeting is not None else None,
            transports=["websocket"], wait_timeout=10,
        )


async def connect_all(phones: list[Phone], parallel: int = 16) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(p: Phone) -> None:
        async with gate:
            await asyncio.wait_for(p.connect(), 20)

    await asyncio.gather(*(one(p) for p in phones))
    await wait_until(lambda: all(p.version is not None for p in phones), 20, "every first state")


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
    """What one server (a mode, or the bare one) measured with one member count."""

    steps: list[float] = field(default_factory=list)
    all_answer: float | None = None
    bytes_per_client: float | None = None
    max_bytes: int | None = None
    kinds: str = ""
    acks_failed: int = 0
    state_bytes: int | None = None
    error: str | None = None
    templates: dict = field(default_factory=dict)


async def steps(fac: Phone, phones: list[Phone], cycles: int, step, result: Result) -> None:
    """Warm-up cycle, then `cycles` start/close pairs; one latency per (client, step)."""
    for i in range(2 * (cycles + 1)):
        based_on = fac.version
        t0 = time.perf_counter()
        ack = await asyncio.wait_for(step(i % 2 == 0, based_on), 15)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"step {i} refused: {ack}")
        target = ack["version"]
        await wait_until(lambda: all(target in p.received for p in phones), 15, f"every phone at version {target}")
        if i >= 2:
            result.steps.extend(p.received[target] - t0 for p in phones)
    result.state_bytes = fac.state_bytes


async def all_at_once(phones: list[Phone], answerers: list[Phone], round_id: int, answer, result: Result) -> None:
    """Every answerer sends at the same moment; until every phone has seen every answer."""
    for p in phones:
        p.watch_round(round_id)
    t0 = time.perf_counter()
    acks = await asyncio.gather(*(asyncio.wait_for(answer(p), 60) for p in answerers), return_exceptions=True)
    ok = [isinstance(a, dict) and a.get("ok") for a in acks]
    # Only the answers the server took can reach the phones; a refused one is reported as an error.
    expected = frozenset(p.member for p, took in zip(answerers, ok) if took)
    result.acks_failed = len(acks) - len(expected)
    if result.acks_failed:
        bad = next(a for a, took in zip(acks, ok) if not took)
        result.error = f"{result.acks_failed}/{len(acks)} answers refused or failed, e.g. {bad!r}"[:300]
    try:
        await wait_until(lambda: all(p.has_seen(expected) for p in phones), 60, "every phone to see every answer",
                         interval=0.01)
    except TimeoutError as timeout:
        missing = [len(expected - p.answered.keys()) for p in phones]
        result.error = (result.error or "") + f" {timeout} (answers missing per phone: max {max(missing)})"
    await asyncio.sleep(0.05)  # stragglers after the last answer count too
    for p in phones:
        p.counting = False
    if expected and all(p.has_seen(expected) for p in phones):
        result.all_answer = max(p.answered[m] for p in phones for m in expected) - t0
    sizes = [p.rx_bytes for p in phones]
    result.bytes_per_client = statistics.mean(sizes)
    result.max_bytes = max(sizes)
    kinds = Counter()
    for p in phones:
        kinds.update(p.kinds)
    result.kinds = " ".join(f"{k} {v / len(phones):.0f}" for k, v in sorted(kinds.items()))
    sample = next((p for p in phones if p.answer_sizes), None)
    if sample is not None and hasattr(sample, "last_answer"):
        result.templates["answer"] = sample.last_answer


# --- Kring in one async mode -------------------------------------------------------


@dataclass
class Seeded:
    meeting: int
    facilitator: int
    ids: list[int]
    tokens: list[str]


def migrated(folder: Path) -> Path:
    """An empty database that the real migrations built, to copy for each member count."""
    from tests.server import KringServer

    server = KringServer(folder)
    server._run("-m", "flask", "--app", "circle", "db", "upgrade", timeout=120)
    return server.database


def prepare(n: int, folder: Path, empty: Path) -> tuple[Path, Seeded]:
    """A copy of the migrated database with the bench circle of a facilitator and `n` members."""
    from tests.server import KringServer

    server = KringServer(folder)
    server.copy_database(empty)
    out = server._run("-c", SEED.format(n=n), timeout=300)
    return server.database, Seeded(**json.loads(out.strip().splitlines()[-1]))


def mode_unavailable(mode: str) -> str | None:
    """Why this mode cannot serve WebSockets here, if we can tell before starting it."""
    try:
        if mode in ("gevent", "eventlet"):
            metadata.version(mode)
    except metadata.PackageNotFoundError as missing:
        return f"{missing} is not installed (pip install -e .[bench])"
    return None


def run_kring(mode: str, n: int, template: Path, seeded: Seeded, folder: Path, cycles: int) -> Result:
    from tests.server import KringServer, sign_in

    result = Result()
    server = KringServer(folder)
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
                result.templates["state"] = fac.last_state
                ack = await step(True, fac.version)
                assert ack.get("ok"), ack
                await wait_until(lambda: all(ack["version"] in p.received for p in phones), 15, "the open round")
                await all_at_once(phones, members, fac.last_state["round"]["id"], answer, result)
                await step(False, fac.version)
            finally:
                await hang_up(phones)

        asyncio.run(asyncio.wait_for(session(), 600))
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
    """The exceptions in a server's log (or, when nothing was measured, its last lines)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    errors = Counter(line.strip() for line in lines
                     if line[:1].isalpha() and ("Error:" in line or "Exception:" in line))
    if errors:
        return " | server log: " + "; ".join(f"{n} x {line[:200]}" for line, n in errors.most_common(3))
    if whole and lines:
        return " | server said: " + " / ".join(line[:160] for line in lines[-3:])
    return ""


def run_bare(n: int, templates: dict, folder: Path, cycles: int) -> Result:
    result = Result()
    bare = BareServer(folder, templates)
    try:
        phones = [Phone(bare.url, member=i + 1) for i in range(n + 1)]
        fac, members = phones[0], phones[1:]

        async def step(start: bool, based_on: int) -> dict:
            return await fac.sio.call("step", {"based_on": based_on}, timeout=15)

        async def answer(p: Phone) -> dict:
            return await p.sio.call("answer", {"member": p.member, "round": 1}, timeout=60)

        async def session() -> None:
            try:
                await connect_all(phones)
                await steps(fac, phones, cycles, step, result)
                await all_at_once(phones, members, 1, answer, result)
            finally:
                await hang_up(phones)

        asyncio.run(asyncio.wait_for(session(), 600))
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
    parser.add_argument("--cycles", type=int, default=30, help="start/close cycles measured (2 steps each)")
    parser.add_argument("--budget", type=float, default=300,
                        help="seconds: the 4N run (with a third of the cycles) is done only if N and 2N "
                             "took less than 60%% of this")
    parser.add_argument("--no-4n", action="store_true", help="measure N and 2N only")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(unknown)}")
    if args.members < 1 or args.cycles < 1:
        parser.error("--members and --cycles must be at least 1")

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # many sockets, here and in the children
    sys.path.insert(0, str(ROOT))

    sizes = [args.members, 2 * args.members] + ([] if args.no_4n else [4 * args.members])
    big_cycles = max(5, args.cycles // 3)
    started = time.monotonic()
    say(f"Kring live latency: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load()} at start; {versions()}")
    say(f"modes {', '.join(modes)}; members {', '.join(map(str, sizes))} (+1 facilitator, all connected); "
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
    rows: list[tuple[str, int, Result, Result]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kring-live-bench-") as tmp:
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
            results: dict[str, Result] = {}
            for mode in modes:
                if mode in skipped:
                    continue
                (folder / mode).mkdir()
                r = run_kring(mode, n, template, seeded, folder / mode, cycles)
                results[mode] = r
                if r.error:
                    say(f"    {mode}: {r.error.strip()}")
                if r.error and not r.steps:  # nothing measured: do not try again with more members
                    skipped[mode] = r.error.strip()
                for key, value in r.templates.items():
                    templates.setdefault(key, value)
                say(f"[{time.monotonic() - started:5.0f} s] {n} members, {mode}: step p50 {ms(_p(r.steps, 50))} ms, "
                    f"all answers {ms(r.all_answer)} ms")
            (folder / "bare").mkdir()
            bare = run_bare(n, templates, folder / "bare", cycles)
            if bare.error:
                say(f"    bare: {bare.error}")
            say(f"[{time.monotonic() - started:5.0f} s] {n} members, bare: step p50 {ms(_p(bare.steps, 50))} ms, "
                f"all answers {ms(bare.all_answer)} ms")
            for mode, r in results.items():
                rows.append((mode, n, r, bare))
            if not results:
                rows.append(("(none)", n, Result(), bare))

    table(rows, sizes, modes, skipped, notes)
    say(f"total {time.monotonic() - started:.0f} s; load average {load()} at the end "
        f"(other work on this machine shows up as noise, mostly in p99)")
    return 0 if all(not r.error for _, _, r, _ in rows) else 1


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _p(values: list[float], p: float) -> float | None:
    return percentile(values, p) if values else None


def table(rows, sizes, modes, skipped, notes) -> None:
    say("")
    say("step = facilitator starts/closes an open round; latency from emit to each phone's receipt of that "
        "state version, over all (phone, step) pairs.")
    say("all-ans = N members answer at once: until every phone has seen every answer. "
        "bytes/phone = Socket.IO bytes each phone received meanwhile (mean).")
    say("bare = python-socketio on eventlet, same clients, broadcasting copies of the same JSON. "
        "received per phone = events of each kind (mean).")
    head = (f"{'mode':<10} {'members':>7} {'step p50':>9} {'step p99':>9} {'bare p50':>9} {'bare p99':>9} "
            f"{'all-ans':>9} {'bare all':>9} {'bytes/phone':>12} {'state B':>8}  received per phone")
    say(head)
    say("-" * len(head))
    for mode, n, r, bare in rows:
        say(f"{mode:<10} {n:>7} {ms(_p(r.steps, 50)):>9} {ms(_p(r.steps, 99)):>9} "
            f"{ms(_p(bare.steps, 50)):>9} {ms(_p(bare.steps, 99)):>9} {ms(r.all_answer) + ('!' if r.acks_failed else ''):>9} "
            f"{ms(bare.all_answer):>9} {_int(r.bytes_per_client):>12} {_int(r.state_bytes):>8}  {r.kinds}")
    say("(times in ms; state B = bytes of one full `state` packet; ! = some answers failed, see the errors below)")
    say("")
    say("Growth of what each phone receives when everyone answers at once (linear: x2 per doubling; N^2: x4).")
    say("(The time is another matter: N answers to N+1 phones are N(N+1) messages for the server to send,")
    say(" so even the bare server's time grows towards x4 per doubling once sending dominates.)")
    for mode in [*modes, "bare"]:
        if mode in skipped:
            continue
        per = {n: (bare if mode == "bare" else r) for m, n, r, bare in rows if m == mode or mode == "bare"}
        got = [(n, per[n].bytes_per_client, per[n].all_answer) for n in sizes
               if n in per and per[n].bytes_per_client]
        if len(got) < 2:
            continue
        parts = [f"{n}: {b:,.0f} B ({b / n:,.0f} B/answer)" for n, b, _ in got]
        ratios = [f"x{b2 / b1:.2f} bytes, " + (f"x{t2 / t1:.2f}" if t1 and t2 else "-") + f" time ({n1}->{n2})"
                  for (n1, b1, t1), (n2, b2, t2) in zip(got, got[1:])]
        say(f"  {mode:<10} " + "; ".join(parts))
        say(f"  {'':<10} " + "; ".join(ratios))
    for mode, why in skipped.items():
        say(f"  {mode}: skipped: {why}")
    for note in notes:
        say(f"  note: {note}")
    errors = [(m, n, r.error.strip()) for m, n, r, _ in rows if r.error]
    for m, n, e in errors:
        say(f"  error: {m} with {n} members: {e}")


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
