"""The circle method's rules (circle/method/): who may do what, and a proposal's way through its phases.

Its rounds (who answers when and how, when a round starts and closes) are
tests/test_method_rounds.py; both give the rules their facts through tests/method_facts.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from circle import method as m
from circle.method import FINAL_PHASES, MESSAGES, PERMISSIONS, Action, MeetingStatus
from circle.method import ObjectionStatus, Phase, ProposalFacts, Role, RoundKind, RoundMode, RuleBroken
from tests.method_facts import CONSENT, OPEN, OPINION, PICTURE, breaks, facts, rnd, start

F, S, M, G = Role.FACILITATOR, Role.SECRETARY, Role.MEMBER, Role.GUEST
#: The phases a proposal (not an election: tests/test_election_method.py) may stand in before it is decided.
NOT_FINAL = [p for p in Phase if p not in FINAL_PHASES | m.ELECTION_PHASES]


# --- Messages and permissions ---------------------------------------------------------


def test_every_code_the_rules_raise_has_a_message():
    """Every literal code given to require() or RuleBroken() anywhere in Kring."""
    codes = set()
    for path in Path(m.__file__).parent.parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                arg = {"require": node.args[1:2], "RuleBroken": node.args[:1]}.get(node.func.id)
                for a in ast.walk(arg[0]) if arg else ():  # also `"stale" if x else "not_found"`
                    if isinstance(a, ast.Constant) and isinstance(a.value, str):
                        codes.add(a.value)
    assert len(codes) > 20  # the scan really found the rules
    assert codes <= set(MESSAGES)
    with pytest.raises(KeyError):  # an unknown code is a programming error, not a blank message
        RuleBroken("no_such_rule")
    assert RuleBroken("no_pass").message == MESSAGES["no_pass"]


def test_every_action_has_a_permission_entry_and_guests_neither_sit_nor_record():
    assert set(PERMISSIONS) == set(Action)
    assert G not in m.SEATED_ROLES | m.RECORDING_ROLES


#: Members mark attendance only to say "I am here" (check_attendance); recorders mark anyone.
MEMBER_MAY = {Action.WRITE_DRAFT, Action.CONTRIBUTE, Action.WITHDRAW_OBJECTION, Action.WITHDRAW,
              Action.MARK_ATTENDANCE}
#: Between meetings a member puts topics and drafts forward and carries out tasks; who exactly may
#: act on which draft or task is for the rules in method/agenda.py and method/tasks.py.
MEMBER_MAY |= {Action.PUT_FORWARD_TOPIC, Action.PUT_FORWARD, Action.TURN_INTO_DRAFT, Action.ADD_TASK,
               Action.CHANGE_TASK, Action.MARK_TASK}
#: Between meetings a member answers rounds; a proposer opens them, amends, and in an election proposes a
#: person (never themselves), where the circle allows it (method/between.py says who, beside the facilitator).
MEMBER_MAY |= {Action.CONTRIBUTE_BETWEEN, Action.START_ROUND_BETWEEN, Action.AMEND_BETWEEN,
               Action.PROPOSE_PERSON_BETWEEN}
#: In a meeting everyone seated says "ready" (for others only the recorders: method/facilitation.py).
MEMBER_MAY |= {Action.MARK_READY}
RECORDING = {Action.PLAN_MEETING, Action.PUT_ON_AGENDA, Action.CORRECT, Action.HAND_OUT_LINKS}
RECORDING |= {Action.MOVE_ON_AGENDA, Action.TAKE_OFF_AGENDA}
RECORDING |= {Action.WRITE_ELECTION}  # an election goes on an agenda as a draft (method/election.py)
#: The secretary takes the steering over when whoever steers has been away too long; they never take it
#: from themselves (docs/facilitation.md).
EXPECTED = {G: set(), M: MEMBER_MAY, S: MEMBER_MAY | RECORDING | {Action.TAKE_OVER},
            F: set(Action) - {Action.TAKE_OVER}}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_guests_only_follow_members_speak_only_the_facilitator_steers(role, action):
    allowed = action in EXPECTED[role]
    assert m.may(role, action) is allowed
    with breaks(None if allowed else "not_allowed"):
        m.check_role(role, action)


@pytest.mark.parametrize(
    ("status", "actor", "role", "code"),
    [
        (ObjectionStatus.STANDING, 1, M, None),  # its maker withdraws it, whatever their role
        (ObjectionStatus.STANDING, 1, F, None),
        (ObjectionStatus.STANDING, 2, S, None),  # the secretary records it for a phoneless maker
        (ObjectionStatus.STANDING, 2, F, "not_your_objection"),  # the facilitator never dismisses
        (ObjectionStatus.STANDING, 2, M, "not_your_objection"),
        (ObjectionStatus.WITHDRAWN, 1, M, "objection_ended"),
        (ObjectionStatus.MET, 1, M, "objection_ended"),
    ],
)
def test_only_its_maker_or_the_secretary_withdraws_an_objection(status, actor, role, code):
    assert m.may(role, Action.WITHDRAW_OBJECTION)  # the permission table lets all seats try...
    with breaks(code):  # ...the objection itself decides
        m.check_withdraw_objection(status, maker=1, actor=actor, actor_role=role)


@pytest.mark.parametrize(
    ("role", "actor", "present", "listed", "code"),
    [
        (M, 1, True, True, None),  # "I am here"
        (M, 1, False, True, "not_allowed"),  # but not "I am not here": the recorders mark absence
        (M, 2, True, True, "not_allowed"),  # nor someone else
        (G, 1, True, True, "not_allowed"),  # guests are listed by the recorders
        (S, 2, True, True, None),
        (S, 2, False, True, None),
        (F, 2, True, False, "not_a_member_then"),  # only who was a member on the meeting's date
    ],
)
def test_who_marks_whom_present(role, actor, present, listed, code):
    with breaks(code):
        m.check_attendance(role, actor, 1, present, listed)


def test_members_answer_for_themselves_the_secretary_records_for_others():
    m.check_on_behalf(M, actor=1, member=1)
    m.check_on_behalf(S, actor=2, member=1)
    with breaks("not_allowed"):
        m.check_on_behalf(M, actor=2, member=1)


def test_the_facilitator_may_record_an_answer_for_someone_without_a_phone():
    """The facilitator's console records on behalf of a member too; the record marks it."""
    m.check_on_behalf(F, actor=2, member=1)


