"""The decision page: the whole trace of a proposal, as a resident reads it back.

The data is made with the application layer, the way a meeting makes it;
the assertions read the page as text, the way a person reads it.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from circle import meetings, proposals
from circle.extensions import db
from circle.method import Answer, RoundKind, RoundMode
from circle.models import Objection, Round
from tests.scenario import PEOPLE, everyone_present, run_round, samen_vooruit

NAMES = [name for name, _ in PEOPLE]
WALL = proposals.Wording(
    title="Afvalcontainers vergroenen",
    text="Plantenbakken aan de kant van de muur, zodat de stoep vrij blijft.",
    review_date=dt.date(2027, 3, 1),
    success_criteria="Minder afval rond de containers.",
    carried_out_by="Aylin en Kees",
)


def text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, white space collapsed."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def between(seen: str, start: str, end: str | None = None) -> str:
    """The part of the page text from one heading to the next."""
    part = seen[seen.index(start):]
    return part[:part.index(end)] if end else part


def hold(made, kind, answers=None, mode=RoundMode.IN_TURN, recorded_by=None, close=True):
    """Hold a round with everyone present: in speaking order each gives their answer.

    `answers` maps a name to (answer, text) or (answer, text, workable); the
    rest speak, or consent in a consent round. `recorded_by` maps a name to
    whoever types it in for them.
    """
    anna = made.member("Anna")
    meetings.start_round(anna, made.meeting_id, kind, mode, proposal_id=made.proposal_id)
    rnd = db.session.scalar(sa.select(Round).order_by(Round.id.desc()))
    for seat in list(rnd.seats):
        name = seat.member.name
        given = (answers or {}).get(name) or (
            (Answer.CONSENT, "") if kind == RoundKind.CONSENT else (Answer.SPEAK, f"{name} vraagt iets."))
        actor = made.member((recorded_by or {}).get(name, name))
        meetings.contribute(actor, made.meeting_id, seat.member_id, *given)
    if close:
        meetings.close_round(anna, made.meeting_id)
    return rnd.id


@pytest.fixture
def made(app):
    """Samen Vooruit with its draft on the agenda of a planned meeting."""
    with app.app_context():
        return samen_vooruit()


@pytest.fixture
def reader(app, made, sign_in):
    """Joost's phone, reading in English."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    sign_in(client, made.member_ids["Joost"])
    return client


def page_of(client, made, proposal_id=None) -> str:
    response = client.get(f"/c/{made.circle_id}/decisions/{proposal_id or made.proposal_id}/")
    assert response.status_code == 200
    return response.text


@pytest.fixture
def adopted(app, made):
    """A whole meeting: Samira absent, Dewi late, an objection met by version 2, then adoption."""
    with app.app_context():
        anna = made.member("Anna")
        meetings.open_meeting(anna, made.meeting_id)
        for name in NAMES:
            if name not in ("Samira", "Dewi"):
                meetings.mark_attendance(anna, made.meeting_id, made.member_ids[name], True)
        picture = hold(made, RoundKind.PICTURE_FORMING,
                       {"Joost": (Answer.PASS, ""),
                        "Mohamed": (Answer.SPEAK, "Mohamed vraagt: wie betaalt de planten?")},
                       recorded_by={"Mohamed": "Fatima"})
        dewi = made.member("Dewi")
        meetings.mark_attendance(dewi, made.meeting_id, dewi.id, True)
        opinion = hold(made, RoundKind.OPINION_FORMING, {"Dewi": (Answer.SPEAK, "Dewi vindt het mooi.")})
        consent1 = hold(made, RoundKind.CONSENT, {
            "Kees": (Answer.OBJECTION, "De bakken blokkeren de stoep voor rolstoelen.",
                     "Zet ze aan de kant van de muur."),
            "Aylin": (Answer.CONSENT, "Zorg wel voor water in de zomer."),
        })
        objection = db.session.scalar(sa.select(Objection.id))
        proposals.mark_tested(anna, made.meeting_id, objection)
        proposals.amend(anna, made.meeting_id, made.proposal_id, WALL,
                        "Bakken verplaatst zodat de stoep vrij blijft.")
        consent2 = hold(made, RoundKind.CONSENT)
        proposals.adopt(anna, made.meeting_id, made.proposal_id)
    return {"rounds": [picture, opinion, consent1, consent2], "objection": objection}


