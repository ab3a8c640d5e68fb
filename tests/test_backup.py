"""`flask backup` and `flask restore` on a real server's SQLite database (docs/deploy.md, "Backups").

A backup is taken while the server writes: phones answer round after round
at the same time. It holds every entry committed before it began, its log
is a beginning of the live log, and its chain verifies; a plain copy of the
database file taken at the same moment, without its -wal, misses entries
(the reason the command exists). A good backup is restored and served; a
tampered one is refused, naming the entry, and leaves the target as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from circle import create_app
from circle.extensions import db
from tests import databases
from tests.phones import Phone
from tests.scenario import PEOPLE
from tests.server import KringServer, Seeded, prepared, seeded, serve, sign_in, wait_for  # noqa: F401

pytestmark = pytest.mark.server
#: What `backup` and `restore` do is SQLite's; on PostgreSQL they refuse (the last test).
sqlite_only = pytest.mark.skipif(bool(databases.POSTGRES), reason="the suite runs on PostgreSQL: pg_dump's part")

NAMES = [name for name, _ in PEOPLE]


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    yield from serve(prepared, tmp_path)


def flask(kring: KringServer, *args: str) -> tuple[int, str]:
    """`flask --app circle ARGS` in the server's environment: its exit code and everything it said."""
    import subprocess
    import sys

    from tests.server import ROOT

    done = subprocess.run([sys.executable, "-m", "flask", "--app", "circle", *args], cwd=ROOT, env=kring.env,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def log(database: Path) -> list[tuple]:
    """The log entries in a database file, read as SQLite reads that file alone."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT circle_id, seq, hash FROM log_entry ORDER BY circle_id, seq").fetchall()
    finally:
        connection.close()


def meet(phones: dict[str, Phone]) -> None:
    """Anna opens the meeting; everyone says they are here."""
    phones["Anna"].step("open_meeting")
    for phone in phones.values():
        assert phone.call("mark_attendance", {"member_id": phone.member_id, "present": True})["ok"]


def hold_round(phones: dict[str, Phone], answered: list[int]) -> None:
    """An open round in which everyone answers; each answer's id once the server acknowledged it."""
    anna = phones["Anna"]
    anna.step("start_round", kind="opening", mode="open")
    for phone in phones.values():
        answered.append(phone.contribute("speak", f"{phone.name}: goed")["id"])
    wait_for(lambda: anna.snapshot()["round"]["complete"], 10, what="the round complete")
    anna.step("close_round")


class Rounds(threading.Thread):
    """Rounds one after another: the server writes all along."""

    def __init__(self, phones: dict[str, Phone]):
        super().__init__(daemon=True)
        self.phones, self.stop = phones, threading.Event()
        self.acknowledged: list[int] = []
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                hold_round(self.phones, self.acknowledged)
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            self.failure = error


@sqlite_only
def test_a_backup_taken_while_phones_answer_holds_every_committed_entry_a_file_copy_does_not(
        server: KringServer, seeded: Seeded, tmp_path: Path):
    out = tmp_path / "backups"
    out.mkdir()
    phones = {name: Phone(server, seeded, name).connect() for name in NAMES}
    try:
        meet(phones)
        rounds = Rounds(phones)
        rounds.start()
        wait_for(lambda: len(rounds.acknowledged) >= 12 or rounds.failure, 60, what="answers coming in")
        answered_before = list(rounds.acknowledged)
        plain = tmp_path / "copied.sqlite3"
        shutil.copyfile(server.database, plain)  # what copying the file (without its -wal) gives
        code, said = flask(server, "backup", str(out))
        answered_after = len(rounds.acknowledged)
        rounds.stop.set()
        rounds.join(timeout=60)
        assert rounds.failure is None, rounds.failure
    finally:
        for phone in phones.values():
            phone.close()
    assert code == 0, said
    assert "Backup written" in said and "log intact" in said
    [backup] = out.glob("kring-*.sqlite3")
    assert sorted(p.name for p in out.iterdir()) == [backup.name]  # one file, whole by itself
    server.stop()
    live, kept, copied = log(server.database), log(backup), log(plain)

    # The backup is the live log up to its moment, with every answer acknowledged before it began.
    assert kept == live[:len(kept)] and len(kept) < len(live)
    assert answered_after > len(answered_before)  # the server went on writing while it was taken
    ids = {row[0] for row in sqlite3.connect(f"file:{backup}?mode=ro", uri=True).execute(
        "SELECT id FROM contribution")}
    assert set(answered_before) <= ids
    # The file copied at the same moment lacks what still sat in the write-ahead log.
    assert len(copied) < len(kept), (len(copied), len(kept))
    assert set(copied) < set(kept)
    missed = sqlite3.connect(f"file:{plain}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM contribution")
    assert missed.fetchone()[0] < len(answered_before)


@pytest.fixture
def backup(server: KringServer, seeded: Seeded, tmp_path: Path) -> Path:
    """A backup taken from the running server after a round in which everyone answered."""
    phones = {name: Phone(server, seeded, name).connect() for name in NAMES}
    try:
        meet(phones)
        hold_round(phones, [])
    finally:
        for phone in phones.values():
            phone.close()
    path = tmp_path / "kring-backup.sqlite3"
    code, said = flask(server, "backup", str(path))
    assert code == 0, said
    return path


def fingerprints(folder: Path) -> dict[str, str]:
    """Every database file in a folder (the database, its -wal and -shm), by name, as a SHA-256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("kring.sqlite3*")}


def idle(folder: Path) -> KringServer:
    """A server's environment on a database of its own, not started: where a backup is restored to."""
    folder.mkdir(parents=True, exist_ok=True)
    return KringServer(folder)


@sqlite_only
def test_restore_puts_a_checked_backup_in_place_and_it_serves(server: KringServer, backup: Path,
                                                              seeded: Seeded, tmp_path: Path):
    # Restoring over the live database is refused while the server has it open.
    code, said = flask(server, "restore", str(backup))
    assert code != 0 and "is in use" in said, said
    server.stop()
    code, said = flask(server, "restore", str(backup))
    assert code == 0, said
    assert "log intact" in said and "Restored" in said
    [kept] = server.folder.glob("kring.sqlite3.before-restore-*")
    assert log(kept) == log(server.database)  # nothing written since: the same record, kept aside
    # A fresh installation (no database yet) is served from the backup alone.
    fresh = idle(tmp_path / "fresh")
    code, said = flask(fresh, "restore", str(backup))
    assert code == 0, said
    assert not list(fresh.folder.glob("*.before-restore-*"))
    fresh.start()
    phones: dict[str, Phone] = {}
    try:
        phones = {name: Phone(fresh, seeded, name) for name in NAMES}
        for phone in phones.values():
            phone.connect()
        assert phones["Anna"].snapshot()["meeting"]["status"] == "open"  # where the backup left it
        answered: list[int] = []
        hold_round(phones, answered)  # and the meeting goes on
        assert len(answered) == len(NAMES)
    finally:
        for phone in phones.values():
            phone.close()
        fresh.stop()
    assert "log intact" in fresh.verify_log()


@sqlite_only
def test_a_tampered_backup_is_refused_naming_the_entry_and_nothing_is_replaced(
        server: KringServer, backup: Path, tmp_path: Path):
    with sqlite3.connect(backup) as connection:  # someone changes what a member said, row and record
        seq, data = connection.execute(
            "SELECT seq, data FROM log_entry WHERE action = 'contribute' ORDER BY seq LIMIT 1").fetchone()
        changed = json.loads(data)
        key = "text" if "text" in changed else next(k for k, v in changed.items() if isinstance(v, str))
        changed[key] = "Iets heel anders."
        connection.execute("UPDATE log_entry SET data = ? WHERE seq = ? AND action = 'contribute'",
                           (json.dumps(changed, sort_keys=True, separators=(",", ":"), ensure_ascii=False), seq))
        connection.execute("UPDATE contribution SET text = 'Iets heel anders.' "
                           "WHERE id = (SELECT MIN(id) FROM contribution)")
    connection.close()
    server.stop()
    before = fingerprints(server.folder)
    code, said = flask(server, "restore", str(backup))
    assert code != 0, said
    assert f"BROKEN at entry {seq}" in said and "nothing was replaced" in said
    assert fingerprints(server.folder) == before  # the database and its -wal, byte for byte, and nothing new
    assert "log intact" in server.verify_log()


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql://kring@127.0.0.1/kring",
                      "SECRET_KEY": "test", "ASYNC_MODE": "threading"}, instance_path=str(tmp_path))
    for command in (["backup", str(tmp_path / "b.sqlite3")], ["restore", __file__]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code != 0 and "pg_dump" in result.output, result.output
    assert not (tmp_path / "b.sqlite3").exists()


@sqlite_only
def test_restore_refuses_a_backup_of_a_migration_this_kring_does_not_know(app, runner, tmp_path: Path):
    backup = tmp_path / "backups" / "kring.sqlite3"
    backup.parent.mkdir()
    made = runner.invoke(args=["backup", str(backup)])
    assert made.exit_code == 0 and "log intact" in made.output, made.output
    with sqlite3.connect(backup) as connection:  # as a newer Kring would have left it
        connection.execute("UPDATE alembic_version SET version_num = 'f00f00f00f00'")
    connection.close()
    with app.app_context():
        db.engine.dispose()  # nothing holds the database: what is refused is the backup
    before = fingerprints(tmp_path)
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code != 0 and "f00f00f00f00, which this Kring does not know" in result.output
    assert fingerprints(tmp_path) == before
