"""The logbook's search: every word found in any version, round or correction of a circle's proposals,
never read as search syntax; and the full-text index behind it: SQLite's, whose triggers its migration
makes and later batch migrations must keep, and PostgreSQL's own.

The record it searches is tests/logbook_record.py; the list and its filters are tests/test_logbook.py.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from flask import Flask

from circle import create_app, meetings, proposals, rounds
from circle.extensions import db
from circle.method import Answer, RoundKind, RoundMode
from circle.models import Contribution, ProposalVersion
from circle.read import search, search_index
from tests.conftest import config_for, sign_in_with_link
from tests.logbook_record import app, member, record, record_database  # noqa: F401  (fixtures)
from tests.logbook_record import build_record, logbook, member_named, titles


# --- Search ------------------------------------------------------------------------------------


def test_search_finds_titles_texts_and_contributions(member, record):
    assert titles(logbook(member, record, q="buurtfeest")) == ["Buurtfeest in juni"]  # a title
    assert titles(logbook(member, record, q="kleedjesmarkt")) == ["Buurtfeest in juni"]  # a text
    page = logbook(member, record, q="kweker")  # said in a round
    assert titles(page) == ["Afvalcontainers vergroenen"]
    assert "Found in what <bdi>Kees van Dijk</bdi> said in a round" in page
    assert "Ik ken een <mark>kweker</mark> in Purmerend." in page


def test_search_matches_word_beginnings_any_case_and_accents(member, record):
    assert titles(logbook(member, record, q="PLANTENBAK")) == ["Afvalcontainers vergroenen"]
    assert titles(logbook(member, record, q="zwerf")) == ["Zwerfafval prikken"]
    assert titles(logbook(member, record, q="kwéker")) == ["Afvalcontainers vergroenen"]
    # Every word must be in the same text.
    assert titles(logbook(member, record, q="kweker purmerend")) == ["Afvalcontainers vergroenen"]
    assert titles(logbook(member, record, q="kweker kleedjesmarkt")) == []


def test_search_finds_every_version_not_just_the_latest(app, member, record):
    with app.app_context():
        # The draft is rewritten: the old words stay findable, in version 1.
        kees = member_named(record.circle_id, "Kees")
        proposals.edit_draft(kees, record.ids["bankjes"], proposals.Wording(
            title="Bankjes op het Ambonplein", text="Twee bankjes bij de fontein."))
    page = logbook(member, record, q="speeltuin")
    assert titles(page) == ["Bankjes op het Ambonplein"]
    assert "Found in version 1 of the proposal" in page
    assert titles(logbook(member, record, q="fontein")) == ["Bankjes op het Ambonplein"]


def test_search_stays_in_its_circle(app, member, record):
    # The other circle talks about a kweker, zwerfafval and a moestuin too.
    assert titles(logbook(member, record, q="kweker")) == ["Afvalcontainers vergroenen"]
    assert titles(logbook(member, record, q="moestuin")) == ["Moestuin op het Javaplein"]
    with app.app_context():
        found = search.search(record.other_circle_id, "kweker")
        assert [h.proposal_id for h in found.hits] == [record.ids["other"]]


@pytest.mark.parametrize("query", [
    '"', '""', "*", "NEAR(", "NEAR(a b", "a OR", "AND", "-", "^", "(", ")", "'", "':*", "!", "&",
    "title:x", "body:kweker", "kweker*", '"kweker', "kweker)", "{kweker}", "\\", "%", "_", "\x00",
    "‮", "🙂", "a" * 300, " ".join(["kweker"] * 50), "kweker OR buurtfeest", "kweker NOT purmerend",
])
def test_search_syntax_is_never_read_from_what_people_type(member, record, query):
    page = logbook(member, record, q=query)
    # Every word is searched for as a word: "body", "OR" and "NOT" too.
    expected = {"kweker*": 1, '"kweker': 1, "kweker)": 1, "{kweker}": 1, " ".join(["kweker"] * 50): 1}
    assert len(titles(page)) == expected.get(query, 0 if re.search(r"[^\W_]", query) else 5)


def test_a_search_with_no_words_says_so_and_shows_everything(member, record):
    page = logbook(member, record, q='"*"')
    assert "Search for words: letters and numbers." in page
    assert len(titles(page)) == 5


def test_the_index_follows_every_write_in_its_transaction(app, record):
    with app.app_context():
        fatima = member_named(record.circle_id, "Fatima")
        contribution = db.session.scalar(sa.select(Contribution).where(Contribution.text.contains("kweker")))
        from circle import corrections
        corrections.correct_contribution(fatima, contribution.id, "Ik ken een hovenier in Purmerend.")
        hits = search.search(record.circle_id, "hovenier").hits
        assert [(h.kind, h.proposal_id) for h in hits] == [("correction", record.ids["containers"])]
        # A write that is rolled back leaves nothing in the index.
        db.session.add(ProposalVersion(proposal_id=record.ids["bankjes"], number=9, title="Lantaarnpaal",
                                       text="Licht op het plein.", written_by_id=fatima.id))
        db.session.flush()
        assert search.search(record.circle_id, "lantaarnpaal").total == 1
        db.session.rollback()
        assert search.search(record.circle_id, "lantaarnpaal").total == 0


def test_search_results_a_page_at_a_time_best_first(app, record):
    with app.app_context():
        everything = search.search(record.circle_id, "heeft een vraag", per_page=4)
        assert everything.total > 8 and everything.pages == -(-everything.total // 4)
        second = search.search(record.circle_id, "heeft een vraag", page=2, per_page=4)
        assert {h.ref for h in second.hits}.isdisjoint({h.ref for h in everything.hits})
        assert all("<mark>" in h.snippet for h in second.hits)
        assert search.search(record.circle_id, "NEAR(").total == 0


# --- The index itself: the migration, later batch migrations, PostgreSQL ------------------------------


def _triggers() -> dict[str, str]:
    return dict(db.session.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search~_%' ESCAPE '~'")).all())


def _index_is_whole() -> bool:
    """The FTS table holds exactly the texts of the tables, by row id."""
    indexed = set(db.session.scalars(sa.text("SELECT rowid FROM search_text")))
    expected = set()
    for statement in search_index._sqlite_fill():
        select = statement.split(") ", 1)[1]  # INSERT INTO search_text(rowid, title, body) SELECT ...
        expected |= {row[0] for row in db.session.execute(sa.text(select))}
    return indexed == expected and len(indexed) > 0


@pytest.mark.sqlite_only("SQLite's full-text index and its triggers; PostgreSQL's is test_postgresql_searches_with_its_own_full_text_search")
def test_the_migration_made_the_triggers_search_index_py_describes_and_the_index_is_whole(app, record):
    with app.app_context():
        made = _triggers()
        assert set(made) == set(search_index.SQLITE_TRIGGERS), (
            "A batch migration that recreated proposal_version, contribution or correction dropped "
            "their search triggers: end it with `search_index.index(op.get_bind())` (circle/read/search_index.py).")
        for name, sql in made.items():
            assert " ".join(sql.split()) == " ".join(search_index.SQLITE_TRIGGERS[name].split())
        assert _index_is_whole()


@pytest.mark.sqlite_only("SQLite's full-text index and its triggers; PostgreSQL's is test_postgresql_searches_with_its_own_full_text_search")
def test_the_migration_fills_the_index_with_the_record_already_there(app, record):
    with app.app_context():
        flask_migrate.downgrade(revision="afb18ea7f2ff")
        assert _triggers() == {}
        assert "search_text" not in sa.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        assert _index_is_whole()
        assert [h.proposal_id for h in search.search(record.circle_id, "kweker").hits] == [record.ids["containers"]]


def _recreate(table: str) -> None:
    """What a later migration with `op.batch_alter_table(table)` does on SQLite when it must rebuild."""
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        with conn.begin():
            with Operations(MigrationContext.configure(conn)).batch_alter_table(table, recreate="always"):
                pass
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


@pytest.mark.sqlite_only("SQLite's batch migrations rebuild a table, dropping its triggers")
def test_batch_migrations_of_other_tables_leave_the_triggers_alone(app, record):
    # The triggers read no other table, so SQLite's rename step of a batch migration has nothing to trip on.
    with app.app_context():
        for table in ("round", "meeting", "proposal", "member", "circle"):
            _recreate(table)
        assert set(_triggers()) == set(search_index.SQLITE_TRIGGERS)
        kees = member_named(record.circle_id, "Kees")
        proposals.write_draft(kees, proposals.Wording(title="Lantaarnpalen", text="Licht op het plein."))
        assert search.search(record.circle_id, "lantaarnpalen").total == 1


@pytest.mark.sqlite_only("SQLite's batch migrations rebuild a table, dropping its triggers")
def test_after_a_batch_migration_recreated_a_source_table_index_puts_search_back(app, record):
    with app.app_context():
        _recreate("contribution")
        assert not any(name.startswith("search_contribution_") for name in _triggers())
        search_index.index(db.session.connection())
        db.session.commit()
        assert set(_triggers()) == set(search_index.SQLITE_TRIGGERS)
        assert _index_is_whole()
        anna = member_named(record.circle_id, "Anna")
        meetings.open_meeting(anna, record.review_meeting_id)
        meetings.mark_attendance(anna, record.review_meeting_id, anna.id, True)
        rounds.start_round(anna, record.review_meeting_id, RoundKind.OPENING, RoundMode.OPEN)
        rounds.contribute(anna, record.review_meeting_id, anna.id, Answer.SPEAK, "Een lantaarnpaal erbij.")
        assert [h.kind for h in search.search(record.circle_id, "lantaarnpaal").hits] == ["contribution"]


#: Where the PostgreSQL tests find a server; they are skipped without one (.ci/run starts one).
POSTGRES = os.environ.get("KRING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1/postgres")


@pytest.fixture
def pg_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a new, migrated PostgreSQL database, dropped afterwards."""
    admin = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg2://", 1),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {POSTGRES}")
    name = f"kring_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    app = create_app({**config_for(tmp_path / "unused.sqlite3"), "SQLALCHEMY_DATABASE_URI": url},
                     instance_path=str(tmp_path / "instance"))
    try:
        with app.app_context():
            flask_migrate.upgrade()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgresql_searches_with_its_own_full_text_search(pg_app):
    with pg_app.app_context():
        made = build_record()
        indexes = {ix["name"] for table in ("proposal_version", "contribution", "correction")
                   for ix in sa.inspect(db.engine).get_indexes(table)}
        assert set(search_index.POSTGRESQL_INDEXES) <= indexes
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": search_index.include_name})
            assert compare_metadata(context, db.metadata) == []
    client = pg_app.test_client()
    sign_in_with_link(client, made.ids["Joost"])
    assert titles(logbook(client, made, q="kweker")) == ["Afvalcontainers vergroenen"]
    assert titles(logbook(client, made, q="PLANTENBAK")) == ["Afvalcontainers vergroenen"]  # a prefix
    assert titles(logbook(client, made, q="kleedjesmarkt", status="postponed")) == ["Buurtfeest in juni"]
    assert titles(logbook(client, made, q="moestuin")) == ["Moestuin op het Javaplein"]  # not the other circle's
    assert titles(logbook(client, made, q="kweker kleedjesmarkt")) == []
    for query in ['"', "NEAR(", "a OR", "':*", "!", "&", "|", "de het een"]:
        logbook(client, made, q=query)
    page = logbook(client, made, q="purmerend")
    assert "<mark>Purmerend</mark>" in page
    with pg_app.app_context():
        flask_migrate.downgrade(revision="afb18ea7f2ff")
        indexes = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("contribution")}
        assert not indexes & set(search_index.POSTGRESQL_INDEXES)
