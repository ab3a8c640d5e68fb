"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import datetime as dt

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from circle.extensions import db
from circle.read.search_index import include_name


def schema_differences() -> list:
    """What Alembic would change to make the database match the models; [] if nothing."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(app):
    with app.app_context():
        assert schema_differences() == []


def test_downgrade_to_nothing_and_up_again(app):
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert schema_differences() == []


#: The revision before people had several circles: a member was the person.
BEFORE_PERSONS = "8c2f4d7e1a90"


def old_record(conn) -> None:
    """A circle as the schema before persons held it: two members and a log of three entries."""
    from circle.record import canonical, entry_hash

    conn.execute(sa.text("INSERT INTO circle (id, name, public_record, public_names, log_length, created_at) "
                         "VALUES (1, 'Oud', :no, 'first', 0, '2025-02-03 10:00:00')"), {"no": False})
    for i, (name, role, version, left) in enumerate(
            (("Anna", "facilitator", 3, None), ("Bep", "member", 1, "2025-06-01")), start=1):
        conn.execute(sa.text(
            "INSERT INTO member (id, circle_id, name, role, position, sign_in_version, joined_on, left_on, "
            "created_at) VALUES (:id, 1, :name, :role, :id, :version, '2025-02-03', :left, '2025-02-03 10:00:00')"),
            {"id": i, "name": name, "role": role, "version": version,
             "left": left and dt.date.fromisoformat(left)})
    entries = [
        (None, "create_circle", {"name": "Oud", "quorum": None, "facilitator": {"id": 1, "name": "Anna"},
                                 "since": "2025-02-03"}),
        (1, "add_member", {"member": {"id": 2, "name": "Bep"}, "role": "member", "since": "2025-02-03"}),
        (1, "end_membership", {"member": {"id": 2, "name": "Bep"}, "on": "2025-06-01"}),
    ]
    prev = ""
    for seq, (actor, action, data) in enumerate(entries, start=1):
        at = f"2025-02-03T10:0{seq}:00Z"
        digest = entry_hash(seq=seq, circle=1, at=at, actor=actor, action=action, data=data, prev=prev)
        conn.execute(sa.text(
            "INSERT INTO log_entry (circle_id, seq, at, actor_id, action, data, prev_hash, hash) "
            "VALUES (1, :seq, :at, :actor, :action, :data, :prev, :hash)"),
            {"seq": seq, "at": at, "actor": actor, "action": action, "data": canonical(data), "prev": prev,
             "hash": digest})
        prev = digest
    conn.execute(sa.text("UPDATE circle SET log_length = 3, log_head = :head WHERE id = 1"), {"head": prev})
    if conn.dialect.name == "postgresql":  # as a database that wrote these rows itself: its sequences moved on
        for table in ("circle", "member", "log_entry"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT MAX(id) FROM {table}))"))


def test_each_member_becomes_a_person_and_the_chain_still_holds(app, runner, csrf_token):
    from circle.auth import _serializer, load_person
    from circle.models import Member, Person

    with app.app_context():
        flask_migrate.downgrade(revision=BEFORE_PERSONS)
        with db.engine.begin() as conn:
            old_record(conn)
            before = conn.exec_driver_sql("SELECT seq, data, hash FROM log_entry ORDER BY seq").all()
        flask_migrate.upgrade()
        assert schema_differences() == []
        db.session.expire_all()
        people = db.session.scalars(sa.select(Person).order_by(Person.id)).all()
        assert [(p.id, p.name, p.sign_in_version, p.language, p.email) for p in people] == [
            (1, "Anna", 3, None, None), (2, "Bep", 1, None, None)]
        anna, bep = db.session.get(Member, 1), db.session.get(Member, 2)
        assert (anna.person_id, anna.name, anna.role.value) == (1, "Anna", "facilitator")
        assert (bep.person_id, bep.name, bep.active) == (2, "Bep", False)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT seq, data, hash FROM log_entry ORDER BY seq").all() == before
        # A phone remembered before the upgrade ("member id:version") is the same person's now...
        assert load_person("1:3") is people[0] and load_person("1:2") is None
        # ...and so is a link handed out before it.
        with app.test_request_context():
            old_link = "/s/" + _serializer().dumps({"m": 1, "v": 3})
    verified = runner.invoke(args=["verify-log"])
    assert verified.exit_code == 0 and "1 circle(s), 3 entries checked" in verified.output
    client = app.test_client()
    page = client.get(old_link)
    assert page.status_code == 200 and "Anna" in page.text
    assert client.post(old_link, data={"csrf_token": csrf_token(page.text)}).location == "/c/1/"

    with app.app_context():  # a new person's id follows the migrated ones
        added = runner.invoke(args=["add-member", "1", "Cor"])
        assert added.exit_code == 0, added.output
        assert db.session.scalar(sa.select(Person.id).where(Person.name == "Cor")) == 3


def test_going_back_folds_each_membership_into_a_member_again(app, runner):
    with app.app_context():
        assert runner.invoke(args=["create-circle", "Oud", "--facilitator", "Anna"]).exit_code == 0
        assert runner.invoke(args=["create-circle", "Nieuw", "--facilitator", "Anna", "--person", "1"]).exit_code == 0
        assert runner.invoke(args=["add-member", "2", "Bep"]).exit_code == 0
        db.session.execute(sa.text("UPDATE person SET sign_in_version = 4 WHERE id = 1"))
        db.session.commit()
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE_PERSONS)
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id, circle_id, name, sign_in_version FROM member ORDER BY id").all()
        assert [tuple(r) for r in rows] == [(1, 1, "Anna", 4), (2, 2, "Anna", 4), (3, 2, "Bep", 1)]
        flask_migrate.upgrade()
        assert schema_differences() == []
    verified = runner.invoke(args=["verify-log"])
    assert verified.exit_code == 0, verified.output
