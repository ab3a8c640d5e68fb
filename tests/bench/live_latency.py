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
server (eventlet WSGI, live_bare.py in its own process) gets the same
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

This file reads the command line, runs each member count and prints the
tables. Beside it: live_common.py (small helpers, the clients' log, every
process started), live_phones.py (the clients), live_measures.py (the two
measurements), live_kring.py (the seeded circle, Kring in one mode),
live_bare.py (the bare server, also its process's script) and
many_meetings.py (--meetings).
"""

import argparse
import contextlib
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from live_bare import run_bare
from live_common import load, ms, p_of, say, stop_everything, thousands
from live_kring import migrated, mode_unavailable, prepare, run_kring
from live_measures import Result

MODES = ("eventlet", "gevent", "threading")
CLIENTS = ("programs", "pages")


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

    if args.meetings:
        import many_meetings

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
                        f"step p50 {ms(p_of(r.steps, 50))} ms, first answer {ms(r.first_answer)} ms, "
                        f"all answers {ms(r.all_answer)} ms, {thousands(r.bytes_per_client)} B/phone")
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
                    f"step p50 {ms(p_of(b.steps, 50))} ms, all answers {ms(b.all_answer)} ms, "
                    f"{thousands(b.bytes_per_client)} B/phone")
            for (mode, clients), r in results.items():
                rows.append((mode, clients, n, r, bare[clients]))
            if not results:
                for clients in kinds:
                    rows.append(("(none)", clients, n, Result(), bare[clients]))

    table(rows, sizes, modes, kinds, skipped, gave_up, notes)
    say(f"total {time.monotonic() - started:.0f} s; load average {load()} at the end "
        f"(other work on this machine shows up as noise, mostly in p99)")
    return 0 if all(not r.error for *_, r, _ in rows) else 1

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
        say(f"{mode:<10} {clients:<8} {n:>7} {ms(p_of(r.steps, 50)):>9} {ms(p_of(r.steps, 99)):>9} "
            f"{ms(p_of(bare.steps, 50)):>9} {ms(p_of(bare.steps, 99)):>9} {ms(r.first_answer):>8} "
            f"{ms(r.all_answer) + ('!' if r.acks_failed else ''):>9} {ms(bare.all_answer):>9} "
            f"{thousands(r.bytes_per_client):>9} {thousands(r.max_bytes):>9} {thousands(bare.bytes_per_client):>9} "
            f"{thousands(r.state_bytes):>8}  {r.kinds}")
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
        "the steps; first p50: until the step's first client had it (the server's work and one send), and "
        "fan-out p50: from its first client to its last (the sending); ack p50: until the facilitator had the step's "
        "acknowledgement; the slowest step, and its first client.")
    head = (f"{'mode':<10} {'clients':<8} {'members':>7} {'start p50':>10} {'start p99':>10} {'close p50':>10} "
            f"{'close p99':>10} {'first p50':>10} {'fan-out p50':>12} {'ack p50':>8}  slowest step")
    say(head)
    say("-" * len(head))
    for mode, clients, n, r, bare in sorted(rows, key=lambda row: (order.get(row[0], -1), row[2], row[1] != "programs")):
        for name, res in ((mode, r), ("bare", bare)):
            if not res.step_spread:
                continue
            start = [last for is_start, _, last in res.step_spread if is_start]
            close = [last for is_start, _, last in res.step_spread if not is_start]
            firsts = [first for _, first, _ in res.step_spread]
            fan_out = [last - first for _, first, last in res.step_spread]
            i, (is_start, first, last) = max(enumerate(res.step_spread), key=lambda x: x[1][2])
            say(f"{name:<10} {clients:<8} {n:>7} {ms(p_of(start, 50)):>10} {ms(p_of(start, 99)):>10} "
                f"{ms(p_of(close, 50)):>10} {ms(p_of(close, 99)):>10} {ms(p_of(firsts, 50)):>10} "
                f"{ms(p_of(fan_out, 50)):>12} {ms(p_of(res.acks, 50)):>8}  #{i + 1} ({'start' if is_start else 'close'}): "
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


if __name__ == "__main__":
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
