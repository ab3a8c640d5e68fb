"""The meeting page, used the way people use it: phones that read the page and press its buttons.

Each test signs people in through their personal link, reads the page, posts
its small forms with the page's CSRF token (and, for the facilitator, the
meeting version the page showed), and checks what the page then says and
what the database holds. A refusal must show its message and store nothing.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from circle import meetings, rounds
from circle.extensions import db
from circle.method import Answer, MESSAGES, RoundKind, RoundMode
from circle.models import Attendance, Contribution, Meeting, Objection, ProposalVersion, Round, Seat
from tests.pages import shown
from tests.scenario import PEOPLE, everyone_present, run_round, samen_vooruit

ORDER = [name for name, _ in PEOPLE]  # the ring: Anna, Fatima, Joost, Aylin, ...


class Phone:
    """One person's phone on the meeting page: a signed-in browser without JavaScript."""

    def __init__(self, app, made, name, sign_in, csrf_token):
        self.client = app.test_client()
        with self.client.session_transaction() as session:
            session["lang"] = "en"  # assert on the English msgids
        sign_in(self.client, made.member_ids[name])
        self.url = f"/c/{made.circle_id}/meetings/{made.meeting_id}/"
        self.csrf_token = csrf_token

    def page(self) -> str:
        """The meeting page as the person sees it without JavaScript (nothing hidden), entities decoded."""
        response = self.client.get(self.url)
        assert response.status_code == 200
        return html.unescape(shown(response.text))

    def press(self, action: str, steer: bool = True, **data) -> str:
        """Post one step from the page (with its token and version) and read the page after it."""
        page = self.page()
        data = {"csrf_token": self.csrf_token(page), **data}
        if steer:
            data.setdefault("based_on", version(page))
        response = self.client.post(self.url + action, data=data)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(self.url)
        return self.page()


def version(page: str) -> int:
    """The meeting version the page was drawn from."""
    return int(re.search(r'data-version="(\d+)"', page).group(1))


def ring(page: str) -> str:
    """The SVG ring of the page."""
    return re.search(r"<svg.*?</svg>", page, re.S).group(0)


def spoken_order(page: str) -> list[str]:
    """The speaking order as the screen-reader list tells it."""
    listing = re.search(r'<ol class="visually-hidden"[^>]*>(.*?)</ol>', page, re.S).group(1)
    return re.findall(r'<li id="seat-text-\d+"[^>]*><bdi>([^<]+)</bdi>:', listing)


def rows(app, model, **where) -> int:
    """How many rows of a model the database holds (optionally filtered)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def made(app):
    """Samen Vooruit with a guest, a draft on the agenda of a planned meeting."""
    with app.app_context():
        return samen_vooruit(guest=True)


@pytest.fixture
def phone(app, made, sign_in, csrf_token):
    """`phone(name)`: that person's phone, signed in."""
    return lambda name: Phone(app, made, name, sign_in, csrf_token)


@pytest.fixture
def picture_round(app, made):
    """The meeting open, everyone present, a picture-forming round in turn started by Anna."""
    with app.app_context():
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.PICTURE_FORMING,
                             RoundMode.IN_TURN, proposal_id=made.proposal_id)
    return made


def in_consent_round(app, made, mode=RoundMode.IN_TURN, reveal=False):
    """Picture-forming and opinion rounds held; a consent round started."""
    with app.app_context():
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.CONSENT, mode,
                             proposal_id=made.proposal_id, reveal=reveal)


def test_facilitator_opens_marks_attendance_and_starts_a_round(app, made, phone):
    anna, mohamed = phone("Anna"), phone("Mohamed")
    page = anna.press("open")
    assert "Open meeting" not in page and "Open</strong>" in page
    for name in ORDER[:-1]:
        page = anna.press("attendance", member_id=made.member_ids[name], present="y")
    assert "I am here" in mohamed.page()
    mohamed.press("attendance", steer=False, member_id=made.member_ids["Mohamed"], present="y")
    assert rows(app, Attendance, present=True) == 8
    assert "8 present; 5 needed to decide." in anna.page()

    page = anna.press("round/start", kind="picture_forming", mode="in_turn",
                      proposal_id=made.proposal_id, starter_id=made.member_ids["Joost"],
                      clockwise="1")
    assert "Picture-forming round" in page and "What are we talking about?" in page
    with app.app_context():
        rnd = db.session.scalar(sa.select(Round))
        assert (rnd.kind, rnd.mode) == (RoundKind.PICTURE_FORMING, RoundMode.IN_TURN)
        assert [s.member.name for s in rnd.seats] == ORDER[2:] + ORDER[:2]
    assert "Now speaking: <strong><bdi>Joost</bdi></strong>" in page
    assert "Your turn!" in phone("Joost").page()


