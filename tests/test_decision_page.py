"""The decision page: the whole trace of a proposal, as a resident reads it back.

The data is made with the application layer, the way a meeting makes it;
the assertions read the page as text, the way a person reads it.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from circle import meetings, proposals, rounds
from circle.extensions import db
from circle.method import Answer, RoundKind, RoundMode
from circle.models import Objection, Round
from tests.days import TODAY, days, shown
from tests.pages import unisolated
from tests.scenario import PEOPLE, REVIEW_DATE, everyone_present, run_round, samen_vooruit

NAMES = [name for name, _ in PEOPLE]
WALL = proposals.Wording(
    title="Afvalcontainers vergroenen",
    text="Plantenbakken aan de kant van de muur, zodat de stoep vrij blijft.",
    review_date=REVIEW_DATE,
    success_criteria="Minder afval rond de containers.",
    carried_out_by="Aylin en Kees",
)


def text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, white space collapsed."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = unisolated(page)  # people's text reads on as part of the sentence around it
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
    rounds.start_round(anna, made.meeting_id, kind, mode, proposal_id=made.proposal_id)
    rnd = db.session.scalar(sa.select(Round).order_by(Round.id.desc()))
    for seat in list(rnd.seats):
        name = seat.member.name
        given = (answers or {}).get(name) or (
            (Answer.CONSENT, "") if kind == RoundKind.CONSENT else (Answer.SPEAK, f"{name} vraagt iets."))
        actor = made.member((recorded_by or {}).get(name, name))
        rounds.contribute(actor, made.meeting_id, seat.member_id, *given)
    if close:
        rounds.close_round(anna, made.meeting_id)
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
    assert WALL.text in outcome and shown(REVIEW_DATE) in outcome
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
    section = between(text(page), "Rounds", "Objections")
    headings = [section.index(h) for h in ("Picture-forming round · round 1", "Opinion round · round 2",
                                          "Consent round · round 3", "Consent round · round 4")]
    assert headings == sorted(headings)
    assert f"Kernteam · {shown(TODAY)} · In turn · About version 1" in section
    assert "About version 2" in section
    first = between(section, "round 1", "round 2")
    assert "Speaking order: Anna Fatima Joost Aylin Kees Mohamed" in first  # Samira, Dewi not there
    assert "Joost : Passed" in first
    assert "Mohamed vraagt: wie betaalt de planten?" in first
    assert "Recorded by Fatima for Mohamed" in first
    spoken = [first.index(f"{n} : ") for n in ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Mohamed")]
    assert spoken == sorted(spoken)
    assert "Dewi vindt het mooi." in between(section, "round 2", "round 3")
    third = between(section, "round 3", "round 4")
    assert "Kees : Objection" in third and "De bakken blokkeren de stoep voor rolstoelen." in third
    assert "Aylin : Consent" in third and "Zorg wel voor water in de zomer." in third
    assert between(section, "round 4").count(": Consent") == 7


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
    assert f"Kernteam · {shown(TODAY)}" in attendance
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
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                             proposal_id=made.proposal_id, reveal=True)
        kees, aylin = made.member("Kees"), made.member("Aylin")
        rounds.contribute(kees, made.meeting_id, kees.id, Answer.OBJECTION, "Geheim bezwaar.", "Iets anders.")
        rounds.contribute(aylin, made.meeting_id, aylin.id, Answer.CONSENT, "Geheime opmerking.")
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
                rounds.contribute(member, made.meeting_id, member.id, Answer.CONSENT)
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
        made.meeting_id = meetings.plan_meeting(anna, "Tweede keer", days(21)).subject
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


# --- Comparing versions, the timeline, concerns (the record's richer parts) -----------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from circle.read.textdiff import word_diff  # noqa: E402


def test_compare_two_versions_word_by_word(adopted, made, reader):
    page = page_of(reader, made)
    part = page[page.index('id="compare"'):page.index('id="rounds"')]
    assert '<select id="compare-a" name="a">' in part and '<option value="1" selected>' in part
    assert "From version 1 to version 2" in text(part)
    assert '<del class="diff-del">' in part and '<ins class="diff-ins">' in part
    removed = re.findall(r'<del class="diff-del">(.*?)</del>', part, re.S)
    added = re.findall(r'<ins class="diff-ins">(.*?)</ins>', part, re.S)
    assert [text(d) for d in removed][1:4] == ["[removed: rond ]", "[removed: containers in ]",
                                              "[removed: Javastraat ]"]
    assert [text(a) for a in added][1:4] == ["[added: aan ]", "[added: kant van ]",
                                            "[added: muur, zodat de stoep vrij blijft ]"]
    assert "[removed:" in text(part) and "[added:" in text(part)  # said, not only shown
    assert "Minder afval rond de containers." in " ".join(text(a) for a in added)

    response = reader.get(f"/c/{made.circle_id}/decisions/{made.proposal_id}/?a=2&b=1")
    assert "From version 2 to version 1" in text(response.text)
    for nonsense in ("?a=7&b=1", "?a=x&b=", "?a=99999999999999999999999&b=1", "?a=-1&b=0"):
        response = reader.get(f"/c/{made.circle_id}/decisions/{made.proposal_id}/{nonsense}")
        assert response.status_code == 200 and "From version 1 to version 2" in text(response.text)


def test_one_version_needs_no_comparison(made, reader):
    assert "There is only one version." in text(page_of(reader, made))


def test_the_timeline_has_every_step_in_order_with_permalinks(adopted, made, reader):
    page = page_of(reader, made)
    picture, opinion, consent1, consent2 = adopted["rounds"]
    objection = adopted["objection"]
    for anchor in ("step-v1", "step-v2", f"step-round-{picture}", f"step-round-{picture}-end",
                   f"step-round-{consent2}-end", f"step-objection-{objection}",
                   f"step-objection-{objection}-end"):
        assert f'id="{anchor}"' in page and f'href="#{anchor}"' in page
    timeline = between(text(page), "Timeline", "Versions")
    steps = ["Aylin wrote the proposal (version 1).", "On the agenda of the meeting Kernteam",
             "Anna started the picture-forming round (round 1) about version 1.",
             "Round 1 closed: 5 spoke, 1 passed.", "Anna started the opinion round (round 2)",
             "Anna started the consent round (round 3) about version 1.", "Kees objected to version 1.",
             "Consent round 3 closed: 6 consent, 1 objection(s).", "Anna wrote version 2.",
             "Anna started the consent round (round 4) about version 2.",
             "Consent round 4 closed: 7 consent, 0 objection(s).",
             "The objection of Kees was met by version 2.", "Adopted · Kernteam"]
    places = [timeline.index(step) for step in steps]
    assert places == sorted(places)


def test_consent_and_concerns_are_kept_with_the_decision(adopted, made, reader):
    seen = text(page_of(reader, made))
    outcome = between(seen, "Outcome", "Timeline")
    assert "Consent given by: Anna, Fatima, Joost, Aylin, Kees, Dewi, Mohamed" in outcome
    concerns = between(seen, "Concerns given with consent", "Meetings and who was there")
    assert "Aylin · On version 1 Zorg wel voor water in de zomer." in concerns


def test_a_late_arrival_added_to_a_round_is_marked(app, made, reader):
    with app.app_context():
        anna = made.member("Anna")
        meetings.open_meeting(anna, made.meeting_id)
        for name in NAMES:
            if name != "Dewi":
                meetings.mark_attendance(anna, made.meeting_id, made.member_ids[name], True)
        rounds.start_round(anna, made.meeting_id, RoundKind.PICTURE_FORMING, RoundMode.OPEN,
                             proposal_id=made.proposal_id)
        meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Dewi"], True)
        rounds.add_seat(anna, made.meeting_id, made.member_ids["Dewi"])
    seen = text(page_of(reader, made))
    assert "Dewi (joined this round late)" in seen and "Dewi (late)" in seen


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab cé.,\n-'", max_size=40), st.text(alphabet="ab cé.,\n-'", max_size=40))
def test_a_word_difference_gives_back_both_texts(old, new):
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.op != "ins") == old
    assert "".join(p.text for p in pieces if p.op != "del") == new
    assert all(p.text for p in pieces)
    assert all(a.op != b.op for a, b in zip(pieces, pieces[1:]) if "same" in (a.op, b.op))


def test_a_changed_phrase_reads_as_one_change():
    pieces = [(p.op, p.text) for p in word_diff("grote groene bakken hier", "kleine gele potten hier")]
    assert pieces == [("del", "grote groene bakken"), ("ins", "kleine gele potten"), ("same", " hier")]
