"""A guest follows the meeting live on the real server, over real sockets, and answers nothing.

The real eventlet server of tests/server.py runs the Samen Vooruit meeting.
Anna's meeting page carries the guest link; a browser opens it over plain
HTTP, gives a name and presses the button; then the guest's phone follows
over a real WebSocket (python-socketio), as a program (the meeting state)
and as Kring's own page (the parts the room is sent, docs/live-page.md).
Every wait is bounded; only 127.0.0.1 is used.
"""

from __future__ import annotations

import html
import http.client
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import find_csrf_token
from tests.days import TODAY, days
from tests.pages import shown
from tests.phones import Phone, client, phone  # noqa: F401  (phone: a fixture)
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    HOST, KringServer, prepared, seeded, serve, wait_for,
)

pytestmark = pytest.mark.server

NAME = "Wijkteam Oost"


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


def request(server: KringServer, method: str, path: str, jar: dict[str, str], form: dict | None = None):
    """One request with a browser's cookies, which it keeps; the status, the Location and the body."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), response.read().decode()
    finally:
        connection.close()


def cookie_of(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


class PageSocket:
    """Kring's own meeting page on a phone, as far as the wire goes: it keeps every `parts` message."""

    def __init__(self, server: KringServer, cookie: str, meeting: int):
        self.sio = client(reconnection=False)
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.sio.on("parts", self._take)
        self.sio.connect(server.url, headers={"Cookie": cookie}, auth={"meeting": meeting, "view": "phone"},
                         transports=["websocket"], wait_timeout=10)

    def _take(self, message: dict) -> None:
        with self.lock:
            self.messages.append(message)

    def at(self, version: int) -> dict | None:
        with self.lock:
            return next((m for m in self.messages if m["version"] == version), None)

    def close(self) -> None:
        self.sio.shutdown()


def counts(server: KringServer) -> tuple[int, ...]:
    return tuple(server.query(f"SELECT count(*) FROM {table}")[0][0]
                 for table in ("person", "member", "attendance", "contribution", "log_entry"))


def test_a_guest_joins_by_the_link_follows_live_and_is_refused_an_answer(server, seeded, phone):
    circle, meeting = seeded.circle, seeded.meeting
    anna, joost = phone("Anna"), phone("Joost")
    anna.step("open_meeting")
    for name in seeded.members:
        anna.step("mark_attendance", member_id=seeded.members[name], present=True)

    anna_jar = dict(pair.split("=", 1) for pair in anna.cookie.split("; "))
    status, _, page = request(server, "GET", f"/c/{circle}/meetings/{meeting}/", anna_jar)
    assert status == 200
    link = urllib.parse.urlsplit(html.unescape(re.search(r'<code class="guest-url">([^<]+)</code>', page)
                                               .group(1))).path

    before = counts(server)
    guest_jar: dict[str, str] = {}
    for _ in range(3):  # opened, previewed, opened again: nothing is made
        status, _, form = request(server, "GET", link, guest_jar)
        assert status == 200 and 'name="name"' in form
    assert counts(server) == before
    heard = joost.version
    status, where, _ = request(server, "POST", link, guest_jar,
                               {"csrf_token": find_csrf_token(form.split('class="guest-join"')[1]), "name": NAME})
    assert (status, urllib.parse.urlsplit(where).path) == (303, f"/c/{circle}/meetings/{meeting}/")
    assert "session" in guest_jar and "remember_token" in guest_jar
    [(guest_id, role, joined, left)] = server.query(
        "SELECT member.id, role, joined_on, left_on FROM member JOIN person ON person.id = member.person_id "
        "WHERE person.name = ?", NAME)
    assert (role, joined, left) == ("guest", TODAY.isoformat(), days(1).isoformat())
    wait_for(lambda: joost.version == heard + 1, 5, what="Joost's phone to hear the guest arrive")
    listed = [m for m in joost.snapshot()["members"] if m["id"] == guest_id]
    assert listed == [{"id": guest_id, "name": NAME, "role": "guest", "present": True, "late": False,
                       "marked": True}]

    guest = Phone(server, seeded, NAME, cookie=cookie_of(guest_jar), member_id=guest_id).connect()
    guest_page = PageSocket(server, cookie_of(guest_jar), meeting)
    joost_page = PageSocket(server, joost.cookie, meeting)
    try:
        wait_for(lambda: server.query("SELECT count(*) FROM connection WHERE member_id = ? AND kind = 'member'",
                                      guest_id)[0][0] == 1, 5, what="the guest's page to count as a member's")
        ack = anna.step("start_round", kind="opening", mode="open")
        everyone = [anna, joost, guest]
        wait_for(lambda: all(p.version == ack["version"] for p in everyone), 10, what="the round on every phone")
        assert guest.snapshot()["round"]["kind"] == "opening"
        assert guest_id not in [s["member"] for s in guest.snapshot()["round"]["seats"]]  # never seated

        said = joost.contribute("speak", "Goedenavond allemaal.")
        wait_for(lambda: guest.version == said["version"], 5, what="the guest to hear Joost")
        assert "Goedenavond allemaal." in str(guest.snapshot())
        wait_for(lambda: guest_page.at(said["version"]) and joost_page.at(said["version"]), 5,
                 what="both pages to be sent Joost's answer")
        assert guest_page.at(said["version"]) == joost_page.at(said["version"])  # what members see

        whole = guest_page.sio.call("parts", {"version": 0}, timeout=5)
        assert whole["ok"] and whole["full"] and whole["version"] == said["version"]
        answer = next(op["html"] for op in whole["ops"] if op["id"] == "meeting-answer")
        assert "<form" not in shown(answer)  # the room's answer box stays hidden; a guest has no seat

        before = counts(server)
        version = server.meeting_version(meeting)
        refused = guest.call("contribute", guest.answer_payload("speak", "Ik kom van de gemeente."))
        assert (refused["ok"], refused["error"]) == (False, "not_allowed")
        refused = guest.call("mark_attendance", {"member_id": guest_id, "present": False})
        assert (refused["ok"], refused["error"]) == (False, "not_allowed")
        refused = guest.call("close_round", {"based_on": version})
        assert (refused["ok"], refused["error"]) == (False, "not_allowed")
        assert counts(server) == before and server.meeting_version(meeting) == version
    finally:
        guest.close()
        guest_page.close()
        joost_page.close()
    assert "log intact" in server.verify_log()
