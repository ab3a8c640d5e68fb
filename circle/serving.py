"""Serving Kring with eventlet so that nobody can take it down: deadlines and caps at the door.

eventlet's WSGI server, left as it is, waits for a client as long as the
client likes: for the rest of the request headers, for a body that was
announced and never sent, for the rest of a body it refused, which it reads
to the end before the next request. Each such client holds one of the
server's places (`max_size`), and once every place is held the server stops
accepting: it stands still until it is restarted. So here each connection
gets, at most:

- REQUEST_HEADER_SECONDS for its request headers, counted from when the
  server starts waiting for them (a slowloris attack sends them a byte at a
  time; this is also how long a kept-alive connection may stay idle); then
  it is closed without an answer;
- REQUEST_BODY_SECONDS for the whole body, which is read into memory before
  the application sees the request, so no page and no Socket.IO post ever
  waits for a client; else `408 Request Timeout` and the connection closes.
  A body longer than the largest limit (MAX_CONTENT_LENGTH for pages,
  MAX_MESSAGE_BYTES for Socket.IO) is not read at all: the application
  answers `413` from its announced length, and the connection closes instead
  of being read to the end;
- SOCKET_TIMEOUT seconds for any read or write to make progress. On a
  WebSocket python-engineio sets PING_INTERVAL + PING_TIMEOUT instead, which
  cuts a message that stops halfway;
- a place only while fewer than MAX_CONNECTIONS - CONNECTION_HEADROOM
  connections are served, and fewer than MAX_CONNECTIONS_PER_ADDRESS from
  its address (an IPv6 address counts per /64, the block one subscriber
  gets; 0 is no cap per address); else `503` with `Retry-After` at once.
  eventlet's own pool is MAX_CONNECTIONS, so the headroom stays free for
  these refusals, and never more than the open files the system allows.

Only the eventlet server (the default, see circle/__main__.py) gets this
door; see docs/security.md, "Keeping the server up".
"""

from __future__ import annotations

import io
import ipaddress
import socket
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import eventlet
import eventlet.green.socket
import eventlet.wsgi
from eventlet.wsgi import HttpProtocol, Input
from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

#: A refused connection is still read from this long before it is closed, so that the client reads
#: the answer: closing a socket with unread data resets it, and the answer may be lost.
LINGER_SECONDS = 1.0
#: What a client is told to wait before it tries again after a 503.
RETRY_AFTER_SECONDS = 5
#: Connections the system queues until the server accepts them (the system may allow fewer).
BACKLOG = 1024
#: Open files kept for what is not a connection: the database, the log, Redis, the listening socket.
RESERVED_FILES = 64

BUSY = _l("Kring is busy right now. Please try again in a few seconds.")
LATE = _l("Your request did not arrive in time. Please try again.")
TOO_LARGE = _l("What you sent is too large.")


def address_key(host: str) -> str:
    """Whom a connection counts against: its IPv4 address, or the /64 its IPv6 address belongs to."""
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host  # not an IP address (a Unix socket): counted by its name
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(ip)


