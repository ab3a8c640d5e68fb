"""The Samen Vooruit meeting played through the pages, as a reusable fixture for record tests.

The same meeting as tests/test_samen_vooruit.py (picture-forming, opinion,
an amendment, a consent round with Dewi's objection, a second amendment that
meets it, a simultaneous-reveal consent round, adoption), made a little
fuller so the minutes have something to show in every part:

- an opening and a closing round;
- Samira arrives late (after the opening round), Priya van Dijk stays away;
- Fatima records for Mohamed, who has no smartphone;
- remarks with consent (concerns) in the last consent round;
- a second agenda item, the kitchen collective, is postponed;
- the meeting is closed, and afterwards Fatima corrects an answer she recorded for Mohamed.

`played_database`, `app` and `played` are fixtures for a test module to import:
the meeting is played once per module, and each test gets its own copy of it.

Contribution texts carry no names, so a test can check how names appear.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field


import pytest
import sqlalchemy as sa

from circle import corrections, create_app, proposals
from circle.circles import add_member
from circle.extensions import db
from circle.method import Role, RoundKind
from circle.models import Contribution, Member, Proposal, Round
from tests import databases
from tests.conftest import app_on_copy, config_for, find_csrf_token, sign_in_with_link
from tests.scenario import PEOPLE, samen_vooruit
from tests.days import days

#: Everyone seated who comes (Samira late); Priya van Dijk is in the circle but stays away.
ABSENT = "Priya van Dijk"
LATE = "Samira"
#: Who records for whom: Mohamed has no smartphone.
RECORDED_FOR = {"Mohamed": "Fatima"}
#: The decision is due for review soon, so the circle home lists it.
REVIEW_IN_DAYS = 14
SUCCESS = "Minder zwerfafval na drie maanden."
CARRIED_OUT_BY = "Aylin en Kees"
CONCERNS = {"Joost": "Zorg wel voor onderhoud.", "Aylin": "Graag planten die bijen helpen."}
CORRECTED = "Vraag 8: welke planten, en wie betaalt ze?"
CORRECTION_NOTE = "Verkeerd verstaan bij het noteren."
OBJECTION = "Wie geeft water in de zomer? Dan sterft alles en wordt het rommeliger."
WORKABLE = "Een vaste waterploeg per maand."


class Phone:
    """One person's browser, signed in with their personal link."""

    def __init__(self, app, circle_id: int, meeting_id: int, member_id: int):
        self.client = app.test_client()
        self.id = member_id
        sign_in_with_link(self.client, member_id)
        self.base = f"/c/{circle_id}/meetings/{meeting_id}"

    def page(self) -> str:
        """The meeting page as this person sees it now."""
        response = self.client.get(self.base + "/")
        assert response.status_code == 200
        return response.text

    def post(self, path: str, **data) -> str:
        """Post a step from the meeting page as it is now; return the page it leads back to."""
        page = self.page()
        version = re.search(r'name="based_on" value="(\d+)"', page)
        form = {"csrf_token": find_csrf_token(page), **data}
        if version and "based_on" not in data:
            form["based_on"] = version.group(1)
        response = self.client.post(self.base + path, data=form, follow_redirects=True)
        assert response.status_code == 200, response.text
        return response.text


def refused(page: str) -> bool:
    """The page shows a flashed error (the live script's empty error slot does not count)."""
    return '<p class="flash error"' in page


@dataclass
class Played:
    """Ids of what the meeting made, and a phone per person; look rows up fresh in each test."""

    circle_id: int
    meeting_id: int
    proposal_id: int
    postponed_id: int
    member_ids: dict[str, int]
    review_date: dt.date
    phones: dict[str, Phone] = field(default_factory=dict)


def hold_round(phones: dict[str, Phone], kind: str, answers: dict[str, tuple[str, str]],
           proposal_id: int | None = None, mode: str = "in_turn", reveal: bool = False) -> None:
    """Hold a round: everyone in `answers` answers, in ring order; the facilitator closes it."""
    start = {"kind": kind, "mode": mode}
    if proposal_id is not None:
        start["proposal_id"] = proposal_id
    if mode == "in_turn":
        start.update(starter_id=phones["Anna"].id, clockwise="1")
    if reveal:
        start["reveal"] = "y"
    assert not refused(phones["Anna"].post("/round/start", **start)), kind
    for name, (answer, text) in answers.items():
        phone = phones[RECORDED_FOR.get(name, name)]
        extra = {"workable": WORKABLE} if answer == "objection" else {}
        page = phone.post("/contribute", member_id=phones[name].id, answer=answer, text=text, **extra)
        assert not refused(page), (kind, name, page)
    assert not refused(phones["Anna"].post("/round/close")), kind


