"""Notices between meetings: a round awaits your answer, the reminder a day before it closes, a review due, a
task overdue. The clock moves on (circle/clock.py) and `tick` runs, as cron would; each reaches the right
people once, in their language, with a link that opens the page it is about.
"""

from __future__ import annotations

import datetime as dt

from circle import between, clock, notices, proposals, tasks
from circle.method import Answer, RoundKind, TaskStatus
from circle.models import Delivery, NoticeKind
from circle.tick import run_all
from tests.days import days
from tests.mailbox import Mailbox, mailbox, smtp  # noqa: F401  (fixtures)
from tests.notices_setup import ADDRESSES, by_recipient, links, path, residents, sent_notices, settled  # noqa: F401
from tests.test_notices import decide
from tests.test_notices_delivery import clock_later

EVERY_ADDRESS = {address for address, _ in ADDRESSES.values()}


def draft(made, title: str = "Een bankje bij de speeltuin") -> int:
    return proposals.write_draft(made.member("Aylin"), proposals.Wording(
        title=title, text="We zetten een bankje bij de speeltuin.")).subject


def open_round(made, proposal_id: int, hours: int) -> int:
    """Anna opens a picture-forming round between meetings, closing `hours` from now."""
    deadline = clock.now() + dt.timedelta(hours=hours)
    between.start_round_between(made.member("Anna"), proposal_id, RoundKind.PICTURE_FORMING, deadline)
    return between.open_round_between(proposal_id).id


def test_a_round_asks_everyone_and_a_day_before_it_closes_reminds_who_has_not_answered(
        app, client, sign_in, residents, mailbox: Mailbox):
    with app.app_context():
        proposal_id = draft(residents)
        round_id = open_round(residents, proposal_id, hours=72)
        asked = by_recipient(settled(mailbox))
        assert asked.keys() == EVERY_ADDRESS
        joost = Mailbox.text(asked["joost@example.org"])
        assert asked["joost@example.org"]["Subject"].endswith(
            "Your answer is asked: \u2068Een bankje bij de speeltuin\u2069")
        assert "picture-forming round on \u2068Een bankje bij de speeltuin\u2069 between meetings" in joost
        assert "Geef je antwoord vóór " in Mailbox.text(asked["anna@example.org"])
        joost_member = residents.member("Joost")
        between.contribute_between(joost_member, round_id, joost_member.id, Answer.SPEAK, "Goed idee.")
        with clock_later(dt.timedelta(hours=47)):  # more than a day to go: no reminder yet
            run_all()
            assert len(settled(mailbox)) == len(EVERY_ADDRESS)
        with clock_later(dt.timedelta(hours=49)):  # less than a day to go
            run_all()
            run_all()
            reminded = by_recipient(settled(mailbox)[len(EVERY_ADDRESS):])
            assert reminded.keys() == EVERY_ADDRESS - {"joost@example.org"}  # Joost answered
            anna = reminded["anna@example.org"]
            assert anna["Subject"].startswith("\u2068Samen Vooruit\u2069: Herinnering: je antwoord op ")
            made = [n for n in sent_notices() if n.kind == NoticeKind.ROUND_REMINDER]
            assert len(made) == 7  # all who sit in the round and have not answered, address or not
    (proposal_link, _) = links(Mailbox.text(anna))
    assert path(proposal_link) == f"/c/{residents.circle_id}/proposals/{proposal_id}/"
    sign_in(client, residents.member_ids["Anna"])
    assert client.get(path(proposal_link)).status_code == 200


def test_a_short_round_gets_no_reminder_on_top_of_its_question(app, residents, mailbox: Mailbox):
    with app.app_context():
        open_round(residents, draft(residents), hours=12)
        run_all()
        assert len(by_recipient(settled(mailbox))) == len(EVERY_ADDRESS)
        assert not [n for n in sent_notices() if n.kind == NoticeKind.ROUND_REMINDER]


