"""When a round between meetings reaches its deadline: not answering is not consent, unless the circle says so.

A consent round whose deadline passes with answers missing adopts nothing:
the proposal goes to the next planned meeting's agenda with what was said (or
waits for one), and late answers are refused. Where the circle decided that
silence is consent for this kind of decision, the same round adopts, and the
record says so. Whoever comes first after the deadline closes the round (a
page view, `flask --app circle tick`), exactly once, as of its deadline, also
when many threads try at the same moment.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from circle import between, clock, meetings, proposals, rounds
from circle.deadlines import close_due_rounds
from circle.extensions import db
from circle.method import Answer, Phase, RoundEnd, RoundKind, RuleBroken, Silence
from circle.models import (
    AgendaItem,
    Contribution,
    LogEntry,
    Proposal,
    Round,
    RoundStatus,
)
from tests.conftest import find_csrf_token
from tests.days import NOW, days
from tests.scenario import PEOPLE, samen_vooruit

GARDEN = proposals.Wording(title="Een buurtmoestuin", text="Een moestuin op het braakliggende veld.")
NAMES = [name for name, _ in PEOPLE]
#: The consent round's deadline in these tests: five days on, at eight in the evening.
DEADLINE = clock.at_local(days(5), 20, 0)


@contextmanager
def at(moment: dt.datetime) -> Iterator[dt.datetime]:
    clock.set_to(moment)
    try:
        yield moment
    finally:
        clock.set_to(NOW)


def to_consent(made, proposal_id: int, deadline: dt.datetime = DEADLINE) -> int:
    """Picture-forming and opinion rounds between meetings (everyone speaks), then a consent round open."""
    anna = made.member("Anna")
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
        rnd = between.start_round_between(anna, proposal_id, kind, NOW + dt.timedelta(days=2)).subject
        for name in NAMES:
            member = made.member(name)
            between.contribute_between(member, rnd, member.id, Answer.SPEAK, f"{name} zegt iets.")
    return between.start_round_between(anna, proposal_id, RoundKind.CONSENT, deadline).subject


def consent(made, round_id: int, names) -> None:
    for name in names:
        member = made.member(name)
        between.contribute_between(member, round_id, member.id, Answer.CONSENT, "")


@pytest.fixture
def garden(app):
    """Samen Vooruit, Aylin's garden draft in the pool, a meeting planned in three weeks."""
    with app.app_context():
        made = samen_vooruit()
        made.proposal_id = proposals.write_draft(made.member("Aylin"), GARDEN).subject
        made.meeting_id = meetings.plan_meeting(made.member("Anna"), "Kernteam december", days(21)).subject
        return made


def english(app, sign_in, member_id: int):
    """A member's phone, signed in with their link, reading in English."""
    client = app.test_client()
    sign_in(client, member_id)
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def stored() -> tuple:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)))


def closing_entry(round_id: int) -> list[dict]:
    return [json.loads(d) for d in db.session.scalars(
        sa.select(LogEntry.data).where(LogEntry.action == "close_round_between")) if json.loads(d)["round"] == round_id]


def test_missing_answers_adopt_nothing_and_send_the_proposal_to_the_next_meeting(app, garden, sign_in):
    with app.app_context():
        rnd = to_consent(garden, garden.proposal_id)
        consent(garden, rnd, NAMES[:6])  # Dewi and Mohamed do not answer
    phone = english(app, sign_in, garden.member_ids["Dewi"])
    page = f"/c/{garden.circle_id}/proposals/{garden.proposal_id}/"
    token = find_csrf_token(phone.get(page).text)

    with at(DEADLINE + dt.timedelta(hours=40)) as later:
        with app.app_context():  # Dewi answers a day and a half late: refused, nothing stored
            before = stored()
            dewi = garden.member("Dewi")
            with pytest.raises(RuleBroken) as refused:
                between.contribute_between(dewi, rnd, dewi.id, Answer.CONSENT)
            assert refused.value.code == "deadline_passed" and stored() == before
        late = phone.post(page + "between/answer", data={"csrf_token": token, "round_id": rnd,
                                                          "member_id": garden.member_ids["Dewi"], "answer": "consent"})
        assert late.status_code == 303
        with app.app_context():
            assert stored() == before and db.session.get(Round, rnd).status == RoundStatus.OPEN
        seen = phone.get(page).text  # the first page view after the deadline closes the round
        assert "The last consent round closed with answers missing: the proposal is on the agenda of" in seen
        assert "Closed at its deadline." in seen

        with app.app_context():
            closed = db.session.get(Round, rnd)
            proposal = db.session.get(Proposal, garden.proposal_id)
            assert (closed.status, closed.ended, closed.closed_at) == (RoundStatus.CLOSED, RoundEnd.DEADLINE, DEADLINE)
            assert proposal.phase == Phase.OPINION_FORMING and proposal.decided_at is None
            [item] = db.session.scalars(sa.select(AgendaItem).where(AgendaItem.proposal_id == proposal.id)).all()
            assert item.meeting_id == garden.meeting_id and item.outcome is None
            [entry] = closing_entry(rnd)
            assert entry["deadline"] == DEADLINE.isoformat() + "Z" and entry["noticed"] == later.isoformat() + "Z"
            assert entry["outcome"] == "to_meeting" and entry["to_meeting"]["id"] == garden.meeting_id
            assert sorted(entry["unanswered"]) == sorted([garden.member_ids["Dewi"], garden.member_ids["Mohamed"]])
            assert close_due_rounds() == []  # nothing left to close: it closed once

    with app.app_context():  # the meeting goes on from what was said: its consent round may start at once
        anna = garden.member("Anna")
        meetings.open_meeting(anna, garden.meeting_id)
        for name in NAMES:
            meetings.mark_attendance(anna, garden.meeting_id, garden.member_ids[name], True)
        rounds.start_round(anna, garden.meeting_id, RoundKind.CONSENT, proposal_id=garden.proposal_id)
    minutes = phone.get(f"/c/{garden.circle_id}/meetings/{garden.meeting_id}/minutes.json").get_json()
    [item] = minutes["between"]
    assert item["outcome"] == "open" and item["rounds"][-1]["ended"] == "deadline"
    assert len(item["rounds"][-1]["contributions"]) == 6 and len(item["rounds"][-1]["unanswered"]) == 2


