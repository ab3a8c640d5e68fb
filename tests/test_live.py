"""The live protocol through Flask-SocketIO's test client, sharing the page session."""

from __future__ import annotations

import pytest

from circle import presence
from circle.extensions import db, socketio
from circle.method import RoundKind
from circle.models import Connection, Contribution, Meeting
from tests.conftest import live_connection
from tests.scenario import everyone_present, samen_vooruit


@pytest.fixture
def made(app):
    with app.app_context():
        made = samen_vooruit(guest=True)
        everyone_present(made)
        return made


def states(sock, event="state"):
    return [m["args"][0] for m in sock.get_received() if m["name"] == event]


def version(app, made):
    with app.app_context():
        return db.session.get(Meeting, made.meeting_id).version


def test_a_stranger_cannot_connect(app, made):
    sock = socketio.test_client(app, auth={"meeting": made.meeting_id})
    assert not sock.is_connected()


def test_connecting_sends_the_current_state(app, made):
    joost = live_connection(app, made, "Joost")
    assert joost.is_connected()
    [state] = states(joost)
    assert state["version"] == version(app, made)
    assert state["meeting"]["status"] == "open"
    assert sum(m["present"] for m in state["members"]) == 8


def test_a_facilitator_step_is_acknowledged_and_broadcast(app, made):
    anna = live_connection(app, made, "Anna")
    joost = live_connection(app, made, "Joost")
    v = version(app, made)
    anna.get_received(), joost.get_received()
    ack = anna.emit("start_round", {"kind": "picture_forming", "mode": "in_turn",
                                    "proposal_id": made.proposal_id, "based_on": v}, callback=True)
    assert ack["ok"] and ack["version"] == v + 1
    [state] = states(joost)
    assert state["version"] == v + 1
    assert state["round"]["kind"] == RoundKind.PICTURE_FORMING
    assert state["round"]["current"] == made.member_ids["Anna"]


def test_two_steps_on_the_same_version_advance_once(app, made):
    anna = live_connection(app, made, "Anna")
    v = version(app, made)
    step = {"kind": "opening", "mode": "open", "based_on": v}
    first = anna.emit("start_round", step, callback=True)
    second = anna.emit("start_round", step, callback=True)
    assert first["ok"] is True
    assert second["ok"] is False and second["error"] == "stale"
    assert second["state"]["version"] == v + 1
    assert second["message"] == "Iemand anders was je voor. Dit is de stand van nu."


def test_a_resent_answer_is_stored_once(app, made):
    anna = live_connection(app, made, "Anna")
    joost = live_connection(app, made, "Joost")
    anna.emit("start_round", {"kind": "opening", "mode": "open"}, callback=True)
    answer = {"answer": "speak", "text": "Fijn dat iedereen er is.", "client_id": "joost-1"}
    first = joost.emit("contribute", answer, callback=True)
    again = joost.emit("contribute", answer, callback=True)
    assert first["ok"] and again["ok"] and again["duplicate"]
    assert again["id"] == first["id"]
    with app.app_context():
        assert db.session.query(Contribution).count() == 1


def test_one_answer_travels_as_one_small_change(app, made):
    anna = live_connection(app, made, "Anna")
    joost = live_connection(app, made, "Joost")
    anna.emit("start_round", {"kind": "opening", "mode": "open"}, callback=True)
    joost.get_received()
    anna.emit("contribute", {"answer": "speak", "text": "Goedenavond."}, callback=True)
    [change] = states(joost, "answer")
    assert change["seat"] == {"member": made.member_ids["Anna"], "late": False, "answered": True,
                              "answer": "speak", "text": "Goedenavond.", "position": 1,
                              "recorded_by": None}


@pytest.mark.parametrize("payload", [None, "x", [1, 2], {"answer": "shout"}, {"text": "x" * 2001}])
def test_malformed_payloads_are_refused_and_change_nothing(app, made, payload):
    joost = live_connection(app, made, "Joost")
    v = version(app, made)
    ack = joost.emit("contribute", payload, callback=True)
    assert ack["ok"] is False and ack["error"] == "invalid" and ack["message"]
    assert version(app, made) == v


