"""The table of steps between meetings is the one source, and the method offers each step to whom it should.

Each row of circle/between_steps.py is a rule of circle/method/between.py, a
permission, a page route under the proposal's address, a socket event, a
control drawn on the proposal page and a label with its Dutch; and
`method.available_between` says, for each role, what it may do now.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from circle import between, meetings, method
from circle.between_steps import BETWEEN
from circle.extensions import db, socketio
from circle.method import (
    BETWEEN_STEPS,
    PERMISSIONS,
    Action,
    Answer,
    RoundKind,
    RuleBroken,
    Silence,
)
from circle.models import Proposal
from tests.days import NOW
from tests.scenario import samen_vooruit

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "/c/<int:circle_id>/proposals/<int:proposal_id>/between"


def test_every_rule_has_a_row_a_permission_a_route_an_event_a_control_and_dutch(app):
    assert set(BETWEEN) == set(BETWEEN_STEPS) and all(a in PERMISSIONS for a in BETWEEN)
    posts = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    events = set(socketio.server.handlers["/"])
    with open(ROOT / "circle/translations/nl/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f, locale="nl")
    drawn = (ROOT / "templates/proposals/_between.html").read_text()
    for action, step in BETWEEN.items():
        assert posts.get(PREFIX + step.path) == f"between.step_{step.name}", step.name
        assert step.name in events
        assert (ROOT / "templates" / step.template).is_file(), step.template
        assert f"{{% include steps[Action.{action.name}].template %}}" in drawn, step.name
        for text in (step.label, step.confirm):
            if text is not None:
                found = catalogue.get(text._args[0])
                assert found is not None and found.string and not found.fuzzy, text._args[0]
    orphans = {p.stem for p in (ROOT / "templates/proposals/between").glob("*.html")} - {s.name for s in BETWEEN.values()}
    assert orphans == set()


def offers(made, name: str) -> dict:
    member = made.member(name)
    proposal = db.session.get(Proposal, made.proposal_id)
    return method.available_between(between.between_facts(proposal), member.role, member.id)


def test_only_the_facilitator_opens_and_amends_unless_the_circle_lets_the_proposer(app):
    with app.app_context():
        made = samen_vooruit(guest=True)
        assert set(offers(made, "Anna")) == {Action.START_ROUND_BETWEEN}
        assert offers(made, "Anna")[Action.START_ROUND_BETWEEN] == (RoundKind.PICTURE_FORMING,)
        for name in ("Aylin", "Joost", "Fatima", "Wijkteam"):
            assert offers(made, name) == {}
        between.set_between_meetings(made.member("Anna"), Silence.NONE, True)
        assert set(offers(made, "Aylin")) == {Action.START_ROUND_BETWEEN}  # her own proposal
        assert offers(made, "Joost") == {}


def test_in_an_open_round_the_seated_answer_and_the_facilitator_may_close_it(app):
    with app.app_context():
        made = samen_vooruit(guest=True)
        rnd = between.start_round_between(made.member("Anna"), made.proposal_id, RoundKind.PICTURE_FORMING,
                                          NOW + dt.timedelta(days=3)).subject
        anna, joost, fatima = (offers(made, n) for n in ("Anna", "Joost", "Fatima"))
        assert set(anna) == {Action.CONTRIBUTE_BETWEEN, Action.CLOSE_ROUND_BETWEEN} and anna[Action.CLOSE_ROUND_BETWEEN] == (rnd,)
        assert joost == {Action.CONTRIBUTE_BETWEEN: (made.member_ids["Joost"],)}
        assert len(fatima[Action.CONTRIBUTE_BETWEEN]) == 8  # the secretary records for anyone waiting
        assert offers(made, "Wijkteam") == {}  # a guest never sits in a round
        joost_m = made.member("Joost")
        between.contribute_between(joost_m, rnd, joost_m.id, Answer.PASS)
        assert offers(made, "Joost") == {}
        with pytest.raises(RuleBroken) as refused:
            between.start_round_between(made.member("Anna"), made.proposal_id, RoundKind.OPINION_FORMING,
                                        NOW + dt.timedelta(days=3))
        assert refused.value.code == "round_open"


@pytest.mark.parametrize(("deadline", "code"), [
    (NOW, "deadline_out_of_range"),
    (NOW - dt.timedelta(days=1), "deadline_out_of_range"),
    (NOW + dt.timedelta(days=method.DEADLINE_MAX_DAYS, minutes=1), "deadline_out_of_range"),
    (NOW + dt.timedelta(days=method.DEADLINE_MAX_DAYS), None),
])
def test_a_deadline_lies_ahead_and_not_too_far(app, deadline, code):
    with app.app_context():
        made = samen_vooruit()
        try:
            between.start_round_between(made.member("Anna"), made.proposal_id, RoundKind.PICTURE_FORMING, deadline)
        except RuleBroken as refused:
            assert refused.code == code
        else:
            assert code is None


def test_the_message_names_the_longest_deadline():
    assert f"{method.DEADLINE_MAX_DAYS} days" in method.MESSAGES["deadline_out_of_range"]


def test_in_an_open_meeting_the_meeting_steers(app):
    with app.app_context():
        made = samen_vooruit()
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
        assert offers(made, "Anna") == {}
        with pytest.raises(RuleBroken) as refused:
            between.start_round_between(made.member("Anna"), made.proposal_id, RoundKind.PICTURE_FORMING,
                                        NOW + dt.timedelta(days=3))
        assert refused.value.code == "in_meeting"
