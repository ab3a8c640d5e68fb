"""The agenda grows between meetings: Samen Vooruit's members put topics and drafts forward, Anna shapes
the next meeting's agenda from them, and everyone sees it beforehand; a topic is talked about, never
decided, until it is written out as a proposal.

Through the pages, with each person's own cookies; every refusal leaves what is stored as it was, and the
chain verifies after every kind of change. `make run`'s demo has last month's decision with its tasks (one
done, one started, one overdue) and a topic put forward for the next meeting.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from circle import between, clock, meetings, proposals, record, rounds
from circle.agenda import put_forward_topic, take_off_agenda
from circle.extensions import db
from circle.method import Answer, Phase, ProposalKind, RoundKind, RoundMode, RuleBroken
from circle.models import AgendaItem, Circle, LogEntry, Proposal
from circle.read import followup
from tests.conftest import find_csrf_token
from tests.days import TODAY, days
from tests.samen_vooruit_flow import browser, refused
from tests.scenario import everyone_present, samen_vooruit

TOPIC, NOTE = "Fietsenstalling bij de school", "Er staan elke ochtend fietsen op de stoep."


def stored(app) -> tuple:
    """Everything an agenda action could change: the log, the proposals, every agenda of every meeting."""
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(LogEntry.id))),
                db.session.execute(sa.select(Proposal.id, Proposal.kind, Proposal.phase, Proposal.put_forward_at,
                                             Proposal.current_version).order_by(Proposal.id)).all(),
                db.session.execute(sa.select(AgendaItem.meeting_id, AgendaItem.proposal_id, AgendaItem.position)
                                   .order_by(AgendaItem.id)).all())


def post(client, page_url: str, action: str, **data) -> str:
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    response = client.post(action, data={"csrf_token": find_csrf_token(page.text), **data},
                           follow_redirects=True)
    assert response.status_code in (200, 422), response.text  # 422: a form shown again with what is wrong
    return response.text


@pytest.fixture
def made(app):
    """Samen Vooruit with Aylin's draft on today's planned meeting, and the next meeting planned in two weeks."""
    with app.app_context():
        made = samen_vooruit()
        made.next_id = meetings.plan_meeting(made.member("Anna"), "Kernteam december", days(14)).subject
    return made


def agenda_ids(app, meeting_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AgendaItem.proposal_id).where(
            AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)))


def shaped(page: str) -> str:
    return page.split('id="shape-agenda"', 1)[1].split("</section>", 1)[0]


def test_members_put_forward_the_facilitator_shapes_everyone_sees_it_beforehand(app, made):
    circle = made.circle_id
    joost, aylin = browser(app, made.member_ids["Joost"]), browser(app, made.member_ids["Aylin"])
    page = post(joost, f"/c/{circle}/topics/new", f"/c/{circle}/topics/new", subject=TOPIC, note=NOTE)
    assert "Your topic is put forward for the next meeting." in page
    page = post(aylin, f"/c/{circle}/proposals/new", f"/c/{circle}/proposals/new",
                title="Buurtbarbecue in juni", text="Op de eerste zaterdag van juni, in het park.")
    draft = int(re.search(r"/proposals/(\d+)/put-forward", page).group(1))
    page = post(aylin, f"/c/{circle}/proposals/{draft}/", f"/c/{circle}/proposals/{draft}/put-forward")
    assert "Your proposal is put forward for the next meeting." in page and "put-forward" not in page
    with app.app_context():
        topic = db.session.scalar(sa.select(Proposal).where(Proposal.kind == ProposalKind.TOPIC))
        topic_id = topic.id
        assert (topic.phase, topic.latest.title, topic.latest.text, topic.proposer_id) == (
            Phase.DRAFT, TOPIC, NOTE, made.member_ids["Joost"])
        assert db.session.get(Proposal, draft).put_forward_at is not None

    # Anna sees both on the next meeting's page, put forward first; Joost sees no shaping there.
    url, agenda = f"/c/{circle}/meetings/{made.next_id}/", f"/c/{circle}/agenda/{made.next_id}/"
    anna = browser(app, made.member_ids["Anna"])
    waiting = shaped(anna.get(url).text).split("Put forward and waiting", 1)[1]
    assert waiting.index(TOPIC) < waiting.index("Buurtbarbecue in juni")
    assert "Topic" in waiting.split(f'id="waiting-{topic_id}"', 1)[1].split("</li>", 1)[0]
    assert "Shape the agenda" not in joost.get(url).text

    for pid in (topic_id, draft):
        assert not refused(post(anna, url, agenda + "place", proposal_id=pid))
    assert agenda_ids(app, made.next_id) == [topic_id, draft]
    assert not refused(post(anna, url, agenda + "move", proposal_id=draft, position=1))
    assert agenda_ids(app, made.next_id) == [draft, topic_id]

    # Members see the agenda beforehand: on the circle home and on the planned meeting's page, in order.
    home = joost.get(f"/c/{circle}/").text
    preview = home.split('id="next-meeting"', 1)[1].split("</section>", 1)[0]
    assert "Kernteam december" not in preview  # today's meeting comes first
    page = joost.get(url).text
    listed = page.split('id="meeting-agenda"', 1)[1].split("</section>", 1)[0]
    assert listed.index("Buurtbarbecue in juni") < listed.index(TOPIC) and "· Topic" in listed
    with app.app_context():
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
        meetings.close_meeting(made.member("Anna"), made.meeting_id)
    preview = joost.get(f"/c/{circle}/").text.split('id="next-meeting"', 1)[1].split("</section>", 1)[0]
    assert "Kernteam december" in preview
    assert preview.index("Buurtbarbecue in juni") < preview.index(TOPIC)

    # Taking an item off puts it back among what waits; the rest close up.
    assert not refused(post(anna, url, agenda + "remove", proposal_id=draft))
    assert agenda_ids(app, made.next_id) == [topic_id]
    assert f'id="waiting-{draft}"' in shaped(anna.get(url).text)
    with app.app_context():
        actions = db.session.scalars(sa.select(LogEntry.action).order_by(LogEntry.seq)).all()
        assert actions[-9:] == ["put_forward_topic", "write_draft", "put_forward", "put_on_agenda", "put_on_agenda",
                                "move_on_agenda", "open_meeting", "close_meeting", "take_off_agenda"]
        moved = json.loads(db.session.scalar(sa.select(LogEntry.data).where(LogEntry.action == "move_on_agenda")))
        assert (moved["from"], moved["to"], moved["proposal"]) == (2, 1, draft)
        assert record.verify(circle).intact


def test_who_may_shape_and_put_forward_and_refusals_store_nothing(app, made):
    circle, url = made.circle_id, f"/c/{made.circle_id}/meetings/{made.meeting_id}/"
    agenda = f"/c/{circle}/agenda/{made.meeting_id}/"
    joost, kees = browser(app, made.member_ids["Joost"]), browser(app, made.member_ids["Kees"])
    with app.app_context():
        topic = put_forward_topic(made.member("Joost"), TOPIC, NOTE).subject
    before = stored(app)
    for path, data in (("place", {"proposal_id": topic}), ("move", {"proposal_id": made.proposal_id, "position": 1}),
                       ("remove", {"proposal_id": made.proposal_id})):
        page = post(joost, url, agenda + path, **data)
        assert "Your role in this circle does not allow this." in page, path
    page = post(kees, f"/c/{circle}/proposals/{made.proposal_id}/", f"/c/{circle}/proposals/{made.proposal_id}/put-forward")
    assert "Only its proposer puts a proposal forward" in page  # Aylin's, not his
    page = post(joost, f"/c/{circle}/topics/new", f"/c/{circle}/topics/new", subject="", note=NOTE)
    assert refused(page)
    page = post(joost, f"/c/{circle}/topics/new", f"/c/{circle}/topics/new", subject="x" * 201)
    assert refused(page)
    anna = browser(app, made.member_ids["Anna"])
    page = post(anna, url, agenda + "move", proposal_id=made.proposal_id, position=5)
    assert refused(page)
    page = post(anna, url, agenda + "remove", proposal_id=topic)
    assert "This proposal is not on this meeting&#39;s agenda." in page
    page = post(anna, f"/c/{circle}/proposals/{topic}/", f"/c/{circle}/proposals/{topic}/put-forward")
    assert "already put forward for the next meeting" in page  # a topic is put forward as it is written
    aylin = browser(app, made.member_ids["Aylin"])
    page = post(aylin, f"/c/{circle}/proposals/{made.proposal_id}/",
                f"/c/{circle}/proposals/{made.proposal_id}/put-forward")
    assert "This proposal is already on an agenda." in page  # her own, but placed already
    assert stored(app) == before

    # Once the meeting discussed an item it stays on: postponed, not taken off.
    with app.app_context():
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.PICTURE_FORMING, RoundMode.OPEN,
                             proposal_id=made.proposal_id)
        before = stored(app)
        with pytest.raises(RuleBroken, match="item_discussed"):
            take_off_agenda(made.member("Anna"), made.meeting_id, made.proposal_id)
        assert stored(app) == before


def test_a_topic_is_talked_about_never_decided_until_it_is_written_out(app, made):
    circle = made.circle_id
    with app.app_context():
        topic = put_forward_topic(made.member("Joost"), TOPIC, NOTE).subject
    anna = browser(app, made.member_ids["Anna"])
    url, agenda = f"/c/{circle}/meetings/{made.meeting_id}/", f"/c/{circle}/agenda/{made.meeting_id}/"
    post(anna, url, agenda + "place", proposal_id=topic)
    with app.app_context():
        everyone_present(made)
        anna_m = made.member("Anna")
        meetings.take_up(anna_m, made.meeting_id, topic)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            rounds.start_round(anna_m, made.meeting_id, kind, RoundMode.OPEN, proposal_id=topic)
            rounds.close_round(anna_m, made.meeting_id)
        before = stored(app)
        with pytest.raises(RuleBroken, match="topic_not_decided"):
            rounds.start_round(anna_m, made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN, proposal_id=topic)
        assert stored(app) == before
    page = anna.get(url).text  # the console offers no consent round on a topic
    steer = page.split('id="meeting-steer"', 1)[1].split("</section>", 1)[0]
    assert 'value="opinion_forming"' in steer and 'value="consent"' not in steer

    # Joost writes his next topic out himself: a proposal now, version 2, still his.
    with app.app_context():
        second = put_forward_topic(made.member("Joost"), "Speeltuin opknappen").subject
    joost = browser(app, made.member_ids["Joost"])
    page = joost.get(f"/c/{circle}/proposals/{second}/").text
    assert "Write it out as a proposal" in page and "Put forward by" in page
    page = post(joost, f"/c/{circle}/proposals/{second}/write-out", f"/c/{circle}/proposals/{second}/write-out",
                title="Speeltuin opknappen", text="Nieuwe schommels en een zandbak.", note="Uitgeschreven.")
    assert "The topic is now a proposal (version 2)." in page
    with app.app_context():
        written = db.session.get(Proposal, second)
        assert (written.kind, written.current_version, written.proposer_id) == (
            ProposalKind.PROPOSAL, 2, made.member_ids["Joost"])
        assert record.verify(circle).intact
    assert joost.get(f"/c/{circle}/proposals/{second}/write-out").status_code == 303  # not a topic any more
    kees = browser(app, made.member_ids["Kees"])
    with app.app_context():
        third = put_forward_topic(made.member("Joost"), "Geveltuintjes").subject
    page = post(kees, f"/c/{circle}/proposals/{third}/", f"/c/{circle}/proposals/{third}/write-out",
                title="Geveltuintjes", text="Overal.")
    assert "Your role in this circle does not allow this." in page  # not his topic


def test_the_circle_home_shows_the_next_meeting_and_the_way_to_put_a_topic_forward(app, made):
    home = browser(app, made.member_ids["Joost"]).get(f"/c/{made.circle_id}/").text
    preview = home.split('id="next-meeting"', 1)[1].split("</section>", 1)[0]
    assert "Kernteam" in preview and "Afvalcontainers vergroenen" in preview
    assert f"/c/{made.circle_id}/topics/new" in preview
    assert TODAY.isoformat() in preview
    with app.app_context():
        from circle.circles import add_member
        from circle.method import Role
        guest_home = add_member(None, made.circle_id, "Wijkteam", Role.GUEST).subject
    page = browser(app, guest_home).get(f"/c/{made.circle_id}/").text
    assert "Kernteam" in page.split('id="next-meeting"', 1)[1]  # a guest reads the agenda too...
    assert f"/c/{made.circle_id}/topics/new" not in page  # ...and puts nothing forward


def test_the_demo_has_a_decision_with_tasks_done_started_and_overdue_and_a_topic_put_forward(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        [garden] = db.session.scalars(sa.select(Proposal).join(Circle, Circle.id == Proposal.circle_id).where(
            Proposal.phase == Phase.ADOPTED, Circle.parent_id.is_(None))).all()  # the working group's is its own
        tasks = followup.tasks_of(garden.id)
        assert sorted(t.status.value for t in tasks) == ["done", "open", "started"]
        overdue = followup.overdue_tasks(days(0))
        assert [t.what for t in overdue] == ["Koffie en soep regelen bij de buurtwinkel"]
        [waiting] = [w for w in followup.waiting(garden.circle_id) if w.put_forward]
        assert waiting.proposal.kind == "topic" and waiting.proposal.proposer.name == "Dewi"
        for circle_id in db.session.scalars(sa.select(Circle.id)):  # Samen Vooruit, and its working group
            entries = db.session.scalars(sa.select(LogEntry.at).where(LogEntry.circle_id == circle_id)
                                         .order_by(LogEntry.seq)).all()
            assert entries == sorted(entries)  # the history was written on its own days, forward in time
        assert followup.next_meeting(garden.circle_id, days(0)).date == days(0)
    assert runner.invoke(args=["verify-log"]).exit_code == 0


def test_a_proposal_sent_on_by_a_round_between_meetings_is_offered_and_stays_as_it_stands(app, made):
    with app.app_context():
        anna, joost = made.member("Anna"), made.member("Joost")
        meetings.open_meeting(anna, made.meeting_id)  # today's meeting is under way: the next is in two weeks
        bench = proposals.write_draft(joost, proposals.Wording(
            title="Bankje bij de bushalte", text="Een bankje voor wie op de bus wacht.")).subject
        deadline = clock.now() + dt.timedelta(days=3)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING, RoundKind.CONSENT):
            rnd = between.start_round_between(anna, bench, kind, deadline).subject
            if kind == RoundKind.CONSENT:
                between.contribute_between(joost, rnd, joost.id, Answer.CONSENT)
            between.close_round_between(anna, rnd)  # early, with answers missing: to the next meeting
        item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.proposal_id == bench))
        assert item.meeting_id == made.next_id  # the round put it on the next meeting's agenda
        phase = db.session.get(Proposal, bench).phase
        assert phase not in (Phase.DRAFT, Phase.POSTPONED)
    anna_b = browser(app, made.member_ids["Anna"])
    url, agenda = f"/c/{made.circle_id}/meetings/{made.next_id}/", f"/c/{made.circle_id}/agenda/{made.next_id}/"
    assert not refused(post(anna_b, url, agenda + "remove", proposal_id=bench))  # not discussed there yet
    page = anna_b.get(url).text
    offered = shaped(page).split(f'id="waiting-{bench}"', 1)[1].split("</li>", 1)[0]
    assert "sent on by a round between meetings" in offered
    with app.app_context():
        assert db.session.get(Proposal, bench).phase == phase  # as it stands, not a draft again
        assert [w.proposal.id for w in followup.waiting(made.circle_id) if w.sent_on] == [bench]
    assert not refused(post(anna_b, url, agenda + "place", proposal_id=bench))
    assert agenda_ids(app, made.next_id) == [bench]

