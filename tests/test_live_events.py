"""What every live event costs, and that what is built once still asks today's questions.

The statements every answer runs are built once, with their values (today's date among them) as
parameters, and a live event no longer opens the session cookie again (docs/performance/statements.md). These tests
hold that what was built once still follows the clock, and that the cookie is read where it is needed: at
connecting, not at each answer.
"""

from __future__ import annotations

import datetime as dt

from flask.sessions import SecureCookieSessionInterface

from circle import clock
from circle.extensions import db
from circle.facts import memberships
from circle.models import Connection, Meeting, Member
from tests.conftest import live_connection
from tests.scenario import everyone_present, samen_vooruit


def test_a_membership_that_ends_closes_its_connection_on_that_day_and_not_before(app, frozen_clock):
    """Kees leaves the circle in three days, his phone still connected: until that day the room's messages
    reach him; from that day the next step closes his connection, and the rules no longer count him."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        kees = made.member_ids["Kees"]
        db.session.get(Member, kees).left_on = clock.today() + dt.timedelta(days=3)
        db.session.commit()
    console, phone = live_connection(app, made, "Anna"), live_connection(app, made, "Kees")

    def step(event: str, **payload) -> None:
        with app.app_context():
            version = db.session.get(Meeting, made.meeting_id).version
        assert console.emit(event, {"based_on": version, **payload}, callback=True)["ok"]

    def active() -> bool:
        with app.app_context():
            meeting = db.session.get(Meeting, made.meeting_id)
            return next(m.active for m in memberships(meeting) if m.id == kees)

    with frozen_clock.later(days=2):
        step("start_round", kind="opening", mode="open")
        assert phone.is_connected() and active()
        assert any(m["name"] == "state" for m in phone.get_received())
    with frozen_clock.later(days=3):
        assert not active()
        step("close_round")
        assert not phone.is_connected()
        with app.app_context():
            assert db.session.query(Connection).filter_by(member_id=kees).count() == 0


def test_an_answer_does_not_open_the_session_cookie_again(app, monkeypatch):
    """The cookie is verified and read when the phone connects; each answer after it acts on the connection's
    own copy of the session, as Flask-SocketIO keeps it."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    opened: list[str] = []
    serializer = SecureCookieSessionInterface.get_signing_serializer

    def counted(self, app):
        opened.append("cookie")
        return serializer(self, app)

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", counted)
    console = live_connection(app, made, "Anna")
    assert opened, "connecting reads the cookie"
    with app.app_context():
        version = db.session.get(Meeting, made.meeting_id).version
    assert console.emit("start_round", {"kind": "opening", "mode": "open", "based_on": version},
                        callback=True)["ok"]
    opened.clear()
    ack = console.emit("contribute", {"answer": "speak", "text": "Goed dat we er zijn."}, callback=True)
    assert ack["ok"], ack
    assert opened == []