def test_an_unknown_event_is_answered(app, made):
    joost = live_connection(app, made, "Joost")
    ack = joost.emit("explode", {}, callback=True)
    assert ack == {"ok": False, "error": "unknown_event", "message": "Kring kent dit verzoek niet."}


def test_a_member_cannot_steer(app, made):
    joost = live_connection(app, made, "Joost")
    v = version(app, made)
    ack = joost.emit("start_round", {"kind": "opening", "mode": "open"}, callback=True)
    assert ack["ok"] is False and ack["error"] == "not_allowed"
    assert version(app, made) == v


def test_a_guest_follows_but_cannot_answer(app, made):
    anna = live_connection(app, made, "Anna")
    guest = live_connection(app, made, "Wijkteam")
    anna.emit("start_round", {"kind": "opening", "mode": "open"}, callback=True)
    assert states(guest)[-1]["round"]["kind"] == "opening"
    ack = guest.emit("contribute", {"answer": "speak", "text": "Mag ik iets zeggen?"}, callback=True)
    assert ack["ok"] is False and ack["error"] == "not_allowed"


def test_a_hidden_objection_does_not_travel_before_the_reveal(app, made):
    """With a simultaneous reveal, no phone receives who objected or why until all have answered."""
    from circle import rounds
    from circle.method import RoundMode

    with app.app_context():
        anna = made.member("Anna")
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            rounds.start_round(anna, made.meeting_id, kind, RoundMode.OPEN, proposal_id=made.proposal_id)
            rounds.close_round(anna, made.meeting_id)
        rounds.start_round(anna, made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                             proposal_id=made.proposal_id, reveal=True)
    joost = live_connection(app, made, "Joost")
    dewi = live_connection(app, made, "Dewi")
    joost.get_received()
    ack = dewi.emit("contribute", {"answer": "objection", "text": "Geheime reden", "workable": "x"},
                    callback=True)
    assert ack["ok"]
    received = str(joost.get_received()) + str(joost.emit("state", callback=True))
    assert "Geheime reden" not in received and "'answer': 'objection'" not in received


def test_connecting_counts_as_connected_and_others_hear_it(app, made):
    anna = live_connection(app, made, "Anna")
    v = version(app, made)
    [state] = states(anna)
    assert state["connected"] == [made.member_ids["Anna"]]
    joost = live_connection(app, made, "Joost")
    both = sorted([made.member_ids["Anna"], made.member_ids["Joost"]])
    assert states(joost)[0]["connected"] == both
    here = {"steerer_away_since": None, "takeover_from": None}  # Anna, who steers, is connected
    assert states(anna, "presence") == [{"connected": both, **here}]
    assert version(app, made) == v  # presence is not meeting state
    assert anna.emit("state", callback=True)["state"]["connected"] == both


def test_disconnecting_is_heard_by_the_others(app, made):
    anna = live_connection(app, made, "Anna")
    joost = live_connection(app, made, "Joost")
    second = live_connection(app, made, "Joost")  # the same member on a second device
    anna.get_received()
    second.disconnect()
    both = sorted([made.member_ids["Anna"], made.member_ids["Joost"]])
    here = {"steerer_away_since": None, "takeover_from": None}  # Anna, who steers, is connected
    assert states(anna, "presence") == [{"connected": both, **here}]
    joost.disconnect()
    assert states(anna, "presence") == [{"connected": [made.member_ids["Anna"]], **here}]
    with app.app_context():
        assert presence.connected(made.meeting_id) == [made.member_ids["Anna"]]
        assert db.session.query(Connection).count() == 1


def test_only_dead_servers_of_this_host_are_forgotten(app, made):
    """At start a server forgets the rows of this host's processes that no longer run."""
    import os
    import socket

    host = socket.gethostname()
    with app.app_context():
        for sid, server in [("a", f"{host}:{os.getppid()}"), ("b", f"{host}:{os.getpid()}"),
                            ("c", f"{host}:999999999"), ("d", "elsewhere:1")]:
            db.session.add(Connection(sid=sid, meeting_id=made.meeting_id,
                                      member_id=made.member_ids["Anna"], server=server))
        db.session.commit()
        assert presence.forget_dead_servers() == 2
        assert sorted(db.session.scalars(db.select(Connection.sid))) == ["a", "d"]
