"""A round between meetings closes once at its deadline: two real server processes and `tick` at the same moment,
and a server that was down at the deadline.

Two `python -m circle` processes serve one SQLite file. When the deadline of
three consent rounds has passed, page views on both, a program connecting to
each, and two `flask --app circle tick` runs all start at the same instant:
each round is closed once and logged once, as of its deadline, and the chain
verifies. Then a server is killed before a deadline and started after it: the
first program to connect finds the round closed as of its deadline, the log
entry saying when that was noticed.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.phones import client
from tests.server import HOST, ROOT, KringServer, clock_code, sign_in, wait_for

pytestmark = pytest.mark.server

#: Run in a server's environment: three drafts, each through picture-forming and opinion rounds between
#: meetings, then a consent round whose deadline is `{seconds}` seconds away, with four consents in.
OPEN = """
import datetime as dt, json
import sqlalchemy as sa
from circle import between, clock, create_app, proposals
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Member
{clock}

app = create_app()
with app.app_context():
    people = db.session.scalars(sa.select(Member).where(Member.circle_id == {circle}).order_by(Member.position)).all()
    anna = people[0]
    deadline = clock.now() + dt.timedelta(seconds={seconds})
    made = []
    for title in ("Een buurtmoestuin", "Een fietsenstalling", "Een bankje"):
        pid = proposals.write_draft(people[3], proposals.Wording(title=title, text="Voor de buurt.")).subject
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            rnd = between.start_round_between(anna, pid, kind, clock.now() + dt.timedelta(days=1)).subject
            for m in people:
                between.contribute_between(m, rnd, m.id, Answer.PASS)
        rnd = between.start_round_between(anna, pid, RoundKind.CONSENT, deadline).subject
        for m in people[:4]:
            between.contribute_between(m, rnd, m.id, Answer.CONSENT)
        made.append({{"proposal": pid, "round": rnd}})
    print(json.dumps({{"deadline": deadline.isoformat(), "made": made}}))
