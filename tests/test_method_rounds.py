"""The circle method's rules of rounds (circle/method/): when a round may start, the seats' order and
who speaks, a skipped or late seat, what an answer may be, when a round closes and when its answers
may be seen; and that an answer's rule reads the round alone.

The rules of who may do what and of a proposal's phases are tests/test_method.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circle import method as m
from circle.method import FINAL_PHASES, Answer, MeetingStatus, Phase, Role, RoundFacts, RoundKind, RoundMode
from circle.method import RuleBroken
from tests.method_facts import CONSENT, IN_TURN, OPEN, OPINION, PICTURE, breaks, facts, rnd, start


# --- An answer, checked on the round alone ----------------------------------------------


class OnlyTheRound:
    """A meeting's facts of which a rule may read the method's ROUND_FACTS and nothing else."""

    def __init__(self, facts: m.MeetingFacts) -> None:
        self._facts = facts

    def __getattr__(self, name: str):
        assert name in m.ROUND_FACTS, f"the rule read {name}, which is not among ROUND_FACTS"
        return getattr(self._facts, name)


people = st.frozensets(st.integers(1, 5))


@settings(max_examples=300, deadline=None)
@given(action=st.sampled_from(sorted(m.ROUND_STEPS)), status=st.sampled_from(MeetingStatus),
       seated=people, present=people, role=st.sampled_from(Role), actor=st.integers(1, 5),
       target=st.integers(1, 5), answer=st.sampled_from(Answer),
       round_facts=st.none() | st.builds(RoundFacts, st.sampled_from(RoundKind), st.sampled_from(RoundMode),
                                         st.lists(st.integers(1, 5), unique=True).map(tuple), people,
                                         st.booleans(), st.booleans()))
def test_a_step_about_the_open_round_reads_only_the_rounds_facts(action, status, seated, present, role, actor,
                                                                 target, answer, round_facts):
    """An answer is checked on ROUND_FACTS alone (circle/facts.py reads no more for it:
    docs/performance/statements.md, "An answer checked on the round alone"), so its rule, and the check of
    the answer itself, must not read anything else: the proposal, the agenda, who steers and the ready
    check keep their defaults then, and would be wrong."""
    facts = OnlyTheRound(m.MeetingFacts(status=status, listed=seated | present, seated=seated, present=present,
                                        round=round_facts))
    try:
        m.check_step(facts, role, actor, action, target)
        m.check_contribution(facts.round, target, answer, "Ja.", reason="Ja.", candidates=facts.seated)
    except RuleBroken:
        pass


# --- Starting rounds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "quorum", "needed"),
    [(10, None, 6), (9, None, 5), (2, None, 2), (1, None, 1), (0, None, 1),  # more than half
     (10, 4, 4), (10, 12, 10), (10, 0, 1)],  # the circle's own, between one and everyone
)
def test_quorum_default_is_more_than_half(members, quorum, needed):
    assert m.quorum_needed(members, quorum) == needed


#: DESIGN's order: picture-forming after the draft or its explanation (or again); opinions
#: after picture-forming, again, or after amending; consent after opinions or an amendment.
EXPECTED_STARTS = {
    PICTURE: {Phase.DRAFT, Phase.EXPLANATION, Phase.PICTURE_FORMING, Phase.REVIEW},
    OPINION: {Phase.PICTURE_FORMING, Phase.OPINION_FORMING, Phase.AMENDING, Phase.REVIEW},
    CONSENT: {Phase.OPINION_FORMING, Phase.AMENDING},
}


@pytest.mark.parametrize("kind", list(RoundKind))
@pytest.mark.parametrize("phase", list(Phase))
def test_a_round_starts_exactly_where_the_method_allows_and_names_the_phase(phase, kind):
    if phase in EXPECTED_STARTS.get(kind, ()):
        assert start(phase, kind, OPEN) == Phase(kind.value)
    else:  # opening and closing rounds are about the meeting, never a proposal; nominations an election's
        code = "wrong_phase" if kind not in m.ELECTION_ROUNDS else "not_an_election"
        with breaks("final" if phase in FINAL_PHASES else code):
            start(phase, kind, OPEN)


def test_after_objections_only_a_new_version_gets_a_consent_round():
    with breaks("wrong_phase"):
        start(Phase.INTEGRATING)
    assert start(m.amend(facts(Phase.INTEGRATING))) == Phase.CONSENT


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"present": 2, "quorum": 3}, "no_quorum"),  # a consent round cannot start without quorum
        ({"present": 3, "quorum": 3}, None),
        ({"kind": OPINION, "present": 1, "quorum": 6}, None),  # other rounds need no quorum
        ({"present": 0, "quorum": 0}, "nobody_present"),
        ({"round_open": True}, "round_open"),  # one round at a time
        ({"mode": OPEN, "reveal": True}, None),  # simultaneous reveal: an open consent round...
        ({"mode": IN_TURN, "reveal": True}, "reveal_needs_open"),
        ({"kind": OPINION, "mode": OPEN, "reveal": True}, "reveal_needs_open"),  # ...only
    ],
)
def test_starting_a_round_needs_people_quorum_for_consent_and_reveal_only_open(kw, code):
    with breaks(code):
        start(Phase.OPINION_FORMING, **kw)


@pytest.mark.parametrize("kind", list(RoundKind))
def test_opening_and_closing_rounds_are_about_the_meeting(kind):
    if kind not in (RoundKind.OPENING, RoundKind.CLOSING):
        with breaks("wrong_phase"):
            m.start_meeting_round(kind, round_open=False, present=3)
        return
    m.start_meeting_round(kind, round_open=False, present=3)
    with breaks("round_open"):
        m.start_meeting_round(kind, round_open=True, present=3)
    with breaks("nobody_present"):
        m.start_meeting_round(kind, round_open=False, present=0)


# --- Rounds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starter", "clockwise", "order"),
    [(3, True, [3, 4, 5, 1, 2]), (3, False, [3, 2, 1, 5, 4]),
     (None, True, [1, 2, 3, 4, 5]), (9, True, [1, 2, 3, 4, 5])],  # 9 is not present
)
def test_seat_order_from_the_starter_either_way_round(starter, clockwise, order):
    assert m.seat_order([1, 2, 3, 4, 5], starter, clockwise) == order


def test_in_turn_the_first_still_to_answer_speaks_open_rounds_have_no_speaker():
    assert rnd(answered={1}).current_speaker == 2
    assert rnd(mode=OPEN).current_speaker is None
    assert rnd(answered={1, 2, 3}).current_speaker is None


@pytest.mark.parametrize(
    ("r", "code"),
    [(rnd(answered={1}), None), (rnd(mode=OPEN), "wrong_phase"),  # open rounds have no turns
     (rnd(answered={1, 2, 3}), "wrong_phase"), (rnd(open=False), "no_round")],
)
def test_a_skipped_speaker_comes_back_at_the_end(r, code):
    with breaks(code):
        seats = m.skip(r)
        assert seats == (1, 3, 2)
        assert rnd(seats=seats, answered={1}).waiting == [3, 2]


@pytest.mark.parametrize(
    ("r", "member", "present", "code"),
    [(rnd(answered={1, 2, 3}), 4, True, None), (rnd(), 4, False, "not_present"),
     (rnd(), 2, True, "already_seated"), (rnd(open=False), 4, True, "no_round")],
)
def test_a_late_arrival_is_added_openly_at_the_end_of_the_order_and_must_answer(
    r, member, present, code
):
    with breaks(code):
        seats = m.add_seat(r, member, present)
        assert seats == (1, 2, 3, 4)
        assert not rnd(seats=seats, answered=r.answered).complete


@pytest.mark.parametrize(
    ("r", "member", "answer", "reason", "code"),
    [
        (rnd(), 1, Answer.PASS, "", "no_pass"),  # no pass in a consent round
        (rnd(), 1, Answer.SPEAK, "", "consent_only"),
        (rnd(), 1, Answer.OBJECTION, "", "reason_required"),  # an objection needs a reason
        (rnd(), 1, Answer.OBJECTION, "  \n", "reason_required"),
        (rnd(), 1, Answer.OBJECTION, "It blocks the footpath.", None),
        (rnd(), 1, Answer.CONSENT, "", None),  # consent needs no remark
        (rnd(open=False), 1, Answer.CONSENT, "", "no_round"),
        (rnd(), 9, Answer.CONSENT, "", "not_seated"),  # e.g. a guest, or a late arrival not added
        (rnd(answered={1}), 1, Answer.CONSENT, "", "already_answered"),
        (rnd(), 2, Answer.CONSENT, "", "not_your_turn"),
        (rnd(mode=OPEN), 3, Answer.CONSENT, "", None),  # open round: anyone seated, any order
    ],
)
def test_in_a_consent_round_each_seat_consents_or_objects_with_a_reason(
    r, member, answer, reason, code
):
    with breaks(code):
        m.check_contribution(r, member, answer, "", reason)


@pytest.mark.parametrize("kind", [k for k in RoundKind if k != CONSENT and k not in m.ELECTION_ROUNDS])
def test_outside_a_consent_round_you_speak_or_pass(kind):
    m.check_contribution(rnd(kind), 1, Answer.PASS, "")
    m.check_contribution(rnd(kind), 1, Answer.SPEAK, "What does it cost?")
    with breaks("text_required"):
        m.check_contribution(rnd(kind), 1, Answer.SPEAK, "  ")
    for answer in (Answer.CONSENT, Answer.OBJECTION):
        with breaks("no_consent_here"):
            m.check_contribution(rnd(kind), 1, answer, "", "reason")
    with breaks("nominate_only_in_election"):  # an election's rounds: tests/test_election_method.py
        m.check_contribution(rnd(kind), 1, Answer.NOMINATE, "Zij kan het.", nominee=2, candidates={1, 2})


def test_a_consent_round_closes_only_when_everyone_answered_others_may_close_early():
    with breaks("round_incomplete"):
        m.check_close_round(rnd(answered={1, 2}))
    m.check_close_round(rnd(answered={1, 2, 3}))
    m.check_close_round(rnd(OPINION, answered={1}))
    with breaks("no_round"):
        m.check_close_round(rnd(OPINION, open=False))


def test_answers_hidden_until_complete_with_reveal():
    assert m.answers_visible(reveal=False, complete=False)
    assert not m.answers_visible(reveal=True, complete=False)
    assert m.answers_visible(reveal=True, complete=True)
    # A round that ended unfinished (its proposal postponed) shows what was given: the record holds it.
    assert m.answers_visible(reveal=True, complete=False, open=False)
    assert not RoundFacts(CONSENT, OPEN, (1, 2), frozenset({1}), open=True, reveal=True).visible
