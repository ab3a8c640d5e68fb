"""Nobody can take the server down: attacks on the real server, and a meeting that still answers.

Each attack runs thousands of times from its own loopback address
(tests/attacks.py), leaving its sockets open as an attacker does: slow
long-polling posts and page posts whose bodies never come, WebSocket
messages that stop halfway, headers that never end. The server must answer
or cut every one of them within its deadline, so that no place is held for
good (circle/serving.py), and afterwards a phone on another address still
gets its page and its events answered within a second. Then the caps on
connections, and a member who floods events: refused past the pace with
`too_fast` (circle/limits.py), while marking oneself present again writes
nothing. docs/security.md, "Keeping the server up", says what each defence
is; tests/bench/flood.py measures what a flood costs the others.

The test servers use short deadlines (2 s, and Engine.IO pings of 2 s), so
that the run stays short; the defaults are longer (docs/security.md).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attacks import (
    HOST, Outcome, attack, from_address, handshake, page_post_without_body, raise_open_files, slow_headers,
    slow_polling_post, status_of, unfinished_websocket_message,
)
from tests.phones import Phone, phone  # noqa: F401  (phone: a fixture)
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    KringServer, Seeded, prepared, seeded, serve, wait_for,
)

pytestmark = pytest.mark.server

#: Deadlines of the test servers: short, so that the attacks end soon (the defaults are 10 s).
SECONDS = 2
#: Engine.IO's ping interval and timeout there: a WebSocket silent for both together is cut.
PING = 2
#: How late a close or an answer may come on a busy 2-core machine, beyond its deadline.
SLACK = 4
#: The pace of events (circle/__init__.py's defaults: the test servers keep them).
BURST, RATE, PERSON_BURST, PERSON_RATE = 60, 10, 100, 20


@pytest.fixture(scope="module", autouse=True)
def many_open_files() -> None:
    """Thousands of attacking sockets need the room, here and in the servers started from here."""
    raise_open_files()


#: The test servers' settings: short deadlines, the default caps.
SHORT = {"KRING_REQUEST_HEADER_SECONDS": str(SECONDS), "KRING_REQUEST_BODY_SECONDS": str(SECONDS),
         "KRING_PING_INTERVAL": str(PING), "KRING_PING_TIMEOUT": str(PING)}
#: Places per address where an attack holds its places until a deadline: so few that even a slow
#: machine attacks faster than the places free up, and the cap is seen refusing.
FEW = "100"


@pytest.fixture
def server(prepared, tmp_path: Path, request) -> Iterator[KringServer]:
    """The real server with short deadlines; a test may give it a cap per address (indirect parameter)."""
    cap = {"KRING_MAX_CONNECTIONS_PER_ADDRESS": request.param} if hasattr(request, "param") else {}
    yield from serve(prepared, tmp_path, **SHORT, **cap)


def meeting_page(server: KringServer, seeded: Seeded, cookie: str) -> tuple[int, float]:
    """A member's meeting page, from 127.0.0.1: its status, and how long it took."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        connection.request("GET", f"/c/{seeded.circle}/meetings/{seeded.meeting}/", headers={"Cookie": cookie})
        answer = connection.getresponse()
        answer.read()
        return answer.status, time.monotonic() - started
    finally:
        connection.close()


def still_answers(server: KringServer, seeded: Seeded, joost: Phone) -> None:
    """A page and a socket event, each answered within a second, and a new phone connects."""
    status, seconds = meeting_page(server, seeded, joost.cookie)
    assert status == 200 and seconds < 1, (status, seconds)
    started = time.monotonic()
    ack = joost.call("state")
    assert ack["ok"] and time.monotonic() - started < 1, time.monotonic() - started
    again = Phone(server, seeded, "Joost").connect()
    try:
        assert again.call("state")["ok"]
    finally:
        again.close()


def assert_all_cut(outcome: Outcome, within: dict[str, float], answers: dict[str, set]) -> None:
    """No attack failed or held its socket; each kind was closed in time, with one of its answers."""
    assert outcome.failed == 0, f"{outcome.failed} attacks found no answer from the server"
    assert not outcome.left_open, f"{len(outcome.left_open)} sockets still open: {outcome.answers()}"
    for watched in outcome.closed:
        assert watched.answer in answers[watched.kind], (watched, outcome.answers())
        assert watched.closed_after <= within[watched.kind] + SLACK, watched


