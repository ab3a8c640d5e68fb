"""What the tests of the circle method's rules share: a proposal's facts and a round's, made short, and
`breaks`, which says the rule a step must break.

tests/test_method.py and tests/test_method_rounds.py give the rules their facts this
way, so each test reads as the method tells it; tests/test_election_method.py takes `breaks` too.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from circle import method as m
from circle.method import Phase, ProposalFacts, RoundFacts, RoundKind, RoundMode, RuleBroken

IN_TURN, OPEN = RoundMode.IN_TURN, RoundMode.OPEN
CONSENT, OPINION, PICTURE = RoundKind.CONSENT, RoundKind.OPINION_FORMING, RoundKind.PICTURE_FORMING


@contextmanager
def breaks(code: str | None):
    """The block must break the rule with this code (None: the method allows it)."""
    if code is None:
        yield
        return
    with pytest.raises(RuleBroken) as info:
        yield
    assert info.value.code == code


def facts(phase: Phase, version: int = 1, **kw) -> ProposalFacts:
    return ProposalFacts(phase, version, **kw)


def start(phase, kind=CONSENT, mode=IN_TURN, reveal=False, present=5, quorum=3, **kw):
    return m.start_round(facts(phase, **kw), kind, mode, reveal, present, quorum)


def rnd(kind=CONSENT, mode=IN_TURN, seats=(1, 2, 3), answered=(), open=True):
    return RoundFacts(kind, mode, tuple(seats), frozenset(answered), open)
