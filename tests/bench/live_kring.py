"""live_latency.py's Kring: the bench circle seeded in a migrated database, and the real server in one async mode
with the clients of live_phones.py, measured as live_measures.py measures."""

import json
import re
import signal
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from live_common import STARTED, TALLY, measure, wait_until
from live_measures import Result, all_at_once, steps, what_is_in
from live_phones import PagePhone, Phone, connect_all, hang_up

#: Run inside the server's environment (tests/server.py's KringServer._run), on the suite's clock
#: (tests/days.py: memberships begin on TODAY, the day of the meeting): a circle of a facilitator
#: and N members, a meeting opened with everyone present, and everyone's sign-in token.
SEED = """
import datetime as dt, json
{clock}
from circle import create_app, meetings
from circle.auth import sign_in_token
from circle.circles import add_member, create_circle
from circle.extensions import db
from circle.method import Role
from circle.models import Member

app = create_app()
with app.app_context():
    circle, first = create_circle("Bench", "Facilitator")
    circle_id, fac_id = circle.id, first.id
    for i in range({n}):
        add_member(None, circle_id, f"Lid {{i + 1:03d}}", Role.MEMBER)
    fac = lambda: db.session.get(Member, fac_id)
    meeting = meetings.plan_meeting(fac(), "Benchmark", dt.date.fromisoformat("{day}")).subject
    meetings.open_meeting(fac(), meeting)
    people = db.session.scalars(
        db.select(Member).where(Member.circle_id == circle_id).order_by(Member.position)).all()
    ids = [m.id for m in people]
    for member_id in ids:
        meetings.mark_attendance(fac(), meeting, member_id, True)
    tokens = [sign_in_token(db.session.get(Member, i)) for i in ids]
    print(json.dumps({{"meeting": meeting, "facilitator": fac_id, "ids": ids, "tokens": tokens}}))
"""


# --- Kring in one async mode -------------------------------------------------------


@dataclass
class Seeded:
    meeting: int
    facilitator: int
    ids: list[int]
    tokens: list[str]
    #: time.monotonic() when the seeding server's clock stood at tests/days.py's NOW: the servers
    #: of this member count run on from there (KringServer.born), so the record's moments go forward.
    born: float = 0.0


def migrated(folder: Path) -> Path:
    """An empty database that the real migrations built, to copy for each member count."""
    from tests.server import KringServer

    server = KringServer(folder)
    server._run("-m", "flask", "--app", "circle", "db", "upgrade", timeout=120)
    return server.database


def prepare(n: int, folder: Path, empty: Path) -> tuple[Path, Seeded]:
    """A copy of the migrated database with the bench circle of a facilitator and `n` members."""
    from tests.days import TODAY
    from tests.server import KringServer, clock_code

    server = KringServer(folder)
    server.copy_database(empty)
    out = server._run("-c", SEED.format(n=n, clock=clock_code(server.now()), day=TODAY.isoformat()), timeout=300)
    return server.database, Seeded(**json.loads(out.strip().splitlines()[-1]), born=server.born)


def mode_unavailable(mode: str) -> str | None:
    """Why this mode cannot serve WebSockets here, if we can tell before starting it."""
    try:
        if mode in ("gevent", "eventlet"):
            metadata.version(mode)
    except metadata.PackageNotFoundError as missing:
        return f"{missing} is not installed (pip install -e .[bench])"
    return None


