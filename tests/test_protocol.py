"""The live protocol exactly as docs/live-protocol.md says, tried against the real server.

Each test does what a client author does with nothing but the document: sign
in over HTTP, connect a python-socketio client, send events and read the
acknowledgements. Sizes, the `amend` acknowledgement, `you` in the `state`
acknowledgement, and a client id used twice for different answers.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from tests.phones import phone  # noqa: F401  (phone: a fixture)
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    HOST, KringServer, Seeded, prepared, seeded, serve, wait_for,
)

pytestmark = pytest.mark.server

DOC = (Path(__file__).resolve().parent.parent / "docs" / "live-protocol.md").read_text()


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


def documented_size(name: str) -> int:
    """A size the document states in its "Sizes" section, e.g. `MAX_MESSAGE_BYTES`: 262,144."""
    sizes = DOC.split("### Sizes", 1)[1].split("\n## ", 1)[0]
    match = re.search(rf"`{name}`[^0-9]*([0-9][0-9,]*)", sizes)
    assert match, f"docs/live-protocol.md does not state {name}"
    return int(match.group(1).replace(",", ""))


def open_round(anna, joost, kind: str = "opening") -> None:
    """The meeting open, Anna and Joost present, an open round of `kind` running."""
    anna.step("open_meeting")
    for p in (anna, joost):
        assert p.call("mark_attendance", {"member_id": p.member_id, "present": True})["ok"]
    wait_for(lambda: anna.version == joost.version, 5, what="both phones up to date")
    anna.step("start_round", kind=kind, mode="open")


def test_the_documented_sizes_are_the_servers(server, seeded, phone):
    """Far above the largest valid event, far below what could hurt; an `invalid` refusal between."""
    from circle import create_app
    from circle.live import PAYLOAD_MAX_CHARS

    limit, payload_max = documented_size("MAX_MESSAGE_BYTES"), documented_size("PAYLOAD_MAX_CHARS")
    assert limit == create_app({"TESTING": True, "SECRET_KEY": "x"}).config["MAX_MESSAGE_BYTES"]
    assert payload_max == PAYLOAD_MAX_CHARS
    largest_valid = 200 + 10_000 + 10_000 + 2_000 + 200 + 2_000  # amend: every text at its limit
    assert payload_max > largest_valid
    assert limit > 4 * (largest_valid + 200)  # even when every character takes four bytes


def test_an_oversized_but_sendable_event_is_refused_as_invalid(server, seeded, phone):
    anna, joost = phone("Anna"), phone("Joost")
    open_round(anna, joost)
    limit = documented_size("MAX_MESSAGE_BYTES")
    before = server.query("SELECT count(*) FROM log_entry")
    for payload in (
        {"answer": "speak", "text": "x" * (limit - 10_000)},  # one field far too long
        {"answer": "speak", "text": "Hallo", "extra": "é" * 35_000},  # a field Kring does not know
        {"answer": "speak", "text": "Hallo", "list": ["x" * 1000] * 100},  # lists are not ours either
    ):
        ack = joost.call("contribute", payload)
        assert ack["ok"] is False and ack["error"] == "invalid", ack
        assert ack["message"] == "Wat je stuurde is te lang. Maak het korter."
    just_too_long = joost.call("contribute", {"answer": "speak", "text": "x" * 2_001})
    assert just_too_long["error"] == "invalid" and "2000" in just_too_long["message"]
    assert server.query("SELECT count(*) FROM log_entry") == before  # nothing stored
    assert joost.connected  # and the phone stays connected


def test_a_message_over_the_limit_closes_the_connection_without_an_answer(server, seeded, phone):
    joost = phone("Joost")
    joost.sio.reconnection = False
    limit = documented_size("MAX_MESSAGE_BYTES")
    with pytest.raises(socketio.exceptions.TimeoutError):
        joost.sio.call("contribute", {"answer": "speak", "text": "x" * (limit + 1000)}, timeout=3)
    wait_for(lambda: not joost.sio.connected, 5, what="the server to close the connection")
    again = phone("Joost")  # connecting again just works
    assert again.call("state")["ok"]


def test_a_long_polling_post_over_the_limit_is_answered_413_at_once(server, seeded):
    """The same limit on the long-polling transport: the post is refused at once, the session ends."""
    limit = documented_size("MAX_MESSAGE_BYTES")
    conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
    conn.request("GET", "/socket.io/?EIO=4&transport=polling")
    opened = conn.getresponse().read().decode()
    sid = json.loads(opened[opened.index("{"):])["sid"]
    conn.request("POST", f"/socket.io/?EIO=4&transport=polling&sid={sid}", body=b"4" + b"x" * (limit + 10),
                 headers={"Content-Type": "text/plain;charset=UTF-8"})
    started = time.monotonic()
    refused = conn.getresponse()
    assert refused.status == 413 and time.monotonic() - started < 2
    conn.close()
    conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
    conn.request("GET", f"/socket.io/?EIO=4&transport=polling&sid={sid}")
    assert conn.getresponse().status == 400  # the session is gone
    conn.close()


def test_amend_acknowledges_with_the_new_versions_row(server, seeded, phone):
    anna, joost = phone("Anna"), phone("Joost")
    open_round(anna, joost, "opening")
    anna.step("close_round")
    for kind in ("picture_forming", "opinion_forming"):
        anna.step("start_round", kind=kind, mode="open", proposal_id=seeded.proposal)
        anna.step("close_round")
    ack = anna.step("amend", proposal_id=seeded.proposal, title="Afvalcontainers vergroenen",
                    text="Met een waterrooster.", note="Na de meningsronde.")
    rows = server.query("SELECT id, number FROM proposal_version WHERE proposal_id = ? ORDER BY number",
                        seeded.proposal)
    assert ack["id"] == rows[-1][0] and rows[-1][1] == 2  # the row, not the number
    wait_for(lambda: anna.snapshot()["version"] >= ack["version"], 5, what="the new state")
    assert anna.snapshot()["proposal"]["version"] == 2


def test_the_state_acknowledgement_says_who_you_are(server, seeded, phone):
    for name in ("Joost", "Anna"):
        ack = phone(name).call("state")
        assert ack["ok"] and ack["you"] == seeded.members[name]
        assert ack["state"]["meeting"]["id"] == seeded.meeting
        assert set(ack) == {"ok", "state", "you"}


def test_a_client_id_used_again_for_another_answer_is_refused(server, seeded, phone):
    anna, joost = phone("Anna"), phone("Joost")
    open_round(anna, joost)
    payload = joost.answer_payload("speak", "Fijn dat iedereen er is.")
    first = joost.call("contribute", payload)
    assert first["ok"]
    resent = joost.call("contribute", payload)
    assert resent == {**first, "duplicate": True}
    for changed in ({"text": "Iets heel anders."}, {"answer": "pass", "text": ""},
                    {"member_id": anna.member_id}):
        ack = joost.call("contribute", {**payload, **changed})
        assert ack["ok"] is False and ack["error"] == "client_id_reused", (changed, ack)
        assert "nieuwe" in ack["message"]
    assert server.query("SELECT text FROM contribution") == [("Fijn dat iedereen er is.",)]
    # The same id is the recorder's own: another person may use it for their own answer.
    assert anna.call("contribute", {**payload, "text": "Welkom!"})["ok"]
    assert server.query("SELECT count(*) FROM contribution") == [(2,)]


def test_every_error_code_is_documented():
    """Each code a refusal can carry appears in the document's table of error codes."""
    from circle.method import MESSAGES

    table = DOC.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    missing = [code for code in MESSAGES if f"`{code}`" not in table]
    assert missing == []