def test_slow_posts_thousands_of_times_then_a_page_and_an_event_still_answer(server, seeded, phone):
    """5,000 long-polling posts announcing 2 MB that never come, and 1,000 page posts without their body."""
    joost = phone("Joost")
    kinds = [("polling", slow_polling_post)] * 5 + [("page", page_post_without_body)]
    outcome = attack(kinds, server.port, "127.0.0.2", times=6_000, within=SECONDS + SLACK + 2)
    # 413 at once for the post over the limit (and its session ended), 408 when the body is late,
    # 503 at once when the attacker holds as many places as one address may.
    assert_all_cut(outcome, within={"polling": 1, "page": SECONDS + 1},
                   answers={"polling": {413, 503}, "page": {408, 503}})
    assert sum(w.kind == "polling" for w in outcome.closed) == 5_000
    still_answers(server, seeded, joost)
    print(f"\n6,000 slow posts in {outcome.seconds:.1f} s: {outcome.answers()}, slowest close "
          f"{outcome.slowest():.2f} s")


@pytest.mark.parametrize("server", [FEW], indirect=True)
def test_unfinished_websocket_messages_thousands_of_times(server, seeded, phone):
    """5,000 WebSockets that announce a message and stop halfway: each is cut, or refused at the door."""
    joost = phone("Joost")
    outcome = attack([("websocket", unfinished_websocket_message)], server.port, "127.0.0.3", times=5_000,
                     within=2 * PING + SLACK + 2)
    # Cut when Engine.IO's socket timeout (ping interval + ping timeout) runs out: no answer (None),
    # or the Engine.IO ping frame came first (0: not HTTP); beyond the cap per address, 503.
    assert_all_cut(outcome, within={"websocket": 2 * PING + 1}, answers={"websocket": {None, 0, 503}})
    assert outcome.answers().get(503), "the cap per address never refused one"
    still_answers(server, seeded, joost)
    print(f"\n5,000 unfinished WebSocket messages in {outcome.seconds:.1f} s: {outcome.answers()}")


@pytest.mark.parametrize("server", [FEW], indirect=True)
def test_slow_headers_thousands_of_times(server, seeded, phone):
    """5,000 requests whose headers never end, a byte every half second: each closed at the deadline."""
    joost = phone("Joost")
    outcome = attack([("headers", slow_headers)], server.port, "127.0.0.4", times=5_000, trickle=True,
                     within=SECONDS + SLACK + 2)
    assert_all_cut(outcome, within={"headers": SECONDS}, answers={"headers": {None, 503}})
    assert outcome.answers().get(503), "the cap per address never refused one"
    still_answers(server, seeded, joost)
    print(f"\n5,000 slow headers in {outcome.seconds:.1f} s: {outcome.answers()}")


