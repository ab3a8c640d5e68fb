"""Benchmark: one member floods events; what is taken in, what it writes, and how the others fare meanwhile.

    .venv/bin/python tests/bench/flood.py [--events 500] [--rate 100] [--event mark_attendance|state] [--quiet 5]

The real server (eventlet) on the Samen Vooruit meeting of tests/scenario.py,
open, everyone present but Joost. Seven members are signed in through their
links; each, over and over with a short pause, loads their meeting page (one
kept-alive HTTP connection, as a browser does) and sends an event (`state`,
over their own Socket.IO connection), timing both. First for --quiet seconds
with nobody flooding: the baseline. Then Joost sends --events events at
--rate a second (0: as fast as his phone can), without waiting for answers
(by default "I am here": 500 of them in 6 s is how it was first seen), while
the others go on until the last answer came. Prints what the flood met (taken in, refused with `too_fast`, answered
`unchanged`), what it wrote (log entries, meeting versions), and the others'
page and event latency, p50 and p99, quiet beside during the flood.

Twice: with the default pace of circle/__init__.py, and with the pace lifted
(a burst of a million), which shows what the pace adds to "a step that
changes nothing writes nothing". Not a test: nothing here asserts a time
(tests/test_hardening.py asserts the counts).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.phones import Phone  # noqa: E402
from tests.server import HOST, KringServer, Seeded, wait_for  # noqa: E402

from tests.scenario import PEOPLE  # noqa: E402

FLOODER = "Joost"
OTHERS = [name for name, _ in PEOPLE if name != FLOODER]  # Anna, the facilitator, first
PAUSE = 0.1  # seconds between one member's tries: a busy page, not a second flood
RUNNING: list[KringServer] = []


def say(text: str) -> None:
    print(text, flush=True)


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def cpu_seconds(pid: int) -> float | None:
    """CPU time a process used so far (Linux's /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Member:
    """One of the others: a kept-alive page connection and a phone, timing a page and an event in turn."""

    def __init__(self, server: KringServer, seeded: Seeded, name: str):
        self.server, self.seeded = server, seeded
        self.phone = Phone(server, seeded, name).connect()
        self.http: http.client.HTTPConnection | None = None
        self.page: list[float] = []
        self.event: list[float] = []
        self.errors = 0

    def load_page(self) -> None:
        for attempt in (1, 2):  # the server closes a kept-alive connection left idle: open it again
            if self.http is None:
                self.http = http.client.HTTPConnection(HOST, self.server.port, timeout=30)
            try:
                self.http.request("GET", f"/c/{self.seeded.circle}/meetings/{self.seeded.meeting}/",
                                  headers={"Cookie": self.phone.cookie})
                answer = self.http.getresponse()
                answer.read()
                if answer.status != 200:
                    self.errors += 1
                return
            except (OSError, http.client.HTTPException):
                self.http.close()
                self.http = None
        self.errors += 1

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            self.load_page()
            loaded = time.monotonic()
            try:
                ok = self.phone.call("state", timeout=30)["ok"]
            except Exception:  # noqa: BLE001  (a timeout or a drop counts as an error, the run goes on)
                ok = False
            self.errors += not ok
            self.page.append(loaded - started)
            self.event.append(time.monotonic() - loaded)
            stop.wait(PAUSE)

    def reset(self) -> None:
        self.page, self.event, self.errors = [], [], 0

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
        self.phone.close()


def measure(others: list[Member], until: threading.Event) -> dict[str, list[float] | int]:
    """The others' page and event times while `until` is not set."""
    for member in others:
        member.reset()
    threads = [threading.Thread(target=m.run, args=(until,), daemon=True) for m in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return {"page": [x for m in others for x in m.page], "event": [x for m in others for x in m.event],
            "errors": sum(m.errors for m in others)}


def flood(who: Phone, event: str, payload, times: int, rate: float) -> tuple[list[dict], float]:
    """Send `event` `times` times, `rate` a second, without waiting; the acknowledgements, the seconds until the last."""
    acks: list[dict] = []
    lock = threading.Lock()
    started = time.monotonic()

    def got(ack: dict) -> None:
        with lock:
            acks.append(ack)

    for i in range(times):
        if rate:
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
        who.sio.emit(event, payload, callback=got)
    wait_for(lambda: len(acks) == times, 300, interval=0.01, what=f"{times} acknowledgements")
    return acks, time.monotonic() - started


def run(label: str, env: dict[str, str], options: argparse.Namespace, folder: Path) -> dict:
    """One server, the quiet baseline, then the flood; the figures."""
    server = KringServer(folder)
    server.env.update(env)
    seeded = server.prepare()
    server.start()
    RUNNING.append(server)
    others: list[Member] = []
    try:
        others = [Member(server, seeded, name) for name in OTHERS]
        anna = others[0].phone
        anna.step("open_meeting")
        for member in others:
            anna.step("mark_attendance", member_id=member.phone.member_id, present=True)
        joost = Phone(server, seeded, FLOODER).connect()
        stop = threading.Event()
        threading.Timer(options.quiet, stop.set).start()
        quiet = measure(others, stop)

        payload = ({"member_id": joost.member_id, "present": True} if options.event == "mark_attendance"
                   else None)
        log_before = server.query("SELECT count(*) FROM log_entry")[0][0]
        version_before = server.meeting_version(seeded.meeting)
        stop = threading.Event()
        measuring = threading.Thread(target=lambda: busy.update(measure(others, stop)), daemon=True)
        busy: dict = {}
        measuring.start()
        time.sleep(0.2)  # the others are at it before the flood begins
        cpu_before = cpu_seconds(server.process.pid)
        acks, seconds = flood(joost, options.event, payload, options.events, options.rate)
        cpu_after = cpu_seconds(server.process.pid)
        time.sleep(0.2)
        stop.set()
        measuring.join(120)
        joost.close()
        return {
            "label": label, "quiet": quiet, "busy": busy, "seconds": seconds,
            "taken": sum(a["ok"] for a in acks),
            "unchanged": sum(a["ok"] and a.get("unchanged", False) for a in acks),
            "too_fast": sum(a.get("error") == "too_fast" for a in acks),
            "other": sum(not a["ok"] and a.get("error") != "too_fast" for a in acks),
            "log": server.query("SELECT count(*) FROM log_entry")[0][0] - log_before,
            "versions": server.meeting_version(seeded.meeting) - version_before,
            "cpu": None if cpu_before is None else cpu_after - cpu_before,
        }
    finally:
        for member in others:
            member.close()
        server.stop(signal.SIGTERM, timeout=5)
        RUNNING.remove(server)


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:6.0f}" if values else "     -"


def report(result: dict, options: argparse.Namespace) -> None:
    pace = f"{options.rate:g} a second" if options.rate else "at once"
    say(f"\n{result['label']}: {options.events} x {options.event} from {FLOODER}, {pace}, "
        f"answered in {result['seconds']:.2f} s")
    say(f"  taken in {result['taken']} (of which unchanged {result['unchanged']}), refused too_fast "
        f"{result['too_fast']}, other refusals {result['other']}")
    cpu = "?" if result["cpu"] is None else f"{result['cpu']:.2f} s"
    say(f"  log entries +{result['log']}, meeting versions +{result['versions']}; the server's CPU meanwhile "
        f"{cpu} (the others' pages and events included)")
    say(f"  the others ({len(OTHERS)} members)      samples   page p50   p99 ms   event p50   p99 ms   errors")
    for name in ("quiet", "busy"):
        m = result[name]
        say(f"  {'quiet' if name == 'quiet' else 'during the flood':<27}{len(m['page']):>8}   "
            f"{ms(m['page'], 50)}  {ms(m['page'], 99)}     {ms(m['event'], 50)}  {ms(m['event'], 99)}   "
            f"{m['errors']:>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=500, help="events in the flood")
    parser.add_argument("--rate", type=float, default=100, help="events a second in the flood (0: at once)")
    parser.add_argument("--event", choices=("mark_attendance", "state"), default="mark_attendance")
    parser.add_argument("--quiet", type=float, default=5, help="seconds of the quiet baseline")
    options = parser.parse_args()
    say(f"flood benchmark: load average {load()} at the start; {os.cpu_count()} cores")
    started = time.monotonic()
    runs = [("with the pace (default settings)", {}),
            ("without the pace (burst 1,000,000)", {"KRING_EVENT_BURST": "1000000",
                                                    "KRING_PERSON_EVENT_BURST": "1000000"})]
    with tempfile.TemporaryDirectory(prefix="kring-flood-") as tmp:
        for i, (label, env) in enumerate(runs):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            report(run(label, env, options, folder), options)
    say(f"\ntotal {time.monotonic() - started:.0f} s; load average {load()} at the end "
        f"(other work on this machine shows up as noise, mostly in p99)")
    return 0


if __name__ == "__main__":
    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted: stopping the server")
        sys.exit(130)
    finally:
        for running in list(RUNNING):
            running.stop()
