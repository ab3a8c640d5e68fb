"""Benchmark: how long each record page takes on a large record, beside the same page on a small one.

    .venv/bin/python tests/bench/record.py [--runs 20] [--reader member|public] [--postgres URL]

Builds the small and the large record of tests/bigrecord.py (SMALL, LARGE:
1,000 decisions and 20,000 contributions) in fresh, migrated databases
(SQLite files in a temporary folder; with --postgres, new databases on that
server, dropped afterwards), then loads each page of tests/test_query_counts.py
PAGES with the Flask test client: once to warm up, once counting its SQL
statements, then --runs times, the small and the large record in turn. Prints
the median time per page on each record and the statements the page ran.
A page whose endpoint does not exist yet is listed as skipped.

Not a test (pytest collects test_*.py only): timings belong in a benchmark,
never in a timed unit test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask, url_for  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from werkzeug.routing import BuildError  # noqa: E402

from circle import create_app  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.models import Circle  # noqa: E402
from tests.bigrecord import LARGE, SMALL, Sample, make_big_record, sample  # noqa: E402
from tests.conftest import config_for, sign_in_with_link  # noqa: E402
from tests.test_query_counts import PAGES  # noqa: E402


def build(size: tuple[int, int], folder: Path, postgres: str | None) -> tuple[Flask, Sample, float, str | None]:
    """A migrated database with one record of this size (public); the app, its ids, seconds to build."""
    config = config_for(folder / "kring.sqlite3")
    name = None
    if postgres:
        name = f"kring_bench_{uuid.uuid4().hex[:10]}"
        with _admin(postgres).connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        config["SQLALCHEMY_DATABASE_URI"] = sa.make_url(postgres).set(database=name).render_as_string(
            hide_password=False)
    app = create_app(config, instance_path=str(folder / "instance"))
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        circle_id = make_big_record(*size)
        seconds = time.perf_counter() - started
        db.session.execute(sa.update(Circle).where(Circle.id == circle_id).values(public_record=True))
        db.session.commit()
        if postgres:
            with db.engine.connect() as conn:  # fresh statistics, as autovacuum would gather them
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        ids = sample(circle_id)
    return app, ids, seconds, name


def _admin(postgres: str) -> sa.Engine:
    return sa.create_engine(postgres.replace("postgresql://", "postgresql+psycopg2://", 1),
                            isolation_level="AUTOCOMMIT")


def prepare(app: Flask, ids: Sample, url: str, reader: str) -> tuple[FlaskClient, int, int]:
    """A browser for the page, warmed up; the statements one load runs, and its status code."""
    client = app.test_client()
    if reader == "member":
        sign_in_with_link(client, ids.member_id)
    client.get(url)  # warm up: templates compiled, caches filled
    with app.app_context():
        engine = db.engine
    statements = 0

    def seen(*args):
        nonlocal statements
        statements += 1

    sa.event.listen(engine, "before_cursor_execute", seen)
    status = client.get(url).status_code
    sa.event.remove(engine, "before_cursor_execute", seen)
    return client, statements, status


def load(client: FlaskClient, url: str) -> float:
    """Milliseconds to load the page once."""
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="loads of each page to take the median of")
    parser.add_argument("--reader", choices=("member", "public"), default="member",
                        help="read as a signed-in member, or as an anonymous neighbour")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("KRING_BENCH_POSTGRES"),
                        help="run on PostgreSQL: a server URL with a user that may create databases")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        built = {}
        for label, size in (("small", SMALL), ("large", LARGE)):
            folder = Path(tmp) / label
            folder.mkdir()
            built[label] = build(size, folder, args.postgres)
        try:
            rows, skipped = [], []
            for page in PAGES:
                urls = {}
                for label, (app, ids, _, _) in built.items():
                    with app.test_request_context():
                        try:
                            urls[label] = url_for(page.endpoint, **page.values(ids))
                        except BuildError:
                            pass
                if len(urls) < len(built):
                    skipped.append(f"{page.name}: no page {page.endpoint} yet")
                    continue
                prepared = {label: prepare(app, ids, urls[label], args.reader)
                            for label, (app, ids, _, _) in built.items()}
                times: dict[str, list[float]] = {label: [] for label in built}
                for _ in range(args.runs):  # small and large in turn, so a busy moment hits both
                    for label, (client, _, _) in prepared.items():
                        times[label].append(load(client, urls[label]))
                rows.append((page.name, *[(statistics.median(times[label]), prepared[label][1],
                                           prepared[label][2]) for label in ("small", "large")]))
            database = "PostgreSQL" if args.postgres else "SQLite"
            print(f"Record pages, median of {args.runs} loads each, as a {args.reader} "
                  f"({database}, Flask test client, Python {sys.version.split()[0]})")
            for label, size in (("small", SMALL), ("large", LARGE)):
                print(f"  {label} record: {size[0]} decisions, {size[1]} contributions "
                      f"(built in {built[label][2]:.1f} s)")
            print()
            width = max(len(name) for name, *_ in rows) + 2
            print(f"{'page':<{width}} {'small ms':>9} {'large ms':>9}   queries small/large")
            for name, (s_ms, s_q, s_status), (l_ms, l_q, l_status) in rows:
                note = "" if s_status == l_status == 200 else f"   (HTTP {s_status}/{l_status})"
                flag = "" if s_q == l_q else "   <- grows with the record"
                print(f"{name:<{width}} {s_ms:>9.1f} {l_ms:>9.1f}   {s_q}/{l_q}{flag}{note}")
            for line in skipped:
                print(f"skipped: {line}")
        finally:
            for app, _, _, name in built.values():
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                if name:
                    with _admin(args.postgres).connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
