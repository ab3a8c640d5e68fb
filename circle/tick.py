"""`flask --app circle tick`: what falls due by the clock, done when cron calls (every few minutes).

Nothing in Kring runs by itself between requests: a round's deadline passes,
a reminder is owed, a digest is due at its hour, and no page view need come.
So cron calls this command; each job does what is due now (by circle/clock.py)
and nothing else, and may run again at once or from another server process
without doing anything twice: each keeps its own guard in the database (a
unique key, a claimed row), never in this process's memory.

    */5 * * * *  cd /srv/kring && .venv/bin/flask --app circle tick

A job that fails is logged and the others still run; the command then exits
non-zero so cron reports it. The jobs run in the order of `jobs()`: what
changes the record first (closing rounds), then what it makes owed (notices),
then sending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from circle.extensions import db


@dataclass(frozen=True)
class Job:
    """One thing tick does: its name, for the report, and a function returning how many it did."""

    name: str
    run: Callable[[], int]


def close_rounds() -> int:
    """Close the rounds between meetings whose deadline passed (circle/deadlines.py); tell their followers."""
    from circle.broadcast import tell_the_room
    from circle.deadlines import close_due_rounds

    closed = close_due_rounds()
    for done in closed:
        tell_the_room(done)  # reaches pages and programs only through the message queue, if any
    return len(closed)


def jobs() -> list[Job]:
    """Every job, in the order they run. Imported here, so the modules they live in need not know tick."""
    from circle import notices, reminders, roles

    return [
        Job("rounds between meetings closed at their deadline", close_rounds),
        Job("roles: terms recorded ahead that begin today", roles.begin_due_terms),
        Job("notices: round reminders", reminders.remind_rounds),
        Job("notices: reviews due", reminders.note_reviews_due),
        Job("notices: tasks overdue", reminders.note_tasks_overdue),
        Job("notices: sent each time", notices.send_owed),
        Job("notices: daily digests", notices.send_digests),
    ]


def run_all() -> list[tuple[str, int | None]]:
    """Run every job once; a failed job is logged, rolled back and reported as None."""
    report: list[tuple[str, int | None]] = []
    for job in jobs():
        try:
            report.append((job.name, job.run()))
        except Exception:
            db.session.rollback()
            current_app.logger.exception("tick: %s failed", job.name)
            report.append((job.name, None))
    return report


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Do what is due by the clock: close rounds, remind, send notices and digests (for cron)."""
    report = run_all()
    for name, done in report:
        click.echo(f"{name}: {'FAILED' if done is None else done}")
    if any(done is None for _, done in report):
        raise SystemExit(1)
