"""The real Kring server in a subprocess, and signing in to it over plain HTTP.

`KringServer` runs `python -m circle` (eventlet, as in production) on a
fresh database (a SQLite file, or PostgreSQL: tests/databases.py) and a free loopback port: migrations through
`flask --app circle db upgrade`, the Samen Vooruit scenario of
tests/scenario.py through the application layer, then the server. It can be
killed (SIGKILL, like a crash) and started again on the same database and port.
The scenario and the server run on the suite's clock (tests/days.py): it
starts at NOW when the KringServer is made and runs on from there, also
across restarts, so the server's moments follow the scenario's dates.

`sign_in` signs a person in through their personal link over plain HTTP
(http.client). The phones that then talk to the server over real sockets are
tests/phones.py.

Every wait here is bounded in time; only 127.0.0.1 is used.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from circle.__main__ import PATCH
from tests import databases
from tests.conftest import find_csrf_token
from tests.days import NOW, TODAY

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SECRET_KEY = "kring-server-test-secret"

#: Run inside the server's environment: the scenario through the application
#: layer, and everyone's personal sign-in token, made with the server's key.
SEED = """
import json
from circle import create_app
from circle.auth import sign_in_token
from tests.scenario import samen_vooruit
{clock}

app = create_app()
with app.app_context():
    made = samen_vooruit()
    print(json.dumps({
        "circle": made.circle_id,
        "meeting": made.meeting_id,
        "proposal": made.proposal_id,
        "members": made.member_ids,
        "tokens": {name: sign_in_token(made.member(name)) for name in made.member_ids},
    }))
"""


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, interval: float = 0.02, what: str = "condition"):
    """Poll `condition()` until it is truthy; at most `timeout` seconds. Returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Seeded:
    """What the scenario made in the server's database: ids and sign-in tokens."""

    circle: int
    meeting: int
    proposal: int
    members: dict[str, int]
    tokens: dict[str, str]


def clock_code(moment: dt.datetime) -> str:
    """Python that sets Kring's clock in a subprocess to `moment`, running on from the instant it is called.

    The subprocess counts from that instant (the machine's monotonic clock is
    one for all its processes), not from when it got round to setting its
    clock: a process that takes a second to start on a busy machine would
    otherwise run a second behind the test and the other processes.
    """
    return ("import datetime as _dt, time as _time; from circle import clock as _clock; "
            f"_clock.set_to(_dt.datetime.fromisoformat({moment.isoformat()!r}) "
            f"+ _dt.timedelta(seconds=_time.monotonic() - {time.monotonic()!r}), running=True)")


def boot_code(mode: str, moment: dt.datetime) -> str:
    """`python -m circle` as its __main__ starts it, with the clock set first."""
    patch = f"{PATCH[mode]}; " if mode in PATCH else ""
    return (f"{patch}import os, runpy; os.environ['_KRING_PATCHED'] = {mode!r}; {clock_code(moment)}; "
            "runpy.run_module('circle', run_name='__main__')")