def test_a_notice_of_a_round_answered_or_closed_before_it_went_out_is_not_sent(app, residents, mailbox: Mailbox):
    with app.app_context():
        notices.set_preferences(residents.member("Anna").person, {NoticeKind.ROUND_OPEN: Delivery.DIGEST})
        proposal_id = draft(residents)
        round_id = open_round(residents, proposal_id, hours=72)
        anna = residents.member("Anna")
        between.contribute_between(anna, round_id, anna.id, Answer.SPEAK, "Ja.")
        run_all()
    assert "anna@example.org" not in by_recipient(settled(mailbox))  # she answered before her digest


def reviewed_and_tasked(made) -> int:
    """Aylin's proposal adopted in a meeting, with a review date and a task for Joost."""
    made.proposal_id = proposals.write_draft(made.member("Aylin"), proposals.Wording(
        title="Afvalcontainers vergroenen", text="Plantenbakken rond de containers.", review_date=days(98),
        success_criteria="Er staan planten.")).subject
    from circle import meetings

    made.meeting_id = meetings.plan_meeting(made.member("Anna"), "Kernteam", days(0)).subject
    proposals.put_on_agenda(made.member("Anna"), made.proposal_id, made.meeting_id)
    decide(made)
    tasks.add_task(made.member("Anna"), made.proposal_id, "Plantenbakken kopen", made.member_ids["Joost"], days(7))
    return made.proposal_id


def test_an_overdue_task_is_told_to_who_carries_it_out_and_the_facilitator_once(
        app, client, sign_in, residents, mailbox: Mailbox):
    with app.app_context():
        proposal_id = reviewed_and_tasked(residents)
        before = len(settled(mailbox))
        with clock_later(dt.timedelta(days=7)):  # its day: not overdue yet
            run_all()
            assert len(settled(mailbox)) == before
        with clock_later(dt.timedelta(days=8)):
            run_all()
            run_all()
            late = by_recipient(settled(mailbox)[before:])
    assert late.keys() == {"joost@example.org", "anna@example.org"}
    joost, anna = Mailbox.text(late["joost@example.org"]), Mailbox.text(late["anna@example.org"])
    assert "Task overdue: \u2068Plantenbakken kopen\u2069" in late["joost@example.org"]["Subject"]
    assert "You carry it out" in joost and "\u2068Joost\u2069 voert hem uit." in anna
    (task_link, _) = links(joost)
    assert task_link.endswith("#task-1") and path(task_link) == f"/c/{residents.circle_id}/decisions/{proposal_id}/"
    sign_in(client, residents.member_ids["Joost"])
    assert client.get(path(task_link)).status_code == 200


def test_a_task_done_before_its_notice_went_out_is_not_sent(app, residents, mailbox: Mailbox):
    with app.app_context():
        reviewed_and_tasked(residents)
        before = len(settled(mailbox))
        app.config["MAIL_SERVER"] = ""
        with clock_later(dt.timedelta(days=8)):
            run_all()  # owed, not sent: no mail
            tasks.mark_task(residents.member("Joost"), 1, TaskStatus.DONE, "Gekocht.")
            app.config["MAIL_SERVER"] = "127.0.0.1"
            assert notices.send_owed() == 0
    assert len(settled(mailbox)) == before


def test_a_review_due_comes_in_the_digest_of_that_day(app, residents, mailbox: Mailbox):
    with app.app_context():
        proposal_id = reviewed_and_tasked(residents)
        tasks.mark_task(residents.member("Joost"), 1, TaskStatus.DONE, "Gekocht.")
        run_all()  # the decision's own digest
        before = len(settled(mailbox))
        with clock_later(dt.timedelta(days=97)):
            run_all()
            assert len(settled(mailbox)) == before
        with clock_later(dt.timedelta(days=98)):
            run_all()
            run_all()
            due = by_recipient(settled(mailbox)[before:])
    assert due.keys() == EVERY_ADDRESS
    anna = Mailbox.text(due["anna@example.org"])
    assert "Tijd om terug te kijken: \u2068Afvalcontainers vergroenen\u2069" in anna
    assert "Er staan planten." in anna
    assert path(links(anna)[0]) == f"/c/{residents.circle_id}/decisions/{proposal_id}/"
