"""live_latency.py --meetings M: M meetings at once on Kring, beside the bare server serving M rooms.

    .venv/bin/python tests/bench/live_latency.py --meetings 50 --members 20 [--processes 2]

M circles, each of a facilitator and N members, each meeting open with
everyone present, are seeded in one database. Every person signs in and
connects (programs or pages, as in live_latency.py). Then, in every meeting
at the same moment: the facilitator's start/close steps (--cycles times, each
meeting's next step as soon as all its clients had the last one, waiting up to
60 s), then an open
round in which all N members answer at once. The figures are those of
live_latency.py over every (client, step) of every meeting: step p50/p99, the
first answer anywhere, until every client of every meeting had every answer of
its meeting, and the bytes each client received. The bare server gets the same
clients in M rooms, one version counter per room.

`--processes 2` runs two Kring processes on the one database, joined by the
Socket.IO message queue on Redis at 127.0.0.1:6379 (KRING_SOCKETIO_MESSAGE_QUEUE,
docs/live-protocol.md), on a channel of their own; each meeting's clients are
spread over both, so half of what a step tells its room goes through Redis.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from live_bare import BareServer
from live_common import STARTED, measure, ms, p_of, say, thousands, wait_until
from live_kring import SEED, Seeded, migrated, server_said
from live_measures import Result, all_at_once, steps
from live_phones import PagePhone, Phone, connect_all, hang_up

REDIS = "redis://127.0.0.1:6379/0"


def seed_code() -> str:
    """live_kring.py's seed, once per circle: each gets its own facilitator, members and meeting."""
    return SEED.replace(
    'with app.app_context():\n    circle, first = create_circle("Bench", "Facilitator")',
    'out = []\nfor k in range({m}):\n  with app.app_context():\n    circle, first = create_circle(f"Bench {{k}}", "Facilitator")',
).replace(
    '    print(json.dumps({{"meeting": meeting, "facilitator": fac_id, "ids": ids, "tokens": tokens}}))',
    '    out.append({{"meeting": meeting, "facilitator": fac_id, "ids": ids, "tokens": tokens}})\n'
    'print(json.dumps(out))',
    )


def prepare(m: int, n: int, folder: Path, empty: Path) -> tuple[Path, list]:
    """A copy of the migrated database with `m` bench circles of a facilitator and `n` members."""
    from tests.days import TODAY
    from tests.server import KringServer, clock_code

    server = KringServer(folder)
    server.copy_database(empty)
    code = seed_code().format(m=m, n=n, clock=clock_code(server.now()), day=TODAY.isoformat())
    out = server._run("-c", code, timeout=900)
    return server.database, [Seeded(**s, born=server.born) for s in json.loads(out.strip().splitlines()[-1])]


def merge(parts: list) -> Result:
    """One meeting's figures each: together as one run (the slowest meeting's all-answers among those where every
    answer came, the first answer anywhere); the errors say how many meetings fell short."""
    whole = Result()
    for r in parts:
        whole.steps += r.steps
        whole.step_spread += r.step_spread
        whole.acks_failed += r.acks_failed
        for key, value in r.templates.items():
            whole.templates.setdefault(key, value)
    errors = [r.error.strip() for r in parts if r.error]
    whole.error = f"{len(errors)} of {len(parts)} meetings: {errors[0]}" if errors else None
    done = [r.all_answer for r in parts if r.all_answer is not None]  # the meetings where all answers came
    whole.all_answer = max(done) if done else None
    firsts = [r.first_answer for r in parts if r.first_answer is not None]
    whole.first_answer = min(firsts) if firsts else None
    means = [r.bytes_per_client for r in parts if r.bytes_per_client is not None]
    whole.bytes_per_client = statistics.mean(means) if means else None
    whole.max_bytes = max((r.max_bytes for r in parts if r.max_bytes is not None), default=None)
    return whole


