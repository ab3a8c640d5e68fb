"""The production set-up of docs/deploy.md, run: nginx in front of two Kring processes on PostgreSQL and Redis.

docs/deploy/nginx.conf is rendered for this test (its ports, this checkout's
static/, plain http instead of TLS; everything else as in the file) and nginx
runs as a child process with its own prefix, pid and logs in a temporary
folder. Two `python -m circle` processes serve one PostgreSQL database of
this test's own, joined by Redis. Every phone signs in and connects through
nginx's port only, over long-polling first and then a WebSocket (so the
sticky sessions must hold). The phones spread over both processes; a step on
one reaches the phones on the other. Then the process that holds the
facilitator's phone is killed (SIGKILL): its phones reconnect through nginx
to the other, and the meeting goes on to a decision. The record's chain
verifies on the PostgreSQL database.

Skipped, saying why, without nginx, PostgreSQL or Redis (`.ci/run` installs
and starts them).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.phones import Phone, converge
from tests.scenario import PEOPLE
from tests.server import HOST, ROOT, free_port, wait_for
from tests.services import QueuedServer, postgres_url, queue  # noqa: F401  (fixtures: a database of its own; Redis)

pytestmark = pytest.mark.server

NAMES = [name for name, _ in PEOPLE]
SITE = ROOT / "docs" / "deploy" / "nginx.conf"


# --- nginx, as docs/deploy/nginx.conf says ------------------------------------------------


def render(site: str, port: int, upstreams: tuple[int, int]) -> str:
    """The site file for this test: its ports, this checkout's static/, and plain http instead of TLS."""
    site = re.sub(r"# Plain http: only a redirect to https\.\nserver \{.*?\n\}\n", "", site, flags=re.S)
    site = re.sub(r"(?m)^ *#.*\n", "", site)  # the comments, so that what is left can be checked
    site = re.sub(r"\n *ssl_[^\n]*", "", site)
    site = site.replace("    listen [::]:443 ssl http2;\n", "").replace("listen 443 ssl http2;", f"listen {HOST}:{port};")
    for example, real in zip((8001, 8002), upstreams):
        site = site.replace(f"server 127.0.0.1:{example} ", f"server {HOST}:{real} ")
    site = site.replace("alias /srv/kring/static/;", f"alias {ROOT}/static/;")
    assert "ssl" not in site and "8001" not in site and "/srv/kring" not in site and "return 301" not in site
    return site


def nginx_conf(folder: Path, site: str) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, with every path in `folder`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would be nobody: no way into tmp
    temp = "".join(f"    {kind}_temp_path {folder}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log info;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n    access_log {folder}/access.log;\n{temp}\n"
            f"{site}\n}}\n")


@dataclass
class Nginx:
    """nginx in the foreground, in its own folder; phones reach Kring through its port only."""

    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, upstreams: tuple[int, int]) -> None:
        conf = self.folder / "nginx.conf"
        conf.write_text(nginx_conf(self.folder, render(SITE.read_text(), self.port, upstreams)))
        command = ["nginx", "-p", str(self.folder), "-c", str(conf), "-e", str(self.folder / "error.log"),
                   "-g", "daemon off;"]
        check = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)

        def answers() -> bool:
            assert self.process.poll() is None, self.log()
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_for(answers, 20, 0.05, "nginx to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # finish what is in hand, then stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return (self.folder / "error.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; .ci/run does)")
    folder = tmp_path / "nginx"
    folder.mkdir()
    front = Nginx(folder, free_port())
    yield front
    front.stop()


class PhoneThroughNginx(Phone):
    """A phone that signs in and connects through nginx: long-polling first, then the WebSocket upgrade.

    Its cookies sit in a cookie jar, as a browser keeps them: python-engineio's client drops a Cookie
    header given to `connect` once it upgraded to a WebSocket, so a reconnection would go without it.
    """

    def _session(self) -> requests.Session:
        session = requests.Session()
        for pair in self.cookie.split("; "):
            name, _, value = pair.partition("=")
            session.cookies.set(name, value)
        return session

    def connect(self, timeout: float = 10) -> Phone:
        self.sio.eio.http_factory = self._session  # a fresh jar for each (re)connection
        self.sio.connect(self.server.url, auth={"meeting": self.meeting_id}, transports=["polling", "websocket"],
                         wait_timeout=timeout)
        wait_for(lambda: self.state is not None and self.sio.transport() == "websocket", timeout,
                 what=f"{self.name}'s first state, over the upgraded WebSocket")
        return self