class KringServer:
    """`python -m circle` on its own database and loopback port."""

    def __init__(self, folder: Path, port: int | None = None, secret_key: str = SECRET_KEY):
        self.born = time.monotonic()  # the server's clock: NOW at this moment, running on
        self.folder = folder
        self.database = folder / "kring.sqlite3"
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KRING_", "FLASK_", "_KRING"))}
        env.update(
            KRING_SQLALCHEMY_DATABASE_URI=databases.uri_for(self.database),
            KRING_SECRET_KEY=secret_key,
            KRING_ASYNC_MODE="eventlet",
            HOST=HOST,
            PORT=str(self.port),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            KRING_TEST_TODAY=TODAY.isoformat(),  # the scenario's dates in the seed (tests/days.py)
        )
        self.env = env

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _run(self, *args: str, timeout: float = 60) -> str:
        """Run a command in the server's environment; fail with its output if it fails."""
        databases.ensure(self.database)
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"{args[:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def now(self) -> dt.datetime:
        """What Kring's clock says in this server now: NOW, plus the time since it was made."""
        return NOW + dt.timedelta(seconds=time.monotonic() - self.born)

    def prepare(self) -> Seeded:
        """Run the migrations on a fresh database and set up the Samen Vooruit meeting."""
        self._run("-m", "flask", "--app", "circle", "db", "upgrade")
        out = self._run("-c", SEED.replace("{clock}", clock_code(self.now())))
        return Seeded(**json.loads(out.strip().splitlines()[-1]))

    def copy_database(self, template: Path) -> None:
        """Start from a copy of a prepared database (on SQLite what its WAL holds comes along)."""
        databases.copy(template, self.database)

    def verify_log(self) -> str:
        """`flask verify-log` on the server's database: the hash chain holds."""
        return self._run("-m", "flask", "--app", "circle", "verify-log")

    def start(self, timeout: float = 20) -> None:
        """Start the server; return once its port answers, or fail with what it said."""
        assert self.process is None, "already running"
        databases.ensure(self.database)
        self.starts += 1
        self.log = self.folder / f"server-{self.starts}.log"
        with open(self.log, "wb") as out:
            mode = self.env.get("KRING_ASYNC_MODE", "eventlet")
            self.process = subprocess.Popen(
                [sys.executable, "-c", boot_code(mode, self.now())], cwd=ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise AssertionError(f"the server exited at start:\n{self.output()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise AssertionError(f"the server did not answer within {timeout}s:\n{self.output()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGKILL, timeout: float = 10) -> None:
        """Stop the server: by default SIGKILL, as a crash or a pulled plug."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)
        self.process = None

    def restart(self) -> None:
        """Kill the server and start it again on the same database and port."""
        self.stop(signal.SIGKILL)
        self.start()

    def output(self) -> str:
        """What the server printed in its latest run (the tail)."""
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except (AttributeError, OSError):
            return ""

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Read the database directly, read-only: the truth after the fact."""
        return databases.read(self.database, sql, *params)

    def meeting_version(self, meeting_id: int) -> int:
        return self.query("SELECT version FROM meeting WHERE id = ?", meeting_id)[0][0]


# --- Signing in over plain HTTP -------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """The cookies a response sets, name to value."""
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def sign_in(port: int, token: str) -> str:
    """Sign in the way a person does, over HTTP: open the link, press the button.

    Returns the Cookie header (session and remember cookies) to send with the
    Socket.IO handshake.
    """
    path = f"/s/{token}"
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path)
        page = connection.getresponse()
        body = page.read().decode()
        assert page.status == 200, f"{page.status}: {body[:300]}"
        jar = _cookies(page)
        form = urllib.parse.urlencode({"csrf_token": find_csrf_token(body)})
        connection.request("POST", path, body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        })
        signed_in = connection.getresponse()
        signed_in.read()
        assert signed_in.status == 303, signed_in.status
        jar.update(_cookies(signed_in))
        assert "session" in jar and "remember_token" in jar, jar
        return "; ".join(f"{k}={v}" for k, v in jar.items())
    finally:
        connection.close()


# --- Fixtures for test modules that drive the real server (import them by name) -----------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """Migrations and the scenario, run once per module; each test starts from a copy of that file."""
    folder = tmp_path_factory.mktemp("kring-server-template")
    seeded = KringServer(folder).prepare()
    return folder / "kring.sqlite3", seeded


def serve(prepared: tuple[Path, Seeded], tmp_path: Path, **env: str) -> Iterator[KringServer]:
    """Run the real server on a copy of the prepared database until the test ends."""
    template, _ = prepared
    kring = KringServer(tmp_path)
    kring.env.update(env)
    kring.copy_database(template)
    kring.start()
    yield kring
    kring.stop()


@pytest.fixture
def seeded(prepared) -> Seeded:
    """What the scenario made: ids to look things up by."""
    return prepared[1]
