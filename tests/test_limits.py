"""The pieces that keep the server up, one by one: the pace of events, a step that changes nothing, who counts as one address.

tests/test_hardening.py attacks the real server; here each rule is checked
on its own, with a stopwatch the test sets (circle/limits.py reads elapsed
time from `clock.stopwatch`, which is never frozen) and Flask-SocketIO's
test client for the refusal in the user's language.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from circle import meetings, rounds
from circle.extensions import db, socketio
from circle.facts import open_round, round_facts
from circle.limits import Limiter, Pace
from circle.method import Answer, RoundKind, RoundMode, RuleBroken
from circle.models import Circle, Meeting, Member
from circle.serving import address_key
from tests.scenario import everyone_present, samen_vooruit


class Stopwatch:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def test_a_bucket_lets_a_burst_through_then_its_rate():
    watch = Stopwatch()
    limiter = Limiter(Pace(burst=5, rate=2), Pace(burst=100, rate=100), stopwatch=watch)
    assert [limiter.admit("sid") for _ in range(5)] == [0] * 5
    assert limiter.admit("sid") == pytest.approx(0.5)  # empty: one token comes in half a second
    watch.seconds += 0.5
    assert limiter.admit("sid") == 0 and limiter.admit("sid") > 0
    watch.seconds += 60  # a long pause fills the bucket up to its burst, not beyond
    assert [limiter.admit("sid") for _ in range(6)].count(0) == 5
    assert limiter.admit("other sid") == 0  # each connection has its own


def test_one_person_shares_a_bucket_across_connections_and_a_refusal_takes_nothing():
    watch = Stopwatch()
    limiter = Limiter(Pace(burst=3, rate=1), Pace(burst=4, rate=1), stopwatch=watch)
    taken = [limiter.admit(sid, person="7") for sid in ("a", "a", "b", "b", "c")]
    assert taken[:4] == [0, 0, 0, 0] and taken[4] == pytest.approx(1)  # the person's 4, over 3 connections
    assert limiter.admit("d", person="8") == 0  # another person
    watch.seconds += 1  # one token for person 7; the refusals before took none of it
    assert limiter.admit("c", person="7") == 0
    assert limiter.admit("c", person="7") > 0


def test_a_pace_needs_a_burst_and_a_rate():
    for burst, rate in ((0, 1), (5, 0), (5, -1)):
        with pytest.raises(ValueError):
            Pace(burst, rate)


def test_an_address_is_one_ipv4_address_or_one_ipv6_slash_64():
    assert address_key("192.0.2.7") == "192.0.2.7" != address_key("192.0.2.8")
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"  # an IPv4 client on an IPv6 socket
    assert address_key("fe80::1%eth0") == "fe80::/64"


# --- A step that changes nothing writes nothing ------------------------------------------------------


@pytest.fixture
def made(app):
    """The meeting open, everyone present."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        return made


@pytest.fixture
def ctx(app, made):
    """`made`, with the app's context held open: for calling the actions directly."""
    with app.app_context():
        yield made


def written(made) -> tuple[int, int]:
    """The circle's log length and the meeting's version, as stored."""
    db.session.expire_all()
    return (db.session.get(Circle, made.circle_id).log_length,
            db.session.get(Meeting, made.meeting_id).version)


@pytest.mark.parametrize("present", [True, False])
def test_marking_someone_as_they_are_writes_nothing(ctx, present):
    made = ctx
    anna, joost = made.member("Anna"), made.member_ids["Joost"]
    if not present:
        meetings.mark_attendance(anna, made.meeting_id, joost, False)
    before = written(made)
    done = meetings.mark_attendance(anna, made.meeting_id, joost, present)
    assert done.unchanged and not done.duplicate and done.version == before[1]
    assert written(made) == before
    changed = meetings.mark_attendance(anna, made.meeting_id, joost, not present)
    assert not changed.unchanged and written(made) == (before[0] + 1, before[1] + 1)


def test_saying_i_am_here_again_writes_nothing_but_is_still_only_ones_own(ctx):
    made = ctx
    joost, fatima = made.member("Joost"), made.member_ids["Fatima"]
    before = written(made)
    assert meetings.mark_attendance(joost, made.meeting_id, joost.id, True).unchanged
    with pytest.raises(RuleBroken, match="not_allowed"):  # the rule is checked before "nothing to do"
        meetings.mark_attendance(joost, made.meeting_id, fatima, True)
    assert written(made) == before


def test_taking_up_what_the_meeting_is_about_writes_nothing(ctx):
    made = ctx
    anna = made.member("Anna")
    assert not meetings.take_up(anna, made.meeting_id, made.proposal_id).unchanged
    before = written(made)
    again = meetings.take_up(anna, made.meeting_id, made.proposal_id, based_on=before[1])
    assert again.unchanged and written(made) == before


def test_skipping_the_last_one_waiting_writes_nothing(ctx):
    made = ctx
    anna = made.member("Anna")
    rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.IN_TURN)
    while len(waiting := round_facts(open_round(db.session.get(Meeting, made.meeting_id))).waiting) > 1:
        speaker = db.session.get(Member, waiting[0])
        rounds.contribute(speaker, made.meeting_id, speaker.id, Answer.SPEAK, "Welkom.")
    before = written(made)
    assert rounds.skip_speaker(anna, made.meeting_id).unchanged
    assert written(made) == before


def test_an_unchanged_step_is_acknowledged_and_broadcast_to_nobody(app, made, sign_in):
    client = app.test_client()
    sign_in(client, made.member_ids["Joost"])
    joost = socketio.test_client(app, flask_test_client=client, auth={"meeting": made.meeting_id})
    watcher = app.test_client()
    sign_in(watcher, made.member_ids["Anna"])
    anna = socketio.test_client(app, flask_test_client=watcher, auth={"meeting": made.meeting_id})
    anna.get_received()
    ack = joost.emit("mark_attendance", {"member_id": made.member_ids["Joost"], "present": True}, callback=True)
    assert ack["ok"] and ack["unchanged"] is True and ack["duplicate"] is False
    with app.app_context():
        assert ack["version"] == db.session.scalar(sa.select(Meeting.version).where(Meeting.id == made.meeting_id))
    assert [m["name"] for m in anna.get_received()] == []


# --- The refusal, in the user's language ---------------------------------------------------------------


@pytest.mark.parametrize("language, words", [
    ("nl", "Je stuurt sneller dan Kring kan verwerken."),
    ("en", "You are sending faster than Kring takes in."),
])
def test_too_fast_is_refused_in_the_users_language_and_costs_nothing(app, made, sign_in, language, words):
    app.config.update(EVENT_BURST=3, EVENT_RATE=0.01)
    client = app.test_client()
    sign_in(client, made.member_ids["Joost"])
    joost = socketio.test_client(app, flask_test_client=client, auth={"meeting": made.meeting_id},
                                 headers={"Accept-Language": language})
    with app.app_context():
        before = written(made)
    acks = [joost.emit(event, payload, callback=True) for event, payload in [
        ("state", None), ("no_such_event", {}), ("parts", {}),
        ("mark_attendance", {"member_id": made.member_ids["Joost"], "present": False}),
        ("contribute", {"answer": "speak", "text": "Hallo"}),
    ]]
    assert [a.get("error") for a in acks[:3]] == [None, "unknown_event", "not_allowed"]
    for refused in acks[3:]:  # every kind of event takes from the same bucket
        assert refused["error"] == "too_fast" and refused["message"].startswith(words), refused
        assert refused["retry_after"] > 0
    with app.app_context():
        assert written(made) == before
