"""Kring at scale runs on PostgreSQL: the same migrations, the same actions, the same record.

Needs a PostgreSQL server on 127.0.0.1:5432 (override with KRING_TEST_POSTGRES,
e.g. postgresql://postgres@127.0.0.1:5432/postgres); skipped, saying why,
where there is none. `.ci/run` starts one.
"""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from circle import create_app, record
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Proposal
from tests.scenario import everyone_present, run_round, samen_vooruit
from tests.services import postgres_url  # noqa: F401  (a fixture: a database of this module's own, dropped after)


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url, "SECRET_KEY": "test",
         "ASYNC_MODE": "threading", "SERVER_NAME": "kring.test"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_migrations_up_and_down_on_postgres(pg_app):
    with pg_app.app_context():
        flask_migrate.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert "log_entry" in sa.inspect(db.engine).get_table_names()


def test_a_meeting_to_a_decision_on_postgres(pg_app):
    with pg_app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING, {"Kees": (Answer.PASS, "")})
        run_round(made, RoundKind.OPINION_FORMING)
        run_round(made, RoundKind.CONSENT)
        from circle import proposals

        proposals.adopt(made.member("Anna"), made.meeting_id, made.proposal_id)
        assert db.session.get(Proposal, made.proposal_id).phase == "adopted"
        assert record.verify(made.circle_id).intact


def test_members_become_persons_on_postgres_and_new_ids_follow_theirs(pg_app):
    """The persons' migration gives each person its member's id; the next person's id comes after them."""
    from circle.circles import add_member
    from circle.models import Person
    from tests.test_migrations import BEFORE_PERSONS, old_record

    with pg_app.app_context():
        flask_migrate.downgrade(revision="base")
        flask_migrate.upgrade(revision=BEFORE_PERSONS)
        with db.engine.begin() as conn:
            old_record(conn)
            for table in ("circle", "member", "log_entry"):  # as a database that wrote these rows itself
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT MAX(id) FROM {table}))"))
        flask_migrate.upgrade()
        assert record.verify(1).intact
        added = add_member(None, 1, "Cor")
        assert db.session.scalar(sa.select(Person.id).where(Person.name == "Cor")) == 3
        assert added.subject == 3 and record.verify(1).intact
        db.session.remove()
        flask_migrate.downgrade(revision="base")  # leave the module's database as the others found it
        flask_migrate.upgrade()
