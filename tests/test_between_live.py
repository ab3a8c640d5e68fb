"""Rounds between meetings over Socket.IO: a program follows a proposal and takes the same steps as its page.

Through Flask-SocketIO's test client, with each person's own sign-in: a
program connects with `{"proposal": id}` and is sent `between`; the
facilitator opens a round, members answer, everyone following hears it; an
answer after the deadline is refused (and the socket closes the round, as of
its deadline, before anything else); a revoked sign-in hears nothing more.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from circle import between, clock, proposals
from circle.auth import revoke
from circle.circles import create_circle
from circle.extensions import db, socketio
from circle.method import RoundEnd, RoundKind
from circle.models import Contribution, LogEntry, Round
from tests.days import NOW, days
from tests.scenario import PEOPLE, samen_vooruit

GARDEN = proposals.Wording(title="Een buurtmoestuin", text="Een moestuin op het braakliggende veld.")
DEADLINE = clock.at_local(days(3), 20, 0)


@pytest.fixture
def garden(app):
    with app.app_context():
        made = samen_vooruit()
        made.proposal_id = proposals.write_draft(made.member("Aylin"), GARDEN).subject
        return made


@pytest.fixture
def follow(app, garden, sign_in):
    """`follow(name)`: that person's program, connected to the garden proposal; all closed afterwards."""
    made = []

    def connect(name: str, **auth):
        client = app.test_client()
        sign_in(client, garden.member_ids[name])
        sio = socketio.test_client(app, flask_test_client=client, auth=auth or {"proposal": garden.proposal_id})
        made.append(sio)
        return sio

    yield connect
    for sio in made:
        if sio.is_connected():
            sio.disconnect()


def heard(sio) -> list[dict]:
    return [m["args"][0] for m in sio.get_received() if m["name"] == "between"]


def test_a_program_follows_a_proposal_and_answers_its_round(app, garden, follow):
    anna, joost = follow("Anna"), follow("Joost")
    [first] = heard(joost)
    assert first["round"] is None and first["proposal"]["id"] == garden.proposal_id
    assert first["circle"] == {"id": garden.circle_id, "silence_is_consent": "none", "proposer_opens_rounds": False}
    assert [m["name"] for m in first["members"]] == [name for name, _ in PEOPLE]
    heard(anna)

    ack = anna.emit("start_round_between", {"kind": "picture_forming", "deadline": DEADLINE.isoformat() + "Z"},
                    callback=True)
    assert ack["ok"] and ack["id"], ack
    [opened] = heard(joost)
    rnd = opened["round"]
    assert (rnd["id"], rnd["status"], rnd["mode"], rnd["deadline"]) == (ack["id"], "open", "open",
                                                                        DEADLINE.isoformat() + "Z")
    assert opened["version"] == ack["version"] and len(rnd["seats"]) == 8

    # Joost answers as his program would: no member id (his own), a client id to resend safely.
    answer = {"round_id": rnd["id"], "answer": "speak", "text": "Wie geeft er water?", "client_id": "j-1"}
    ack = joost.emit("contribute_between", answer, callback=True)
    assert ack["ok"] and not ack["duplicate"]
    again = joost.emit("contribute_between", answer, callback=True)
    assert again["ok"] and again["duplicate"] and again["id"] == ack["id"]
    after = heard(anna)[-1]  # she heard her own round open too; the latest is Joost's answer
    seat = next(s for s in after["round"]["seats"] if s["member"] == garden.member_ids["Joost"])
    assert seat["answered"] and seat["text"] == "Wie geeft er water?"

    # Refusals store nothing: a meeting's step here, an answer for someone else, an objection without reason.
    refused = [
        joost.emit("contribute", {"answer": "speak", "text": "x"}, callback=True),
        joost.emit("contribute_between", {**answer, "client_id": "j-2", "member_id": garden.member_ids["Kees"]},
                   callback=True),
        joost.emit("close_round_between", {"round_id": rnd["id"]}, callback=True),
        joost.emit("start_round_between", {"kind": "opinion_forming", "deadline": "morgen"}, callback=True),
        anna.emit("start_round_between", {"kind": "opinion_forming",
                                          "deadline": (NOW - dt.timedelta(hours=1)).isoformat() + "Z"}, callback=True),
    ]
    assert [r.get("error") for r in refused] == ["not_allowed", "not_allowed", "not_allowed", "invalid",
                                                "deadline_out_of_range"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 1


def test_an_answer_after_the_deadline_is_refused_and_the_round_closes_as_of_its_deadline(app, garden, follow):
    with app.app_context():
        rnd = between.start_round_between(garden.member("Anna"), garden.proposal_id, RoundKind.PICTURE_FORMING,
                                          DEADLINE).subject
    kees, fatima = follow("Kees"), follow("Fatima")
    heard(kees), heard(fatima)
    later = DEADLINE + dt.timedelta(hours=5)
    clock.set_to(later)
    try:
        ack = kees.emit("contribute_between", {"round_id": rnd, "answer": "pass"}, callback=True)
    finally:
        clock.set_to(NOW)
    assert ack["ok"] is False and ack["error"] == "deadline_passed"
    [closed] = heard(fatima)  # the socket closed it first, and everyone following heard
    assert closed["round"]["status"] == "closed" and closed["round"]["ended"] == "deadline"
    assert closed["round"]["closed_at"] == DEADLINE.isoformat() + "Z"
    assert len(closed["round"]["unanswered"]) == 8
    with app.app_context():
        assert db.session.get(Round, rnd).ended == RoundEnd.DEADLINE
        entries = db.session.scalars(sa.select(LogEntry.action).where(LogEntry.action.like("%between%"))).all()
        assert entries == ["start_round_between", "close_round_between"]


def test_a_revoked_sign_in_hears_nothing_more(app, garden, follow):
    anna, joost = follow("Anna"), follow("Joost")
    heard(anna), heard(joost)
    with app.app_context():
        revoke(garden.member("Joost").person)
    ack = anna.emit("start_round_between", {"kind": "picture_forming", "deadline": DEADLINE.isoformat() + "Z"},
                    callback=True)
    assert ack["ok"]
    assert heard(anna) and not joost.is_connected()  # closed before the room was told


def test_only_a_member_of_its_circle_follows_a_proposal(app, garden, sign_in):
    with app.app_context():
        _, bob = create_circle("Andere Kring", "Bob")
        bob_id = bob.id
    client = app.test_client()
    sign_in(client, bob_id)
    sio = socketio.test_client(app, flask_test_client=client, auth={"proposal": garden.proposal_id})
    assert not sio.is_connected()
    anonymous = socketio.test_client(app, auth={"proposal": garden.proposal_id})
    assert not anonymous.is_connected()
