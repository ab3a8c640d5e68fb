"""The suite passes on any day: the scenario tests again, with the clock a year ahead.

Every test runs at tests/days.py's NOW. Here the scenario tests (those built on
tests/scenario.py and tests/samen_vooruit_flow.py) run once more in a fresh
pytest with KRING_TEST_TODAY a year later, so a date fixed in a test, or a
"today" read from the system instead of circle/clock.py, shows up as a
failure today rather than next year. See docs/time.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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


def test_the_scenarios_pass_a_year_later_too():
    later = one_year_later(TODAY)
    env = {**os.environ, "KRING_TEST_TODAY": later.isoformat(), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *SCENARIOS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    out = done.stdout
    assert f"Kring's clock stands at {later.isoformat()} 19:30" in out, out[:2000]
    assert done.returncode == 0, out[-6000:] + done.stderr[-2000:]
    collected = re.search(r"collected (\d+) items", out)
    passed = re.search(r"(\d+) passed", out)
    assert collected and passed and passed.group(1) == collected.group(1), out[-2000:]  # none skipped
    assert int(collected.group(1)) > 100, out[:2000]