def test_where_silence_is_consent_the_round_adopts_at_its_deadline_and_the_record_says_so(
        app, garden, sign_in, runner):
    anna = english(app, sign_in, garden.member_ids["Anna"])
    home = anna.get(f"/c/{garden.circle_id}/")
    saved = anna.post(f"/c/{garden.circle_id}/settings/between-meetings",
                      data={"csrf_token": find_csrf_token(home.text), "silence": "all"})
    assert saved.status_code == 303
    with app.app_context():
        [entry] = db.session.scalars(sa.select(LogEntry.data).where(LogEntry.action == "set_between_meetings"))
        assert json.loads(entry) == {"proposer_opens_rounds": False, "silence_is_consent": "all",
                                     "was": {"proposer_opens_rounds": False, "silence_is_consent": "none"}}
        rnd = to_consent(garden, garden.proposal_id)
        consent(garden, rnd, NAMES[:6])
        between.set_between_meetings(garden.member("Anna"), Silence.NONE, False)  # too late for this round
    page = anna.get(f"/c/{garden.circle_id}/proposals/{garden.proposal_id}/").text
    assert "In this round silence counts as consent at the deadline" in page

    with at(DEADLINE + dt.timedelta(minutes=3)):
        ticked = runner.invoke(args=["tick"])
        assert "rounds between meetings closed at their deadline: 1" in ticked.output, ticked.output
        assert "rounds between meetings closed at their deadline: 0" in runner.invoke(args=["tick"]).output
    with app.app_context():
        proposal = db.session.get(Proposal, garden.proposal_id)
        closed = db.session.get(Round, rnd)
        assert proposal.phase == Phase.ADOPTED and proposal.decided_at == DEADLINE
        assert closed.silence_as_consent and closed.ended == RoundEnd.DEADLINE
        [entry] = closing_entry(rnd)
        assert entry["outcome"] == "adopted" and entry["silence_as_consent"] is True
    decision = anna.get(f"/c/{garden.circle_id}/decisions/{garden.proposal_id}/").text
    assert 'id="silence-counted"' in decision and "Dewi" in decision.split('id="silence-counted"')[1][:400]
    verified = runner.invoke(args=["verify-log"])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize(("rule", "answered", "adopted"), [
    (Silence.NONE, 6, False),  # the default: silence is never consent
    (Silence.REVIEWS, 6, False),  # only for reviews, and this is a new proposal
    (Silence.ALL, 4, False),  # fewer than a quorum (5 of 8) answered: nobody took this decision
    (Silence.ALL, 5, True),
])
def test_silence_counts_only_as_the_circle_decided_and_only_with_a_quorum_of_answers(
        app, garden, rule, answered, adopted):
    with app.app_context():
        between.set_between_meetings(garden.member("Anna"), rule, False)
        rnd = to_consent(garden, garden.proposal_id)
        consent(garden, rnd, NAMES[:answered])
        with at(DEADLINE):
            [done] = close_due_rounds()
        proposal = db.session.get(Proposal, garden.proposal_id)
        assert (proposal.phase == Phase.ADOPTED) is adopted
        assert db.session.get(Round, rnd).silence_as_consent is adopted
        assert done.proposal_id == garden.proposal_id