async def every_meeting(rooms: list, step, answer, open_round, cycles: int, results: list) -> None:
    """In every meeting at once: the steps, then everyone answering at once in an open round.

    A meeting whose step did not come through in time says so in its result and
    answers no more; the others go on."""
    async def together(coroutines, going):
        outcomes = await asyncio.gather(*coroutines, return_exceptions=True)
        for (room, r), outcome in zip(going, outcomes):
            if isinstance(outcome, BaseException):
                r.error = (r.error or "") + f" {type(outcome).__name__}: {outcome}"[:300]
        return [(room, r, o) for (room, r), o in zip(going, outcomes) if not isinstance(o, BaseException)]

    going = list(zip(rooms, results))
    going = [(room, r) for room, r, _ in await together(
        [steps(fac, phones, cycles, step(fac), r, patience=60) for (fac, phones), r in going], going)]
    opened = await together([open_round(fac, phones) for (fac, phones), _ in going], going)
    await together([all_at_once(phones, [p for p in phones if p is not fac], round_id, answer, r)
                    for (fac, phones), r, round_id in opened], [(room, r) for room, r, _ in opened])


def run_kring(mode: str, clients: str, template: Path, seeded: list, folder: Path, cycles: int,
              processes: int) -> Result:
    """Kring (one process, or `processes` joined by Redis) with every meeting's clients connected."""
    from tests.server import KringServer, sign_in

    results = [Result() for _ in seeded]
    servers = []
    channel = f"kring-bench-{uuid.uuid4().hex}"  # of its own: nothing else on the same Redis hears it
    try:
        for i in range(processes):
            (folder / f"p{i}").mkdir()
            server = KringServer(folder / f"p{i}")
            server.born = seeded[0].born
            server.env["KRING_ASYNC_MODE"] = mode
            server.env["KRING_MAX_CONNECTIONS_PER_ADDRESS"] = "0"  # every client comes from 127.0.0.1
            if i == 0:
                server.copy_database(template)
            else:
                server.env["KRING_SQLALCHEMY_DATABASE_URI"] = servers[0].env["KRING_SQLALCHEMY_DATABASE_URI"]
            if processes > 1:
                server.env["KRING_SOCKETIO_MESSAGE_QUEUE"] = REDIS
                server.env["KRING_SOCKETIO_CHANNEL"] = channel
            servers.append(server)
        for server in servers:
            server.start(timeout=60)
            STARTED.append(server.process)
        people = [(s, token, member, i) for s in seeded for i, (token, member) in enumerate(zip(s.tokens, s.ids))]
        with ThreadPoolExecutor(8) as pool:
            cookies = list(pool.map(lambda p: sign_in(servers[p[3] % processes].port, p[1]), people))
        rooms: list = []
        by_meeting: dict[int, list] = {}
        for (s, _, member, i), cookie in zip(people, cookies):
            url = servers[i % processes].url
            phone = (PagePhone(url, cookie, s.meeting, member,
                               view="console" if member == s.facilitator else "phone")
                     if clients == "pages" else Phone(url, cookie, s.meeting, member))
            by_meeting.setdefault(s.meeting, []).append(phone)
        for s in seeded:
            phones = by_meeting[s.meeting]
            rooms.append((phones[s.ids.index(s.facilitator)], phones))

        def step(fac):
            async def one(start: bool, based_on: int) -> dict:
                if start:
                    return await fac.sio.call("start_round", {"kind": "opening", "mode": "open",
                                                              "based_on": based_on}, timeout=60)
                return await fac.sio.call("close_round", {"based_on": based_on}, timeout=60)
            return one

        async def open_round(fac, phones: list) -> int:
            ack = await step(fac)(True, fac.version)
            assert isinstance(ack, dict) and ack.get("ok"), ack
            await wait_until(lambda: all(p.has_version(ack["version"]) for p in phones), 30, "the open round")
            return ack["id"]

        async def answer(p) -> dict:
            return await p.sio.call("contribute", {"answer": "speak", "text": f"Goed dat we er zijn. (lid {p.member})",
                                                   "client_id": uuid.uuid4().hex}, timeout=60)

        async def session() -> None:
            everyone = [p for _, phones in rooms for p in phones]
            try:
                await connect_all(everyone)
                await every_meeting(rooms, step, answer, open_round, cycles, results)
                for (fac, phones), r in zip(rooms, results):
                    r.templates["parts_full" if clients == "pages" else "state"] = (
                        phones[-1].last_full if clients == "pages" else fac.last_state)
            finally:
                await hang_up(everyone)

        measure(session, 900)
    except Exception as failed:  # noqa: BLE001 - reported beside the figures
        results[0].error = (results[0].error or "") + f" {type(failed).__name__}: {failed}"[:400]
    finally:
        for server in servers:
            if server.process is not None:
                process = server.process
                server.stop(signal.SIGTERM, timeout=5)
                if process in STARTED:
                    STARTED.remove(process)
    whole = merge(results)
    if whole.error:
        whole.error += "".join(server_said(s.log, whole=not whole.steps) for s in servers if hasattr(s, "log"))
    return whole