def plain_response(status: str, text: str, *headers: str) -> bytes:
    """A whole HTTP response with a short text, after which the server closes the connection."""
    body = text.encode()
    head = [f"HTTP/1.1 {status}", "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Refused(Exception):
    """A request the door answers itself (or closes, without `response`), before the application sees it."""

    def __init__(self, response: bytes | None):
        super().__init__("refused at the door")
        self.response = response


@dataclass
class Door:
    """The limits of one server, and who holds a place now."""

    header_seconds: float
    body_seconds: float
    body_limit: int
    served_max: int
    per_address_max: int
    headroom: int
    #: The answers: 503, 408 and 413, each in every language (nobody's language is known yet).
    busy: bytes = b""
    late: bytes = b""
    too_large: bytes = b""
    served: int = 0
    lingering: int = 0
    by_address: Counter = field(default_factory=Counter)

    def admit(self, client: Any) -> str | None:
        """Give the connection from `client` a place: its key, or None when it is over a cap."""
        key = address_key(client[0] if isinstance(client, tuple) else str(client))
        if self.served >= self.served_max:
            return None
        if self.per_address_max and self.by_address[key] >= self.per_address_max:
            return None
        self.served += 1
        self.by_address[key] += 1
        return key

    def leave(self, key: str) -> None:
        """The connection's place is free again."""
        self.served -= 1
        self.by_address[key] -= 1
        if self.by_address[key] <= 0:
            del self.by_address[key]

    def refuse(self, sock: socket.socket) -> None:
        """Answer 503 at once, without reading the request."""
        try:
            sock.sendall(self.busy)
        except OSError:
            return
        self.linger(sock)

    def linger(self, sock: socket.socket) -> None:
        """Stop writing, then read and drop what the client still sends for a moment, then let it close.

        When many connections linger at once (a flood) they close at once instead,
        so that refusals never use up the headroom kept for them.
        """
        if self.lingering >= self.headroom // 2:
            return
        self.lingering += 1
        try:
            sock.shutdown(socket.SHUT_WR)
            with eventlet.Timeout(LINGER_SECONDS, False):
                dropped = 0
                while dropped <= self.body_limit:
                    data = sock.recv(65536)
                    if not data:
                        break
                    dropped += len(data)
        except OSError:
            pass
        finally:
            self.lingering -= 1

    def protocol(self) -> type[Guarded]:
        """eventlet's request handler, with this door."""
        return type("DoorProtocol", (Guarded,), {"door": self})


class Guarded(HttpProtocol):
    """eventlet's HTTP handler with the door's caps and deadlines (this module's docstring).

    eventlet takes its handler class as the server's `protocol` argument, the
    one way in that it offers (its docstring calls the argument deprecated, with
    nothing in its place): if that ever stops working, tests/test_hardening.py fails.
    """

    door: Door

    def __init__(self, conn_state: list, server: Any):
        self._headers_due: eventlet.Timeout | None = None
        self._close_after = False
        key = self.door.admit(conn_state[0])
        if key is None:
            self.door.refuse(conn_state[1])
            return
        without_delay(conn_state[1])
        try:
            super().__init__(conn_state, server)
        finally:
            self.door.leave(key)

    def handle_one_request(self) -> None:
        """One request, its headers on a deadline; after a refusal the connection closes."""
        self._headers_due = eventlet.Timeout(self.door.header_seconds)
        try:
            super().handle_one_request()
        except eventlet.Timeout as timeout:
            if timeout is not self._headers_due:
                raise
            self.close_connection = 1  # too slow, or idle too long: closed without a word
        except Refused as refused:
            self._answer(refused.response)
        finally:
            self._headers_due.cancel()
        if self._close_after:
            self.close_connection = 1

    def get_environ(self) -> dict:
        """The headers are in: stop their deadline, and read the body before the application runs."""
        self._headers_due.cancel()
        environ = super().get_environ()
        given = environ["eventlet.input"]
        if given.chunked_input or given.content_length:
            body = self._body(environ, given)
            environ["wsgi.input"] = environ["eventlet.input"] = Input(io.BytesIO(body), len(body), self.connection)
        return environ

    def _body(self, environ: dict, given: Input) -> bytes:
        """The whole body within the deadline; nothing when it is over the limit (the application says 413)."""
        limit = self.door.body_limit
        if not given.chunked_input and given.content_length > limit:
            self._close_after = True
            return b""
        wanted = limit + 1 if given.chunked_input else given.content_length
        parts, got = [], 0
        due = eventlet.Timeout(self.door.body_seconds)
        try:
            while got < wanted:
                part = given.read(min(wanted - got, 65536))
                if not part:
                    break
                parts.append(part)
                got += len(part)
        except eventlet.Timeout as timeout:
            if timeout is not due:
                raise
            raise Refused(self.door.late) from None
        except OSError:  # the socket's own timeout, or the client went away
            raise Refused(self.door.late) from None
        except ValueError:  # a broken chunked body
            raise Refused(None) from None
        finally:
            due.cancel()
        if got > limit:
            raise Refused(self.door.too_large)
        if not given.chunked_input and got < wanted:
            raise Refused(None)  # the client closed before the end
        if given.chunked_input:
            environ["CONTENT_LENGTH"] = str(got)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return b"".join(parts)

    def _answer(self, response: bytes | None) -> None:
        """Answer a refused request ourselves (or not at all), then close the connection."""
        self._close_after = True
        self.close_connection = 1
        if response is not None:
            try:
                self.wfile.write(response)
                self.wfile.flush()
            except OSError:
                pass

    def finish(self) -> None:
        """After a refusal, linger before the close, so the client reads the answer."""
        if self._close_after:
            try:
                self.wfile.flush()
            except OSError:
                pass
            self.door.linger(self.connection)
        super().finish()


def without_delay(sock: socket.socket) -> None:
    """Send what is written at once (TCP_NODELAY), not held back for the peer's acknowledgement.

    Otherwise the system holds a small write while an earlier one is unacknowledged (Nagle's algorithm),
    and the peer delays its acknowledgement by up to 40 ms: the answer to a step, written just after the
    meeting's new state, reached the facilitator about 40 ms after the state did (tests/bench/live_latency.py,
    "ack p50"; docs/performance/sending.md). Not a TCP socket (a Unix socket): there is nothing to hold back.
    """
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


def open_files(wanted: int) -> int:
    """Raise this process's limit on open files towards `wanted`, as far as the system allows; the limit."""
    try:
        import resource
    except ImportError:  # not on a Unix: nothing to raise
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    return wanted if soft == resource.RLIM_INFINITY else soft


def door_for(app: Flask) -> tuple[Door, int]:
    """The door the settings describe, and the size of eventlet's pool (the most connections held at once)."""
    config = app.config
    pool = int(config["MAX_CONNECTIONS"])
    files = open_files(pool + RESERVED_FILES)
    if files < pool + RESERVED_FILES:
        pool = max(16, files - RESERVED_FILES)
        print(f"Kring: the system allows {files} open files, so at most {pool} connections "
              f"(MAX_CONNECTIONS is {config['MAX_CONNECTIONS']}); raise `ulimit -n` for more.", flush=True)
    headroom = min(int(config["CONNECTION_HEADROOM"]), pool // 4)
    limits = [n for n in (config.get("MAX_CONTENT_LENGTH"), config["MAX_MESSAGE_BYTES"]) if n]
    door = Door(
        header_seconds=float(config["REQUEST_HEADER_SECONDS"]),
        body_seconds=float(config["REQUEST_BODY_SECONDS"]),
        body_limit=max(limits),
        served_max=pool - headroom,
        per_address_max=int(config["MAX_CONNECTIONS_PER_ADDRESS"]),
        headroom=headroom,
    )
    busy, late, too_large = (_in_every_language(app, text) for text in (BUSY, LATE, TOO_LARGE))
    door.busy = plain_response("503 Service Unavailable", busy, f"Retry-After: {RETRY_AFTER_SECONDS}")
    door.late = plain_response("408 Request Timeout", late)
    door.too_large = plain_response("413 Content Too Large", too_large)
    return door, pool


def _in_every_language(app: Flask, text: Any) -> str:
    """`text` in each of Kring's languages, Dutch first, one a line."""
    with app.test_request_context():
        lines = []
        for lang in app.config["LANGUAGES"]:
            with force_locale(lang):
                lines.append(str(text))
    return "\n".join(lines) + "\n"


def serve(app: Flask, host: str, port: int) -> None:
    """Serve `app` (pages and Socket.IO) with eventlet's WSGI server behind the door, until stopped."""
    door, pool = door_for(app)
    family, _, _, _, address = eventlet.green.socket.getaddrinfo(host, port)[0]
    listener = eventlet.listen(address, family, backlog=BACKLOG)
    eventlet.wsgi.server(
        listener, app, log_output=False, debug=False, max_size=pool, protocol=door.protocol(),
        socket_timeout=float(app.config["SOCKET_TIMEOUT"]),
    )
