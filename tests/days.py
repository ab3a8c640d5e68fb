"""The day the suite plays on, and dates relative to it.

Every test runs with Kring's clock (circle/clock.py) frozen at `NOW`, so no
result depends on the day the suite runs. `TODAY` is fixed; set
`KRING_TEST_TODAY=YYYY-MM-DD` to play the whole suite on another day (a year
ahead, say): scenarios take their dates from here, never from a calendar.
See docs/time.md.
"""

from __future__ import annotations

import datetime as dt
import os

from circle import clock

#: The day of the Samen Vooruit meeting in the scenarios.
TODAY = dt.date.fromisoformat(os.environ.get("KRING_TEST_TODAY") or "2026-11-23")
#: Half past seven in the evening in Amsterdam on that day: the meeting is under way.
NOW = clock.at_local(TODAY, 19, 30)


def days(n: int) -> dt.date:
    """The date `n` days after TODAY (before it, for a negative `n`)."""
    return TODAY + dt.timedelta(days=n)


def one_year_later(day: dt.date) -> dt.date:
    """The same date a year on (28 February for a 29th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def shown(day: dt.date, locale: str = "en") -> str:
    """A date as the pages show it (Babel's medium format): "Nov 23, 2026", "23 nov 2026"."""
    from babel.dates import format_date

    return format_date(day, "medium", locale=locale)
