"""Fixtures every Kring test can use: a frozen clock, a migrated database, the app, a client, signing in.

Kring's clock stands still at tests/days.py's NOW for the whole run, so no
test depends on the day it runs (`frozen_clock`; docs/time.md).
Each test gets its own copy of a database that the real migrations built
once per session, so tests run against the schema people will run: a SQLite
file, or a PostgreSQL database when KRING_TEST_POSTGRES names a server
(tests/databases.py, docs/testing.md).
CSRF protection stays on, as in production: post forms with `csrf_token(page)`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from circle import clock, create_app
from circle.auth import sign_in_url
from circle.extensions import db, socketio
from circle.models import Member
from tests import databases
from tests.days import NOW

#: The host tests are served on, so links can be built outside a request too.
SERVER_NAME = "kring.test"


class FrozenClock:
    """Kring's clock, standing still; a test may move it on for a while (`later`)."""

    def __init__(self, moment: dt.datetime):
        self.moment = moment
        clock.set_to(moment)

    @property
    def now(self) -> dt.datetime:
        return clock.now()

    @property
    def today(self) -> dt.date:
        return clock.today()

    @contextmanager
    def later(self, **delta: float) -> Iterator[dt.datetime]:
        """Stand the clock `delta` (timedelta's words: days=2, hours=1) later, then back."""
        clock.set_to(self.moment + dt.timedelta(**delta))
        try:
            yield clock.now()
        finally:
            clock.set_to(self.moment)


def pytest_report_header(config) -> list[str]:
    """Say on which day the suite plays (KRING_TEST_TODAY moves it), the machine's own day (which
    `faketime` moves and nothing in Kring reads), and on which database."""
    return [f"Kring's clock stands at {clock.local(NOW):%Y-%m-%d %H:%M} ({clock.TIME_ZONE})",
            f"The machine's own date: {dt.date.today().isoformat()}",
            f"Kring's database: {databases.which()}"]


def pytest_collection_modifyitems(config, items) -> None:
    """On the PostgreSQL run, tests about SQLite itself skip, saying so (marker `sqlite_only`)."""
    if databases.POSTGRES:
        for item in items:
            if marker := item.get_closest_marker("sqlite_only"):
                reason = marker.args[0] if marker.args else "about SQLite itself"
                item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def the_runs_databases() -> Iterator[None]:
    """On PostgreSQL: clear what killed runs left, and drop every database of this run at its end."""
    if not databases.POSTGRES:
        yield
        return
    databases.drop_stale()
    try:
        yield
    finally:
        databases.drop_run()


@pytest.fixture(autouse=True)
def drop_the_tests_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    """On PostgreSQL: drop the databases a test made in its tmp_path once it is done."""
    if not databases.POSTGRES:
        yield
        return
    folder = request.getfixturevalue("tmp_path")
    yield
    databases.drop_under(folder)


@pytest.fixture(scope="session", autouse=True)
def frozen_clock() -> Iterator[FrozenClock]:
    """Every test runs at tests/days.py's NOW, whatever the day the suite runs."""
    frozen = FrozenClock(NOW)
    yield frozen
    clock.reset()


def config_for(database: Path) -> dict:
    """Settings of a test app on the database `database` names (tests/databases.py)."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": databases.uri_for(database),
        "SECRET_KEY": "test",
        "ASYNC_MODE": "threading",
        "SERVER_NAME": SERVER_NAME,
    }


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once by running every migration; tests get copies."""
    folder = tmp_path_factory.mktemp("template")
    database = folder / "kring.sqlite3"
    databases.create(database)
    app = create_app(config_for(database), instance_path=str(folder / "instance"))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database


def app_on_copy(source: Path, tmp_path: Path) -> Iterator[Flask]:
    """A Kring app on its own copy of a database, closed down (and the copy dropped) after the test."""
    database = tmp_path / "kring.sqlite3"
    databases.copy(source, database)
    app = create_app(config_for(database), instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(database)


@pytest.fixture
def app(template_database: Path, tmp_path: Path) -> Iterator[Flask]:
    """A Kring app with its own fresh database and instance folder."""
    yield from app_on_copy(template_database, tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without JavaScript: keeps cookies, follows nothing by itself."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs `flask` commands against the test app."""
    return app.test_cli_runner()


_CSRF = (
    re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"'),
    re.compile(r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"'),
)


def find_csrf_token(html: str) -> str:
    """The hidden csrf_token of the (first) form on a page."""
    for pattern in _CSRF:
        if match := pattern.search(html):
            return match.group(1)
    raise AssertionError("no csrf_token on this page")


def sign_in_with_link(client: FlaskClient, member: Member | int):
    """Sign in as a member the way a person does: open the personal link, press the button.

    `member` is a Member (attached or not) or a member id. Returns the
    response to the button: a redirect to the member's circle.
    """
    app = client.application
    member_id = member if isinstance(member, int) else sa.inspect(member).identity[0]
    with app.app_context():
        url = sign_in_url(db.session.get(Member, member_id), external=False)
    page = client.get(url)
    assert page.status_code == 200, page.text
    response = client.post(url, data={"csrf_token": find_csrf_token(page.text)})
    assert response.status_code == 303, response.text
    return response


def live_connection(app: Flask, made, name: str, **auth):
    """A member's phone on the live meeting (Flask-SocketIO's test client): signed in through their personal
    link, then connected; `auth` adds to what it connects with (a page's `view`)."""
    client = app.test_client()
    sign_in_with_link(client, made.member_ids[name])
    return socketio.test_client(app, flask_test_client=client, auth={"meeting": made.meeting_id, **auth})


@pytest.fixture
def csrf_token() -> Callable[[str], str]:
    """`csrf_token(html)`: the hidden CSRF token of a page, to post its form."""
    return find_csrf_token


@pytest.fixture
def sign_in() -> Callable:
    """`sign_in(client, member)`: sign in through the member's personal link."""
    return sign_in_with_link