# --- Moving a proposal on ---------------------------------------------------------------

MOVES = {
    "edit_draft": m.edit_draft,
    "put_on_agenda": m.put_on_agenda,
    "start_explanation": m.start_explanation,
    "amend": m.amend,
    "adopt": m.adopt,
    "postpone": m.postpone,
    "withdraw": lambda f: m.withdraw(f, by_proposer=True),
    **{f"round_{k}": (lambda f, k=k: start(f.phase, k, OPEN)) for k in RoundKind},
}


@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("phase", sorted(FINAL_PHASES))
def test_final_phases_never_move(phase, move):
    with breaks("final"):
        MOVES[move](facts(phase, consent_complete_version=1))


@pytest.mark.parametrize("phase", NOT_FINAL)
def test_a_draft_is_edited_explained_and_put_on_an_agenda_before_the_rounds(phase):
    before_rounds = phase in (Phase.DRAFT, Phase.POSTPONED)
    with breaks(None if before_rounds else "wrong_phase"):
        assert m.edit_draft(facts(phase)) == phase
    with breaks(None if before_rounds else "wrong_phase"):
        assert m.put_on_agenda(facts(phase)) == Phase.DRAFT
    with breaks(None if phase == Phase.DRAFT else "wrong_phase"):  # explaining is optional
        assert m.start_explanation(facts(phase)) == Phase.EXPLANATION


