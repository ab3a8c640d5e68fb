"""What keeps the live server from standing still (docs/performance.md): counts and settings, never times."""

from __future__ import annotations

import gc

import pytest
import sqlalchemy as sa

from circle import create_app
from circle.__main__ import settle
from circle.extensions import db, socketio
from circle.models import Meeting
from tests.conftest import config_for, live_connection
from tests.scenario import everyone_present, samen_vooruit


def synchronous(tmp_path, **settings) -> int:
    """SQLite's `synchronous` on a connection of an app with these settings (1 NORMAL, 2 FULL)."""
    app = create_app({**config_for(tmp_path / "kring.sqlite3"), **settings}, instance_path=str(tmp_path / "i"))
    with app.app_context():
        try:
            return db.session.execute(sa.text("PRAGMA synchronous")).scalar()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.sqlite_only("SQLite's synchronous setting")
def test_sqlite_waits_for_the_disk_only_when_the_log_is_written_back_unless_told_to_on_every_commit(tmp_path):
    assert synchronous(tmp_path) == 1
    assert synchronous(tmp_path, SQLITE_SYNCHRONOUS="FULL") == 2
    assert synchronous(tmp_path, SQLITE_SYNCHRONOUS="full") == 2


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_what_start_up_made_is_frozen_out_of_garbage_collection(app, unfrozen):
    gc.unfreeze()
    settle(app)
    assert gc.get_freeze_count() > 50_000
    assert "meetings/parts/round.html" in {name for _, name in app.jinja_env.cache.keys()}  # compiled first


def test_telling_the_room_gives_its_database_connection_back_before_it_lets_others_run(app, monkeypatch):
    """Under eventlet a handler parked at the yield after its broadcast must not hold a connection: fifty
    meetings' handlers parked there emptied the pool and steps failed waiting for one."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    console, program = live_connection(app, made, "Anna", view="console"), live_connection(app, made, "Kees")
    at_yield: list[tuple[bool, int]] = []
    monkeypatch.setattr(socketio, "sleep", lambda seconds=0: at_yield.append(
        (db.session().in_transaction(), db.engine.pool.checkedout())))
    with app.app_context():
        version = db.session.get(Meeting, made.meeting_id).version
    assert console.emit("start_round", {"kind": "opening", "mode": "open", "based_on": version}, callback=True)["ok"]
    assert console.emit("contribute", {"answer": "speak", "text": "Goed."}, callback=True)["ok"]
    assert program.get_received() and console.get_received()  # both were told, pages and programs
    assert at_yield == [(False, 0), (False, 0)]
