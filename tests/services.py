"""The real services some tests need, PostgreSQL and Redis on their standard local ports, or a skip saying why.

`postgres_url` gives a module a database of its own on the local PostgreSQL
server and drops it afterwards; `queue` is a client of the local Redis server;
`QueuedServer` is a Kring server joined to others by the Socket.IO message
queue on that Redis. A module that needs one imports it from here
(tests/test_scale.py, tests/test_postgres.py, tests/test_deploy.py);
`.ci/run` starts both services where they are not running (docs/testing.md).
"""

from __future__ import annotations

import http.client
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from circle import database_uri
from tests import databases
from tests.server import HOST, KringServer, wait_for

if TYPE_CHECKING:
    import redis

# --- PostgreSQL ----------------------------------------------------------------------

ADMIN_URL = database_uri(
    os.environ.get("KRING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
)


def _admin_engine():
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh, empty database on the local PostgreSQL server, dropped afterwards."""
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        pytest.skip(f"no PostgreSQL server reachable at {ADMIN_URL}: {error.orig}")
    name = f"kring_test_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# --- Redis ---------------------------------------------------------------------------

REDIS_PORT = 6379
#: This run: its own channel name and the name its servers' Redis connections carry.
RUN = f"kring-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def queue() -> Iterator["redis.Redis"]:
    """A client of the Redis server on 127.0.0.1:6379; skip the module when there is none."""
    redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install -e '.[redis]')")
    client = redis.Redis(host=HOST, port=REDIS_PORT, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.AuthenticationError:
        client.close()
        raise  # a Redis server is there but refuses us: a real problem, not a skip
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
        client.close()
        pytest.skip(f"no Redis server reachable at {HOST}:{REDIS_PORT}: {error}")
    yield client
    client.close()


def subscriptions(queue: "redis.Redis", client_name: str) -> int:
    """How many channels the Redis connections named `client_name` are subscribed to."""
    return sum(int(c.get("sub", 0)) for c in queue.client_list() if c.get("name") == client_name)


def numsub(queue: "redis.Redis", channel: str) -> int:
    return dict(queue.pubsub_numsub(channel)).get(channel.encode(), 0)


class QueuedServer(KringServer):
    """A Kring server on a given database, joined to the others by the Redis queue."""

    def __init__(self, folder: Path, database: Path, label: str):
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(folder)
        self.label = label
        self.database = database
        #: The Redis connections of this server carry this name (CLIENT LIST shows it).
        self.client_name = f"{RUN}-{label}"
        self.env.update(
            KRING_SQLALCHEMY_DATABASE_URI=databases.uri_for(database),
            KRING_SOCKETIO_MESSAGE_QUEUE=(
                f"redis://{HOST}:{REDIS_PORT}/0?client_name={self.client_name}"
            ),
            KRING_SOCKETIO_CHANNEL=RUN,
        )

    def wake_socketio(self) -> None:
        """Open (and close) one bare Engine.IO session.

        The Socket.IO server joins the queue at its first connection, not at
        start; this makes it subscribe before any phone may miss a broadcast.
        """
        connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            connection.request("GET", "/socket.io/?EIO=4&transport=polling")
            response = connection.getresponse()
            body = response.read().decode()
            assert response.status == 200 and body.startswith("0{"), (response.status, body[:200])
            sid = body.split('"sid":"', 1)[1].split('"', 1)[0]
            connection.request("POST", f"/socket.io/?EIO=4&transport=polling&sid={sid}", body="1",
                               headers={"Content-Type": "text/plain;charset=UTF-8"})
            connection.getresponse().read()
        finally:
            connection.close()

    def wait_subscribed(self, queue: "redis.Redis", timeout: float = 10) -> None:
        """Wait until this server listens on the Redis queue."""
        wait_for(lambda: subscriptions(queue, self.client_name) >= 1, timeout,
                 what=f"server {self.label} subscribed on Redis\n{self.output()}")
