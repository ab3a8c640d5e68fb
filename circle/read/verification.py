"""The "verified" mark on the record pages: is the circle's hash chain intact?

`record.verify` recomputes a circle's whole chain, from entry 1 to the head.
That is the real check, but it grows with the log. Measured here (SQLite,
Python 3.11, a 2-CPU machine shared with other test runs): 30,000 short
entries (about 150 bytes of data each) take 0.33 s; the 30,033 entries of
`tests/bigrecord.py`'s `make_big_record(1000, 20000)` (5.7 MB of data) take
0.67 to 0.93 s; about 11 to 30 µs per entry. Too slow for every page view of
a large record, and a page's cost must not grow with the record.

So a page shows the result of the last full check, kept per circle in this
process (not in the database: nothing new in the schema), and brings it up
to date cheaply:

- the circle row holds the number of entries and the latest hash
  (`log_length`, `log_head`); when they equal what was checked, the stored
  result stands (no query);
- when the log grew since, only the new entries are checked (one query, the
  new entries only): each must hash right and link to the previous one, the
  first to the head that was checked, the last must be the circle's head;
  so the mark stays "verified" from entry 1 to the head while a meeting runs;
- when that does not fit (the head changed without the log growing, entries
  vanished, a new entry does not hold), or no full check ran in this process
  yet, or the last one is older than `RECORD_FULL_CHECK_SECONDS` (default one
  hour; 0: never by age), a full check runs and its result is stored.

What this leaves out, said plainly: a change to an *old* entry that keeps the
stored head (someone editing the database file) is caught by the next full
check: `flask verify-log` on the command line, a downloaded log checked with
`docs/verify_log.py`, and, for the mark on the pages, the hourly full check
or the "Check now" button, which runs a full check (`check_now`; for
anonymous readers at most one every few seconds) and shows its result on its
own page. The mark says when the last full check ran.
The price: the first page view in a process, and one an hour, waits for a
full check (the figures above).

Each server process keeps its own results; several processes each do their
own full checks. A broken result stays broken until a full check passes.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from circle import record
from circle.extensions import db
from circle.models import Circle, LogEntry, utcnow

#: Seconds after which a page view runs a full check again.
DEFAULT_FULL_CHECK_SECONDS = 3600


@dataclass(frozen=True)
class Status:
    """What is known about a circle's chain, and since when."""

    circle_id: int
    #: The circle's count of entries and latest hash when this was checked.
    log_length: int
    log_head: str | None
    intact: bool
    #: The first entry that does not hold, and why (when broken).
    bad_seq: int | None
    reason: str
    values: tuple[tuple[str, int], ...]
    #: When the last full check ran (UTC) and how many entries it read.
    full_at: dt.datetime
    full_entries: int

    @classmethod
    def of(cls, verdict: record.Verdict, circle: Circle) -> Status:
        """The status a full check gives."""
        return cls(circle.id, circle.log_length, circle.log_head, verdict.intact,
                   verdict.bad_seq, verdict.reason, verdict.values, utcnow(), verdict.entries)

    @property
    def problem(self) -> str:
        """Why the chain does not hold, in the reader's language."""
        return gettext(self.reason, **dict(self.values)) if self.reason else ""

    def fits(self, circle: Circle) -> bool:
        """Checked against the circle as it is now."""
        return (self.log_length, self.log_head) == (circle.log_length, circle.log_head)


def _store() -> tuple[threading.Lock, dict[int, Status]]:
    """This app's results, per circle id (tests make many apps: one store each)."""
    return current_app.extensions.setdefault("kring.verification", (threading.Lock(), {}))


def _remember(status: Status) -> Status:
    lock, known = _store()
    with lock:
        known[status.circle_id] = status
    return status


def _too_old(status: Status) -> bool:
    seconds = current_app.config.get("RECORD_FULL_CHECK_SECONDS", DEFAULT_FULL_CHECK_SECONDS)
    return bool(seconds) and utcnow() - status.full_at > dt.timedelta(seconds=seconds)


def status(circle: Circle) -> Status:
    """The circle's chain status for a page: stored, brought up to date, or fully checked."""
    lock, known = _store()
    with lock:
        last = known.get(circle.id)
    if last is not None and not _too_old(last):
        if last.fits(circle):
            return last
        if last.intact and last.log_length < circle.log_length and _tail_holds(circle, last):
            return _remember(replace(last, log_length=circle.log_length, log_head=circle.log_head))
    return _full(circle)


def check_now(circle_id: int, not_within: float = 0) -> Status:
    """Run the full check now and keep its result (the "Check now" button, always full).

    `not_within` (seconds): give the last full check instead when it ran that
    recently, so anonymous visitors of a public record cannot keep the server
    busy with full checks; the result says when it ran.
    """
    circle = db.session.get(Circle, circle_id)
    db.session.refresh(circle)
    if not_within:
        lock, known = _store()
        with lock:
            last = known.get(circle.id)
        if last is not None and utcnow() - last.full_at < dt.timedelta(seconds=not_within):
            return last
    return _full(circle)


def _full(circle: Circle) -> Status:
    verdict = record.verify(circle.id)
    if not verdict.intact and verdict.entries > circle.log_length:
        # Entries were added while we read: read the circle's count again and check once more.
        db.session.refresh(circle)
        verdict = record.verify(circle.id)
    return _remember(Status.of(verdict, circle))


def _tail_holds(circle: Circle, last: Status) -> bool:
    """Do the entries after the last checked one chain onto it, up to the circle's head?

    Not a verdict: anything unexpected (a tampered new entry, a changed head)
    sends the caller to a full check, which names the entry.
    """
    rows = db.session.execute(
        sa.select(LogEntry.seq, LogEntry.at, LogEntry.actor_id, LogEntry.action,
                  LogEntry.data, LogEntry.prev_hash, LogEntry.hash)
        .where(LogEntry.circle_id == circle.id, LogEntry.seq > last.log_length,
               LogEntry.seq <= circle.log_length)
        .order_by(LogEntry.seq)
        .execution_options(yield_per=1000)
    )
    seq_expected, prev = last.log_length + 1, last.log_head or ""
    for seq, at, actor, action, data_text, prev_hash, stored in rows:
        try:
            data = json.loads(data_text)
        except ValueError:
            return False
        if seq != seq_expected or prev_hash != prev or record.canonical(data) != data_text:
            return False
        if stored != record.entry_hash(seq=seq, circle=circle.id, at=at, actor=actor,
                                       action=action, data=data, prev=prev):
            return False
        seq_expected, prev = seq + 1, stored
    return seq_expected == circle.log_length + 1 and prev == circle.log_head