"""


def open_rounds(kring: KringServer, circle: int, seconds: float) -> tuple[dt.datetime, list[dict]]:
    out = kring._run("-c", OPEN.format(clock=clock_code(kring.now()), circle=circle, seconds=seconds))
    found = json.loads(out.strip().splitlines()[-1])
    return dt.datetime.fromisoformat(found["deadline"]), found["made"]


def tick(kring: KringServer) -> subprocess.Popen:
    """`flask --app circle tick` on the server's database, on the server's clock (as cron would start it)."""
    code = (f"{clock_code(kring.now())}; import sys; from flask.cli import main; "
            "sys.argv = ['flask', '--app', 'circle', 'tick']; main()")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=kring.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def page(kring: KringServer, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection(HOST, kring.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def follow(kring: KringServer, cookie: str, proposal: int) -> list[dict]:
    """A program connects to follow a proposal; what it was sent first."""
    heard: list[dict] = []
    sio = client(reconnection=False)
    sio.on("between", heard.append)
    try:
        sio.connect(kring.url, headers={"Cookie": cookie}, auth={"proposal": proposal}, transports=["websocket"],
                    wait_timeout=20)
        wait_for(lambda: heard, 20, what="the first between")
    finally:
        sio.disconnect()
    return heard


def closes(kring: KringServer) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for (data,) in kring.query("SELECT data FROM log_entry WHERE action = 'close_round_between' ORDER BY seq"):
        entry = json.loads(data)
        found.setdefault(entry["round"], []).append(entry)
    return found


def test_two_servers_and_tick_at_the_deadline_close_each_round_once(tmp_path: Path):
    first = KringServer(tmp_path)
    seeded = first.prepare()
    second = KringServer(tmp_path)  # the same database file, another port and process
    second.born = first.born  # and the same clock: NOW when the first was made, running on
    deadline, made = open_rounds(first, seeded.circle, seconds=6)
    first.start()
    second.start()
    try:
        cookies = {k: sign_in(k.port, seeded.tokens["Joost"]) for k in (first, second)}
        wait_for(lambda: first.now() > deadline + dt.timedelta(seconds=0.5), 30, 0.05, "the deadline to pass")
        go = threading.Barrier(10)
        results: list = []

        def run(job) -> None:
            go.wait(timeout=30)
            results.append(job())

        jobs = []
        for kring in (first, second):
            jobs += [lambda k=kring: page(k, f"/c/{seeded.circle}/", cookies[k]) for _ in range(3)]
            jobs += [lambda k=kring: follow(k, cookies[k], made[0]["proposal"])]
        ticks = []
        jobs += [lambda: ticks.append(tick(first)) or "tick", lambda: ticks.append(tick(second)) or "tick"]
        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        outputs = [t.communicate(timeout=60) for t in ticks]
        assert [t.returncode for t in ticks] == [0, 0], outputs
    finally:
        first.stop()
        second.stop()

    assert len(results) == 10 and results.count(200) == 6, results
    heard = [r for r in results if isinstance(r, list)]
    assert all(h[0]["round"]["status"] == "closed" for h in heard)  # nobody saw it open past its deadline
    found = closes(first)
    assert all(len(entries) == 1 for entries in found.values()), found  # every round closed once, logged once
    for rnd in (m["round"] for m in made):
        [entry] = found[rnd]
        assert entry["ended"] == "deadline" and entry["deadline"] == deadline.replace(microsecond=0).isoformat() + "Z"
        assert entry["noticed"] >= entry["deadline"] and entry["outcome"] == "to_meeting"
    rounds = first.query("SELECT status, ended, closed_at FROM round WHERE meeting_id IS NULL AND kind = 'consent'")
    assert {r[:2] for r in rounds} == {("closed", "deadline")}
    assert {r[2][:19] for r in rounds} == {deadline.replace(microsecond=0).isoformat(sep=" ")}
    ticked = [int(line.rsplit(": ", 1)[1]) for out, _ in outputs for line in out.splitlines()
              if line.startswith("rounds between meetings")]
    assert len(ticked) == 2 and sum(ticked) <= 3
    assert "log intact" in first.verify_log()


def test_a_server_down_at_the_deadline_closes_the_round_as_of_its_deadline_when_it_is_back(tmp_path: Path):
    kring = KringServer(tmp_path)
    seeded = kring.prepare()
    kring.start()
    try:
        deadline, made = open_rounds(kring, seeded.circle, seconds=5)
        cookie = sign_in(kring.port, seeded.tokens["Kees"])
        # Kees answers from a program while the round is open.
        sio = client(reconnection=False)
        heard: list[dict] = []
        sio.on("between", heard.append)
        sio.connect(kring.url, headers={"Cookie": cookie}, auth={"proposal": made[0]["proposal"]},
                    transports=["websocket"], wait_timeout=20)
        wait_for(lambda: heard, 20, what="the first between")
        ack = sio.call("contribute_between", {"round_id": made[0]["round"], "answer": "objection",
                                              "text": "Te weinig zon op dat veld.", "client_id": "kees-1"}, timeout=10)
        assert ack["ok"], ack
        sio.disconnect()
        kring.stop()  # the plug is pulled before the deadline
        wait_for(lambda: kring.now() > deadline + dt.timedelta(seconds=2), 30, 0.05, "the deadline to pass")
        assert kring.query("SELECT status FROM round WHERE id = ?", made[0]["round"]) == [("open",)]
        kring.start()
        back = follow(kring, cookie, made[0]["proposal"])
    finally:
        kring.stop()
    rnd = back[0]["round"]
    assert rnd["status"] == "closed" and rnd["ended"] == "deadline"
    assert rnd["closed_at"] == deadline.replace(microsecond=0).isoformat() + "Z"
    [entry] = closes(kring)[made[0]["round"]]
    noticed = dt.datetime.fromisoformat(entry["noticed"].rstrip("Z"))
    assert entry["deadline"] == rnd["closed_at"] and noticed >= deadline + dt.timedelta(seconds=2)
    assert entry["outcome"] == "to_meeting" and entry["answered"] == 5
    assert "log intact" in kring.verify_log()
