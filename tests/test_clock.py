"""Kring's one clock (circle/clock.py, docs/time.md): "today" is the date where the circles live, asked anew.

`clock.today()` is asked for every member whenever the method checks who is
active, so it remembers its last answer for the second and time zone it was
worked out for. These check that the remembered answer never outlives them:
one second past midnight in Amsterdam is the next day, and an installation in
another time zone gets its own date at the same moment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from circle import clock, create_app
from tests.conftest import config_for


def test_today_turns_at_midnight_in_amsterdam_one_second_after_it_was_asked():
    last_second = clock.at_local(dt.date(2027, 3, 14), 23, 59) + dt.timedelta(seconds=59)
    with clock.played_at(last_second):
        assert clock.today() == dt.date(2027, 3, 14)
        assert clock.today() == dt.date(2027, 3, 14)  # asked again in the same second
    with clock.played_at(last_second + dt.timedelta(seconds=1)):
        assert clock.today() == dt.date(2027, 3, 15)
    with clock.played_at(last_second):
        assert clock.today() == dt.date(2027, 3, 14)  # and back: nothing is kept past its second


def test_today_is_the_installations_own_date_at_the_same_moment(tmp_path: Path):
    moment = dt.datetime(2027, 3, 14, 23, 30)  # UTC: the 15th in Amsterdam, still the 14th in New York
    elsewhere = create_app({**config_for(tmp_path / "kring.sqlite3"), "BABEL_DEFAULT_TIMEZONE": "America/New_York"})
    with clock.played_at(moment):
        assert clock.today() == dt.date(2027, 3, 15)
        with elsewhere.app_context():
            assert clock.today() == dt.date(2027, 3, 14)
        assert clock.today() == dt.date(2027, 3, 15)
