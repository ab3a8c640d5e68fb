"""Roles held for a term: who holds the facilitator's and the secretary's role, and the circle's own roles.

A term is given by `roles.give_role` (recorded by the facilitator, or by an
election's adoption): the running term ends, the chair in meetings moves, and
a term's end takes nothing away: the circle home marks it and offers to choose
again until someone is chosen (docs/roles-and-elections.md, "Roles and terms").
The clock stands at tests/days.py's NOW; a test moves it on where a day must pass.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
import sqlalchemy as sa

from circle import method, roles
from circle.extensions import db
from circle.method import ProposalKind, Role, RoleKind, RuleBroken, TermState
from circle.models import AgendaItem, Circle, CircleRole, LogEntry, Member, Proposal, RoleTerm
from tests.conftest import find_csrf_token, sign_in_with_link
from tests.days import TODAY, days, shown
from tests.scenario import samen_vooruit

def _key(made, kind: str) -> str:
    return f"{kind}.{made.circle_id}"


def _terms(made, kind: RoleKind) -> list[tuple[str, dt.date, dt.date, dt.date | None]]:
    return [(t.person.name, t.held_from, t.held_until, t.ended_on) for t in db.session.scalars(
        sa.select(RoleTerm).join(CircleRole).where(CircleRole.circle_id == made.circle_id, CircleRole.kind == kind)
        .order_by(RoleTerm.id))]


def _last_entry(circle_id: int) -> tuple[str, dict]:
    entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.circle_id == circle_id)
                              .order_by(LogEntry.seq.desc()).limit(1))
    return entry.action, json.loads(entry.data)


def _text(page: str) -> str:
    """What a page reads: its words without markup, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def _anna_until(made, until: dt.date, since: dt.date | None = None) -> None:
    anna = made.member("Anna")
    roles.record_term(anna, _key(made, "facilitator"), anna.id, since or until - dt.timedelta(days=365), until)


@pytest.fixture
def made(app):
    with app.app_context():
        yield samen_vooruit()


