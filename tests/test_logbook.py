"""The logbook: a circle's decisions newest first, filtered, searched and paged, for members and,
where the circle wants it, for anyone.

The record is made through the application layer, as meetings make it; only
the moments of the decisions are moved apart afterwards, so the period filter
has something to tell apart.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from flask import Flask

from circle import create_app, meetings, proposals, rounds
from circle.read import search, search_index
from circle.circles import add_member, create_circle, set_public_record
from circle.extensions import db
from circle.method import Answer, NameDisplay, Role, RoundKind, RoundMode
from circle.models import Contribution, Member, Proposal, ProposalVersion
from circle.views.logbook import PER_PAGE
from tests import databases
from tests.conftest import app_on_copy, config_for, sign_in_with_link
from tests.pages import unisolated

PEOPLE = [
    ("Fatima El Amrani", Role.SECRETARY),
    ("Joost Bakker", Role.MEMBER),
    ("Aylin Yilmaz", Role.MEMBER),
    ("Kees van Dijk", Role.MEMBER),
]


@dataclass
class Record:
    circle_id: int
    other_circle_id: int
    ids: dict[str, int]  # people by first name, proposals by key
    meeting_id: int
    review_meeting_id: int


def _member(circle_id: int, first: str) -> Member:
    return db.session.scalar(sa.select(Member).where(
        Member.circle_id == circle_id, Member.name.startswith(first + " ")))


def _round(anna, meeting_id, proposal_id, kind, texts: dict[str, str] | None = None):
    """A whole round in turn; everyone present answers (speaks, or consents)."""
    rounds.start_round(anna, meeting_id, kind, RoundMode.IN_TURN, proposal_id=proposal_id)
    for name in ["Anna", *[p.split()[0] for p, _ in PEOPLE]]:
        member = _member(anna.circle_id, name)
        if kind == RoundKind.CONSENT:
            answer, text = Answer.CONSENT, (texts or {}).get(name, "")
        else:
            answer, text = Answer.SPEAK, (texts or {}).get(name, f"{name} heeft een vraag.")
        rounds.contribute(member, meeting_id, member.id, answer, text)
    rounds.close_round(anna, meeting_id)


def _adopt(anna, meeting_id, proposal_id, picture: dict[str, str] | None = None):
    _round(anna, meeting_id, proposal_id, RoundKind.PICTURE_FORMING, picture)
    _round(anna, meeting_id, proposal_id, RoundKind.OPINION_FORMING)
    _round(anna, meeting_id, proposal_id, RoundKind.CONSENT)
    proposals.adopt(anna, meeting_id, proposal_id)


def build_record() -> Record:
    """Five proposals, one of each status, and another circle that talks about the same things."""
    founded = dt.date(2025, 1, 6)  # the record below starts in March 2025
    circle, anna = create_circle("Samen Vooruit", "Anna de Vries", since=founded)
    for name, role in PEOPLE:
        add_member(None, circle.id, name, role, since=founded)
    cid = circle.id
    anna = _member(cid, "Anna")
    aylin, kees = _member(cid, "Aylin"), _member(cid, "Kees")

    def draft(author, title, text, review=None):
        return proposals.write_draft(author, proposals.Wording(title=title, text=text, review_date=review)).subject

    ids = {
        "containers": draft(aylin, "Afvalcontainers vergroenen",
                            "Plantenbakken rond de containers in de Javastraat.", dt.date(2026, 9, 1)),
        "feest": draft(kees, "Buurtfeest in juni", "Een kleedjesmarkt en muziek in de Balistraat."),
        "moestuin": draft(aylin, "Moestuin op het Javaplein", "Tien bakken voor kruiden."),
        "prikken": draft(kees, "Zwerfafval prikken", "Elke eerste zaterdag van de maand."),
        "bankjes": draft(kees, "Bankjes op het Ambonplein", "Drie bankjes bij de speeltuin."),
    }
    meeting = meetings.plan_meeting(anna, "Kernteam maart", dt.date(2025, 3, 10)).subject
    for key in ("containers", "feest", "moestuin", "prikken"):
        proposals.put_on_agenda(anna, ids[key], meeting)
    meetings.open_meeting(anna, meeting)
    for name in ["Anna", *[p.split()[0] for p, _ in PEOPLE]]:
        meetings.mark_attendance(anna, meeting, _member(cid, name).id, True)
    _adopt(anna, meeting, ids["containers"],
           {"Joost": "Wie betaalt de plantenbakken?", "Kees": "Ik ken een kweker in Purmerend."})
    _round(anna, meeting, ids["feest"], RoundKind.PICTURE_FORMING)
    proposals.postpone(anna, meeting, ids["feest"])
    proposals.withdraw(aylin, ids["moestuin"], meeting)
    _adopt(anna, meeting, ids["prikken"])
    meetings.close_meeting(anna, meeting)
    review = meetings.plan_meeting(anna, "Kernteam januari", dt.date(2026, 1, 20)).subject
    proposals.put_on_agenda(anna, ids["prikken"], review)  # back for its review

    # The moments the record shows: decided in four different months, the draft written in February.
    moments = {"containers": dt.datetime(2025, 3, 10, 19), "feest": dt.datetime(2025, 6, 1, 19),
               "moestuin": dt.datetime(2025, 9, 15, 19), "prikken": dt.datetime(2025, 12, 31, 23, 30)}
    for key, moment in moments.items():
        db.session.execute(sa.update(Proposal).where(Proposal.id == ids[key]).values(decided_at=moment))
    db.session.execute(sa.update(Proposal).where(Proposal.id == ids["bankjes"])
                       .values(created_at=dt.datetime(2026, 2, 1, 10)))
    db.session.commit()

    other, bob = create_circle("Andere Kring", "Bob Smit")
    ids["other"] = proposals.write_draft(bob, proposals.Wording(
        title="Een kweker voor de containers", text="Zwerfafval en een moestuin.")).subject
    ids.update({name: _member(cid, name).id for name in ("Anna", "Fatima", "Joost", "Aylin", "Kees")})
    ids["Bob"] = bob.id
    return Record(cid, other.id, ids, meeting, review)


@pytest.fixture(scope="module")
def record_database(template_database: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Record]:
    """The record, built once for this module in a database file that each test gets a copy of."""
    folder = tmp_path_factory.mktemp("logbook")
    database = folder / "kring.sqlite3"
    databases.copy(template_database, database)
    app = create_app(config_for(database), instance_path=str(folder / "instance"))
    with app.app_context():
        made = build_record()
        db.session.remove()
        db.engine.dispose()
    return database, made


@pytest.fixture
def app(record_database, tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh copy of the record (replaces conftest's app for this module)."""
    yield from app_on_copy(record_database[0], tmp_path)


