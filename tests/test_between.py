"""A consent decision between meetings, from phones over days, read back like a meeting's.

Samen Vooruit decides on a new draft without meeting: the facilitator opens
the rounds from the proposal page, each with a deadline, and members answer
from their own phones on the days that suit them (the frozen clock moves on).
Kees objects in the consent round; the facilitator amends the proposal to
meet his objection and opens a new consent round; everyone consents, so the
round closes complete and the proposal is adopted. The decision page, the
next meeting's minutes (page, Markdown and JSON), the decisions CSV and the
log show it, and the chain verifies.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from circle import between, clock, meetings, method, proposals
from circle.circles import add_member, create_circle
from circle.extensions import db
from circle.method import Answer, ObjectionStatus, Phase, RoundEnd, RoundKind
from circle.models import Contribution, LogEntry, Objection, Proposal, Round
from tests.conftest import find_csrf_token
from tests.days import NOW, days
from tests.pages import unisolated
from tests.scenario import PEOPLE, samen_vooruit

GARDEN = proposals.Wording(title="Een buurtmoestuin", text="Een moestuin op het braakliggende veld aan de Javastraat.")
NAMES = [name for name, _ in PEOPLE]


def text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, white space collapsed."""
    page = unisolated(page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def deadline(day: int) -> str:
    """The deadline as the page's date-and-time input sends it: eight in the evening, Amsterdam time."""
    return f"{days(day).isoformat()}T20:00"


@pytest.fixture
def garden(app):
    """Samen Vooruit, Aylin's draft for a vegetable garden in the pool, and a meeting planned in three weeks."""
    with app.app_context():
        made = samen_vooruit()
        made.proposal_id = proposals.write_draft(made.member("Aylin"), GARDEN).subject
        made.meeting_id = meetings.plan_meeting(made.member("Anna"), "Kernteam december", days(21)).subject
        return made


@pytest.fixture
def phones(app, garden, sign_in):
    """Everyone's phone, signed in through their own link, reading in English."""
    found = {}
    for name in NAMES:
        client = app.test_client()
        sign_in(client, garden.member_ids[name])
        with client.session_transaction() as session:
            session["lang"] = "en"
        found[name] = client
    return found


def proposal_page(client, made) -> str:
    response = client.get(f"/c/{made.circle_id}/proposals/{made.proposal_id}/")
    assert response.status_code == 200
    return response.text


def post(client, made, path: str, **form) -> str:
    """Post a form of the proposal page, as its button does; the page the redirect shows."""
    base = f"/c/{made.circle_id}/proposals/{made.proposal_id}/between"
    token = find_csrf_token(proposal_page(client, made))
    response = client.post(base + path, data={"csrf_token": token, **form})
    assert response.status_code == 303, response.text[:500]
    return proposal_page(client, made)


def open_round(made) -> Round:
    return db.session.scalar(sa.select(Round).where(Round.proposal_id == made.proposal_id)
                             .order_by(Round.id.desc()).limit(1))


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Kring's clock at `moment` for a while, then back at the suite's NOW."""
    clock.set_to(moment)
    try:
        yield
    finally:
        clock.set_to(NOW)


def answer_all(app, made, phones, answers: dict[str, tuple] | None = None, start_day: int = 1) -> None:
    """Each member answers from their own phone, two a day: speak, or consent unless `answers` says."""
    with app.app_context():
        rnd = open_round(made)
        kind, round_id = rnd.kind, rnd.id
    for i, name in enumerate(NAMES):
        given = (answers or {}).get(name) or (
            ("consent", "") if kind == RoundKind.CONSENT else ("speak", f"{name} vraagt iets over de tuin."))
        form = {"round_id": round_id, "member_id": made.member_ids[name], "answer": given[0],
                "text": given[1], "workable": given[2] if len(given) > 2 else ""}
        with at(clock.at_local(days(start_day + i // 2), 9 + i, 15)):
            shown = text(post(phones[name], made, "/answer", **form))
        assert "Thank you, the answer is in." in shown


def test_a_whole_consent_decision_between_meetings(app, runner, garden, phones):
    made, anna, kees = garden, phones["Anna"], phones["Kees"]

    # The facilitator opens a picture-forming round with a deadline; the page says who may answer.
    shown = post(anna, made, "/start", kind="picture_forming", deadline=deadline(5))
    assert "The round is open." in shown
    seen = text(proposal_page(phones["Joost"], made))
    assert "Picture-forming round · answers until" in seen and "0 of 8 have answered." in seen
    assert "Close the round now" not in seen and "Open a round between meetings" not in seen  # not his
    answer_all(app, made, phones)
    with app.app_context():
        rnd = open_round(made)
        assert (rnd.status.value, rnd.ended) == ("closed", RoundEnd.COMPLETE)  # the last answer closed it

    post(anna, made, "/start", kind="opinion_forming", deadline=deadline(9))
    answer_all(app, made, phones, start_day=5)

    # The consent round: Kees objects, with a reason and what would make it workable.
    post(anna, made, "/start", kind="consent", deadline=deadline(14))
    objection = ("objection", "Niemand geeft in de zomer water.", "Als de school de zomer overneemt.")
    answer_all(app, made, phones, {"Kees": objection}, start_day=9)
    with app.app_context():
        proposal = db.session.get(Proposal, made.proposal_id)
        assert proposal.phase == Phase.INTEGRATING and proposal.decided_at is None
        [standing] = db.session.scalars(sa.select(Objection).where(Objection.proposal_id == proposal.id)).all()
        assert standing.status == ObjectionStatus.STANDING and standing.workable == objection[2]
    seen = text(proposal_page(kees, made))
    assert "Kees : Objection" in seen and "Niemand geeft in de zomer water." in seen

    # Amended between meetings, beside the objection to work in; then a new consent round on version 2.
    amend = anna.get(f"/c/{made.circle_id}/proposals/{made.proposal_id}/between/amend")
    assert amend.status_code == 200 and "Niemand geeft in de zomer water." in amend.text
    token = find_csrf_token(amend.text)
    done = anna.post(f"/c/{made.circle_id}/proposals/{made.proposal_id}/between/amend", data={
        "csrf_token": token, "based_on": "1", "title": GARDEN.title,
        "text": GARDEN.text + " De buurtschool geeft in de zomer water.", "note": "Water in de zomer geregeld."})
    assert done.status_code == 303
    post(anna, made, "/start", kind="consent", deadline=deadline(18), reveal="y")
    answer_all(app, made, phones, start_day=14)

    with app.app_context():
        proposal = db.session.get(Proposal, made.proposal_id)
        rnd = open_round(made)
        assert proposal.phase == Phase.ADOPTED and proposal.current_version == 2
        assert proposal.decided_at == rnd.closed_at and rnd.ended == RoundEnd.COMPLETE
        assert rnd.deadline == clock.at_local(days(18), 20, 0)
        assert db.session.get(Objection, standing.id).status == ObjectionStatus.MET
        actions = db.session.scalars(sa.select(LogEntry.action).where(LogEntry.circle_id == made.circle_id)
                                     .order_by(LogEntry.seq)).all()
        closes = [json.loads(d) for d in db.session.scalars(
            sa.select(LogEntry.data).where(LogEntry.action == "close_round_between").order_by(LogEntry.seq))]
    assert actions.count("start_round_between") == 4 and actions.count("contribute_between") == 32
    assert actions.count("amend_between") == 1 and actions.count("close_round_between") == 4
    assert [c["ended"] for c in closes] == ["complete"] * 4
    assert [c.get("outcome") for c in closes] == [None, None, "integrating", "adopted"]
    assert closes[-1]["met"] == [standing.id] and closes[-1]["unanswered"] == []

    # The decision page reads it back like a meeting's decision.
    decision = text(phones["Joost"].get(f"/c/{made.circle_id}/decisions/{made.proposal_id}/").text)
    assert "Adopted on" in decision and "Between meetings, in a consent round with a deadline" in decision
    assert "Consent given by: " + ", ".join(NAMES) in decision
    assert "Anna opened the consent round between meetings (round 4) about version 2" in decision
    assert "Adopted · between meetings" in decision and "Met by version 2" in decision

    # The next meeting's minutes report it, as a page and in the files.
    base = f"/c/{made.circle_id}/meetings/{made.meeting_id}/minutes"
    minutes = text(phones["Fatima"].get(base).text)
    part = minutes[minutes.index("Between meetings"):]
    assert "Een buurtmoestuin" in part and "Outcome: Adopted" in part and "Closed when everyone had answered." in part
    markdown = phones["Fatima"].get(base + ".md").text
    assert "## Between meetings" in markdown and "Een buurtmoestuin" in unisolated(markdown)
    data = phones["Fatima"].get(base + ".json").get_json()
    [item] = data["between"]
    assert (item["proposal_id"], item["outcome"], item["version"]) == (made.proposal_id, "adopted", 2)
    assert [r["kind"] for r in item["rounds"]] == ["picture_forming", "opinion_forming", "consent", "consent"]
    assert item["rounds"][-1]["ended"] == "complete" and item["rounds"][-1]["deadline"].endswith("Z")
    csv = phones["Fatima"].get(f"/c/{made.circle_id}/decisions.csv").text
    [row] = [line for line in csv.splitlines() if "buurtmoestuin" in line]
    assert row.startswith(",,") and ",adopted,2," in row

    verified = runner.invoke(args=["verify-log"])
    assert verified.exit_code == 0, verified.output


def test_the_demo_circle_has_a_consent_round_running_between_meetings(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        [rnd] = db.session.scalars(sa.select(Round).where(Round.meeting_id.is_(None),
                                                          Round.status == "open")).all()
        assert rnd.kind == RoundKind.CONSENT and rnd.deadline > clock.now() + dt.timedelta(days=2)
        assert 0 < len(rnd.contributions) < len(rnd.seats)
    verified = runner.invoke(args=["verify-log"])
    assert verified.exit_code == 0, verified.output


def test_refusals_between_meetings_store_nothing(app, garden, phones, sign_in):
    """An objection without a reason, a guest, someone who joined after the round opened, an earlier round,
    another circle's member: each refused with the method's message in the reader's language, nothing stored."""
    with app.app_context():
        guest = add_member(None, garden.circle_id, "Wijkteam", method.Role.GUEST).subject
        post(phones["Anna"], garden, "/start", kind="picture_forming", deadline=deadline(5))
        first = open_round(garden).id
        for name in NAMES:
            member = garden.member(name)
            between.contribute_between(member, first, member.id, Answer.SPEAK, "Ja.")
        between.start_round_between(garden.member("Anna"), garden.proposal_id, RoundKind.OPINION_FORMING,
                                    clock.at_local(days(5), 20, 0))
        second = open_round(garden).id
        newcomer = add_member(None, garden.circle_id, "Noor").subject  # joins after the round opened
        other, bob = create_circle("Andere Kring", "Bob")
        bob_id, other_id = bob.id, other.id

    def stored() -> tuple:
        with app.app_context():
            return (db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)),
                    db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)))

    def refused(client, round_id: int, member_id: int, **form) -> str:
        before = stored()
        base = f"/c/{garden.circle_id}/proposals/{garden.proposal_id}/between"
        token = find_csrf_token(client.get(base.rsplit("/", 1)[0] + "/").text)
        response = client.post(base + "/answer", data={"csrf_token": token, "round_id": round_id,
                                                       "member_id": member_id, **form})
        assert stored() == before
        with client.session_transaction() as session:
            return " ".join(str(t) for c, t in session.get("_flashes", []) if c == "error") or str(response.status_code)

    kees = phones["Kees"]
    assert refused(kees, second, garden.member_ids["Kees"], answer="speak", text="") == \
        "Please write something, or pass."
    assert refused(kees, first, garden.member_ids["Kees"], answer="pass") == "There is no open round."
    assert refused(kees, second, garden.member_ids["Kees"], answer="consent") == \
        "Consent and objections belong in a consent round."
    for who, member_id, said in ((guest, guest, "Your role in this circle does not allow this."),
                                 (newcomer, newcomer, "This person is not in this round.")):
        client = app.test_client()
        sign_in(client, who)
        with client.session_transaction() as session:
            session["lang"] = "en"
        assert refused(client, second, member_id, answer="speak", text="Hallo.") == said
    stranger = app.test_client()  # someone of another circle: the proposal is not there for them
    sign_in(stranger, bob_id)
    token = find_csrf_token(stranger.get(f"/c/{other_id}/").text)
    before = stored()
    assert stranger.post(f"/c/{garden.circle_id}/proposals/{garden.proposal_id}/between/answer",
                         data={"csrf_token": token, "round_id": second, "member_id": bob_id,
                               "answer": "pass"}).status_code == 404
    assert stored() == before

    # An objection needs its reason, in a consent round as in a meeting.
    with app.app_context():
        for name in NAMES:
            member = garden.member(name)
            between.contribute_between(member, second, member.id, Answer.SPEAK, "Mijn mening.")
        consent = between.start_round_between(garden.member("Anna"), garden.proposal_id, RoundKind.CONSENT,
                                              clock.at_local(days(6), 20, 0)).subject
    assert refused(kees, consent, garden.member_ids["Kees"], answer="objection", text="", workable="Iets.") == \
        "An objection needs a reason: what does this harm in our aim?"
