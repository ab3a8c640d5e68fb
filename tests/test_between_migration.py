"""The migration that brings rounds between meetings: existing rounds keep their meeting and gain its circle;
going back is refused while a round between meetings is in the record, and works once none is."""

from __future__ import annotations

import datetime as dt

import flask_migrate
import pytest
import sqlalchemy as sa

from circle import between, meetings, rounds
from circle.extensions import db
from circle.method import RoundKind, RoundMode
from tests.days import NOW
from tests.scenario import everyone_present, samen_vooruit
from tests.test_migrations import schema_differences

#: The revision before rounds between meetings.
BEFORE = "9824b1bed9ac"


def test_a_meetings_rounds_gain_its_circle_and_going_back_keeps_them(app):
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert "circle_id" not in {c["name"] for c in sa.inspect(conn).get_columns("round")}
            assert conn.exec_driver_sql("SELECT meeting_id, kind FROM round").all() == [(made.meeting_id, "opening")]
        flask_migrate.upgrade()
        assert schema_differences() == []
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT circle_id, meeting_id, deadline, ended FROM round").all() == [
                (made.circle_id, made.meeting_id, None, None)]
            assert conn.exec_driver_sql("SELECT silence_is_consent, proposer_opens_rounds FROM circle").all() == [
                ("none", 0)]


def test_going_back_is_refused_while_a_round_between_meetings_is_in_the_record(app, caplog):
    with app.app_context():
        made = samen_vooruit()
        between.start_round_between(made.member("Anna"), made.proposal_id, RoundKind.PICTURE_FORMING,
                                    NOW + dt.timedelta(days=3))
        db.session.remove()
        with pytest.raises(SystemExit):  # Flask-Migrate says why, and exits 1
            flask_migrate.downgrade(revision=BEFORE)
        assert "1 round(s) between meetings are in the record" in caplog.text
        db.session.remove()
        assert schema_differences() == []  # nothing was undone
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM round WHERE meeting_id IS NULL").scalar() == 1