def run_kring(mode: str, clients: str, n: int, template: Path, seeded: Seeded, folder: Path,
              cycles: int) -> Result:
    """Kring in one async mode with one kind of client (programs or pages) on a copy of `template`."""
    from tests.server import KringServer, sign_in

    result = Result()
    TALLY.take()
    server = KringServer(folder)
    server.born = seeded.born  # the clock runs on from the seed's moments
    server.env["KRING_ASYNC_MODE"] = mode
    server.copy_database(template)
    try:
        try:
            server.start(timeout=30)
        except AssertionError as failed:
            result.error = f"server did not start: {str(failed)[-400:]}"
            return result
        STARTED.append(server.process)
        with ThreadPoolExecutor(8) as pool:
            cookies = list(pool.map(lambda token: sign_in(server.port, token), seeded.tokens))
        if clients == "pages":
            phones = [PagePhone(server.url, cookie, seeded.meeting, member,
                                view="console" if member == seeded.facilitator else "phone")
                      for cookie, member in zip(cookies, seeded.ids)]
        else:
            phones = [Phone(server.url, cookie, seeded.meeting, member)
                      for cookie, member in zip(cookies, seeded.ids)]
        fac = phones[seeded.ids.index(seeded.facilitator)]
        members = [p for p in phones if p is not fac]

        async def step(start: bool, based_on: int) -> dict:
            if start:
                return await fac.sio.call("start_round", {"kind": "opening", "mode": "open", "based_on": based_on},
                                          timeout=15)
            return await fac.sio.call("close_round", {"based_on": based_on}, timeout=15)

        async def answer(p: Phone) -> dict:
            return await p.sio.call("contribute", {
                "answer": "speak", "text": f"Goed dat we er zijn. (lid {p.member})",
                "client_id": uuid.uuid4().hex}, timeout=60)

        async def session() -> None:
            try:
                try:
                    await connect_all(phones)
                except Exception as failed:  # noqa: BLE001 - reported as the mode's reason
                    result.error = f"WebSocket clients could not connect: {type(failed).__name__}: {failed}"
                    return
                await steps(fac, phones, cycles, step, result)
                if clients == "pages":
                    result.templates["parts_full"] = members[0].last_full
                else:
                    result.templates["state"] = fac.last_state
                ack = await step(True, fac.version)
                assert isinstance(ack, dict) and ack.get("ok"), ack
                await wait_until(lambda: all(p.has_version(ack["version"]) for p in phones), 15, "the open round")
                await all_at_once(phones, members, ack["id"], answer, result)
                if clients == "pages":
                    result.anatomy = {"member, one answer": what_is_in(members[0].last_ops),
                                      "console, one answer": what_is_in(fac.last_ops),
                                      "member, full": what_is_in(result.templates.get("parts_full"))}
                if clients == "pages" and result.all_answer is not None:
                    short = [p for p in phones if len(p.answers_shown()) < n - result.acks_failed]
                    if short:
                        result.error = (result.error or "") + (
                            f" {len(short)} page(s) at the final version show fewer than the {n - result.acks_failed} "
                            f"answers, e.g. "
                            f"{len(short[0].answers_shown())} (member {short[0].member})")
                await step(False, fac.version)
            finally:
                result.client_log = TALLY.take()  # what hanging up logs is no news
                await hang_up(phones)
                TALLY.take()

        measure(session)
    except Exception as failed:  # noqa: BLE001 - one mode failing must not stop the others
        result.error = (result.error or "") + f" {type(failed).__name__}: {failed}"[:400]
    finally:
        process = server.process
        server.stop(signal.SIGTERM, timeout=5)
        if process in STARTED:
            STARTED.remove(process)
    if result.error:
        result.error += server_said(server.log, whole=not result.steps)
    return result


def server_said(log: Path, whole: bool) -> str:
    """The exceptions in a server's log, with where the first came from (or, when nothing was measured, its last lines)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    errors = Counter(line.strip() for line in lines
                     if line[:1].isalpha() and ("Error:" in line or "Exception:" in line))
    if errors:
        first = next(i for i, line in enumerate(lines) if line.strip() in errors)
        begin = next((i for i in range(first, -1, -1) if lines[i].startswith("Traceback")), first)
        frames = [re.sub(r'^File "(?:.*/site-packages/|.*/main/)?([^"]+)", line (\d+), in (\S+)', r"\1:\2 \3",
                         line.strip()) for line in lines[begin:first] if line.strip().startswith("File ")]
        where = " <- ".join(reversed(frames[-4:])) + (
            f" <- ... <- {' <- '.join(reversed(frames[:3]))}" if len(frames) > 7 else
            (" <- " + " <- ".join(reversed(frames[:-4])) if len(frames) > 4 else ""))
        repeated = [f"{frame} x{n}" for frame, n in Counter(frames).most_common(3) if n > 3]
        return (" | server log: " + "; ".join(f"{n} x {line[:200]}" for line, n in errors.most_common(3))
                + (f" (the first at {where})" if where else "")
                + (f" (frames repeated in it: {', '.join(repeated)})" if repeated else ""))
    if whole and lines:
        return " | server said: " + " / ".join(line[:160] for line in lines[-3:])
    return ""