@pytest.mark.parametrize("phase", NOT_FINAL)
def test_the_facilitator_amends_once_the_rounds_have_started_never_mid_round(phase):
    early = phase in (Phase.DRAFT, Phase.EXPLANATION, Phase.POSTPONED)
    with breaks("wrong_phase" if early else None):
        assert m.amend(facts(phase)) == Phase.AMENDING
    with breaks("round_open"):
        m.amend(facts(phase, round_open=True))


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({}, None),
        ({"phase": Phase.INTEGRATING}, None),  # once the last objection is withdrawn
        ({"consent_complete_version": None}, "no_consent_yet"),
        ({"consent_complete_version": 1}, "no_consent_yet"),  # consent was on an older version
        ({"standing_objections": 1}, "objections_stand"),
        ({"round_open": True}, "round_open"),
        *(({"phase": p}, "wrong_phase") for p in NOT_FINAL
          if p not in (Phase.CONSENT, Phase.INTEGRATING)),
    ],
)
def test_adopt_needs_complete_consent_on_the_current_version_and_no_standing_objection(kw, code):
    f = {"phase": Phase.CONSENT, "version": 2, "consent_complete_version": 2, **kw}
    with breaks(code):
        assert m.adopt(ProposalFacts(**f)) == Phase.ADOPTED


@pytest.mark.parametrize("phase", NOT_FINAL)
def test_postpone_from_any_open_phase_even_mid_round_only_its_proposer_withdraws(phase):
    with breaks("wrong_phase" if phase == Phase.POSTPONED else None):
        assert m.postpone(facts(phase, round_open=True)) == Phase.POSTPONED
    with breaks("not_proposer"):
        m.withdraw(facts(phase), by_proposer=False)
    assert m.withdraw(facts(phase), by_proposer=True) == Phase.WITHDRAWN


def test_a_consent_round_leads_to_consent_or_integration_an_objection_is_met_by_its_maker():
    assert m.after_consent_round(0) == Phase.CONSENT
    assert m.after_consent_round(2) == Phase.INTEGRATING
    assert m.objections_met(standing_by_maker=[1, 2], consented=[2, 3]) == {2}


PLANNED, OPENED, CLOSED = MeetingStatus.PLANNED, MeetingStatus.OPEN, MeetingStatus.CLOSED


@pytest.mark.parametrize(
    ("call", "args", "status", "code"),
    [
        (m.open_meeting, [PLANNED], OPENED, None),
        (m.open_meeting, [OPENED], None, "wrong_phase"),
        (m.open_meeting, [CLOSED], None, "meeting_closed"),
        (m.close_meeting, [OPENED, False], CLOSED, None),
        (m.close_meeting, [OPENED, True], None, "round_open"),  # the last round closes first
        (m.close_meeting, [PLANNED, False], None, "meeting_not_open"),
        (m.close_meeting, [CLOSED, False], None, "meeting_not_open"),
        (m.check_meeting_open, [OPENED], None, None),  # rounds and decisions happen while open
        (m.check_meeting_open, [PLANNED], None, "meeting_not_open"),
        (m.check_meeting_open, [CLOSED], None, "meeting_closed"),
    ],
)
def test_a_meeting_is_planned_then_open_then_closed(call, args, status, code):
    with breaks(code):
        assert call(*args) == status


# --- A whole proposal, by the rules -------------------------------------------------------

#: The facilitator's usual next round.
NEXT_ROUND = {Phase.DRAFT: PICTURE, Phase.EXPLANATION: PICTURE, Phase.PICTURE_FORMING: OPINION,
              Phase.OPINION_FORMING: CONSENT, Phase.AMENDING: CONSENT}


