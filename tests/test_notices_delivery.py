"""How notices go out: once, whatever runs twice; again after the mail server was down; a day's digest.

Against the local SMTP server of tests/mailbox.py. `flask --app circle tick`
runs for real through the command line, and two processes send at once on
one database file; a mail server that is down is a port nobody listens on,
and then the same server again.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import sqlalchemy as sa

from circle import clock, meetings, notices
from circle.extensions import db
from circle.models import Delivery, Meeting, NoticeDigest
from circle.tick import run_all
from tests.days import NOW, days
from tests.mailbox import Mailbox, mailbox, smtp  # noqa: F401  (fixtures)
from tests.notices_setup import ADDRESSES, BASE_URL, by_recipient, residents, sent_notices, settled  # noqa: F401
from tests.server import ROOT, clock_code, free_port

EVERY_ADDRESS = {address for address, _ in ADDRESSES.values()}


def plan(made, title: str = "Kernteam", when: dt.date | None = None) -> int:
    return meetings.plan_meeting(made.member("Anna"), title, when or days(14)).subject


def tick(runner) -> str:
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output


def test_tick_twice_sends_nothing_twice(app, runner, residents, mailbox: Mailbox):
    with app.app_context():
        plan(residents)
        assert by_recipient(settled(mailbox)).keys() == EVERY_ADDRESS
    first, second = tick(runner), tick(runner)
    assert "notices: sent each time: 0" in first and "notices: sent each time: 0" in second
    assert len(settled(mailbox)) == len(EVERY_ADDRESS)


def test_the_same_notice_is_made_once_however_often_it_is_owed(app, residents, mailbox: Mailbox):
    with app.app_context():
        meeting_id = plan(residents)
        meeting = db.session.get(Meeting, meeting_id)
        assert notices.meeting_planned(meeting) == 0  # every key is there already
        db.session.commit()
        assert len(sent_notices()) == 8
    assert len(by_recipient(settled(mailbox))) == len(EVERY_ADDRESS)


def test_a_mail_server_that_is_down_is_tried_again_by_the_next_tick_and_sends_once(
        app, runner, residents, mailbox: Mailbox):
    port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nobody listens there
    with app.app_context():
        plan(residents)
        assert settled(mailbox) == []
        owed = [n for n in sent_notices() if n.delivery == Delivery.EACH]
        assert len(owed) == len(EVERY_ADDRESS)
        assert all(n.sent_at is None and n.claimed_at is None and n.attempts == 1 for n in owed)
    assert "notices: sent each time: 0" in tick(runner)  # still down
    app.config.update(MAIL_PORT=port)  # back up
    assert f"notices: sent each time: {len(EVERY_ADDRESS)}" in tick(runner)
    assert by_recipient(settled(mailbox)).keys() == EVERY_ADDRESS
    assert "notices: sent each time: 0" in tick(runner)
    assert len(settled(mailbox)) == len(EVERY_ADDRESS)
    with app.app_context():
        assert all(n.sent_at is not None and n.attempts == 3 for n in sent_notices() if n.delivery == Delivery.EACH)


def test_a_notice_another_process_holds_is_left_alone_until_its_claim_is_old(app, residents, mailbox: Mailbox):
    app.config["MAIL_SERVER"] = ""  # made now, sent below
    with app.app_context():
        plan(residents)
        anna = residents.member("Anna").person_id
        held = next(n for n in sent_notices(anna))
        held.claimed_at = clock.now()  # another process is sending it right now
        db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"
    with app.app_context():
        assert notices.send_owed() == len(EVERY_ADDRESS) - 1
        assert "anna@example.org" not in by_recipient(settled(mailbox))
        with clock_later(notices.CLAIM_FOR + dt.timedelta(minutes=1)):
            assert notices.send_owed() == 1  # that process died: its claim is taken over
        assert notices.send_owed() == 0
    assert by_recipient(settled(mailbox)).keys() == EVERY_ADDRESS


def test_mail_switched_on_later_does_not_pour_out_old_notices(app, residents, mailbox: Mailbox):
    app.config["MAIL_SERVER"] = ""
    with app.app_context():
        plan(residents)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    with app.app_context(), clock_later(notices.FRESH_FOR + dt.timedelta(hours=1)):
        assert notices.send_owed() == 0
    assert settled(mailbox) == []


# --- Digests -------------------------------------------------------------------------------------


def everyone_digests(made) -> None:
    for name in ADDRESSES:
        notices.set_preferences(made.member(name).person, {kind: Delivery.DIGEST for kind in notices.CHOSEN})


def test_a_digest_gathers_a_person_s_notices_into_one_mail_once_a_day(app, runner, residents, mailbox: Mailbox):
    with app.app_context():
        everyone_digests(residents)
        with clock_at_local(7, 0):  # before the digest hour: the notices wait
            plan(residents, "Kernteam december", days(14))
            plan(residents, "Kernteam januari", days(45))
            assert settled(mailbox) == []
            run_all()
            assert settled(mailbox) == []
        with clock_at_local(8, 5):
            run_all()
            run_all()
    got = by_recipient(settled(mailbox))
    assert got.keys() == EVERY_ADDRESS
    text = Mailbox.text(got["joost@example.org"])
    assert "Kernteam december" in text and "Kernteam januari" in text
    assert len([p for p in got["joost@example.org"].iter_attachments()]) == 2  # both invitations
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeDigest)) == len(EVERY_ADDRESS)
        with clock_at_local(9, 0):  # later that day: what is new waits for tomorrow's digest
            plan(residents, "Extra overleg", days(20))
            run_all()
            assert len(settled(mailbox)) == len(EVERY_ADDRESS)
        with clock_at_local(8, 30, day=1):
            run_all()
        (later,) = [m for m in settled(mailbox) if m["To"] == "fatima@example.org"][1:]
        assert "Extra overleg" in Mailbox.text(later) and "Kernteam" not in Mailbox.text(later)
        assert all(n.sent_at is not None for n in sent_notices() if n.delivery == Delivery.DIGEST)


def test_a_digest_whose_mail_server_was_down_goes_at_the_next_tick_once(app, residents, mailbox: Mailbox):
    port = app.config["MAIL_PORT"]
    with app.app_context():
        everyone_digests(residents)
        plan(residents)
        app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
        assert notices.send_digests() == 0
        app.config.update(MAIL_PORT=port)
        assert notices.send_digests() == len(EVERY_ADDRESS)
        assert notices.send_digests() == 0
        digests = db.session.scalars(sa.select(NoticeDigest)).all()
        assert all(d.attempts == 2 and d.sent_at is not None for d in digests)
    assert by_recipient(settled(mailbox)).keys() == EVERY_ADDRESS


def test_none_sends_nothing_ever(app, runner, residents, mailbox: Mailbox):
    with app.app_context():
        for name in ADDRESSES:
            notices.set_preferences(residents.member(name).person, {kind: Delivery.NONE for kind in notices.CHOSEN})
        plan(residents)
    tick(runner)
    with app.app_context(), clock_at_local(9, 0, day=1):
        run_all()
    assert settled(mailbox) == []
    with app.app_context():
        assert {n.delivery for n in sent_notices()} == {Delivery.NONE}


def test_a_notice_about_a_meeting_that_began_is_dropped_not_sent(app, residents, mailbox: Mailbox):
    app.config["MAIL_SERVER"] = ""
    with app.app_context():
        meeting_id = plan(residents, when=days(0))
        meetings.open_meeting(residents.member("Anna"), meeting_id)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    with app.app_context():
        assert notices.send_owed() == 0
        assert all(n.dropped_at is not None for n in sent_notices() if n.delivery == Delivery.EACH)
    assert settled(mailbox) == []


def test_someone_who_left_the_circle_is_not_mailed_about_it(app, residents, mailbox: Mailbox):
    from circle.circles import end_membership

    app.config["MAIL_SERVER"] = ""
    with app.app_context():
        plan(residents)
        end_membership(residents.member("Anna"), residents.circle_id, residents.member_ids["Joost"], days(0))
    app.config["MAIL_SERVER"] = "127.0.0.1"
    with app.app_context():
        assert notices.send_owed() == len(EVERY_ADDRESS) - 1
    assert "joost@example.org" not in by_recipient(settled(mailbox))


# --- The clock ------------------------------------------------------------------------------------


class clock_later:
    """Kring's clock moved on by `delta` for a while."""

    def __init__(self, delta: dt.timedelta) -> None:
        self.delta = delta

    def __enter__(self) -> None:
        self.before = clock.now()
        clock.set_to(self.before + self.delta)

    def __exit__(self, *exc) -> None:
        clock.set_to(self.before)


