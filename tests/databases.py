"""The suite's databases: SQLite files by default, PostgreSQL databases when asked.

`KRING_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres make test`
runs every database-backed test on that PostgreSQL server (docs/testing.md).
Tests name a database by a path, as they always did (`tmp_path / "kring.sqlite3"`):
on SQLite that path is the file; on PostgreSQL it names a database of this run,
`kring_test_<start>_<pid>_<hash of the path>`. Copying a database (a fresh copy
of the migrated one for each test) is `CREATE DATABASE ... TEMPLATE` there:
about a tenth of a second, and unlike emptying the tables it also copies the
prepared scenarios that many modules start from.

Every database a run makes is dropped: a test's own after the test (conftest's
`drop_the_tests_databases`), the rest when the session ends, and anything left
by a run that was killed is dropped by the next run after a day. A day on the
PostgreSQL server's clock, which also dates the names: a run under `faketime`
(tests/test_any_day.py moves the machine's clock a year ahead) must not take
the databases of the run that started it for a year old.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import os
import queue
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from circle import database_uri

#: The PostgreSQL server to test on (an address of a database to connect to first), or None: SQLite.
POSTGRES = os.environ.get("KRING_TEST_POSTGRES") or None
PREFIX = "kring_test_"
STALE_AFTER = dt.timedelta(days=1)

_run: str | None = None  # see run_prefix
_made: dict[Path, str] = {}  # path -> database name, for every PostgreSQL database of this run
_admin: sa.Engine | None = None
#: Dropping takes longer than copying (a third of a second here), so a thread drops while the next test runs.
_to_drop: queue.Queue[str | None] = queue.Queue()
_pending: set[str] = set()  # queued, not dropped yet
_dropper: threading.Thread | None = None


def which() -> str:
    """Which database the suite runs on, for the report's header."""
    if not POSTGRES:
        return "SQLite (set KRING_TEST_POSTGRES to a postgresql:// address to run on PostgreSQL)"
    return f"PostgreSQL at {sa.make_url(POSTGRES).render_as_string(hide_password=True)} (KRING_TEST_POSTGRES)"


def _server_now(conn: sa.Connection) -> int:
    """The PostgreSQL server's clock, in seconds since 1970: not the machine's, which faketime moves."""
    return conn.execute(sa.text("SELECT floor(extract(epoch FROM now()))::bigint")).scalar_one()


def run_prefix() -> str:
    """How this run's databases are named: when it began, on the server's clock, and by which process."""
    global _run
    if _run is None:
        with admin().connect() as conn:
            _run = f"{PREFIX}{_server_now(conn)}_{os.getpid()}_"
    return _run


def _name(path: Path) -> str:
    return run_prefix() + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:16]


def uri_for(path: Path) -> str:
    """The SQLAlchemy address of the database `path` names."""
    if not POSTGRES:
        return f"sqlite:///{path}"
    url = sa.make_url(database_uri(POSTGRES)).set(database=_name(path))
    return url.render_as_string(hide_password=False)


def admin() -> sa.Engine:
    """A connection to the PostgreSQL server outside any test database, to make and drop them."""
    global _admin
    if _admin is None:
        _admin = sa.create_engine(database_uri(POSTGRES), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    return _admin


def _drop_now(name: str) -> None:
    with admin().connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _drop_queued() -> None:
    while (name := _to_drop.get()) is not None:
        try:
            _drop_now(name)
        except sa.exc.DBAPIError:
            pass  # left for drop_run, which drops what is left of the run without a thread
        finally:
            _pending.discard(name)
            _to_drop.task_done()
    _to_drop.task_done()


def _make(path: Path, template: str | None) -> None:
    name = _name(path)
    if name in _pending:
        _to_drop.join()  # a test made this path again before its old database was gone
    with admin().connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        source = f' TEMPLATE "{template}"' if template else ""
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{source}'))
        # A throwaway database: losing its last commits in a crash of the server costs nothing.
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    _made[Path(path)] = name


def create(path: Path) -> None:
    """Make the empty database `path` names (SQLite makes its file on first use)."""
    if POSTGRES:
        _make(path, None)


def ensure(path: Path) -> None:
    """Make the empty database `path` names unless this run made it already."""
    if POSTGRES and Path(path) not in _made:
        _make(path, None)


def copy(source: Path, target: Path) -> None:
    """Make `target` a copy of the database `source` (which nobody may be writing to now)."""
    if POSTGRES:
        _make(target, _name(source))
        return
    if not Path(f"{source}-wal").exists():
        shutil.copyfile(source, target)
        return
    source_db, target_db = sqlite3.connect(source), sqlite3.connect(target)
    try:
        source_db.backup(target_db)  # SQLite's backup: what the WAL holds comes along
    finally:
        target_db.close()
        source_db.close()


def drop(path: Path) -> None:
    """Drop the database `path` names, if this run made it (SQLite files go with their folder)."""
    global _dropper
    name = _made.pop(Path(path), None)
    if name:
        if _dropper is None:
            _dropper = threading.Thread(target=_drop_queued, name="drop test databases", daemon=True)
            _dropper.start()
        _pending.add(name)
        _to_drop.put(name)


def drop_under(folder: Path) -> None:
    """Drop every database of this run whose path lies in `folder` (a test's tmp_path)."""
    for path in [p for p in _made if p.is_relative_to(folder)]:
        drop(path)


def drop_run() -> None:
    """Drop every database this run made (and wait until they are gone)."""
    global _dropper
    if _dropper is not None:
        _to_drop.put(None)
        _dropper.join()
        _dropper = None
    with admin().connect() as conn:
        names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                             {"p": run_prefix().replace("_", r"\_") + "%"}).scalars().all()
    for name in names:
        _drop_now(name)
    _made.clear()
    admin().dispose()


def drop_stale() -> None:
    """Drop test databases that runs killed before their end left behind more than a day ago."""
    with admin().connect() as conn:
        names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                             {"p": PREFIX.replace("_", r"\_") + "%"}).scalars().all()
        now = _server_now(conn)
        for name in names:
            started = name[len(PREFIX):].split("_", 1)[0]
            if started.isdigit() and now - int(started) > STALE_AFTER.total_seconds():
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _as_sqlite_reads(value: Any) -> Any:
    """A value as SQLite hands it out: moments as text, booleans as 0/1, decimals as floats."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def read(path: Path, sql: str, *params: Any) -> list[tuple]:
    """Run one read-only query (`?` placeholders) on the database itself, around the app: the truth after the fact."""
    if not POSTGRES:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()
    import psycopg2

    url = sa.make_url(uri_for(path))
    connection = psycopg2.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                                  dbname=url.database)
    try:
        connection.set_session(readonly=True, autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            return [tuple(_as_sqlite_reads(v) for v in row) for row in cursor.fetchall()]
    finally:
        connection.close()