def test_the_outcome_and_final_text_come_first(adopted, made, reader):
    seen = text(page_of(reader, made))
    outcome = between(seen, "Outcome", "Versions")
    assert "Adopted on" in outcome and "In the meeting: Kernteam" in outcome
    assert "The decision (version 2)" in outcome
    assert WALL.text in outcome and "Mar 1, 2027" in outcome
    assert "Minder afval rond de containers." in outcome and "Aylin en Kees" in outcome


def test_every_version_with_author_note_and_full_text(adopted, made, reader):
    page = page_of(reader, made)
    assert 'id="v1"' in page and 'id="v2"' in page
    versions = between(text(page), "Versions", "Rounds")
    assert "Version 1 · the original Written by Aylin" in versions
    assert "Plantenbakken rond de containers in de Javastraat." in versions
    assert "Version 2 Written by Anna" in versions
    assert "Bakken verplaatst zodat de stoep vrij blijft." in versions and WALL.text in versions


def test_every_round_and_contribution_in_order(adopted, made, reader):
    page = page_of(reader, made)
    for round_id in adopted["rounds"]:
        assert f'id="round-{round_id}"' in page
    rounds = between(text(page), "Rounds", "Objections")
    headings = [rounds.index(h) for h in ("Picture-forming round · round 1", "Opinion round · round 2",
                                          "Consent round · round 3", "Consent round · round 4")]
    assert headings == sorted(headings)
    assert "Kernteam · Nov 23, 2026 · In turn · About version 1" in rounds
    assert "About version 2" in rounds
    first = between(rounds, "round 1", "round 2")
    assert "Speaking order: Anna Fatima Joost Aylin Kees Mohamed" in first  # Samira, Dewi not there
    assert "Joost : Passed" in first
    assert "Mohamed vraagt: wie betaalt de planten?" in first
    assert "Recorded by Fatima for Mohamed" in first
    spoken = [first.index(f"{n} : ") for n in ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Mohamed")]
    assert spoken == sorted(spoken)
    assert "Dewi vindt het mooi." in between(rounds, "round 2", "round 3")
    third = between(rounds, "round 3", "round 4")
    assert "Kees : Objection" in third and "De bakken blokkeren de stoep voor rolstoelen." in third
    assert "Aylin : Consent" in third and "Zorg wel voor water in de zomer." in third
    assert between(rounds, "round 4").count(": Consent") == 7


def test_every_objection_with_its_reason_and_how_it_ended(adopted, made, reader):
    page = page_of(reader, made)
    assert f'id="objection-{adopted["objection"]}"' in page
    objections = between(text(page), "Objections", "Meetings and who was there")
    assert "Objection by Kees" in objections and "On version 1" in objections
    assert "De bakken blokkeren de stoep voor rolstoelen." in objections
    assert "Zet ze aan de kant van de muur." in objections
    assert "Yes, the facilitator tested this objection." in objections
    assert "Met by version 2: its maker consented to it." in objections


def test_attendance_present_late_and_absent(adopted, made, reader):
    attendance = between(text(page_of(reader, made)), "Meetings and who was there")
    assert "Kernteam · Nov 23, 2026" in attendance
    present = between(attendance, "Present:", "Absent:")
    for name in ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Mohamed"):
        assert name in present
    assert "Dewi (late)" in present and "Samira" not in present
    assert between(attendance, "Absent:", "Outcome in this meeting").strip() == "Absent: Samira"
    assert "Outcome in this meeting: Adopted" in attendance


def test_standing_and_withdrawn_objections_and_a_postponement(app, made, reader):
    with app.app_context():
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        hold(made, RoundKind.CONSENT, {
            "Kees": (Answer.OBJECTION, "Te duur.", "Een goedkopere bak."),
            "Joost": (Answer.OBJECTION, "Wie geeft water?", ""),
        })
        joost = made.member("Joost")
        withdrawn = db.session.scalar(sa.select(Objection.id).where(Objection.member_id == joost.id))
        proposals.withdraw_objection(joost, made.meeting_id, withdrawn)
        proposals.postpone(made.member("Anna"), made.meeting_id, made.proposal_id)
    seen = text(page_of(reader, made))
    assert "Postponed on" in between(seen, "Outcome", "Versions")
    objections = between(seen, "Objections", "Meetings and who was there")
    joost_part = between(objections, "Objection by Joost", "Objection by Kees")  # in the order given
    kees = between(objections, "Objection by Kees")
    assert "Te duur." in kees and "Still standing." in kees and "Not tested" in kees
    assert "Wie geeft water?" in joost_part and "Withdrawn by its maker." in joost_part
    assert "Outcome in this meeting: Postponed" in seen


def test_a_hidden_reveal_round_shows_its_answers_only_when_complete(app, made, reader):
    with app.app_context():
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        meetings.start_round(made.member("Anna"), made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                             proposal_id=made.proposal_id, reveal=True)
        kees, aylin = made.member("Kees"), made.member("Aylin")
        meetings.contribute(kees, made.meeting_id, kees.id, Answer.OBJECTION, "Geheim bezwaar.", "Iets anders.")
        meetings.contribute(aylin, made.meeting_id, aylin.id, Answer.CONSENT, "Geheime opmerking.")
    seen = text(page_of(reader, made))
    assert "Geheim bezwaar." not in seen and "Geheime opmerking." not in seen
    assert "Iets anders." not in seen and "Objection by Kees" not in seen
    hidden = between(seen, "Consent round · round 3", "Objections")
    assert "Kees : " not in hidden and "Aylin : " not in hidden
    assert "The answers show when everyone has answered. So far 2 of 8." in seen
    assert "Simultaneous reveal" in seen

    with app.app_context():
        for name in NAMES:
            if name not in ("Kees", "Aylin"):
                member = made.member(name)
                meetings.contribute(member, made.meeting_id, member.id, Answer.CONSENT)
    seen = text(page_of(reader, made))  # complete: shown even before the round is closed
    assert "This round is still open." in seen
    assert "Geheim bezwaar." in seen and "Geheime opmerking." in seen
    assert "Objection by Kees" in seen and "Iets anders." in seen


def test_the_page_loads_with_a_fixed_number_of_queries(app, made, reader):
    def queries() -> int:
        count = 0

        def seen(*_args):
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            page_of(reader, made)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        return count

    with app.app_context():
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
    short = queries()
    with app.app_context():
        anna = made.member("Anna")
        for _ in range(3):
            run_round(made, RoundKind.OPINION_FORMING)
        proposals.postpone(anna, made.meeting_id, made.proposal_id)
        meetings.close_meeting(anna, made.meeting_id)
        made.meeting_id = meetings.plan_meeting(anna, "Tweede keer", dt.date(2026, 12, 14)).subject
        proposals.put_on_agenda(anna, made.proposal_id, made.meeting_id)
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        hold(made, RoundKind.CONSENT, {"Kees": (Answer.OBJECTION, "Nog steeds te duur.", "")})
        proposals.amend(anna, made.meeting_id, made.proposal_id, WALL, "Goedkoper.")
    long = queries()
    assert long == short
    seen = text(page_of(reader, made))
    assert "Tweede keer" in seen and "Outcome in this meeting: Postponed" in seen


def test_other_circles_cannot_read_it(app, made, sign_in):
    from circle.circles import create_circle

    with app.app_context():
        _, bram = create_circle("Andere Kring", "Bram")
        bram_id = bram.id
    client = app.test_client()
    sign_in(client, bram_id)
    assert client.get(f"/c/{made.circle_id}/decisions/{made.proposal_id}/").status_code == 404
    assert app.test_client().get(f"/c/{made.circle_id}/decisions/{made.proposal_id}/").status_code == 302