def test_members_answer_in_turn_and_out_of_turn_is_refused(app, picture_round, phone):
    anna, fatima, joost = phone("Anna"), phone("Fatima"), phone("Joost")
    ids = picture_round.member_ids
    assert 'name="answer"' not in joost.page()  # not his turn: no answer box
    anna.press("contribute", steer=False, member_id=ids["Anna"], answer="speak",
               text="Hoeveel bakken zijn het?")

    page = joost.press("contribute", steer=False, member_id=ids["Joost"], answer="speak",
                       text="Ik wil eerst!")
    assert MESSAGES["not_your_turn"] in page
    assert rows(app, Contribution) == 1
    assert "Ik wil eerst!" not in page

    page = fatima.press("contribute", steer=False, member_id=ids["Fatima"], answer="pass")
    assert "Thank you, the answer is in." in page
    page = joost.press("contribute", steer=False, member_id=ids["Joost"], answer="speak",
                       text="Wie geeft er water?")
    assert rows(app, Contribution) == 3
    said = page.index("Hoeveel bakken zijn het?"), page.index("Wie geeft er water?")
    assert said[0] < said[1]
    assert "Now speaking: <strong><bdi>Aylin</bdi></strong>" in page


def test_a_member_cannot_record_for_another(app, picture_round, phone):
    page = phone("Joost").press("contribute", steer=False,
                                member_id=picture_round.member_ids["Anna"], answer="pass")
    assert MESSAGES["not_allowed"] in page
    assert rows(app, Contribution) == 0


def test_secretary_records_for_a_member_and_the_page_says_so(app, picture_round, phone):
    ids = picture_round.member_ids
    with app.app_context():
        for name in ("Anna", "Fatima"):
            member = picture_round.member(name)
            rounds.contribute(member, picture_round.meeting_id, member.id, Answer.PASS)
    fatima = phone("Fatima")
    page = fatima.page()
    assert "Record for" in page and f'<option value="{ids["Joost"]}">Joost</option>' in page
    page = fatima.press("contribute", steer=False, member_id=ids["Joost"], answer="speak",
                        text="Joost vraagt: wie betaalt de planten?")
    assert "Joost vraagt: wie betaalt de planten?" in page
    assert "recorded by <bdi>Fatima</bdi>" in page
    with app.app_context():
        row = db.session.scalar(sa.select(Contribution).filter_by(member_id=ids["Joost"]))
        assert row.recorded_by_id == ids["Fatima"]


def test_a_resent_answer_is_stored_once(app, picture_round, phone):
    anna = phone("Anna")
    data = dict(member_id=picture_round.member_ids["Anna"], answer="speak", text="Eén keer.",
                client_id="tap-1")
    anna.press("contribute", steer=False, **data)
    page = anna.press("contribute", steer=False, **data)
    assert "This answer was already recorded." in page
    assert rows(app, Contribution) == 1


def test_skip_puts_the_speaker_at_the_end(app, picture_round, phone):
    anna = phone("Anna")
    page = anna.page()
    assert "Skip <bdi>Anna</bdi>" in page
    page = anna.press("round/skip")
    assert spoken_order(page) == ORDER[1:] + ORDER[:1]
    assert "Now speaking: <strong><bdi>Fatima</bdi></strong>" in page
    with app.app_context():
        seats = db.session.scalars(sa.select(Seat).order_by(Seat.position)).all()
        assert seats[-1].member_id == picture_round.member_ids["Anna"]


def test_the_ring_marks_the_current_speaker_and_the_answers(app, picture_round, phone):
    ids = picture_round.member_ids
    svg = ring(phone("Kees").page())
    assert svg.count('class="seat current"') == 1
    assert re.search(rf'<g class="seat current" id="seat-{ids["Anna"]}" data-member="{ids["Anna"]}">.*?>\u2068Anna\u2069</text>',
                     svg, re.S)
    phone("Anna").press("contribute", steer=False, member_id=ids["Anna"], answer="pass")
    page = phone("Kees").page()
    svg = ring(page)
    assert f'<g class="seat pass" id="seat-{ids["Anna"]}" data-member="{ids["Anna"]}">' in svg and ">–</text>" in svg
    assert f'<g class="seat current" id="seat-{ids["Fatima"]}" data-member="{ids["Fatima"]}">' in svg
    assert spoken_order(page) == ORDER
    assert "<bdi>Fatima</bdi>: speaking now</li>" in page and "<bdi>Anna</bdi>: pass</li>" in page


def test_an_objection_needs_a_reason(app, made, phone):
    in_consent_round(app, made)
    anna = phone("Anna")
    page = anna.page()
    assert "What does this harm in our aim?" in page
    assert "What would make it workable for you?" in page
    assert 'value="pass"' not in page  # no pass in a consent round
    before = rows(app, Contribution), rows(app, Objection)
    page = anna.press("contribute", steer=False, member_id=made.member_ids["Anna"],
                      answer="objection", text="  ", workable="Kleinere bakken")
    assert MESSAGES["reason_required"] in page
    assert (rows(app, Contribution), rows(app, Objection)) == before

    page = anna.press("contribute", steer=False, member_id=made.member_ids["Anna"],
                      answer="objection", text="De stoep wordt te smal voor rolstoelen.",
                      workable="Kleinere bakken")
    assert rows(app, Objection) == 1
    assert "De stoep wordt te smal voor rolstoelen." in page and "Kleinere bakken" in page
    assert "Mark tested" in page  # Anna facilitates
    assert "Withdraw objection" in page  # and made it


