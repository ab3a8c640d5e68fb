"""Kring's server sends what it writes at once, not held back for the phone's acknowledgement.

Without TCP_NODELAY the system holds a small write while an earlier one is
unacknowledged (Nagle's algorithm), and the phone delays its acknowledgement:
the answer to a facilitator's step, written just after the meeting's new state,
arrived some 40 ms after the state, and an answer's "sending…" stayed that much
longer (circle/serving.py, `without_delay`; tests/bench/live_latency.py prints
the figures as "ack p50"; docs/performance/sending.md). Timings are the benchmark's:
here the option itself is checked, on the connection the real eventlet server
(circle/serving.py) hands the application.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from circle.serving import without_delay
from tests.server import ROOT, free_port

pytestmark = pytest.mark.server

HOST = "127.0.0.1"

#: Kring's app on Kring's eventlet server, with one more page: whether the connection it came over sends
#: at once (eventlet hands the application its socket, as python-engineio uses it for WebSockets).
SERVER = textwrap.dedent("""
    import warnings
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet
    eventlet.monkey_patch()
    import socket, sys
    from flask import request
    from circle import create_app, serving

    app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite:///{database}", "SECRET_KEY": "test",
                       "ASYNC_MODE": "eventlet"}}, instance_path="{instance}")

    @app.get("/sends-at-once")
    def sends_at_once():
        sock = request.environ["eventlet.input"].get_socket()
        return str(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    serving.serve(app, "{host}", {port})
""")


def _get(port: int, path: str, timeout: float = 20) -> str:
    """The page's text, once the server answers (it is still starting at first)."""
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200, (response.status, response.read()[:300])
            return response.read().decode()
        except (ConnectionRefusedError, ConnectionResetError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            connection.close()


def test_every_connection_of_the_server_sends_at_once(tmp_path: Path):
    port = free_port()
    code = SERVER.format(database=tmp_path / "kring.sqlite3", instance=tmp_path / "instance", host=HOST, port=port)
    server = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        assert _get(port, "/sends-at-once") == "1"
        assert _get(port, "/sends-at-once") == "1", "a second connection too"
    finally:
        server.terminate()
        said, _ = server.communicate(timeout=10)
    assert b"Traceback" not in said, said.decode(errors="replace")[-2000:]


def test_a_socket_is_made_to_send_at_once_and_a_unix_socket_is_left_as_it_is():
    with socket.create_server((HOST, 0)) as listener:
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # the system's default
                without_delay(accepted)
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
                client.sendall(b"still connected")
                assert accepted.recv(100) == b"still connected"
    one, other = socket.socketpair(socket.AF_UNIX)
    with one, other:
        without_delay(one)  # nothing to hold back there: no error
        one.sendall(b"ok")
        assert other.recv(10) == b"ok"