def play_samen_vooruit(app) -> Played:
    """Play the whole meeting through the pages; return what it made."""
    review_date = days(REVIEW_IN_DAYS)
    with app.app_context():
        made = samen_vooruit()
        absent = add_member(None, made.circle_id, ABSENT, Role.MEMBER).subject
        kitchen = proposals.write_draft(made.member("Joost"), proposals.Wording(
            title="Keukencollectief", text="Eens per maand samen koken in het buurthuis."))
        proposals.put_on_agenda(made.member("Anna"), kitchen.subject, made.meeting_id)
        ids = {**made.member_ids, ABSENT: absent}
        played = Played(made.circle_id, made.meeting_id, made.proposal_id, kitchen.subject, ids,
                        review_date)
    names = [name for name, _ in PEOPLE]
    phones = {name: Phone(app, played.circle_id, played.meeting_id, ids[name]) for name in names}
    played.phones = phones
    anna, pid = phones["Anna"], played.proposal_id

    anna.post("/open")
    for name in names:
        if name != LATE:
            anna.post("/attendance", member_id=ids[name], present="y")
    on_time = [n for n in names if n != LATE]
    hold_round(phones, "opening",
               {n: ("speak", f"Check-in {i}: goed, zin in.") for i, n in enumerate(on_time, 1)})
    anna.post("/attendance", member_id=ids[LATE], present="y")  # late: after the first round

    questions = {n: ("speak", f"Vraag {i}: welke planten?") for i, n in enumerate(names, 1)}
    questions["Kees"] = ("pass", "")
    hold_round(phones, "picture_forming", questions, pid)
    hold_round(phones, "opinion_forming",
           {n: ("speak", f"Mening {i}: goed voor de straat.") for i, n in enumerate(names, 1)}, pid)
    wording = {"title": "Afvalcontainers vergroenen", "carried_out_by": CARRIED_OUT_BY,
               "success_criteria": SUCCESS, "review_date": review_date.isoformat()}
    anna.post("/amend", proposal_id=pid, text="Plantenbakken rond de containers, bewoners kiezen de planten.",
              note="Na de meningsronde: bewoners kiezen zelf.", **wording)

    answers = {n: ("consent", "") for n in names}
    answers["Joost"] = ("consent", CONCERNS["Joost"])
    answers["Dewi"] = ("objection", OBJECTION)
    hold_round(phones, "consent", answers, pid)
    assert refused(anna.post("/adopt", proposal_id=pid)), "no adoption while an objection stands"

    anna.post("/amend", proposal_id=pid, text="Plantenbakken rond de containers; een waterploeg van vier buren "
              "geeft om beurten water, ook in de zomer.", note="Bezwaar: de waterploeg.", **wording)
    answers = {n: ("consent", CONCERNS.get(n, "")) for n in names}
    hold_round(phones, "consent", answers, pid, mode="open", reveal=True)
    assert not refused(anna.post("/adopt", proposal_id=pid))

    assert not refused(anna.post("/postpone", proposal_id=played.postponed_id))
    hold_round(phones, "closing",
               {n: ("speak", f"Afsluiting {i}: fijn overleg.") for i, n in enumerate(names, 1)})
    assert not refused(anna.post("/close"))

    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        assert (proposal.phase, proposal.current_version) == ("adopted", 3)
        assert db.session.get(Proposal, played.postponed_id).phase == "postponed"
        mohamed = db.session.scalar(sa.select(Contribution.id).join(Round).where(
            Round.meeting_id == played.meeting_id, Round.kind == RoundKind.PICTURE_FORMING,
            Contribution.member_id == ids["Mohamed"]))
        corrections.correct_contribution(db.session.get(Member, ids["Fatima"]), mohamed,
                                         CORRECTED, CORRECTION_NOTE)
    return played


@pytest.fixture(scope="module")
def played_database(template_database, tmp_path_factory):
    """The meeting played once per test module; returns (database file, Played)."""
    folder = tmp_path_factory.mktemp("played")
    database = folder / "kring.sqlite3"
    databases.copy(template_database, database)
    app = create_app(config_for(database), instance_path=str(folder / "instance"))
    played = play_samen_vooruit(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    played.phones = {}
    return database, played


@pytest.fixture
def app(played_database, tmp_path):
    """Replaces conftest's app where imported: a fresh copy of the played meeting for each test."""
    yield from app_on_copy(played_database[0], tmp_path)


@pytest.fixture
def played(played_database) -> Played:
    """What the played meeting made (ids; its phones belong to the module's first app, not used)."""
    return played_database[1]


def browser(app, member_id: int | None = None):
    """A browser reading English; signed in when a member id is given."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if member_id is not None:
        sign_in_with_link(client, member_id)
    return client
