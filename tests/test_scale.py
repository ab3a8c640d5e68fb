"""Kring at scale: two server processes joined by the Socket.IO message queue on Redis.

Several server processes joined by the message queue are a real, tested
path (docs/deploy.md). Here two `python -m circle` processes
(eventlet, as in production) run on two loopback ports, on ONE SQLite file
and ONE Redis queue (KRING_SOCKETIO_MESSAGE_QUEUE). The facilitator's phone
is on server B, the members' phones on A and B. A short meeting runs across
both: every answer must reach the phones on the other server too, and every
phone must hold the database's version. Then A is killed (SIGKILL): its phones
come back to A started again on the same port, get the state, and the meeting
goes on.

Needs a Redis server on 127.0.0.1:6379; skipped, saying why, where there is
none (`.ci/run` starts one).

Parallel runs. Redis pub/sub channels ignore the database number, so only the
Socket.IO channel name separates two runs on one Redis: each run gives its
servers a channel of its own with KRING_SOCKETIO_CHANNEL, and checks in Redis
(PUBSUB NUMSUB) that both listen there.

Every wait is bounded; only 127.0.0.1 is used; every process is stopped at
the end, also on failure.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.phones import Phone, converge, versioned
from tests.scenario import PEOPLE
from tests.server import Seeded, wait_for
from tests.services import RUN, QueuedServer, numsub, queue  # noqa: F401  (a fixture: Redis, or a skip saying why)

redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install -e '.[redis]')")

pytestmark = pytest.mark.server

NAMES = [name for name, _ in PEOPLE]
#: The facilitator (Anna, first in ring order) on B; the others alternate between A and B.
ON_B = NAMES[0::2]
ON_A = NAMES[1::2]


# --- Two servers on one database and one queue ---------------------------------------


@dataclass
class Meeting:
    a: QueuedServer
    b: QueuedServer
    seeded: Seeded
    phones: dict[str, Phone]
    queue: redis.Redis
    #: The Socket.IO channel the servers listen on.
    channel: str

    @property
    def on_a(self) -> list[Phone]:
        return [self.phones[n] for n in ON_A]

    @property
    def on_b(self) -> list[Phone]:
        return [self.phones[n] for n in ON_B]

    @property
    def anna(self) -> Phone:
        return self.phones["Anna"]

    def db_version(self) -> int:
        return self.a.meeting_version(self.seeded.meeting)


@pytest.fixture
def meeting(queue: redis.Redis, tmp_path: Path) -> Iterator[Meeting]:
    """Servers A and B on one database and one queue, and everyone's phone on one of them."""
    with ExitStack() as cleanup:
        a = QueuedServer(tmp_path / "a", tmp_path / "kring.sqlite3", "A")
        b = QueuedServer(tmp_path / "b", tmp_path / "kring.sqlite3", "B")
        seeded = a.prepare()  # migrations and the scenario, on the shared file
        for server in (a, b):
            cleanup.callback(server.stop)
            server.start()
            server.wake_socketio()
        for server in (a, b):
            server.wait_subscribed(queue)

        assert numsub(queue, RUN) == 2, "both servers listen on this run's own channel"
        channel = RUN

        phones: dict[str, Phone] = {}
        for name in NAMES:
            phone = Phone(b if name in ON_B else a, seeded, name)
            cleanup.callback(phone.close)
            phones[name] = phone.connect()
        yield Meeting(a, b, seeded, phones, queue, channel)


# --- Steps ----------------------------------------------------------------------------


def all_at_once(calls: list[Callable[[], dict]], timeout: float = 30) -> list[dict]:
    """Run the calls in parallel threads; return their results in order."""
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result(timeout=timeout) for f in futures]


def settle(m: Meeting, phones: list[Phone] | None = None) -> dict:
    """Every phone (or those given) holds the database's version, and the same state,
    which is also what server A and server B give when asked."""
    phones = list(m.phones.values()) if phones is None else phones
    state = converge(phones, m.db_version())
    for p in phones:
        ack = p.call("state")
        asked = versioned(ack["state"])  # see converge()
        assert ack["ok"] and asked == state, (p.name, p.server.label)
    return state


