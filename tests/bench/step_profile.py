"""Where a facilitator's step spends its time in the running server, part by part.

    .venv/bin/python tests/bench/step_profile.py --members 50

live_latency.py times a step from the outside; action_cost.py times its parts
in process, where nothing else runs. This one looks inside the real server
while phones follow it: Kring on eventlet (`--mode gevent`: on gevent) with a
facilitator and `--members` members connected as programs (`--clients pages`:
as pages), the same circle and clients as live_latency.py, starts and closes
`--cycles` rounds, and py-spy samples the server process meanwhile (`--rate` times a
second, without pausing it). The samples taken while an event was handled
(a stack through Flask-SocketIO's `_handle_event`) are each given to the
most specific part of the step they were in: Flask-SocketIO with the pace
and turn of events (circle/limits.py, circle/turns.py), the sign-in check, the form,
the lock, the method's checks, the step's own reads and writes, the log entry,
the commit, telling the room, building the state or reading the meeting and
drawing the pages' parts, and
handing the message to Socket.IO. Sending it, which the server does after
the handler yields, is not in a handler's stack and is not counted.

It prints each part's share of those samples and the milliseconds per step
that share comes to, beside the step's p50 until every phone had it. Sampling
slows the server a little; the shares are what to compare, run against run.
Needs py-spy (`pip install -e '.[bench]'`) and the right to read another
process's memory (as root, or with ptrace allowed). docs/performance.md says
what it showed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from live_common import STARTED, measure, stop_everything  # noqa: E402
from live_kring import migrated, prepare  # noqa: E402
from live_latency import CLIENTS  # noqa: E402
from live_measures import Result, steps  # noqa: E402
from live_phones import PagePhone, Phone, connect_all, hang_up  # noqa: E402

#: The parts of a step, each found by the frame it runs in (`function (file`); a sample goes to the innermost
#: part on its stack, so a check inside the step is the check's, not the step's.
PARTS = [
    ("SocketIO._handle_event (flask_socketio/__init__.py", "Flask-SocketIO, the pace and the turn of events"),
    ("handle (circle/live.py", "the handler itself"),
    ("page_parts (circle/live.py", "a page asking for its parts (not a step)"),
    ("_member_of_this_socket (circle/live.py", "who acts: the sign-in checked"),
    ("_valid_form (circle/live.py", "the payload checked by its form"),
    ("start_round (circle/rounds.py", "the step's own reads and writes"),
    ("close_round (circle/rounds.py", "the step's own reads and writes"),
    ("lock_meeting (circle/actions.py", "the lock: the version raised, the meeting read"),
    ("check_step (circle/actions.py", "the method's checks"),
    ("log (circle/actions.py", "the log entry"),
    ("unit_of_work (circle/actions.py", "the commit"),
    ("tell_the_room (circle/broadcast.py", "telling the room: who follows it"),
    ("meeting_state (circle/read/state.py", "the state built"),
    ("_tell_pages (circle/broadcast.py", "the pages' parts drawn, every kind"),
    ("read (circle/views/parts.py", "the meeting read for the pages"),
    ("SocketIO.emit (flask_socketio/__init__.py", "the message handed to Socket.IO"),
]
#: Every event's frame: a step's samples are those under it (a page asking for its parts is counted apart).
EVENT = "SocketIO._handle_event (flask_socketio/__init__.py"


def samples(raw: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw output as (frames root first, count): a process's name may span lines."""
    out, pending = [], ""
    for line in raw.read_text(errors="replace").splitlines():
        pending += line
        found = re.search(r" (\d+)$", pending)
        if found and ";" in pending:
            out.append(([re.sub(r":\d+\)$", ")", frame) for frame in pending[:found.start()].split(";")],
                        int(found.group(1))))
            pending = ""
        else:
            pending += "\n"
    return out


def parts_of(stacks: list[tuple[list[str], int]]) -> Counter:
    """The samples of a step's handler, counted by the innermost part each was in."""
    counted: Counter = Counter()
    for frames, count in stacks:
        if not any(frame.startswith(EVENT) for frame in frames):
            continue
        part = None
        for frame in frames:
            part = next((label for prefix, label in PARTS if frame.startswith(prefix)), part)
        counted[part] += count
    return counted


