"""The suite's own databases (tests/databases.py, docs/testing.md): copies stand alone, nothing stays behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import conftest, databases


def _write(path: Path, name: str) -> None:
    engine = sa.create_engine(databases.uri_for(path))
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO person (name, language, larger_text, sign_in_version, created_at) "
                             "VALUES (:name, 'nl', false, 1, '2026-01-01 00:00:00')"), {"name": name})
    engine.dispose()


def test_the_header_says_which_database_the_run_uses():
    said = conftest.pytest_report_header(None)[-1]
    assert said.startswith("Kring's database: ")
    assert said.removeprefix("Kring's database: ").startswith("PostgreSQL" if databases.POSTGRES else "SQLite")


def test_two_copies_of_the_template_stand_alone(template_database: Path, tmp_path: Path):
    one, other = tmp_path / "one.sqlite3", tmp_path / "other.sqlite3"
    databases.copy(template_database, one)
    databases.copy(template_database, other)
    _write(one, "Anna")
    assert databases.read(one, "SELECT name FROM person") == [("Anna",)]
    assert databases.read(other, "SELECT name FROM person") == []
    assert databases.read(template_database, "SELECT count(*) FROM person") == [(0,)]


@pytest.mark.skipif(not databases.POSTGRES, reason="PostgreSQL only: SQLite's files go with the test's folder")
def test_a_dropped_database_is_gone_and_a_path_made_again_starts_afresh(template_database: Path, tmp_path: Path):
    path = tmp_path / "kring.sqlite3"
    databases.copy(template_database, path)
    _write(path, "Anna")
    name = sa.make_url(databases.uri_for(path)).database
    assert name.startswith(databases.run_prefix())
    databases.drop(path)
    databases.copy(template_database, path)  # waits for the queued drop of the same name first
    assert databases.read(path, "SELECT count(*) FROM person") == [(0,)]
    databases.drop(path)
    databases._to_drop.join()
    with databases.admin().connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0


@pytest.mark.skipif(not databases.POSTGRES, reason="PostgreSQL only: SQLite's files go with the test's folder")
def test_what_killed_runs_left_is_dropped_after_a_day_on_the_servers_clock_not_the_machines(
        template_database: Path, tmp_path: Path, monkeypatch):
    """A run under `faketime` (tests/test_any_day.py) saw the databases of the run that started it as a year old,
    and dropped them in the middle of that run. A day is counted on the PostgreSQL server's clock."""
    import time

    path = tmp_path / "kring.sqlite3"
    databases.copy(template_database, path)
    ours = sa.make_url(databases.uri_for(path)).database
    with databases.admin().connect() as conn:
        now = databases._server_now(conn)
        left = f"{databases.PREFIX}{now - 2 * 24 * 3600}_1_{'0' * 16}"  # a killed run's, two days ago
        conn.execute(sa.text(f'CREATE DATABASE "{left}"'))  # the admin connects in autocommit
    monkeypatch.setattr(time, "time", lambda: now + 400 * 24 * 3600)  # the machine's clock, a year ahead
    databases.drop_stale()
    with databases.admin().connect() as conn:
        names = set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
    assert ours in names and left not in names
    assert databases.read(path, "SELECT count(*) FROM person") == [(0,)]
