"""The one clock of Kring: every "now" and every "today" comes from here.

The record hashes moments to the second, a meeting's date decides who was
expected there, and reviews fall due on a day. If any of that read the
system clock directly, the tests would pass on the day they were written
and fail on another. So nothing else in Kring asks the system for the time:
tests freeze this clock (tests/conftest.py), and a test server can run it
on from a chosen moment. See docs/time.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: Where the circles live, unless the installation sets BABEL_DEFAULT_TIMEZONE: "today" is the
#: date there (a meeting at 00:30 is on the new day).
TIME_ZONE = "Europe/Amsterdam"

_set_to: dt.datetime | None = None  # the moment the clock was set to, UTC, naive
_set_at = 0.0  # time.monotonic() when it was set
_running = False  # whether it runs on from there, or stands still


def now() -> dt.datetime:
    """Now, in UTC, to the second, without tzinfo: what the record shows and hashes."""
    return instant().replace(microsecond=0)


def instant() -> dt.datetime:
    """Now, in UTC, to the microsecond: for a page to count a speaking time from the server's clock
    (docs/facilitation.md); never stored, never hashed."""
    if _set_to is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if _running:
        return _set_to + dt.timedelta(seconds=time.monotonic() - _set_at)
    return _set_to


_today: tuple[dt.datetime, str, dt.date] | None = None  # the last answer of `today`, and what it was for


def today() -> dt.date:
    """Today's date where the circles live.

    Asked for every member whenever the method checks who is active (a
    reading of a meeting of fifty asks it hundreds of times), so it is worked
    out once per second and time zone.
    """
    global _today
    moment, where = now(), zone()
    if _today is None or _today[0] != moment or _today[1] != where.key:
        _today = (moment, where.key, local(moment).date())
    return _today[2]


def zone() -> ZoneInfo:
    """The circles' time zone: the installation's setting, else Amsterdam."""
    if has_app_context():
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or TIME_ZONE)
    return ZoneInfo(TIME_ZONE)


def local(moment: dt.datetime) -> dt.datetime:
    """A moment of the record (UTC, naive) as the clock on the wall shows it."""
    return moment.replace(tzinfo=dt.UTC).astimezone(zone())


def at_local(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """The moment (UTC, naive) when the clock on the wall shows `day`, `hour`:`minute`."""
    moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone())
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def stopwatch() -> float:
    """Seconds that really pass, from an arbitrary start: for rates and deadlines, never frozen.

    How fast someone sends, or how long a request takes, is about real time,
    not about the record's moments; tests measure it as it passes.
    """
    return time.monotonic()


def set_to(moment: dt.datetime, running: bool = False) -> None:
    """Make `now()` answer `moment` (UTC; aware or naive), standing still or running on from it.

    For tests, and for a demo server that plays a given day.
    """
    global _set_to, _set_at, _running
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    _set_to, _set_at, _running = moment, time.monotonic(), running


@contextmanager
def played_at(moment: dt.datetime) -> Iterator[None]:
    """Stand the clock at `moment` (UTC) for a block, then let it go on exactly as before.

    For the demo, which writes a circle's history on the days it happened, so
    its log runs forward in time like any other.
    """
    global _set_to, _set_at, _running
    saved = (_set_to, _set_at, _running)
    set_to(moment)
    try:
        yield
    finally:
        _set_to, _set_at, _running = saved


def reset() -> None:
    """Back to the system's clock."""
    global _set_to, _running
    _set_to, _running = None, False