def exchange(sock, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send one request on an open socket and read its whole answer: status and body."""
    sock.sendall(head.encode() + b"\r\n" + body)
    answer = http.client.HTTPResponse(sock)
    try:
        answer.begin()
        return answer.status, answer.read()
    finally:
        answer.close()


def test_a_chunked_body_is_read_whole_and_one_over_the_limit_is_refused(server):
    """A chunked post reaches Engine.IO whole; one longer than any limit gets 413, and the connection closes."""
    sock = from_address(server.port, "127.0.0.5")
    try:
        opened = handshake(sock, "/socket.io/?EIO=4&transport=polling").body.decode()
        sid = opened[opened.index('"sid":"') + 7:].split('"', 1)[0]
        path = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
        chunked = f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n"
        assert exchange(sock, chunked, b"1\r\n4\r\n1\r\n0\r\n0\r\n\r\n") == (200, b"OK")  # "40", in two
        status, packets = exchange(sock, f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n")
        assert status == 200 and b'44{"message":"not_allowed"}' in packets  # Socket.IO read the "40"
        limit = 256 * 1024
        status, said = exchange(sock, chunked, b"".join(b"8000\r\n" + b"4" * 0x8000 + b"\r\n"
                                                        for _ in range(limit // 0x8000 + 1)) + b"0\r\n\r\n")
        assert status == 413 and "Wat je stuurde is te groot.".encode() in said
        sock.settimeout(SLACK)
        while sock.recv(65536):
            pass  # what is left of our answer: then the server closes
    finally:
        sock.close()


@pytest.fixture
def small_server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    """A server with small caps: 150 places served (200 less a headroom of 50), 40 per address."""
    yield from serve(prepared, tmp_path, KRING_MAX_CONNECTIONS="200", KRING_CONNECTION_HEADROOM="50",
                     KRING_MAX_CONNECTIONS_PER_ADDRESS="40", KRING_REQUEST_HEADER_SECONDS="20")


@pytest.fixture
def held() -> Iterator[list]:
    """Sockets a test holds open; closed when it ends, whatever happened."""
    sockets: list = []
    yield sockets
    for sock in sockets:
        sock.close()


def hold(held: list, port: int, source: str, n: int) -> list:
    """`n` connections from `source` that send nothing yet (each holds a place until its deadline)."""
    made = [from_address(port, source) for _ in range(n)]
    held.extend(made)
    time.sleep(0.3)  # the server has taken each of them in
    return made


def refused_at_once(port: int, source: str) -> tuple[int | None, bytes]:
    """Connect from `source`: the status the server sends before we send anything, if it does at once."""
    sock = from_address(port, source, timeout=1)
    try:
        data = sock.recv(4096)
    except TimeoutError:
        return None, b""  # nothing: given a place
    finally:
        sock.close()
    return status_of(data), data


def test_connection_caps_per_address_and_in_total(small_server, held):
    port = small_server.port
    first = hold(held, port, "127.0.0.10", 40)
    status, answer = refused_at_once(port, "127.0.0.10")  # one more from the same address
    assert status == 503 and b"Retry-After: 5" in answer, answer
    assert "Kring is nu druk".encode() in answer and b"Kring is busy" in answer  # Dutch, then English
    assert refused_at_once(port, "127.0.0.11")[0] is None  # another address is still welcome
    others = [hold(held, port, f"127.0.0.{12 + i}", 40) for i in range(2)] + [hold(held, port, "127.0.0.14", 30)]
    assert refused_at_once(port, "127.0.0.15")[0] == 503  # 40 + 80 + 30 hold all 150 places
    for sock in first:
        sock.close()
    wait_for(lambda: refused_at_once(port, "127.0.0.15")[0] is None, 5, what="a place free again")
    for group in others:
        for sock in group:
            sock.close()
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    connection.request("GET", "/")
    assert connection.getresponse().status in (200, 302)
    connection.close()


def test_a_flood_of_events_from_one_member_is_refused_past_its_pace(server, seeded, phone):
    """500 times "I am here" as fast as one phone can: `too_fast` past the pace, and nothing written twice."""
    anna, joost = phone("Anna"), phone("Joost")
    opened = anna.step("open_meeting")["version"]
    wait_for(lambda: anna.version == joost.version == opened, 5, what="both phones see the meeting open")
    heard: list[int] = []
    anna.sio.on("state", lambda state: (heard.append(state["version"]), anna._take(state)))
    log_before, version_before = server.query("SELECT count(*) FROM log_entry")[0][0], anna.version
    acks = flood(joost, "mark_attendance", {"member_id": joost.member_id, "present": True}, 500)
    accepted = [a for a in acks if a["ok"]]
    refused = [a for a in acks if not a["ok"]]
    assert len(acks) == 500 and len(accepted) + len(refused) == 500
    assert {a["error"] for a in refused} == {"too_fast"}
    assert refused[0]["message"] == "Je stuurt sneller dan Kring kan verwerken. Wacht even en probeer het opnieuw."
    assert all(0 < a["retry_after"] <= 1 for a in refused)
    elapsed = acks_elapsed(acks)
    assert BURST <= len(accepted) <= BURST + RATE * elapsed + 1, (len(accepted), elapsed)
    # Only the first "I am here" changed anything; the others were answered `unchanged`.
    assert sum(not a["unchanged"] for a in accepted) == 1
    assert server.query("SELECT count(*) FROM log_entry")[0][0] == log_before + 1
    assert server.meeting_version(seeded.meeting) == version_before + 1
    time.sleep(0.5)
    assert heard == [version_before + 1], heard  # one broadcast, not 500
    still_answers(server, seeded, joost)


def test_one_person_on_several_connections_has_one_pace(server, seeded, phone):
    """Three phones of one member asking for the state at once share the person's pace."""
    joosts = [phone("Joost") for _ in range(3)]
    results: list[list[dict]] = [[] for _ in joosts]
    threads = [threading.Thread(target=lambda i=i: results[i].extend(flood(joosts[i], "state", None, 200)))
               for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = max(acks_elapsed(r) for r in results)
    per_phone = [sum(a["ok"] for a in r) for r in results]
    assert all(n <= BURST + RATE * elapsed + 1 for n in per_phone), (per_phone, elapsed)
    assert PERSON_BURST <= sum(per_phone) <= PERSON_BURST + PERSON_RATE * elapsed + 1, (per_phone, elapsed)
    assert phone("Anna").call("state")["ok"]  # another member has a pace of their own


def flood(who: Phone, event: str, payload, times: int) -> list[dict]:
    """Send `event` `times` times without waiting for answers; the acknowledgements, each with its moment."""
    acks: list[dict] = []
    lock = threading.Lock()
    started = time.monotonic()

    def got(ack: dict) -> None:
        with lock:
            acks.append({**ack, "_at": time.monotonic() - started})

    for _ in range(times):
        who.sio.emit(event, payload, callback=got)
    wait_for(lambda: len(acks) == times, 60, what=f"{times} acknowledgements")
    return acks


def acks_elapsed(acks: list[dict]) -> float:
    """From the first send to the last acknowledgement: the longest time the buckets could refill."""
    return max(a["_at"] for a in acks)