def fetch(front: Nginx, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request through nginx: status, headers (lower-case names), body."""
    connection = http.client.HTTPConnection(HOST, front.port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def check_the_door(front: Nginx, token: str) -> None:
    """What nginx does itself: static files from the checkout, Kring's size limit, its own X-Forwarded-Proto."""
    status, headers, body = fetch(front, "GET", "/static/kring.css")
    assert status == 200 and body == (ROOT / "static" / "kring.css").read_bytes()
    assert headers["content-security-policy"].startswith("default-src 'none'")  # nginx's, not Kring's
    assert headers["x-content-type-options"] == "nosniff"
    status, _, _ = fetch(front, "POST", f"/s/{token}", body=b"x" * (256 * 1024 + 1),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    # A client claiming https is not believed: nginx says how it was reached, so no HSTS over plain http.
    status, headers, _ = fetch(front, "GET", f"/s/{token}", headers={"X-Forwarded-Proto": "https"})
    assert status == 200 and "strict-transport-security" not in headers
    assert "secure" not in headers["set-cookie"].lower()


# --- The meeting -----------------------------------------------------------------------------


def test_a_meeting_through_nginx_on_two_processes_survives_one_killed(
        tmp_path: Path, nginx: Nginx, queue, postgres_url: str):  # noqa: F811
    database = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with ExitStack() as cleanup:
        cleanup.callback(database.dispose)
        servers = [QueuedServer(tmp_path / label, tmp_path / "unused.sqlite3", label) for label in "AB"]
        for server in servers:
            server.env.update(KRING_SQLALCHEMY_DATABASE_URI=postgres_url, KRING_PROXY_FIX="1",
                              KRING_MAX_CONNECTIONS_PER_ADDRESS="0")
            server.born = servers[0].born  # one clock for both
        seeded = servers[0].prepare()  # the migrations, once, before any process starts
        for server in servers:
            cleanup.callback(server.stop)
            server.start()
            server.wake_socketio()
        for server in servers:
            server.wait_subscribed(queue)
        nginx.start((servers[0].port, servers[1].port))
        check_the_door(nginx, seeded.tokens["Joost"])

        phones: dict[str, Phone] = {}
        for name in NAMES:
            phone = PhoneThroughNginx(nginx, seeded, name)  # signs in over http through nginx
            cleanup.callback(phone.close)
            phones[name] = phone.connect()

        def where() -> dict[str, str]:
            """Which running process holds each phone's connection, as the database says.

            A killed process leaves its rows behind (circle/presence.py): those are left out.
            """
            with database.connect() as connection:
                rows = connection.execute(sa.text("SELECT member_id, server FROM connection WHERE meeting_id = :m"),
                                          {"m": seeded.meeting}).all()
            label = {f"{socket.gethostname()}:{s.process.pid}": s.label for s in servers if s.process}
            member = {m: n for n, m in seeded.members.items()}
            return {member[m]: label[server] for m, server in rows if server in label}

        def step(event: str, **payload) -> dict:
            ack = phones["Anna"].step(event, **payload)
            return converge(list(phones.values()), ack["version"], timeout=20)

        def everyone(answer: str, text: str = "") -> None:
            acks = [phone.contribute(answer, text.format(name=phone.name)) for phone in phones.values()]
            converge(list(phones.values()), max(ack["version"] for ack in acks), timeout=20)

        held = wait_for(lambda: len(where()) == len(NAMES) and where(), 10, what="every phone's connection row")
        assert set(held.values()) == {"A", "B"}, f"nginx kept every phone on one process: {held}"
        facilitator = next(s for s in servers if s.label == held["Anna"])
        others = [n for n, label in held.items() if label != facilitator.label]

        # A step through one process reaches the phones held by the other.
        step("open_meeting")
        for phone in phones.values():
            assert phone.call("mark_attendance", {"member_id": phone.member_id, "present": True})["ok"]
        step("start_round", kind="picture_forming", mode="open", proposal_id=seeded.proposal)
        everyone("speak", "{name}: wie geeft water?")
        state = step("close_round")
        assert {s["text"] for s in state["round"]["seats"]} == {f"{n}: wie geeft water?" for n in NAMES}

        # The process that holds the facilitator's phone dies.
        facilitator.stop(signal.SIGKILL)
        moved = [phones[n] for n, label in held.items() if label == facilitator.label]
        for phone in moved:
            wait_for(lambda p=phone: p.connects >= 2 and p.connected, 30, what=f"{phone.name} back through nginx")
        survivor = next(s for s in servers if s is not facilitator)
        wait_for(lambda: sorted(n for n, label in where().items() if label == survivor.label) == sorted(NAMES),
                 20, what="every phone on the surviving process")

        # The meeting goes on, to a decision.
        step("start_round", kind="opinion_forming", mode="open", proposal_id=seeded.proposal)
        everyone("speak", "{name}: goed plan.")
        step("close_round")
        step("start_round", kind="consent", mode="open", proposal_id=seeded.proposal)
        everyone("consent")
        assert step("close_round")["proposal"]["phase"] == "consent"
        assert step("adopt", proposal_id=seeded.proposal)["agenda"][0]["outcome"] == "adopted"
        assert step("close_meeting")["meeting"]["status"] == "closed"
        assert all(p.connects >= 2 for p in moved) and all(phones[n].connects == 1 for n in others)
        survivor.stop()
        with database.connect() as connection:
            assert connection.execute(sa.text("SELECT phase FROM proposal WHERE id = :p"),
                                      {"p": seeded.proposal}).scalar() == "adopted"
    assert "log intact" in servers[0].verify_log()  # `flask verify-log` on the PostgreSQL URI