def run_bare(m: int, n: int, clients: str, templates: dict, folder: Path, cycles: int) -> Result:
    """The bare server with the same clients in `m` rooms and the same patterns."""
    results = [Result() for _ in range(m)]
    bare = BareServer(folder, templates)
    pages = clients == "pages"
    try:
        rooms = []
        for k in range(m):
            phones = [PagePhone(bare.url, meeting=k, member=i + 1, view="console" if i == 0 else "phone")
                      if pages else Phone(bare.url, meeting=k, member=i + 1) for i in range(n + 1)]
            rooms.append((phones[0], phones))

        def step(fac):
            async def one(start: bool, based_on: int) -> dict:
                return await fac.sio.call("step", {"based_on": based_on, "parts": pages}, timeout=60)
            return one

        async def open_round(fac, phones: list) -> int:
            return 1

        async def answer(p) -> dict:
            return await p.sio.call("answer", {"member": p.member, "round": 1, "parts": pages}, timeout=60)

        async def session() -> None:
            everyone = [p for _, phones in rooms for p in phones]
            try:
                await connect_all(everyone)
                await every_meeting(rooms, step, answer, open_round, cycles, results)
            finally:
                await hang_up(everyone)

        measure(session, 900)
    except Exception as failed:  # noqa: BLE001
        results[0].error = f"{type(failed).__name__}: {failed}"[:400]
    finally:
        bare.stop()
    return merge(results)


def run(args, tmp: Path, kinds: list[str], modes: list[str], started: float) -> int:
    """Seed once, then per mode and kind of client Kring beside the bare server; print one line each."""
    m, n = args.meetings, args.members
    (tmp / "empty").mkdir()
    empty = migrated(tmp / "empty")
    t = time.monotonic()
    template, seeded = prepare(m, n, tmp, empty)
    say(f"[{time.monotonic() - started:5.0f} s] {m} meetings of {n} members: seeded in "
        f"{time.monotonic() - t:.1f} s")
    lines, failed = [], False
    for clients in kinds:
        templates: dict = {}
        rows = []
        for mode in modes:
            (tmp / f"{mode}-{clients}").mkdir()
            r = run_kring(mode, clients, template, seeded, tmp / f"{mode}-{clients}", args.cycles, args.processes)
            templates.update({k: v for k, v in r.templates.items() if v})
            rows.append((f"{mode}" + (f" x{args.processes}" if args.processes > 1 else ""), r))
        (tmp / f"bare-{clients}").mkdir()
        rows.append(("bare", run_bare(m, n, clients, templates, tmp / f"bare-{clients}", args.cycles)))
        for name, r in rows:
            failed |= bool(r.error)
            lines.append(f"{name:<12} {clients:<8} {m:>4}x{n:<4} {ms(p_of(r.steps, 50)):>9} "
                         f"{ms(p_of(r.steps, 99)):>9} {ms(r.first_answer):>9} "
                         f"{ms(r.all_answer):>9} {thousands(r.bytes_per_client):>9}")
            if r.error:
                say(f"    {name}, {clients}: {r.error.strip()[:600]}")
            say(f"[{time.monotonic() - started:5.0f} s] {name}, {clients}: done")
    say("\nMany meetings at once: a step in every meeting, then everyone answering in every meeting "
        "(times in ms; steps over every client of every meeting; all answers: the slowest meeting)")
    say(f"{'server':<12} {'clients':<8} {'meetings':>9} {'step p50':>9} {'step p99':>9} "
        f"{'1st answ':>9} {'all answ':>9} {'B/client':>9}")
    for line in lines:
        say(line)
    return 1 if failed else 0
