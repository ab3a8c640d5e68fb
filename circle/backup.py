"""`flask backup` and `flask restore`: a whole, checked copy of a SQLite database (docs/deploy.md, "Backups").

Kring's SQLite database runs in write-ahead-log mode: a committed action may
sit in `kring.sqlite3-wal` for a while before it reaches `kring.sqlite3`, so
copying the file alone can miss the latest entries of the record. `backup`
uses SQLite's online backup API instead, which reads the database as one
consistent snapshot, the log included, while the server goes on writing.
The copy is one self-contained file (no -wal beside it).

`restore` checks a backup before it is used: every circle's hash chain
(`record.verify_all`, the same check as `verify-log`) and the migration it
is at. A backup that does not hold is refused, naming the entry that breaks,
and nothing is replaced. The database it replaces is kept beside it.

On PostgreSQL both refuse: `pg_dump` and `pg_restore` do this there.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from circle import PACKAGE, clock, record

#: Beside each file SQLite may keep these while the database is in use.
SIDE_FILES = ("-wal", "-shm", "-journal")


def database_file() -> Path:
    """The SQLite file the app is configured for; refuse anything else, pointing to pg_dump."""
    url = sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "backup and restore work on SQLite only. On PostgreSQL use its own tools: "
            "pg_dump --format=custom --file=kring.dump DATABASE, and pg_restore to put it back "
            "(docs/deploy.md, \"Backups\").")
    if not url.database or url.database == ":memory:":
        raise click.ClickException("the database is in memory: there is nothing to copy.")
    return Path(current_app.instance_path, url.database)  # a relative path is the instance folder's


def copy(source: Path, target: Path) -> None:
    """Copy a database with SQLite's backup API into `target`, one file without a write-ahead log."""
    reader = sqlite3.connect(source, timeout=15)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()


def check(path: Path) -> tuple[list[record.Verdict], str]:
    """Every circle's verdict on the database at `path`, and what its migration stands at.

    Raises ClickException when it is no Kring database or one of a Kring newer than this one.
    """
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    try:
        with Session(engine) as session:
            try:
                current = MigrationContext.configure(session.connection()).get_current_heads()
                verdicts = record.verify_all(session)
            except sa.exc.DatabaseError as error:
                raise click.ClickException(f"{path} is not a Kring database: {error.orig}") from None
    finally:
        engine.dispose()
    scripts = ScriptDirectory(str(PACKAGE / "migrations"))
    [head] = scripts.get_heads()
    known = {s.revision for s in scripts.walk_revisions()}
    if len(current) != 1 or current[0] not in known:
        raise click.ClickException(f"{path} is at migration {', '.join(current) or 'none'}, "
                                   "which this Kring does not know (a newer Kring made it?).")
    return verdicts, "head" if current[0] == head else current[0]


def refuse_in_use(path: Path) -> None:
    """Refuse while any process has the database at `path` open (a running Kring, a `tick`)."""
    if not path.exists():
        return
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("PRAGMA locking_mode=EXCLUSIVE")  # needs every other connection closed
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("COMMIT")
    except sqlite3.OperationalError:
        raise click.ClickException(f"{path} is in use: stop every Kring process (and cron's tick) first.") \
            from None
    finally:
        probe.close()


def _remove_side_files(path: Path) -> None:
    for suffix in SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def echo_check(path: Path) -> bool:
    """Check the database at `path` and say what was found; True when every chain holds."""
    from circle.cli import echo_verdicts

    verdicts, migration = check(path)
    intact = echo_verdicts(verdicts)
    if migration != "head":
        click.echo(f"It is at an older migration ({migration}): run `flask --app circle db upgrade` "
                   "before starting Kring on it.")
    return intact


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the live SQLite database to PATH (a new file, or a folder to put a dated file in), then check it."""
    source = database_file()
    if not source.exists():
        raise click.ClickException(f"There is no database at {source}.")
    if path.is_dir():
        path = path / f"kring-{clock.now():%Y-%m-%d-%H%M%S}.sqlite3"
    if path.exists():
        raise click.ClickException(f"{path} exists already; a backup never overwrites a file.")
    partial = path.with_name(path.name + ".partial")
    _remove_side_files(partial)
    partial.unlink(missing_ok=True)
    copy(source, partial)
    os.replace(partial, path)  # only a whole copy ever carries the name asked for
    click.echo(f"Backup written: {path}")
    if not echo_check(path):
        raise SystemExit(1)  # kept: a broken record is still worth keeping, but say so


@click.command("restore")
@with_appcontext
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(backup: Path) -> None:
    """Check the backup at BACKUP and only then put it in place of the database (Kring stopped)."""
    target = database_file()
    staged = target.with_name(target.name + ".restoring")
    _remove_side_files(staged)
    staged.unlink(missing_ok=True)
    copy(backup, staged)  # checked as a copy, so what is checked is exactly what is put in place
    try:
        intact = echo_check(staged)
    except click.ClickException:
        staged.unlink(missing_ok=True)
        raise
    if not intact:
        staged.unlink(missing_ok=True)
        raise click.ClickException(f"{backup} does not hold; nothing was replaced.")
    refuse_in_use(target)  # only now: a refused backup leaves the target unopened, byte for byte
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore-{clock.now():%Y-%m-%d-%H%M%S}")
        copy(target, kept)  # the database it replaces, write-ahead log and all
        click.echo(f"The database it replaces is kept as {kept}")
    _remove_side_files(target)
    os.replace(staged, target)
    click.echo(f"Restored {backup} to {target}.")