class ProposalMachine(RuleBasedStateMachine):
    """A proposal under random actions; the model moves only where the rules answer."""

    def __init__(self):
        super().__init__()
        self.phase, self.version, self.round = Phase.DRAFT, 1, None
        self.complete_version, self.standing, self.decided = None, 0, None

    def facts(self):
        return facts(self.phase, self.version, round_open=self.round is not None,
                     consent_complete_version=self.complete_version,
                     standing_objections=self.standing)

    def attempt(self, fn, *args):
        """Apply a rule and move to its phase; None if refused. A decided proposal refuses all."""
        before = self.facts()
        try:
            self.phase = fn(before, *args)
        except RuleBroken as e:
            assert e.code == "final" or before.phase not in FINAL_PHASES
            return None
        assert before.phase not in FINAL_PHASES, f"{fn.__name__} moved a decided proposal"
        if self.phase in FINAL_PHASES:
            self.decided = self.phase
        return before

    @rule(move=st.sampled_from([m.edit_draft, m.put_on_agenda, m.start_explanation]))
    def prepare(self, move):
        self.attempt(move)

    @rule(kind=st.sampled_from(RoundKind), mode=st.sampled_from(RoundMode), reveal=st.booleans(),
          present=st.integers(0, 10), quorum=st.integers(1, 10))
    def start_round(self, kind, mode, reveal, present, quorum):
        if before := self.attempt(m.start_round, kind, mode, reveal, present, quorum):
            assert present > 0 and not before.round_open
            if kind == CONSENT:  # only after opinions or an amendment, and with quorum
                assert before.phase in (Phase.OPINION_FORMING, Phase.AMENDING)
                assert present >= quorum
            self.round = kind

    @rule()
    def facilitator_moves_on(self):
        """The usual next step (close, next round, adopt), so random runs reach decisions."""
        if self.round is not None:
            self.close_round(objections=0, met=0)
        elif kind := NEXT_ROUND.get(self.phase):
            assert self.attempt(m.start_round, kind, OPEN, False, 5, 3)
            self.round = kind
        else:
            self.adopt()

    @precondition(lambda self: self.round is not None)
    @rule(objections=st.integers(0, 1), met=st.integers(0, 1))
    def close_round(self, objections, met):
        if self.round == CONSENT:  # everyone answered; some objected, some makers now consent
            m.check_close_round(rnd(answered={1, 2, 3}))
            self.complete_version = self.version
            self.standing += objections - min(met, self.standing)
            self.phase = m.after_consent_round(objections)
        self.round = None

    @precondition(lambda self: self.standing > 0)
    @rule()
    def maker_withdraws_objection(self):
        m.check_withdraw_objection(ObjectionStatus.STANDING, maker=7, actor=7, actor_role=M)
        self.standing -= 1

    @rule()
    def amend(self):
        if self.attempt(m.amend):
            self.version += 1

    @rule()
    def adopt(self):
        f = self.facts()
        may_adopt = (f.phase in (Phase.CONSENT, Phase.INTEGRATING) and not f.round_open
                     and f.consent_complete_version == f.version and f.standing_objections == 0)
        assert bool(self.attempt(m.adopt)) == may_adopt

    @rule(by_proposer=st.sampled_from([None, True, False]))
    def postpone_or_withdraw(self, by_proposer):
        """One rule for leaving the table (None: postpone), so most runs live to a decision."""
        args = (m.postpone,) if by_proposer is None else (m.withdraw, by_proposer)
        if self.attempt(*args):
            assert by_proposer is not False, "only the proposer withdraws"
            self.round = None  # an open round about it ends unfinished

    @invariant()
    def decided_proposals_never_change_and_objections_count_up_from_zero(self):
        assert self.decided is None or self.phase == self.decided
        assert self.standing >= 0


TestProposalMachine = ProposalMachine.TestCase
TestProposalMachine.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_an_adopted_decision_comes_back_only_for_its_review():
    """Evaluatie: an adopted decision goes back on an agenda as a review; nothing else reopens it."""
    adopted = ProposalFacts(phase=Phase.ADOPTED, version=2, consent_complete_version=2)
    assert m.start_review(adopted) == Phase.REVIEW
    for phase in set(Phase) - {Phase.ADOPTED}:
        with breaks("wrong_phase"):
            m.start_review(ProposalFacts(phase=phase, version=1))
    with breaks("final"):
        m.amend(adopted)
    review = ProposalFacts(phase=Phase.REVIEW, version=2, consent_complete_version=2)
    assert m.amend(review) == Phase.AMENDING
    with breaks("wrong_phase"):  # adopted again only after a new consent round
        m.adopt(review)


def test_public_names_follow_the_circles_choice():
    assert m.public_name("Fatima El Amrani", m.NameDisplay.FULL) == "Fatima El Amrani"
    assert m.public_name("Fatima El Amrani", m.NameDisplay.FIRST) == "Fatima"
    assert m.public_name("Fatima El Amrani", m.NameDisplay.INITIALS) == "F.E.A."