def profile(args: argparse.Namespace, spy: str, tmp: Path) -> tuple[Result, Counter]:
    """The server started, the phones connected, a warm-up, then the steps sampled."""
    from tests.server import KringServer, sign_in

    (tmp / "empty").mkdir()
    empty = migrated(tmp / "empty")
    folder = tmp / "run"
    folder.mkdir()
    template, seeded = prepare(args.members, folder, empty)
    server = KringServer(folder)
    server.born = seeded.born
    server.env["KRING_ASYNC_MODE"] = args.mode
    # The pace of events (circle/limits.py) still checks every event, but lets a facilitator step this fast.
    server.env["KRING_EVENT_BURST"] = server.env["KRING_PERSON_EVENT_BURST"] = str(10**6)
    server.copy_database(template)
    result, raw = Result(), tmp / "samples.txt"
    server.start(timeout=30)
    STARTED.append(server.process)
    try:
        with ThreadPoolExecutor(8) as pool:
            cookies = list(pool.map(lambda token: sign_in(server.port, token), seeded.tokens))
        pages = args.clients == "pages"
        phones = [PagePhone(server.url, cookie, seeded.meeting, member,
                            view="console" if member == seeded.facilitator else "phone") if pages
                  else Phone(server.url, cookie, seeded.meeting, member)
                  for cookie, member in zip(cookies, seeded.ids)]
        fac = phones[seeded.ids.index(seeded.facilitator)]

        async def step(start: bool, based_on: int) -> dict:
            if start:
                return await fac.sio.call("start_round", {"kind": "opening", "mode": "open", "based_on": based_on},
                                          timeout=15)
            return await fac.sio.call("close_round", {"based_on": based_on}, timeout=15)

        async def session() -> None:
            try:
                await connect_all(phones)
                await steps(fac, phones, 3, step, Result())  # warm-up: caches filled, pages drawn
                sampler = subprocess.Popen([spy, "record", "--pid", str(server.process.pid), "--rate",
                                            str(args.rate), "--nonblocking", "--format", "raw", "--output", str(raw)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                try:
                    time.sleep(1)  # py-spy attaches
                    if sampler.poll() is not None:
                        raise RuntimeError(f"py-spy did not start: {sampler.stderr.read().decode()[-300:]}")
                    await steps(fac, phones, args.cycles, step, result)
                finally:
                    sampler.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then ends
                    sampler.wait(timeout=60)
            finally:
                await hang_up(phones)

        measure(session)
    finally:
        process = server.process
        server.stop(signal.SIGTERM, timeout=5)
        if process in STARTED:
            STARTED.remove(process)
    return result, parts_of(samples(raw))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50, help="members besides the facilitator, all connected")
    # Under threading each event runs on a thread of its own, and py-spy caught few of them (a tenth of a step).
    parser.add_argument("--mode", default="eventlet", choices=("eventlet", "gevent"), help="the server kind")
    parser.add_argument("--clients", default="programs", choices=CLIENTS, help="how the phones follow")
    parser.add_argument("--cycles", type=int, default=60, help="start/close cycles sampled (two steps each)")
    parser.add_argument("--rate", type=int, default=1000, help="py-spy's samples per second")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not os.access(spy, os.X_OK):
        print("py-spy is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    print(f"Kring step profile: {args.mode}, {args.clients}, {args.members} members, {args.cycles} cycles, "
          f"{args.rate} samples/s; {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    try:
        with tempfile.TemporaryDirectory(prefix="kring-step-profile-") as tmp:
            result, counted = profile(args, spy, Path(tmp))
    finally:
        stop_everything()
    steps = 2 * args.cycles
    total = sum(counted.values())
    if not total:
        print("no sample of an event's handling was taken", file=sys.stderr)
        return 1
    p50 = statistics.median(result.steps) * 1000
    print(f"{steps} steps, p50 {p50:.1f} ms until every phone had one; {total:,} samples in the events, "
          f"{total / args.rate / steps * 1000:.1f} ms of it per step")
    print(f"{'part of a step':52} {'share':>6} {'ms/step':>8}")
    for part, count in counted.most_common():
        print(f"{part or 'elsewhere':52} {count / total:6.1%} {count / args.rate / steps * 1000:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
