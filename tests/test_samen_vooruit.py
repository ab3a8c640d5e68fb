"""A whole Samen Vooruit meeting played through the pages, as eight neighbours would.

Anna facilitates on her laptop, Fatima keeps the minutes (and records for
Mohamed, who has no smartphone), the others answer on their own phones. No
JavaScript, CSRF on: every step is a form on the meeting page.
"""

from __future__ import annotations

import re

import pytest

from circle.extensions import db
from circle.models import Proposal
from tests.samen_vooruit_flow import Phone, refused
from tests.days import shown
from tests.scenario import PEOPLE, REVIEW_DATE, samen_vooruit


@pytest.fixture
def room(app):
    with app.app_context():
        made = samen_vooruit()
    return made, {name: Phone(app, made.circle_id, made.meeting_id, made.member_ids[name])
                  for name, _ in PEOPLE}


def round_in_turn(phones, made, kind, texts):
    anna = phones["Anna"]
    anna.post("/round/start", kind=kind, mode="in_turn", proposal_id=made.proposal_id,
              starter_id=made.member_ids["Anna"], clockwise="1")
    for name, _ in PEOPLE:
        answer, text = texts[name]
        if name == "Mohamed":  # no smartphone: the secretary records for him
            page = phones["Fatima"].post("/contribute", member_id=phones[name].id, answer=answer, text=text)
        else:
            page = phones[name].post("/contribute", member_id=phones[name].id, answer=answer, text=text)
        assert not refused(page), (name, page)
    anna.post("/round/close")


def test_a_whole_meeting_from_picture_forming_to_a_decision(app, runner, room):
    made, phones = room
    anna = phones["Anna"]
    pid = made.proposal_id

    anna.post("/open")
    for name, _ in PEOPLE:
        anna.post("/attendance", member_id=phones[name].id, present="y")

    # Picture-forming round: what are we talking about? Kees passes.
    questions = {name: ("speak", f"Vraag van {name}: welke planten?") for name, _ in PEOPLE}
    questions["Kees"] = ("pass", "")
    round_in_turn(phones, made, "picture_forming", questions)

    # Opinion round, then the proposal is amended in its light.
    opinions = {name: ("speak", f"Mening van {name}: goed voor de straat.") for name, _ in PEOPLE}
    round_in_turn(phones, made, "opinion_forming", opinions)
    wording = {"title": "Afvalcontainers vergroenen", "carried_out_by": "Aylin en Kees",
               "success_criteria": "Minder zwerfafval na drie maanden."}
    anna.post("/amend", proposal_id=pid, text="Plantenbakken rond de containers, bewoners kiezen de planten.",
              note="Na de meningsronde: bewoners kiezen zelf.", review_date=REVIEW_DATE.isoformat(), **wording)

    # Consent round: Dewi objects, with a reason.
    answers = {name: ("consent", "") for name, _ in PEOPLE}
    answers["Joost"] = ("consent", "Zorg wel voor onderhoud.")
    answers["Dewi"] = ("objection", "Wie geeft water in de zomer? Dan sterft alles en wordt het rommeliger.")
    page = anna.post("/round/start", kind="consent", mode="in_turn", proposal_id=pid,
                     starter_id=made.member_ids["Anna"], clockwise="1")
    for name, _ in PEOPLE:
        answer, text = answers[name]
        phone = phones["Fatima"] if name == "Mohamed" else phones[name]
        extra = {"workable": "Een vaste waterploeg per maand."} if answer == "objection" else {}
        page = phone.post("/contribute", member_id=phones[name].id, answer=answer, text=text, **extra)
        assert not refused(page), (name, page)
    anna.post("/round/close")
    with app.app_context():
        assert db.session.get(Proposal, pid).phase == "integrating"
    assert refused(anna.post("/adopt", proposal_id=pid)), "no adoption while an objection stands"

    # Integrate: a second amendment meets the objection; a second consent round, all at once.
    anna.post("/amend", proposal_id=pid, text="Plantenbakken rond de containers; een waterploeg van vier buren "
              "geeft om beurten water, ook in de zomer.", note="Bezwaar van Dewi: de waterploeg.",
              review_date=REVIEW_DATE.isoformat(), **wording)
    anna.post("/round/start", kind="consent", mode="open", proposal_id=pid, reveal="y")
    for name, _ in PEOPLE:
        phone = phones["Fatima"] if name == "Mohamed" else phones[name]
        assert not refused(phone.post("/contribute", member_id=phones[name].id, answer="consent", text=""))
    anna.post("/round/close")
    page = anna.post("/adopt", proposal_id=pid)
    assert not refused(page)

    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        assert (proposal.phase, proposal.current_version) == ("adopted", 3)
        assert proposal.objections[0].status == "met" and proposal.objections[0].met_by_version == 3

    # The decision page shows every step, to every member.
    decision = phones["Samira"].client.get(f"/c/{made.circle_id}/decisions/{pid}/").text
    for v in (1, 2, 3):
        assert f'id="v{v}"' in decision
    assert "Na de meningsronde: bewoners kiezen zelf." in decision
    assert "Bezwaar van Dewi: de waterploeg." in decision
    for name, _ in PEOPLE:
        assert f"Vraag van {name}" in decision or name == "Kees"
        assert f"Mening van {name}" in decision
    assert "Zorg wel voor onderhoud." in decision
    assert "Wie geeft water in de zomer?" in decision
    assert "Een vaste waterploeg per maand." in decision
    assert "Fatima" in decision and "Mohamed" in decision
    assert len(re.findall(r'id="round-\d+"', decision)) == 4
    assert shown(REVIEW_DATE, "nl") in decision  # the review date, as a Dutch page shows it

    # And the log behind it holds.
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 0 and "log intact" in result.output