def clock_at_local(hour: int, minute: int, day: int = 0) -> clock_later:
    """Kring's clock at `hour`:`minute` on the wall, `day` days after today."""
    return clock_later(clock.at_local(days(day), hour, minute) - clock.now())



def test_a_digest_whose_news_has_all_passed_by_its_next_try_is_not_sent(app, residents, mailbox: Mailbox):
    port = app.config["MAIL_PORT"]
    with app.app_context():
        everyone_digests(residents)
        meeting_id = plan(residents, when=days(0))
        app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
        assert notices.send_digests() == 0  # gathered, then the mail server was down
        meetings.open_meeting(residents.member("Anna"), meeting_id)  # the meeting began meanwhile
        app.config.update(MAIL_PORT=port)
        assert notices.send_digests() == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeDigest)) == 0
        assert all(n.dropped_at is not None for n in sent_notices() if n.delivery == Delivery.DIGEST)
    assert settled(mailbox) == []


def test_two_processes_sending_at_once_send_each_mail_once(app, residents, mailbox: Mailbox, tmp_path):
    """Two `send_owed` in two processes on one database, as tick on two machines (or tick and a page)."""
    app.config["MAIL_SERVER"] = ""  # made now, owed; sent by the two processes below
    with app.app_context():
        for n in range(6):
            plan(residents, f"Overleg {n}", days(14 + n))
        owed = len([n for n in sent_notices() if n.delivery == Delivery.EACH])
    assert owed == 6 * len(EVERY_ADDRESS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KRING_", "FLASK_"))}
    env.update(KRING_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], KRING_SECRET_KEY="test",
               KRING_ASYNC_MODE="threading", KRING_MAIL_SERVER="127.0.0.1",
               KRING_MAIL_PORT=str(app.config["MAIL_PORT"]), KRING_MAIL_FROM="Kring <kring@example.org>",
               KRING_BASE_URL=BASE_URL, PYTHONPATH=str(ROOT))
    code = (f"{clock_code(NOW)}\nfrom circle import create_app, notices\n"
            f"app = create_app(instance_path={str(tmp_path / 'instance')!r})\n"
            "with app.app_context():\n    print(notices.send_owed())\n")
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), results
    sent = [int(out.split()[-1]) for out, _ in results]
    assert sum(sent) == owed
    mails = [(m["To"], m["Subject"]) for m in settled(mailbox)]
    assert len(mails) == owed and len(set(mails)) == owed  # each once