@pytest.fixture
def record(record_database) -> Record:
    return record_database[1]


@pytest.fixture
def member(client, record) -> object:
    """A browser signed in as Joost, a member of the circle."""
    sign_in_with_link(client, record.ids["Joost"])
    return client


def titles(html: str) -> list[str]:
    """The titles in the list, in order."""
    return re.findall(r'<h2><a href="/c/\d+/decisions/\d+/"><bdi>([^<]+)</bdi></a></h2>', html)


def logbook(client, record, **params):
    """The logbook page with these filters, in English."""
    response = client.get(f"/c/{record.circle_id}/logbook/", query_string=params,
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    return response.text


# --- The list --------------------------------------------------------------------------------


def test_every_proposal_newest_first_with_status_dates_and_links(member, record):
    page = logbook(member, record)
    assert titles(page) == ["Bankjes op het Ambonplein", "Zwerfafval prikken", "Moestuin op het Javaplein",
                            "Buurtfeest in juni", "Afvalcontainers vergroenen"]
    assert f'href="/c/{record.circle_id}/decisions/{record.ids["containers"]}/"' in page
    statuses = re.findall(r'class="tag status-([a-z_]+)"', page)
    assert statuses == ["in_progress", "review", "withdrawn", "postponed", "adopted"]
    assert '<time datetime="2025-03-10T19:00:00Z">' in page  # decided
    assert '<time datetime="2026-09-01">' in page  # its review date
    assert '<time datetime="2026-02-01T10:00:00Z">' in page  # the draft: when it was written


@pytest.mark.parametrize(("status", "expected"), [
    ("adopted", ["Afvalcontainers vergroenen"]),
    ("postponed", ["Buurtfeest in juni"]),
    ("withdrawn", ["Moestuin op het Javaplein"]),
    ("review", ["Zwerfafval prikken"]),
    ("in_progress", ["Bankjes op het Ambonplein"]),
])
def test_filter_by_status(member, record, status, expected):
    page = logbook(member, record, status=status)
    assert titles(page) == expected
    assert f'<option value="{status}" selected>' in page


def test_filter_by_period_in_the_circles_time_zone(member, record):
    assert titles(logbook(member, record, **{"from": "2025-06-01", "to": "2025-09-15"})) == [
        "Moestuin op het Javaplein", "Buurtfeest in juni"]
    assert titles(logbook(member, record, **{"from": "2025-09-16"})) == [
        "Bankjes op het Ambonplein", "Zwerfafval prikken"]
    assert titles(logbook(member, record, to="2025-03-10")) == ["Afvalcontainers vergroenen"]
    # 31 December 23:30 UTC is already 1 January in Amsterdam.
    assert titles(logbook(member, record, **{"from": "2026-01-01", "to": "2026-01-01"})) == ["Zwerfafval prikken"]
    # Dates as people type them, and the two ends the wrong way round.
    assert titles(logbook(member, record, **{"from": "15-09-2025", "to": "01/06/2025"})) == [
        "Moestuin op het Javaplein", "Buurtfeest in juni"]


def test_filters_combine(member, record):
    page = logbook(member, record, status="adopted", to="2025-12-31", q="plantenbakken")
    assert titles(page) == ["Afvalcontainers vergroenen"]
    assert titles(logbook(member, record, status="postponed", q="plantenbakken")) == []


@pytest.mark.parametrize("params", [
    {"status": "banana"}, {"from": "gisteren"}, {"to": "2025-13-45"}, {"from": "99999-01-01"},
    {"from": "0001-01-01"}, {"page": "-3"}, {"page": "x"}, {"page": "9" * 5000}, {"page": "9" * 100}, {"page": "٣"}, {"q": "x" * 5000},
    {"status": "<script>"},
])
def test_bad_filters_are_explained_never_a_crash(member, record, params):
    page = logbook(member, record, **params)
    assert "<script>" not in page
    if "status" in params or "from" in params or "to" in params:
        assert 'class="flash error"' in page
        assert len(titles(page)) == 5


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
        kees = _member(record.circle_id, "Kees")
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
        fatima = _member(record.circle_id, "Fatima")
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


# --- Pages ---------------------------------------------------------------------------------------


def test_pages_of_25_with_links_that_keep_the_filters(app, member, record):
    with app.app_context():
        kees = _member(record.circle_id, "Kees")
        for n in range(2 * PER_PAGE + 3):
            proposals.write_draft(kees, proposals.Wording(title=f"Geveltuin nummer {n:02d}",
                                                          text="Tegels eruit, planten erin."))
    first = logbook(member, record, q="geveltuin", status="in_progress")
    assert len(titles(first)) == PER_PAGE
    assert titles(first)[0] == "Geveltuin nummer 52"
    links = re.findall(r'<a rel="next" href="([^"]+)"', first)
    assert len(links) == 1 and "q=geveltuin" in links[0] and "status=in_progress" in links[0]
    second = member.get(links[0].replace("&amp;", "&")).text
    assert titles(second)[0] == "Geveltuin nummer 27"
    third = member.get(re.findall(r'<a rel="next" href="([^"]+)"', second)[0].replace("&amp;", "&")).text
    assert titles(third) == ["Geveltuin nummer 02", "Geveltuin nummer 01", "Geveltuin nummer 00"]
    assert 'rel="next"' not in third and 'rel="prev"' in third
    # Past the last page: the last page.
    assert titles(logbook(member, record, q="geveltuin", page="99")) == titles(third)


# --- Who may read it -------------------------------------------------------------------------------


def test_private_record_refuses_anonymous_and_other_circles(app, client, record):
    response = client.get(f"/c/{record.circle_id}/logbook/")
    assert response.status_code == 302 and "/sign-in" in response.location
    sign_in_with_link(client, record.ids["Bob"])
    assert client.get(f"/c/{record.circle_id}/logbook/").status_code == 404
    assert client.get(f"/c/{record.circle_id}/logbook/?q=kweker").status_code == 404
    assert client.get("/c/999999/logbook/").status_code == 404


@pytest.mark.parametrize(("display", "shown", "hidden"), [
    (NameDisplay.FULL, "Kees van Dijk", None),
    (NameDisplay.FIRST, "what Kees said", "Kees van Dijk"),
    (NameDisplay.INITIALS, "K.V.D.", "Kees"),
])
def test_public_record_is_readable_by_anyone_with_names_as_chosen(app, client, record, display, shown, hidden):
    with app.app_context():
        set_public_record(_member(record.circle_id, "Anna"), True, display)
    page = logbook(client, record, q="kweker")
    assert titles(page) == ["Afvalcontainers vergroenen"]
    assert shown in unisolated(page)
    if hidden:
        assert hidden not in page
    assert "This circle has made its record public." in page
    assert len(titles(logbook(client, record))) == 5


def test_members_see_full_names_when_the_record_is_public(app, member, record):
    with app.app_context():
        set_public_record(_member(record.circle_id, "Anna"), True, NameDisplay.INITIALS)
    assert "Kees van Dijk" in logbook(member, record, q="kweker")


def test_switching_the_record_back_closes_the_logbook(app, client, record):
    with app.app_context():
        set_public_record(_member(record.circle_id, "Anna"), True, NameDisplay.FIRST)
    assert client.get(f"/c/{record.circle_id}/logbook/").status_code == 200
    with app.app_context():
        set_public_record(_member(record.circle_id, "Anna"), False, NameDisplay.FIRST)
    assert client.get(f"/c/{record.circle_id}/logbook/").status_code == 302


def test_readable_without_javascript(member, record):
    page = logbook(member, record)
    assert re.search(r'<form class="filters" method="get"', page)


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
        kees = _member(record.circle_id, "Kees")
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
        anna = _member(record.circle_id, "Anna")
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
