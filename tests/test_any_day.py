"""The suite passes on any day: the scenario tests again, with the clocks a year ahead.

Every test runs at tests/days.py's NOW. Here the scenario tests (those built on
tests/scenario.py and tests/samen_vooruit_flow.py) run once more in a fresh
pytest with KRING_TEST_TODAY a year later, and, where `faketime` is installed
(.ci/run installs it), with the machine's own clock more than a year ahead as
well: a date fixed in a test, or a "today" read from the system instead of
circle/clock.py (in the tests or in the real server they start), shows up as a
failure today rather than next year. See docs/time.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.days import TODAY, one_year_later

ROOT = Path(__file__).resolve().parent.parent

#: The tests that play the Samen Vooruit scenarios through the actions and the pages.
SCENARIOS = [
    "tests/test_samen_vooruit.py", "tests/test_minutes.py", "tests/test_minutes_outcomes.py",
    "tests/test_decision_page.py", "tests/test_membership.py", "tests/test_reviews.py",
    "tests/test_public_record.py", "tests/test_corrections.py", "tests/test_pages_circle.py",
    "tests/test_meeting_page.py", "tests/test_live.py", "tests/test_live_pages.py",
    "tests/test_state_machine.py", "tests/test_tamper_evidence.py", "tests/test_record.py",
    "tests/test_server.py",
]

#: libfaketime's command, which moves the machine's clock for the program it starts and its children.
FAKETIME = shutil.which("faketime")
#: How far it moves it: past the year Kring's own clock moves.
AHEAD = "+400d"


def machine_ahead(command: list[str]) -> list[str]:
    """`command` with the machine's clock AHEAD, where faketime is installed."""
    return [FAKETIME, "-f", AHEAD, *command] if FAKETIME else command


def test_the_scenarios_pass_a_year_later_too():
    later = one_year_later(TODAY)
    env = {**os.environ, "KRING_TEST_TODAY": later.isoformat(), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        machine_ahead([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *SCENARIOS]),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    out = done.stdout
    assert f"Kring's clock stands at {later.isoformat()} 19:30" in out, out[:2000]
    if FAKETIME:
        machine = re.search(r"The machine's own date: (\S+)", out)
        assert machine and dt.date.fromisoformat(machine.group(1)) > later, out[:2000]
    assert done.returncode == 0, out[-6000:] + done.stderr[-2000:]
    collected = re.search(r"collected (\d+) items", out)
    passed = re.search(r"(\d+) passed", out)
    assert collected and passed and passed.group(1) == collected.group(1), out[-2000:]  # none skipped
    assert int(collected.group(1)) > 100, out[:2000]


@pytest.mark.skipif(not FAKETIME, reason="faketime is not installed: the scenarios ran a year later "
                                          "on Kring's clock only, with the machine's clock as it is")
def test_the_test_clients_waits_end_with_the_machine_clock_ahead():
    """Under libfaketime a timed lock wait never ends, so the test clients wait otherwise (docs/time.md)."""
    waits = "from tests.phones import client; print(client().eio.create_event().wait(0.2))"
    done = subprocess.run(machine_ahead([sys.executable, "-c", waits]), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr[-2000:]
