"""Attacks on the real server, as tests/test_hardening.py and tests/bench/flood.py make them.

Each attack is a raw socket from a loopback address of its own: Linux routes
all of 127.0.0.0/8 to the loopback interface, so an attack bound to
127.0.0.2 counts against another address than the phones on 127.0.0.1, as
an attacker on the internet would. The attack leaves its socket open, as an
attacker does, and hands it to the `Reaper`, which watches every attacking
socket until the server closes it and notes what the server answered and
when. A socket the server never closes is a place of the server held for
good: the tests count those.

Every wait is bounded; only 127.0.0.0/8 is used.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

HOST = "127.0.0.1"


def raise_open_files(wanted: int = 16_384) -> int:
    """Let this process (and the servers it starts) hold many sockets, as far as the system allows."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def from_address(port: int, source: str, timeout: float = 5) -> socket.socket:
    """A TCP connection to the server from `source` (an address in 127.0.0.0/8)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.bind((source, 0))
        sock.connect((HOST, port))
    except BaseException:
        sock.close()
        raise
    return sock


def status_of(data: bytes) -> int | None:
    """The status code of an HTTP response that begins with `data`."""
    if data.startswith(b"HTTP/1."):
        try:
            return int(data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return None
    return None


def handshake(sock: socket.socket, path: str, headers: str = "") -> http.client.HTTPResponse:
    """Send a GET on `sock` and read its whole answer (the socket stays open)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{headers}\r\n".encode())
    answer = http.client.HTTPResponse(sock)
    try:
        answer.begin()
        answer.body = answer.read() if answer.status != 101 else b""
    finally:
        answer.close()  # its reader only: the socket stays open
    return answer


# --- The attacks: each works on an open socket, and returns what it was answered at once, if anything ----


def slow_polling_post(sock: socket.socket) -> int | None:
    """Open an Engine.IO polling session, then announce a 2 MB post and send nothing of it."""
    opened = handshake(sock, "/socket.io/?EIO=4&transport=polling")
    if opened.status != 200:
        return opened.status
    text = opened.body.decode()
    sid = json.loads(text[text.index("{"):text.rindex("}") + 1])["sid"]
    sock.sendall(f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {HOST}\r\n"
                 "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 2000000\r\n\r\n".encode())
    return None


def page_post_without_body(sock: socket.socket) -> int | None:
    """A page's form post that announces 1,000 bytes and sends none."""
    sock.sendall(f"POST /lang HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: 1000\r\n\r\n".encode())
    return None


def slow_headers(sock: socket.socket) -> int | None:
    """A request whose headers never end (slowloris); the Reaper trickles a byte now and then."""
    sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ".encode())
    return None


def unfinished_websocket_message(sock: socket.socket) -> int | None:
    """A WebSocket to Engine.IO that announces a 60,000-byte message and sends 100 bytes of it."""
    key = base64.b64encode(os.urandom(16)).decode()
    upgraded = handshake(sock, "/socket.io/?EIO=4&transport=websocket", (
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"))
    if upgraded.status != 101:
        return upgraded.status
    mask = os.urandom(4)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b"4" * 100))
    sock.sendall(struct.pack("!BBH", 0x81, 0x80 | 126, 60_000) + mask + payload)
    return None


# --- Watching every attacking socket until the server closes it ---------------------------------------


@dataclass
class Watched:
    kind: str
    since: float
    answer: int | None = None
    trickle: bool = False
    closed_after: float | None = None


class Reaper:
    """Watches attacking sockets until the server closes them: what each was answered, and when."""

    def __init__(self, trickle_every: float = 0.5):
        self.trickle_every = trickle_every
        self._new: queue.Queue = queue.Queue()
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self.done: list[Watched] = []
        self.watching = 0
        self._thread = threading.Thread(target=self._run, name="reaper", daemon=True)
        self._thread.start()

    def hand(self, sock: socket.socket, watched: Watched) -> None:
        self._new.put((sock, watched))

    def _run(self) -> None:
        last_trickle = time.monotonic()
        while not self._stop.is_set():
            while True:
                try:
                    sock, watched = self._new.get_nowait()
                except queue.Empty:
                    break
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ, watched)
                self.watching += 1
            for key, _ in self._selector.select(0.02):
                self._read(key.fileobj, key.data)
            if time.monotonic() - last_trickle >= self.trickle_every:
                last_trickle = time.monotonic()
                for key in list(self._selector.get_map().values()):
                    if key.data.trickle and key.data.answer is None:
                        try:
                            key.fileobj.send(b"x")
                        except OSError:
                            self._closed(key.fileobj, key.data)

    def _read(self, sock: socket.socket, watched: Watched) -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:  # reset by the server: closed too
            data = b""
        if data:
            if watched.answer is None:
                watched.answer = status_of(data) or 0
            return
        self._closed(sock, watched)

    def _closed(self, sock: socket.socket, watched: Watched) -> None:
        watched.closed_after = time.monotonic() - watched.since
        self._selector.unregister(sock)
        sock.close()
        self.watching -= 1
        self.done.append(watched)

    def finish(self, within: float) -> list[Watched]:
        """Wait (at most `within` seconds) until the server closed every socket; the ones still open are returned."""
        deadline = time.monotonic() + within
        while (self.watching or not self._new.empty()) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        self._thread.join(5)
        left = [key.data for key in self._selector.get_map().values()]
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()
        self._selector.close()
        return left


@dataclass
class Outcome:
    """What a run of attacks met: the sockets the server closed, the ones left open, the attacks that failed."""

    closed: list[Watched]
    left_open: list[Watched]
    failed: int
    seconds: float

    def answers(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for w in self.closed + self.left_open:
            counts[w.answer] = counts.get(w.answer, 0) + 1
        return counts

    def slowest(self) -> float:
        return max((w.closed_after or 0.0) for w in self.closed) if self.closed else 0.0


def attack(attacks: list[tuple[str, Callable[[socket.socket], int | None]]], port: int,
           source: str, times: int, workers: int = 32, within: float = 10, trickle: bool = False,
           give_up_after: int = 100) -> Outcome:
    """Run the attacks in turn `times` times from `source`, then wait `within` s for the server to close them."""
    reaper = Reaper()
    failed = 0
    lock = threading.Lock()
    started = time.monotonic()

    def once(i: int) -> None:
        nonlocal failed
        if failed >= give_up_after:
            return  # the server no longer answers: stop, rather than wait out every attack
        kind, make = attacks[i % len(attacks)]
        since = time.monotonic()
        try:
            sock = from_address(port, source)
        except OSError:
            with lock:
                failed += 1
            return
        try:
            answer = make(sock)
        except (OSError, http.client.HTTPException, ValueError):
            sock.close()
            with lock:
                failed += 1
            return
        reaper.hand(sock, Watched(kind, since, answer, trickle=trickle and answer is None))

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(once, range(times)))
    left = reaper.finish(within)
    return Outcome(reaper.done, left, failed, time.monotonic() - started)
