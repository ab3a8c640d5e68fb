"""Revoking a sign-in stops an already open socket at once, against the real server.

Joost's phone follows the meeting over a real WebSocket. Fatima (secretary)
revokes his link from the circle's page; or Joost signs out everywhere from
his laptop; or an administrator revokes it on the command line, in another
process that no message queue joins to the server. Each time his phone is
disconnected, hears nothing of what happens next, and neither his link nor
his remembered cookies let him back in. See tests/server.py and tests/phones.py; every wait is
bounded, only 127.0.0.1 is used.
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from tests.conftest import find_csrf_token
from tests.phones import client, phone  # noqa: F401  (phone: a fixture)
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    HOST, KringServer, clock_code, prepared, seeded, serve, sign_in, wait_for,
)

pytestmark = pytest.mark.server


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


def request(server: KringServer, method: str, path: str, cookie: str, form: dict | None = None):
    """One request with a browser's cookies; the status, the Location and the body."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        headers = {"Cookie": cookie}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read().decode()
    finally:
        connection.close()


def post_form(server: KringServer, page: str, action: str, cookie: str) -> int:
    """Open a page, then post one of its forms (with its CSRF token); the answer's status."""
    status, _, html = request(server, "GET", page, cookie)
    assert status == 200, (page, status)
    status, _, _ = request(server, "POST", action, cookie, {"csrf_token": find_csrf_token(html)})
    return status


def can_connect(server: KringServer, cookie: str, meeting: int) -> bool:
    """Whether a fresh Socket.IO connection with these cookies is accepted."""
    sio = client(reconnection=False)
    try:
        sio.connect(server.url, headers={"Cookie": cookie}, auth={"meeting": meeting},
                    transports=["websocket"], wait_timeout=5)
        return True
    except socketio.exceptions.ConnectionError:
        return False
    finally:
        sio.shutdown()


def joost_hears_nothing_more(server, seeded, anna, joost) -> None:
    """Joost's phone is closed, stays closed, and misses the step Anna takes next."""
    heard = joost.version
    connects = joost.connects
    ack = anna.step("open_meeting")  # every phone in the room is told
    wait_for(lambda: anna.version == ack["version"], 5, what="Anna's phone to hear her own step")
    wait_for(lambda: not joost.connected, 5, what="Joost's phone to be closed")
    time.sleep(0.5)  # room for anything late to arrive: nothing may
    assert joost.version == heard
    assert joost.connects == connects  # and it did not come back by itself
    assert server.query("SELECT count(*) FROM connection WHERE member_id = ?", seeded.members["Joost"]) == [(0,)]


def joost_is_locked_out(server, seeded, joost) -> None:
    """Neither his link, nor his remembered cookies, open anything any more."""
    status, _, _ = request(server, "GET", f"/s/{seeded.tokens['Joost']}", "")
    assert status == 400
    status, location, _ = request(server, "GET", f"/c/{seeded.circle}/", joost.cookie)
    assert status == 302 and location.startswith("/sign-in")
    remembered_only = "; ".join(c for c in joost.cookie.split("; ") if c.startswith("remember_token="))
    assert request(server, "GET", f"/c/{seeded.circle}/", remembered_only)[0] == 302
    assert not can_connect(server, joost.cookie, seeded.meeting)


def test_the_secretary_revokes_and_the_open_socket_closes_at_once(server, seeded, phone):
    anna, joost = phone("Anna"), phone("Joost")
    fatima = sign_in(server.port, seeded.tokens["Fatima"])
    assert can_connect(server, joost.cookie, seeded.meeting)  # his cookies work until now

    handout = f"/c/{seeded.circle}/members/{seeded.members['Joost']}/handout"
    revoke = f"/c/{seeded.circle}/members/{seeded.members['Joost']}/revoke"
    assert post_form(server, handout, revoke, fatima) == 303
    wait_for(lambda: not joost.connected, 5, what="Joost's phone to be closed by the revocation")

    joost_hears_nothing_more(server, seeded, anna, joost)
    joost_is_locked_out(server, seeded, joost)
    assert anna.connected  # nobody else was touched


def test_signing_out_everywhere_closes_the_phone_too(server, seeded, phone):
    anna, joost = phone("Anna"), phone("Joost")
    laptop = sign_in(server.port, seeded.tokens["Joost"])
    assert post_form(server, "/you", "/sign-out-everywhere", laptop) == 303
    wait_for(lambda: not joost.connected, 5, what="Joost's phone to be closed")
    joost_hears_nothing_more(server, seeded, anna, joost)
    joost_is_locked_out(server, seeded, joost)


def test_a_revocation_from_the_command_line_stops_the_socket_before_the_room_hears_more(
        server, seeded, phone):
    """No message queue joins the command to the server: the server closes the socket itself."""
    anna, joost = phone("Anna"), phone("Joost")
    command = ["flask", "--app", "circle", "revoke-link", str(seeded.circle), "Joost"]
    out = server._run("-c", f"{clock_code(server.now())}; import sys; from flask.cli import main; "
                            f"sys.argv = {command!r}; main()")  # on the server's clock: its link is dated so
    assert "no longer work" in out
    joost_hears_nothing_more(server, seeded, anna, joost)
    joost_is_locked_out(server, seeded, joost)
    new_link = out.strip().splitlines()[-1].split(": ", 1)[1]
    assert sign_in(server.port, new_link.rsplit("/s/", 1)[1])  # the new link works
