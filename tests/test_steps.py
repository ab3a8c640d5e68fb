"""The table of steps is the one source: every step is everywhere it must be, and nowhere else.

A step of the meeting (circle/steps.py) is a socket event, a page route, a
control drawn by its own template part where its `place` says, a label with
its Dutch, a permission and a rule of the method. These tests fail when a
step exists in one of those places without the others. And what the pages
offer is what the method allows: `method.available` is tried against the
actions in tests/test_state_machine.py; here are its answers for each role
at the moments that matter.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from circle import method
from circle.between_steps import BETWEEN
from circle.extensions import socketio
from circle.facts import meeting_facts
from circle.method import MEETING_STEPS, PERMISSIONS, Action, Role, RoundKind
from circle.models import Meeting
from circle.steps import PLACES, STEPS
from tests.scenario import everyone_present, run_round, samen_vooruit

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PREFIX = "/c/<int:circle_id>/meetings/<int:meeting_id>"
#: Socket events that are no step: the connection itself and asking for what is there (a meeting's
#: state, a page's parts, a proposal's rounds between meetings).
NOT_STEPS = {"connect", "disconnect", "state", "parts", "between", "*"}


def test_every_rule_of_the_method_has_a_row_and_every_row_a_rule():
    assert set(STEPS) == set(MEETING_STEPS)
    assert all(action in PERMISSIONS for action in STEPS)
    assert all(step.action == action and step.place in PLACES for action, step in STEPS.items())


def test_every_step_is_a_socket_event_and_every_event_a_step(app):
    events = set(socketio.server.handlers["/"])
    assert {step.name for step in STEPS.values()} <= events
    between = {step.name for step in BETWEEN.values()}  # the steps between meetings: tests/test_between_steps.py
    assert events - {step.name for step in STEPS.values()} - between == NOT_STEPS


def test_every_step_is_a_page_route_and_every_meeting_post_a_step(app):
    posts = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()
             if rule.rule.startswith(PREFIX) and "POST" in rule.methods}
    for step in STEPS.values():
        assert posts.get(PREFIX + step.path) == f"meetings.step_{step.name}", step.name
    others = {endpoint for endpoint in posts.values() if not endpoint.startswith("meetings.step_")}
    assert others == {"meetings.join"}  # "I am here" from the QR code: mark_attendance's own page


def test_every_step_has_its_template_part_drawn_where_its_place_says():
    parts = "".join(p.read_text() for p in (TEMPLATES / "meetings" / "parts").glob("*.html"))
    parts += (TEMPLATES / "meetings" / "meeting.html").read_text()
    for step in STEPS.values():
        assert (TEMPLATES / step.template).is_file(), step.template
        drawn = f'in_place("{step.place}")' in parts or f"steps/{step.name}.html" in parts
        assert drawn, f"no part draws the place {step.place!r} of {step.name}"
    for place in PLACES:
        assert any(s.place == place for s in STEPS.values()), place
    orphans = {p.stem for p in (TEMPLATES / "meetings" / "steps").glob("*.html")} - set(STEPS)
    assert orphans == set()


def test_every_step_label_and_confirmation_has_its_dutch():
    with open(ROOT / "circle/translations/nl/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f, locale="nl")
    for step in STEPS.values():
        for text in (step.label, step.confirm):
            if text is None:
                continue
            msgid = text._args[0]
            found = catalogue.get(msgid)
            assert found is not None and found.string and "fuzzy" not in found.flags, msgid


def test_every_step_form_is_a_form_of_its_event():
    """Each part posts to its own step's route with its own event name (no step borrows another's)."""
    for step in STEPS.values():
        source = (TEMPLATES / step.template).read_text()
        events = set(re.findall(r'data-event="([^"{]+)"', source))
        assert events <= {step.name}, (step.name, events)


# --- What each role is offered at the moments that matter -------------------------------------


def offers(made, name: str) -> dict:
    from circle.extensions import db

    member = made.member(name)
    facts = meeting_facts(db.session.get(Meeting, made.meeting_id))
    return method.available(facts, member.role if member.active else None, member.id)


def test_before_the_meeting_only_the_facilitator_may_open_it(app):
    with app.app_context():
        made = samen_vooruit(guest=True)
        assert offers(made, "Anna") == {Action.OPEN_MEETING: (None,)}
        for name in ("Fatima", "Joost", "Wijkteam"):
            assert offers(made, name) == {}


def test_in_an_open_meeting_each_role_sees_its_own(app):
    with app.app_context():
        made = samen_vooruit(guest=True)
        everyone_present(made)
        anna, fatima = offers(made, "Anna"), offers(made, "Fatima")
        joost, guest = offers(made, "Joost"), offers(made, "Wijkteam")
        assert set(anna) == {Action.CLOSE_MEETING, Action.MARK_ATTENDANCE, Action.START_EXPLANATION,
                             Action.START_ROUND, Action.POSTPONE, Action.SET_TURN_TIME, Action.ASK_READY,
                             Action.HAND_OVER}
        assert set(anna[Action.START_ROUND]) == {RoundKind.PICTURE_FORMING, RoundKind.OPENING, RoundKind.CLOSING}
        assert set(fatima) == {Action.MARK_ATTENDANCE, Action.WITHDRAW}  # marks who is here, records for the proposer
        assert joost == {} and guest == {}  # everyone present already: nothing to say yet


def test_in_a_round_in_turn_only_the_speaker_answers_and_the_recorders_for_them(app):
    from circle import meetings, rounds
    from circle.method import RoundMode

    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.PICTURE_FORMING,
                             RoundMode.IN_TURN, proposal_id=made.proposal_id)
        first = made.member_ids["Anna"]
        assert offers(made, "Anna")[Action.CONTRIBUTE] == (first,)
        assert offers(made, "Fatima")[Action.CONTRIBUTE] == (first,)  # recording for the speaker
        assert Action.CONTRIBUTE not in offers(made, "Joost")  # not his turn
        assert set(offers(made, "Anna")) >= {Action.SKIP_SPEAKER, Action.CLOSE_ROUND}
        assert Action.CLOSE_MEETING not in offers(made, "Anna")  # not while a round is open


def test_a_consent_round_closes_only_when_complete_and_objections_end_only_by_their_maker(app):
    from circle.method import Answer

    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        run_round(made, RoundKind.CONSENT, {"Kees": (Answer.OBJECTION, "Te duur.")})
        anna, kees, joost, fatima = (offers(made, n) for n in ("Anna", "Kees", "Joost", "Fatima"))
        [objection] = anna[Action.MARK_TESTED]
        assert Action.ADOPT not in anna and Action.AMEND in anna
        assert Action.WITHDRAW_OBJECTION not in anna  # the facilitator never dismisses it
        assert kees[Action.WITHDRAW_OBJECTION] == (objection,)
        assert Action.WITHDRAW_OBJECTION not in joost
        assert fatima[Action.WITHDRAW_OBJECTION] == (objection,)  # recorded for a maker without a phone
        assert offers(made, "Aylin")[Action.WITHDRAW] == (made.proposal_id,)  # the proposer


@pytest.mark.parametrize("role", list(Role))
def test_nobody_who_left_is_offered_anything(role):
    facts = method.MeetingFacts(status=method.MeetingStatus.OPEN, listed=frozenset({1}), seated=frozenset({1}))
    assert method.available(facts, None, 1) == {}
    assert all(a in PERMISSIONS for a in method.available(facts, role, 1))