def test_a_proposal_waits_for_a_meeting_when_none_is_planned_and_keeps_where_it_stands(app, sign_in):
    with app.app_context():
        made = samen_vooruit()  # its only meeting is today's: past by the deadline, never held
        made.proposal_id = proposals.write_draft(made.member("Aylin"), GARDEN).subject
        rnd = to_consent(made, made.proposal_id)
        consent(made, rnd, NAMES[:3])
    fatima = english(app, sign_in, made.member_ids["Fatima"])
    with at(DEADLINE + dt.timedelta(days=1)):
        page = fatima.get(f"/c/{made.circle_id}/proposals/{made.proposal_id}/").text
        assert "the proposal waits for the next meeting" in page
        with app.app_context():
            [entry] = closing_entry(rnd)
            assert entry["to_meeting"] is None
            meeting = meetings.plan_meeting(made.member("Fatima"), "Kernteam januari", days(30)).subject
        page = fatima.get(f"/c/{made.circle_id}/proposals/{made.proposal_id}/").text
        assert "Put on the agenda" in page
        with app.app_context():
            proposals.put_on_agenda(made.member("Fatima"), made.proposal_id, meeting)
            assert db.session.get(Proposal, made.proposal_id).phase == Phase.OPINION_FORMING  # not back to a draft


def test_the_facilitator_closes_early_and_answers_missing_then_adopt_nothing(app, garden):
    with app.app_context():
        rnd = to_consent(garden, garden.proposal_id)
        consent(garden, rnd, NAMES[:7])
        kees = garden.member("Kees")
        with pytest.raises(RuleBroken) as refused:
            between.close_round_between(kees, rnd)
        assert refused.value.code == "not_allowed"
        between.close_round_between(garden.member("Anna"), rnd)
        closed = db.session.get(Round, rnd)
        assert closed.ended == RoundEnd.EARLY and closed.closed_at == NOW
        assert db.session.get(Proposal, garden.proposal_id).phase == Phase.OPINION_FORMING
        with at(DEADLINE + dt.timedelta(days=1)):
            assert close_due_rounds() == []


def test_many_threads_closing_at_once_close_each_round_once(app, sign_in):
    with app.app_context():
        made = samen_vooruit()
        consent_rounds = []
        for i in range(3):
            pid = proposals.write_draft(made.member("Aylin"), proposals.Wording(
                title=f"Voorstel {i}", text="Iets voor de buurt.")).subject
            consent_rounds.append(to_consent(made, pid, DEADLINE + dt.timedelta(minutes=i)))
            consent(made, consent_rounds[-1], NAMES[:4])
        db.session.remove()
    start = threading.Barrier(8)
    closed: list[int] = []
    failures: list[Exception] = []

    def close() -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                closed.extend(d.entry for d in close_due_rounds())
            except Exception as failure:  # reported below, in the test's own thread
                failures.append(failure)
            finally:
                db.session.remove()

    with at(DEADLINE + dt.timedelta(hours=1)):
        threads = [threading.Thread(target=close) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert failures == [] and len(closed) == 3 and len(set(closed)) == 3
    with app.app_context():
        for rnd in consent_rounds:
            assert len(closing_entry(rnd)) == 1
            assert db.session.get(Round, rnd).closed_at <= DEADLINE + dt.timedelta(minutes=2)


def test_a_review_is_adopted_again_by_silence_where_the_circle_counts_it_for_reviews(app, garden):
    with app.app_context():
        anna = garden.member("Anna")
        between.set_between_meetings(anna, Silence.REVIEWS, False)
        first = to_consent(garden, garden.proposal_id)
        consent(garden, first, NAMES)  # complete: adopted between meetings
        assert db.session.get(Proposal, garden.proposal_id).phase == Phase.ADOPTED
        proposals.put_on_agenda(anna, garden.proposal_id, garden.meeting_id)  # back for its review
        assert db.session.get(Proposal, garden.proposal_id).phase == Phase.REVIEW
        review = to_consent(garden, garden.proposal_id)
        assert db.session.get(Round, review).silence_counts  # fixed when it opened: this is a review
        consent(garden, review, NAMES[:5])
        with at(DEADLINE + dt.timedelta(minutes=1)):
            [done] = close_due_rounds()
        proposal = db.session.get(Proposal, garden.proposal_id)
        assert proposal.phase == Phase.ADOPTED and proposal.decided_at == DEADLINE
        [entry] = closing_entry(review)
        assert entry["silence_as_consent"] and entry["off_agenda"]["id"] == garden.meeting_id
        # A plan, not yet record: the review no longer waits on the planned meeting's agenda.
        assert db.session.scalars(sa.select(AgendaItem).where(AgendaItem.proposal_id == proposal.id)).all() == []
        assert done.meeting_id == garden.meeting_id and done.proposal_id == proposal.id  # both rooms hear it
