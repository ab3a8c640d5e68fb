"""Who is connected, against the real server: phones that vanish, a server that is killed.

The server runs with a 1 s ping interval and 1 s ping timeout, so a phone
that vanishes without a goodbye is noticed within about two seconds.
See tests/server.py and tests/phones.py; every wait is bounded, only 127.0.0.1 is used.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.phones import phone  # noqa: F401  (phone: a fixture)
from tests.server import KringServer, prepared, seeded, serve, wait_for  # noqa: F401  (prepared, seeded: fixtures)

pytestmark = pytest.mark.server


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    """The real server with a quick ping, on its own copy of the prepared database."""
    yield from serve(prepared, tmp_path, KRING_PING_INTERVAL="1", KRING_PING_TIMEOUT="1")


def rows(server: KringServer) -> list[tuple]:
    return server.query("SELECT member_id, server FROM connection ORDER BY member_id")


def test_a_phone_that_vanishes_is_dropped_within_seconds(server, seeded, phone):
    anna, joost = phone("Anna"), phone("Joost")
    both = sorted([seeded.members["Anna"], seeded.members["Joost"]])
    wait_for(lambda: anna.online == both, 5, what="Anna to see Joost connected")
    joost.sio.reconnection = False  # gone for good: no coming back this time
    joost.cut()  # no goodbye: only the ping timeout can tell
    wait_for(lambda: anna.online == [seeded.members["Anna"]], 8,
             what=f"Anna to see Joost gone (she sees {anna.online})")
    assert [r[0] for r in rows(server)] == [seeded.members["Anna"]]


def test_a_killed_servers_stale_rows_are_forgotten_at_start(server, seeded, phone):
    joost = phone("Joost")
    old_pid = server.process.pid
    wait_for(lambda: rows(server), 5, what="Joost's row")
    # Gone for good before the crash: closing after it could race the client's own reconnection
    # (it marks itself disconnected before it starts reconnecting, and a close in between does nothing).
    joost.sio.reconnection = False
    server.stop(signal.SIGKILL)  # a crash: the row of Joost's connection stays behind
    joost.close()
    [(member, holder)] = rows(server)
    assert holder.endswith(f":{old_pid}")
    server.start()
    assert rows(server) == []
    anna = phone("Anna")
    assert anna.online == [seeded.members["Anna"]]