def answer_all(m: Meeting, kind: str) -> list[dict]:
    """Everyone, on both servers, answers the open round at once."""
    round_id = m.anna.snapshot()["round"]["id"]
    acks = all_at_once([lambda p=p: p.contribute("speak", f"{p.name} ({kind}) via {p.server.label}")
                        for p in m.phones.values()])
    state = settle(m)
    assert state["round"]["id"] == round_id and state["round"]["complete"]
    assert sorted(s["text"] for s in state["round"]["seats"]) == sorted(
        f"{p.name} ({kind}) via {p.server.label}" for p in m.phones.values())

    # Each answer was told to every phone, on the other server too (alone, or with others in a state).
    everyone = {p.member_id for p in m.phones.values()}
    for p in m.phones.values():
        heard = p.told_answers(round_id)
        assert heard == everyone, (
            f"{p.name} on {p.server.label} did not hear the answers of "
            f"{sorted(n for n, q in m.phones.items() if q.member_id in everyone - heard)}")
    return acks


# --- The test ---------------------------------------------------------------------------


def test_two_servers_on_one_queue_hold_one_meeting(meeting: Meeting):
    m, anna = meeting, meeting.anna
    assert {p.server.label for p in m.on_a} == {"A"} and {p.server.label for p in m.on_b} == {"B"}
    settle(m)

    # The facilitator on B opens; members on A and B say they are here.
    anna.step("open_meeting")
    assert settle(m)["meeting"]["status"] == "open"
    for p in m.phones.values():
        ack = p.call("mark_attendance", {"member_id": p.member_id, "present": True})
        assert ack["ok"], (p.name, ack)
    state = settle(m)
    assert all(member["present"] for member in state["members"])

    # An open round: everyone answers at once, on both servers.
    anna.step("start_round", kind="opening", mode="open")
    assert settle(m)["round"]["mode"] == "open"
    acks = answer_all(m, "opening")
    anna.step("close_round")
    assert settle(m)["round"]["status"] == "closed"

    # Server A dies. Its phones lose the meeting; B goes on without them.
    m.a.stop(signal.SIGKILL)
    wait_for(lambda: not any(p.connected for p in m.on_a), 10, what="A's phones to notice")
    anna.step("start_round", kind="closing", mode="open")
    first = m.phones[ON_B[1]].contribute("speak", f"{ON_B[1]} (closing) via B")
    state = settle(m, m.on_b)
    assert state["round"]["kind"] == "closing"
    assert all(p.version < first["version"] for p in m.on_a)

    # A starts again on the same port; its phones come back by themselves and catch up.
    m.a.start()
    for p in m.on_a:
        wait_for(lambda p=p: p.connects >= 2 and p.connected, 20, what=f"{p.name} back on A")
    m.a.wait_subscribed(m.queue)
    state = settle(m)
    assert state["round"]["kind"] == "closing" and state["version"] == first["version"]

    # The meeting goes on across both servers.
    rest = [p for p in m.phones.values() if p.name != ON_B[1]]
    acks += [first] + all_at_once([lambda p=p: p.contribute("speak", f"{p.name} (closing) via "
                                                            f"{p.server.label}") for p in rest])
    state = settle(m)
    assert state["round"]["complete"]
    round_id = state["round"]["id"]
    answered_after_restart = {p.member_id for p in rest}
    for p in m.phones.values():
        assert answered_after_restart <= p.told_answers(round_id), (p.name, p.server.label)
    anna.step("close_round")
    settle(m)
    anna.step("close_meeting")
    assert settle(m)["meeting"]["status"] == "closed"

    # The database holds each answer once; the log is intact.
    assert all(a["ok"] and not a["duplicate"] for a in acks)
    rows = m.a.query("SELECT id FROM contribution")
    assert sorted(r[0] for r in rows) == sorted(a["id"] for a in acks)
    assert len(rows) == 2 * len(NAMES)
    m.a.stop()
    m.b.stop()
    assert "log intact" in m.a.verify_log()