def test_a_consent_round_without_quorum_is_refused(app, made, phone):
    anna = phone("Anna")
    with app.app_context():
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
        for name in ("Anna", "Fatima", "Joost"):
            meetings.mark_attendance(made.member("Anna"), made.meeting_id, made.member_ids[name], True)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            rounds.start_round(made.member("Anna"), made.meeting_id, kind,
                                 proposal_id=made.proposal_id)
            rounds.close_round(made.member("Anna"), made.meeting_id)
    before = rows(app, Round)
    page = anna.press("round/start", kind="consent", mode="in_turn", proposal_id=made.proposal_id)
    assert MESSAGES["no_quorum"] in page
    assert rows(app, Round) == before


def test_a_member_cannot_start_a_round(app, made, phone):
    with app.app_context():
        everyone_present(made)
    joost = phone("Joost")
    page = joost.page()
    assert "round/start" not in page and "Steer" not in page
    page = joost.press("round/start", kind="picture_forming", mode="in_turn",
                       proposal_id=made.proposal_id)
    assert MESSAGES["not_allowed"] in page
    assert rows(app, Round) == 0


def test_a_stale_step_is_refused(app, picture_round, phone):
    anna, fatima = phone("Anna"), phone("Fatima")
    seen = version(anna.page())
    fatima.press("attendance", member_id=picture_round.member_ids["Dewi"], present="")
    page = anna.press("round/skip", based_on=seen)
    assert MESSAGES["stale"] in page
    assert spoken_order(page) == ORDER  # nobody skipped
    with app.app_context():
        assert db.session.get(Meeting, picture_round.meeting_id).version == version(page)


def test_a_guest_sees_everything_but_no_forms(app, picture_round, phone):
    ids = picture_round.member_ids
    phone("Anna").press("contribute", steer=False, member_id=ids["Anna"], answer="speak",
                        text="Welke planten?")
    guest = phone("Wijkteam")
    page = guest.page()
    assert "Welke planten?" in page and "<svg" in page and "Now speaking" in page
    assert "/meetings/" not in " ".join(re.findall(r'<form[^>]*action="([^"]*)"', page))
    assert "I am here" not in page and "Record for" not in page
    page = guest.press("contribute", steer=False, member_id=ids["Wijkteam"], answer="pass")
    assert MESSAGES["not_allowed"] in page
    assert rows(app, Contribution) == 1


def test_a_simultaneous_reveal_hides_answers_until_the_last(app, made, phone):
    in_consent_round(app, made, mode=RoundMode.OPEN, reveal=True)
    ids = made.member_ids
    phone("Joost").press("contribute", steer=False, member_id=ids["Joost"], answer="objection",
                         text="Te duur voor ons budget.")
    page = phone("Kees").page()
    assert "Te duur voor ons budget." not in page
    assert f'<g class="seat answered" id="seat-{ids["Joost"]}" data-member="{ids["Joost"]}">' in ring(page)
    assert "The answers are hidden until everyone has answered." in page
    with app.app_context():
        for name in ORDER:
            if name != "Joost":
                member = made.member(name)
                rounds.contribute(member, made.meeting_id, member.id, Answer.CONSENT, "")
    page = phone("Kees").page()
    assert "Te duur voor ons budget." in page
    assert f'<g class="seat objection" id="seat-{ids["Joost"]}" data-member="{ids["Joost"]}">' in ring(page)


def test_amend_writes_the_next_version(app, made, phone):
    with app.app_context():
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
    anna = phone("Anna")
    url = anna.url + f"amend/{made.proposal_id}"
    form = html.unescape(anna.client.get(url).text)
    assert "Afvalcontainers vergroenen" in form and "Version 1 becomes version 2" in form
    response = anna.client.post(anna.url + "amend", data={
        "csrf_token": anna.csrf_token(form), "based_on": version(anna.page()), "proposal_id": made.proposal_id,
        "title": "Afvalcontainers vergroenen", "text": "Vier kleine plantenbakken.",
        "note": "Kleiner, voor de stoep."})
    assert response.status_code == 303
    page = anna.page()
    assert "Version 2" in page and "Vier kleine plantenbakken." in page
    assert rows(app, ProposalVersion) == 2
    assert phone("Joost").client.get(url).status_code == 403


def test_malformed_steps_are_refused_with_a_message(app, picture_round, phone):
    anna = phone("Anna")
    before = rows(app, Attendance), rows(app, Round), version(anna.page())
    page = anna.press("attendance", member_id=10**20, present="y")
    assert "Please check what you entered." in page
    page = anna.press("round/start", kind="debate", mode="in_turn")
    assert "Round: Not a valid choice." in page
    page = anna.press("objection/tested", objection_id=10**20)
    assert "Please check what you entered." in page
    assert anna.client.get(anna.url.replace(f"/{picture_round.meeting_id}/", "/999/")).status_code == 404
    assert (rows(app, Attendance), rows(app, Round), version(anna.page())) == before
