"""What one live action costs the server itself, in process, part by part.

    .venv/bin/python tests/bench/action_cost.py --members 50

No server process and no network: the app on a fresh SQLite file (every
migration run), the circle of Samen Vooruit grown to `--members` people, all
present, and Flask-SocketIO's test clients connected in the same process as a
console, a member's phone and a program (docs/live-protocol.md). What is timed
is therefore what Kring does between receiving an event and handing its
messages to Socket.IO: the checks, the write and its log entry, the commit,
reading the meeting and drawing what each kind of reader is sent. That is the
work that separates Kring from the bare server of live_latency.py, without
the sending that both share.

Prints the median and the 90th percentile of a facilitator's step (starting
and closing an open round) and of one answer, with pages connected (a console
and a phone: parts are drawn) and with only programs (the JSON state), then
the time to read the meeting once and to draw each
part of a console's and a member's page. The clock is the suite's
(tests/days.py); other work on the machine shows up in the figures.
`--calls` counts Python's function calls per event instead: the same on every
run, so a change's effect shows where timings vary by a fifth.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from circle.i18n import drawing_in  # noqa: E402

from circle import clock, create_app  # noqa: E402
from circle.__main__ import settle  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.models import Meeting  # noqa: E402
from circle.views import parts  # noqa: E402
from tests import databases  # noqa: E402
from tests.conftest import config_for, live_connection  # noqa: E402
from tests.days import NOW  # noqa: E402
from tests.scenario import everyone_present, neighbours_present, samen_vooruit  # noqa: E402


def ms(seconds: list[float]) -> str:
    """Median and 90th percentile, in ms."""
    ordered = sorted(seconds)
    return f"{statistics.median(ordered) * 1000:6.1f} {ordered[int(len(ordered) * 0.9)] * 1000:6.1f}"


class Room:
    """A meeting of `members` people, all present, followed by the given clients in this process."""

    counting = False

    def __init__(self, folder: Path, members: int, pages: bool):
        database = folder / "kring.sqlite3"
        databases.create(database)
        # The pace of events (circle/limits.py) still checks each event, but lets them through: no waiting.
        self.app = create_app({**config_for(database), "EVENT_BURST": 10**6, "PERSON_EVENT_BURST": 10**6},
                              instance_path=str(folder / "instance"))
        with self.app.app_context():
            flask_migrate.upgrade()
            made = samen_vooruit()
            everyone_present(made)
            self.seated = [made.member_ids[name] for name in made.member_ids] + neighbours_present(made, members - 8)
        self.meeting_id = made.meeting_id
        self.console = live_connection(self.app, made, "Anna", **({"view": "console"} if pages else {}))
        self.others_clients = [live_connection(self.app, made, "Joost", **({"view": "phone"} if pages else {}))]
        settle(self.app)  # as the server does once started: what start-up made is not walked by every collection

    def version(self) -> int:
        with self.app.app_context():
            return db.session.get(Meeting, self.meeting_id).version

    def emit(self, event: str, payload: dict) -> float:
        """Send one event as the facilitator; the seconds until it was handled (waiting out `too_fast`), or
        with `counting`, the Python function calls it took (cProfile's count: the same on every run)."""
        while True:
            profile = cProfile.Profile() if self.counting else None
            start = time.perf_counter()
            if profile:
                profile.enable()
            ack = self.console.emit(event, payload, callback=True)
            if profile:
                profile.disable()
            took = pstats.Stats(profile).total_calls if profile else time.perf_counter() - start
            if ack.get("error") != "too_fast":
                break
            time.sleep(ack["retry_after"])
        assert ack["ok"], (event, ack)
        for sock in [self.console, *self.others_clients]:
            sock.get_received()
        return took

    def run(self, cycles: int) -> dict[str, list[float]]:
        """Rounds started, answered by everyone (recorded by the facilitator) and closed."""
        times: dict[str, list[float]] = {"start": [], "answer": [], "close": []}
        for cycle in range(cycles + 1):
            took = {"start": [self.emit("start_round", {"kind": "opening", "mode": "open",
                                                       "based_on": self.version()})],
                    "answer": [self.emit("contribute", {"member_id": m, "answer": "speak", "text": "Ja."})
                               for m in self.seated],
                    "close": [self.emit("close_round", {"based_on": self.version()})]}
            if cycle:  # the first warms up: templates compiled, caches filled
                for name, values in took.items():
                    times[name] += values
        return times

    def drawing(self, repeat: int = 20) -> list[str]:
        """Reading the meeting once, and drawing each part of a console's and a member's page."""
        lines = []
        with self.app.test_request_context():
            start = time.perf_counter()
            for _ in range(repeat):
                reading = parts.read(self.meeting_id)
            lines.append(f"  reading the meeting once: {(time.perf_counter() - start) / repeat * 1000:.2f} ms")
            for kind in ("console", "member"):
                with drawing_in("nl"):
                    for name in parts.KIND_PARTS[kind]:  # warm up: compile
                        parts._draw(parts.PARTS[name], parts._context(reading, kind))
                    start = time.perf_counter()
                    for _ in range(repeat):
                        ctx = parts._context(reading, kind)
                    cells = [f"context {(time.perf_counter() - start) / repeat * 1000:.2f}"]
                    total = 0.0
                    for name in parts.KIND_PARTS[kind]:
                        start = time.perf_counter()
                        for _ in range(repeat):
                            html = parts._draw(parts.PARTS[name], ctx)
                        each = (time.perf_counter() - start) / repeat * 1000
                        total += each
                        cells.append(f"{name} {each:.2f} ({len(html):,} B)")
                lines.append(f"  {kind}, every part {total:.1f} ms: " + ", ".join(cells))
        return lines

    def floor(self, repeat: int = 50) -> str:
        """The least a facilitator's step can cost on this stack: a lower bound for the figures above.

        One transaction on the meeting's database raises the version, reads the facts a step is checked on
        (the memberships with their attendance, the open round), appends a log entry to the hash chain and
        commits; then eight reads give the rows a state is built from (the meeting, its members, who is
        marked, the agenda, the latest round, its seats and answers, who is connected) and the state a
        program is sent is written as JSON. Every statement is plain SQLAlchemy Core, returning rows: no
        ORM objects, no rules checked, no round written, nothing built from the rows.
        docs/performance/rows.md, "The floor of a step", compares it with the bare server's step.
        """
        from circle import actions, facts, record
        from circle.models import AgendaItem, Connection, Contribution, Member, Person, Round, Seat
        from circle.read.state import meeting_state

        m = Meeting.__table__
        reads = [
            sa.select(m).where(m.c.id == sa.bindparam("meeting")),
            sa.select(Member.__table__, Person.__table__.c.name, Person.__table__.c.language)
            .join(Person.__table__).where(Member.__table__.c.circle_id == sa.bindparam("circle")),
            facts.MARKED,
            sa.select(AgendaItem.__table__).where(AgendaItem.__table__.c.meeting_id == sa.bindparam("meeting")),
            sa.select(Round.__table__).where(Round.__table__.c.meeting_id == sa.bindparam("meeting"))
            .order_by(Round.__table__.c.id.desc()).limit(1),
            sa.select(Seat.__table__).where(Seat.__table__.c.round_id == sa.bindparam("round")),
            sa.select(Contribution.__table__).where(Contribution.__table__.c.round_id == sa.bindparam("round")),
            sa.select(Connection.__table__.c.member_id).where(Connection.__table__.c.meeting_id
                                                              == sa.bindparam("meeting")),
        ]
        with self.app.app_context():
            state = meeting_state(self.meeting_id)
            circle_id = db.session.get(Meeting, self.meeting_id).circle_id
            latest = db.session.scalar(sa.select(sa.func.max(Round.id)).where(Round.meeting_id == self.meeting_id))
            engine = db.engine
        values = {"meeting": self.meeting_id, "meeting_id": self.meeting_id, "circle": circle_id,
                  "circle_id": circle_id, "round": latest, "today": NOW.date()}
        taken = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(actions._RAISE_VERSION, values)
                connection.execute(facts._MEMBERSHIPS, values).all()
                connection.execute(facts._OPEN_ROUND, values).all()
                length, head = connection.execute(record._HEAD_LOCKED, values).one()
                at = NOW.isoformat() + "Z"
                data = {"meeting": self.meeting_id, "round": 1, "kind": "opening", "mode": "open"}
                digest = record.entry_hash(seq=length + 1, circle=values["circle"], at=at, actor=None,
                                           action="start_round", data=data, prev=head or "")
                connection.execute(record._NEW_ENTRY, {
                    "circle_id": values["circle"], "seq": length + 1, "at": at, "actor_id": None,
                    "action": "start_round", "data": record.canonical(data), "prev_hash": head or "",
                    "hash": digest})
                connection.execute(record._NEW_HEAD, {**values, "seq": length + 1, "head": digest})
            with engine.connect() as connection:
                rows = [connection.execute(statement, values).all() for statement in reads]
            json.dumps(state)
            taken.append(time.perf_counter() - start)
        assert len(rows[1]) == len(self.seated) and len(rows[5]) == len(self.seated), "a whole meeting was read"
        return f"  the floor of a step (Core rows only, see `floor`): {ms(taken[1:])}"

    def close(self) -> None:
        for sock in [self.console, *self.others_clients]:
            sock.disconnect()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50, help="people in the circle, all present (at least 8)")
    parser.add_argument("--cycles", type=int, default=10, help="rounds measured (each: start, everyone, close)")
    parser.add_argument("--calls", action="store_true",
                        help="count Python function calls per event instead of timing (the same on every run)")
    args = parser.parse_args()
    clock.set_to(NOW)
    print(f"Kring action cost in process: {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.members} members present, "
          f"{args.cycles} rounds ({'function calls: median' if args.calls else 'ms: median, p90'})")
    for pages in (False, True):
        with tempfile.TemporaryDirectory(prefix="kring-cost-") as folder:
            room = Room(Path(folder), args.members, pages)
            room.counting = args.calls
            try:
                times = room.run(args.cycles)
                label = "a console and a phone (parts drawn)" if pages else "programs only (the JSON state)"
                figure = (lambda v: f"{int(statistics.median(v)):8,}") if args.calls else ms
                print(f"{label:40} start {figure(times['start'])}   answer {figure(times['answer'])}   "
                      f"close {figure(times['close'])}")
                if pages and not args.calls:
                    print("\n".join(room.drawing()))
                if not pages and not args.calls:
                    print(room.floor())
            finally:
                room.close()


if __name__ == "__main__":
    main()