def _browser(app, member_id: int, language: str = "en"):
    """A signed-in browser that asks for pages in `language`."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in_with_link(client, member_id)
    return client


@pytest.fixture
def anna(app, made):
    return _browser(app, made.member_ids["Anna"])


def _post(client, path: str, home: str, **data):
    """Post a form from the circle home, in English; the page it leads back to."""
    token = find_csrf_token(client.get(home).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)


# --- give_role ---------------------------------------------------------------------------------


def test_a_new_facilitator_takes_the_chair_and_the_earlier_one_goes_back_to_member(app, made):
    with app.app_context():
        _anna_until(made, days(20))
        joost = made.member("Joost")
        done = roles.record_term(made.member("Anna"), _key(made, "facilitator"), joost.id, TODAY, days(364))
        assert (made.member("Joost").role, made.member("Anna").role) == (Role.FACILITATOR, Role.MEMBER)
        assert made.member("Fatima").role == Role.SECRETARY  # another role's holder keeps it
        # Anna's term overlapped Joost's: it ended on his first day; terms are never edited otherwise.
        assert _terms(made, RoleKind.FACILITATOR) == [("Anna", days(-345), days(20), TODAY),
                                                      ("Joost", TODAY, days(364), None)]
        action, data = _last_entry(made.circle_id)
        assert action == "record_term" and done.subject == data["term"]
        assert data["person"]["name"] == "Joost" and data["ended"][0]["person"] == made.member("Anna").person_id
        assert (data["from"], data["until"], data["role"]["kind"]) == (TODAY.isoformat(), days(364).isoformat(),
                                                                      "facilitator")


def test_the_facilitator_from_before_terms_were_recorded_hands_over_too(app, made):
    with app.app_context():
        anna = made.member("Anna")  # the circle's facilitator, with no term recorded
        roles.record_term(anna, _key(made, "facilitator"), made.member_ids["Kees"], TODAY, days(300))
        assert (made.member("Kees").role, made.member("Anna").role) == (Role.FACILITATOR, Role.MEMBER)


def test_the_secretarys_role_given_to_the_facilitator_leaves_her_the_chair(app, made):
    with app.app_context():
        anna = made.member("Anna")
        roles.record_term(anna, _key(made, "secretary"), anna.id, TODAY, days(300))
        assert (made.member("Anna").role, made.member("Fatima").role) == (Role.FACILITATOR, Role.MEMBER)


def test_a_term_recorded_ahead_hands_over_the_chair_on_its_first_day(app, made, frozen_clock):
    with app.app_context():
        _anna_until(made, days(20))
        roles.record_term(made.member("Anna"), _key(made, "facilitator"), made.member_ids["Joost"], days(10), days(374))
        assert (made.member("Anna").role, made.member("Joost").role) == (Role.FACILITATOR, Role.MEMBER)
        assert roles.begin_due_terms() == 0
        with frozen_clock.later(days=10):
            assert roles.begin_due_terms() == 1
            assert (made.member("Anna").role, made.member("Joost").role) == (Role.MEMBER, Role.FACILITATOR)
            assert _last_entry(made.circle_id)[0] == roles.BEGIN_TERM
            assert roles.begin_due_terms() == 0  # once: tick may run any number of times


def test_a_term_running_out_takes_nothing_away(app, made, anna, frozen_clock):
    with app.app_context():
        _anna_until(made, days(-5))
        assert roles.begin_due_terms() == 0
        assert made.member("Anna").role == Role.FACILITATOR
    page = _text(anna.get(f"/c/{made.circle_id}/").text)
    assert "term ended: holds it until the circle chooses again" in page
    assert f"Anna's term ended on {shown(days(-5))}; they hold the role" in page
    # She still steers: planning a meeting is the facilitator's.
    done = _post(anna, f"/c/{made.circle_id}/plan-meeting", f"/c/{made.circle_id}/",
                 title="Extra overleg", date=days(14).isoformat())
    assert done.status_code == 200 and "Meeting planned" in done.text


def test_someone_who_leaves_the_circle_leaves_their_roles_that_day(app, made):
    from circle.circles import end_membership

    with app.app_context():
        anna, fatima = made.member("Anna"), made.member("Fatima")
        roles.record_term(anna, _key(made, "secretary"), fatima.id, days(-100), days(200))
        end_membership(anna, made.circle_id, fatima.id, on=days(10))
        assert _terms(made, RoleKind.SECRETARY) == [("Fatima", days(-100), days(200), days(10))]
        action, data = _last_entry(made.circle_id)
        assert action == "end_membership" and len(data["ended_terms"]) == 1


def test_a_role_goes_only_to_a_member_of_the_circle_that_chooses_it(app, made):
    with app.app_context():
        anna = made.member("Anna")
        role = roles.method_role(db.session.get(Circle, made.circle_id), RoleKind.FACILITATOR)
        db.session.commit()
        other = samen_vooruit()  # another circle, with its own Anna
        with pytest.raises(RuleBroken) as refused:
            roles.give_role(anna, role, other.member("Joost").person_id, TODAY, days(100))
        assert refused.value.code == "role_needs_member"
        db.session.rollback()
        with pytest.raises(RuleBroken) as refused:  # someone else's circle's actor
            roles.give_role(other.member("Anna"), role, anna.person_id, TODAY, days(100))
        assert refused.value.code == "not_found"


# --- Pages -------------------------------------------------------------------------------------


def test_the_circle_home_shows_who_holds_what_until_when(app, made, anna):
    with app.app_context():
        _anna_until(made, days(200))
    page = _text(anna.get(f"/c/{made.circle_id}/").text)
    assert f"Facilitator: Anna · until {shown(days(200))}" in page
    assert "Secretary: Fatima · no term recorded" in page
    assert "term ends soon" not in page and "Roles to choose again" not in page


def test_a_term_near_its_end_is_offered_and_becomes_an_election_on_the_next_agenda(app, made, anna):
    with app.app_context():
        _anna_until(made, days(20))
    home = f"/c/{made.circle_id}/"
    page = anna.get(home).text
    assert "term ends soon" in _text(page)
    offer = page[page.index(f'id="offer-facilitator.{made.circle_id}"'):]
    offer = offer[:offer.index("</li>")]
    assert f"Anna's term ends on {shown(days(20))}." in _text(offer)
    assert "Put an election on the agenda" in offer
    # The next meeting's agenda offers it too, where the facilitator shapes it.
    meeting_page = anna.get(f"/c/{made.circle_id}/meetings/{made.meeting_id}/").text
    assert 'id="roles-to-choose"' in meeting_page and f'id="offer-facilitator.{made.circle_id}"' in meeting_page

    done = _post(anna, f"/c/{made.circle_id}/roles/choose-again", home, role=f"facilitator.{made.circle_id}")
    assert done.status_code == 200 and "The election is on the agenda of Kernteam." in _text(done.text)
    with app.app_context():
        election = db.session.scalar(sa.select(Proposal).where(Proposal.kind == ProposalKind.ELECTION))
        assert election.role.kind == RoleKind.FACILITATOR and election.role.circle_id == made.circle_id
        # The next term: from the day after Anna's ends, for the role's usual twelve months.
        assert (election.latest.term_from, election.latest.term_until) == (
            days(21), method.months_later(days(21), 12) - dt.timedelta(days=1))
        assert db.session.scalar(sa.select(AgendaItem.meeting_id).where(
            AgendaItem.proposal_id == election.id)) == made.meeting_id
    # Offered once: the home now points at the election under way.
    page = anna.get(home).text
    assert "An election is under way." in page and "Put an election on the agenda" not in page


def test_a_member_sees_the_offer_without_its_button(app, made):
    with app.app_context():
        _anna_until(made, days(20))
    joost = _browser(app, made.member_ids["Joost"])
    page = joost.get(f"/c/{made.circle_id}/").text
    assert f'id="offer-facilitator.{made.circle_id}"' in page and "Put an election on the agenda" not in page
    assert "Record who holds a role" not in page and "Define a role of the circle" not in page


def test_the_circle_defines_its_own_role_with_a_description_and_records_who_holds_it(app, made, anna):
    home = f"/c/{made.circle_id}/"
    done = _post(anna, f"/c/{made.circle_id}/roles", home, **{
        "role-name": "Contactpersoon gemeente",
        "role-description": "Houdt contact met de gemeente over vergunningen en de vuilophaal.",
        "role-term_months": "24"})
    assert "The circle has a new role: Contactpersoon gemeente." in _text(done.text)
    with app.app_context():
        role = db.session.scalar(sa.select(CircleRole).where(CircleRole.kind == RoleKind.OWN))
        assert (role.term_months, role.chosen_by_id) == (24, made.circle_id)
        key = method.role_key(RoleKind.OWN, made.circle_id, role.id)
        log_length = db.session.get(Circle, made.circle_id).log_length
    done = _post(anna, f"/c/{made.circle_id}/roles/terms", home, **{
        "term-role": key, "term-member_id": str(made.member_ids["Samira"]),
        "term-held_from": TODAY.isoformat(), "term-held_until": days(700).isoformat()})
    page = _text(done.text)
    assert f"Contactpersoon gemeente: Samira · until {shown(days(700))}" in page
    assert "Houdt contact met de gemeente over vergunningen en de vuilophaal." in page
    with app.app_context():
        assert made.member("Samira").role == Role.MEMBER  # a role of its own gives no chair in meetings
    # The same name twice is refused, and nothing is stored.
    done = _post(anna, f"/c/{made.circle_id}/roles", home, **{
        "role-name": "contactpersoon gemeente", "role-description": "Nog een keer.", "role-term_months": "12"})
    assert "This circle already has a role with that name." in done.text
    with app.app_context():
        assert db.session.get(Circle, made.circle_id).log_length == log_length + 1


@pytest.mark.parametrize(("held_from", "held_until", "message"), [
    (days(10), days(10), "A term ends after the day it begins."),
    (days(10), days(-10), "A term ends after the day it begins."),
    (TODAY, days(366 * 3 + 2), "A term runs at most three years; the circle chooses again after that."),
])
def test_a_term_with_impossible_dates_is_refused_with_a_clear_message_and_nothing_stored(app, made, anna,
                                                                                        held_from, held_until,
                                                                                        message):
    with app.app_context():
        log_length = db.session.get(Circle, made.circle_id).log_length
    done = _post(anna, f"/c/{made.circle_id}/roles/terms", f"/c/{made.circle_id}/", **{
        "term-role": _key(made, "secretary"), "term-member_id": str(made.member_ids["Samira"]),
        "term-held_from": held_from.isoformat(), "term-held_until": held_until.isoformat()})
    assert message in done.text
    with app.app_context():
        assert db.session.get(Circle, made.circle_id).log_length == log_length
        assert db.session.scalar(sa.select(sa.func.count(RoleTerm.id))) == 0
        assert made.member("Samira").role == Role.MEMBER and made.member("Fatima").role == Role.SECRETARY


def test_the_refusal_reads_in_dutch_by_default(app, made):
    anna = _browser(app, made.member_ids["Anna"], "nl")
    token = find_csrf_token(anna.get(f"/c/{made.circle_id}/").text)
    done = anna.post(f"/c/{made.circle_id}/roles/terms", follow_redirects=True, data={
        "csrf_token": token, "term-role": _key(made, "secretary"), "term-member_id": str(made.member_ids["Samira"]),
        "term-held_from": days(10).isoformat(), "term-held_until": days(1).isoformat()})
    assert "Een termijn eindigt na de dag waarop hij begint." in done.text


# --- The method's rules --------------------------------------------------------------------------


def test_the_method_knows_a_terms_state_and_who_chooses():
    assert method.term_state(days(-100), days(100), None, TODAY) == TermState.HELD
    assert method.term_state(days(-100), days(method.NEAR_END_DAYS), None, TODAY) == TermState.NEAR_END
    assert method.term_state(days(-100), days(-1), None, TODAY) == TermState.OVERDUE
    assert method.term_state(days(-100), days(100), TODAY, TODAY) == TermState.ENDED
    assert method.term_state(days(3), days(100), None, TODAY) == TermState.COMING
    assert method.offered_for_agenda(TermState.OVERDUE, False) and not method.offered_for_agenda(TermState.OVERDUE, True)
    assert [k for k in RoleKind if method.chosen_by_parent(k)] == [RoleKind.LEADER]
    assert method.roles_of(False) == (RoleKind.FACILITATOR, RoleKind.SECRETARY)
    assert method.months_later(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert method.member_role_for({RoleKind.SECRETARY, RoleKind.FACILITATOR}) == Role.FACILITATOR
    assert method.member_role_for({RoleKind.DELEGATE}) == Role.MEMBER


@pytest.mark.parametrize("key", ["", "leader", "leader.", "chair.3", "own.-1", "own.x", "own.99999999999", "own.1.2"])
def test_a_role_key_that_names_no_role_is_none(key):
    assert method.parse_role_key(key) is None


def test_a_role_key_names_the_method_roles_by_circle_and_the_own_roles_by_id():
    assert method.parse_role_key(method.role_key(RoleKind.LEADER, 7, None)) == (RoleKind.LEADER, 7)
    assert method.parse_role_key(method.role_key(RoleKind.OWN, 7, 12)) == (RoleKind.OWN, 12)


# --- The demo ----------------------------------------------------------------------------------


def test_the_demo_shows_its_roles_with_terms_its_working_group_and_a_role_to_choose_again(app):
    from circle import demo, demo_roles

    with app.app_context():
        circle = demo.seed()
        anna, kees = (db.session.scalar(sa.select(Member.id).where(Member.circle_id == circle.id, Member.name == n))
                      for n in ("Anna", "Kees"))
        group = circle.subcircles[0]
        assert (group.name, group.aim, group.domain) == (demo_roles.GROUP, demo_roles.GROUP_AIM, demo_roles.GROUP_DOMAIN)
        in_group = {m.name: m.role for m in group.members}
        assert in_group == {"Kees": Role.FACILITATOR, "Samira": Role.MEMBER, "Dewi": Role.MEMBER}
        circle_id, group_id = circle.id, group.id
    page = _text(_browser(app, anna).get(f"/c/{circle_id}/").text)
    assert demo_roles.AIM in page and demo_roles.DOMAIN in page
    assert f"Facilitator: Anna · until {shown(days(30))} term ends soon" in page
    assert f"Secretary: Fatima · until {shown(days(200))}" in page
    assert f"Contactpersoon gemeente: Samira · until {shown(days(530))}" in page and demo_roles.CONTACT[1] in page
    assert "Roles to choose again" in page and "Anna's term ends on" in page
    assert f"Leader: Kees · until {shown(days(352))}" in page and f"Delegate: Samira · until {shown(days(352))}" in page
    assert demo_roles.PICKERS.title in page and demo_roles.TASK[0] in page
    group_page = _text(_browser(app, kees).get(f"/c/{group_id}/").text)
    assert "A circle within Samen Vooruit." in group_page and demo_roles.GROUP_AIM in group_page
