"""The rules of an election (circle/method/election.py), and the steps through the application layer.

The whole election through the real server with phones is tests/test_election.py;
here the method's answers one by one, and what the actions store and refuse.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from circle import between, elections, meetings, method, proposals, roles, rounds
from circle.deadlines import close_due_rounds
from circle.extensions import db
from circle.facts import waits_for_meeting
from circle.method import Answer, Phase, ProposalFacts, Role, RoleKind, RoundFacts, RoundKind, RoundMode
from circle.models import Circle, LogEntry, Member, Proposal, RoleTerm, Round, Seat
from circle.read.elections import election_view
from circle.read.rounds import round_view
from tests.days import NOW, days
from tests.method_facts import breaks
from tests.scenario import PEOPLE, samen_vooruit

NOMINATION, CHANGE, CONSENT = RoundKind.NOMINATION, RoundKind.CHANGE_NOMINATION, RoundKind.CONSENT
IN_TURN, OPEN = RoundMode.IN_TURN, RoundMode.OPEN


def election(phase: Phase, **kw) -> ProposalFacts:
    return ProposalFacts(phase, kw.pop("version", 1), election=True, **kw)


# --- The method's rules, one by one -----------------------------------------------------------


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("kind", [NOMINATION, CHANGE])
def test_nomination_rounds_start_where_an_election_allows(kind, phase):
    allowed = method.ELECTION_STARTS[kind]
    code = "final" if phase in method.FINAL_PHASES else None if phase in allowed else "wrong_phase"
    with breaks(code):
        assert method.start_round(election(phase), kind, OPEN, False, 5, 3) == Phase(kind.value)


def test_a_proposal_never_gets_a_nomination_round_and_an_election_no_picture_or_opinion_round():
    with breaks("not_an_election"):
        method.start_round(ProposalFacts(Phase.DRAFT, 1), NOMINATION, OPEN, False, 5, 3)
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
        with breaks("not_in_election"):
            method.start_round(election(Phase.DRAFT), kind, IN_TURN, False, 5, 3)


def test_a_nomination_round_may_be_held_in_turn_and_needs_no_reveal_flag():
    """The action always hides nominations; the facilitator's choice of mode stands."""
    assert method.start_round(election(Phase.DRAFT), NOMINATION, IN_TURN, False, 5, 3) == Phase.NOMINATION
    assert method.start_round(election(Phase.DRAFT), NOMINATION, IN_TURN, True, 5, 3) == Phase.NOMINATION
    with breaks("reveal_needs_open"):  # the change round is heard openly
        method.start_round(election(Phase.NOMINATION), CHANGE, IN_TURN, True, 5, 3)


def test_consent_on_an_election_only_once_a_person_is_proposed():
    with breaks("no_nominee"):
        method.start_round(election(Phase.AMENDING), CONSENT, OPEN, False, 5, 3)
    assert method.start_round(election(Phase.AMENDING, nominee=7), CONSENT, OPEN, False, 5, 3) == Phase.CONSENT
    with breaks("no_nominee"):
        method.check_consent_round(None, {1, 7})
    with breaks("nominee_absent"):
        method.check_consent_round(7, {1, 2})
    method.check_consent_round(7, {1, 7})


@pytest.mark.parametrize("phase", [p for p in Phase if p not in method.FINAL_PHASES])
def test_the_facilitator_proposes_a_person_after_the_nominations_never_mid_round(phase):
    facts = election(phase, nominations_held=True)
    with breaks(None if phase in method.PROPOSABLE else "wrong_phase"):
        assert method.propose_person(facts) == Phase.AMENDING
    with breaks("round_open"):
        method.propose_person(election(phase, nominations_held=True, round_open=True))
    with breaks("nominations_first"):
        method.propose_person(election(phase))
    with breaks("not_an_election"):
        method.propose_person(ProposalFacts(phase, 1, nominations_held=True))


def test_an_election_is_not_amended_edited_or_reviewed_and_adopted_only_with_a_person():
    with breaks("election_amend"):
        method.amend(election(Phase.INTEGRATING))
    with breaks("election_amend"):
        method.edit_draft(election(Phase.DRAFT))
    with breaks("election_no_review"):
        method.start_review(election(Phase.ADOPTED))
    done = {"consent_complete_version": 2, "version": 2}
    with breaks("no_nominee"):
        method.adopt(election(Phase.CONSENT, **done))
    assert method.adopt(election(Phase.CONSENT, nominee=7, **done)) == Phase.ADOPTED


def test_everyone_nominates_someone_in_the_circle_with_a_reason_in_the_first_round():
    rnd = RoundFacts(NOMINATION, OPEN, seats=(1, 2, 3), answered=frozenset(), reveal=True)
    seated = frozenset({1, 2, 3})
    method.check_contribution(rnd, 1, Answer.NOMINATE, "Zij houdt overzicht.", "Zij houdt overzicht.", 2, seated)
    method.check_contribution(rnd, 1, Answer.NOMINATE, "Ik wil het graag.", "Ik wil het graag.", 1, seated)
    with breaks("nomination_reason_required"):
        method.check_contribution(rnd, 1, Answer.NOMINATE, " ", " ", 2, seated)
    with breaks("nominee_unknown"):
        method.check_contribution(rnd, 1, Answer.NOMINATE, "Ja.", "Ja.", 9, seated)
    with breaks("nominee_unknown"):
        method.check_contribution(rnd, 1, Answer.NOMINATE, "Ja.", "Ja.", None, seated)
    for answer in (Answer.SPEAK, Answer.PASS, Answer.CONSENT):
        with breaks("nominate_here"):
            method.check_contribution(rnd, 1, answer, "Ja.", "Ja.", 2, seated)
    change = RoundFacts(CHANGE, IN_TURN, seats=(1, 2, 3), answered=frozenset())
    method.check_contribution(change, 1, Answer.NOMINATE, "", "", 3, seated)  # a reason is welcome, not needed


def test_the_nominee_answers_last_in_turn_whoever_starts_and_in_an_open_round_after_everyone():
    assert method.last_at_end((7, 1, 2), 7) == (1, 2, 7)
    assert method.last_at_end((1, 2), 7) == (1, 2)
    in_turn = RoundFacts(CONSENT, IN_TURN, seats=(1, 2, 7), answered=frozenset({1}), last=7)
    assert method.skip(in_turn) == (1, 2, 7)  # the speaker skipped comes back last, before the nominee
    assert method.add_seat(in_turn, 5, True) == (1, 2, 5, 7)  # a late arrival too
    open_round = RoundFacts(CONSENT, OPEN, seats=(1, 2, 7), answered=frozenset({1}), last=7)
    with breaks("nominee_last"):
        method.check_turn(open_round, 7)
    method.check_turn(open_round, 2)
    method.check_turn(RoundFacts(CONSENT, OPEN, seats=(1, 2, 7), answered=frozenset({1, 2}), last=7), 7)


def test_each_members_latest_nomination_counts():
    assert method.latest_nominations([[(1, 2), (2, 2), (3, 1)], [(1, None), (2, 3)]]) == {1: 2, 2: 3, 3: 1}


# --- Through the application layer --------------------------------------------------------------


@pytest.fixture
def circle(app):
    with app.app_context():
        made = samen_vooruit()
        role = roles.method_role(db.session.get(Circle, made.circle_id), RoleKind.FACILITATOR)
        db.session.commit()
        made.role_id = role.id
        yield made


def _log(made) -> int:
    return db.session.scalar(sa.select(sa.func.count(LogEntry.id)).where(LogEntry.circle_id == made.circle_id))


def test_write_election_makes_a_draft_naming_the_role_and_the_term(circle):
    anna = circle.member("Anna")
    done = elections.write_election(anna, circle.role_id, days(8), days(372), note="Anna stopt na dit jaar.")
    proposal = db.session.get(Proposal, done.subject)
    assert (proposal.kind, proposal.phase, proposal.role_id) == (method.ProposalKind.ELECTION, Phase.DRAFT,
                                                                 circle.role_id)
    assert (proposal.latest.term_from, proposal.latest.term_until, proposal.latest.nominee_id) == (
        days(8), days(372), None)
    entry = db.session.scalar(sa.select(LogEntry).order_by(LogEntry.id.desc()).limit(1))
    assert entry.action == "write_election"
    before = _log(circle)
    for args, code in [((days(8), days(8)), "term_ends_before"), ((days(8), days(8 + 365 * 4)), "term_too_long"),
                       ((days(8), days(372)), "election_running")]:
        with breaks(code):
            elections.write_election(anna, circle.role_id, *args)
    with breaks("not_allowed"):
        elections.write_election(circle.member("Joost"), circle.role_id, days(8), days(372))
    assert _log(circle) == before  # nothing stored on a refusal


def test_between_meetings_an_election_has_its_own_rounds_is_never_reworded_and_silence_gives_no_role(circle):
    """Between meetings (docs/between-meetings.md, "Elections"): a nomination round and no picture-forming,
    opinion or consent round before a person is proposed; never amended as wording; nobody proposes
    themselves; silence never counts as consent, whatever the circle decided."""
    anna = circle.member("Anna")
    pid = elections.write_election(anna, circle.role_id, days(8), days(372)).subject
    between.set_between_meetings(anna, method.Silence.ALL, False)
    before = _log(circle)
    deadline = NOW + dt.timedelta(days=3)
    for kind, code in ((RoundKind.PICTURE_FORMING, "not_in_election"), (RoundKind.OPINION_FORMING, "not_in_election"),
                       (CONSENT, "no_nominee"), (CHANGE, "wrong_phase")):
        with breaks(code):
            between.start_round_between(anna, pid, kind, deadline)
    with breaks("election_amend"):
        between.amend_between(anna, pid, proposals.Wording("Verkiezing", "Wie?"), "", None)
    with breaks("nominations_first"):
        elections.propose_person_between(anna, pid, circle.member_ids["Fatima"])
    assert _log(circle) == before
    proposal = db.session.get(Proposal, pid)
    offered = method.available_between(between.between_facts(proposal), Role.FACILITATOR, anna.id)
    assert offered == {method.Action.START_ROUND_BETWEEN: (NOMINATION,)}

    rnd = between.start_round_between(anna, pid, NOMINATION, deadline).subject
    assert db.session.get(Round, rnd).reveal and not db.session.get(Round, rnd).silence_counts
    for name, _ in PEOPLE:
        who = circle.member(name)
        between.contribute_between(who, rnd, who.id, Answer.NOMINATE, "Zij luistert goed.",
                                   nominee_id=circle.member_ids["Fatima"])
    assert db.session.get(Round, rnd).ended == method.RoundEnd.COMPLETE  # the last nomination closed it
    with breaks("propose_self"):
        elections.propose_person_between(anna, pid, anna.id)
    elections.propose_person_between(anna, pid, circle.member_ids["Fatima"])
    rnd = between.start_round_between(anna, pid, CONSENT, deadline).subject
    assert db.session.get(Round, rnd).silence_counts is False  # the circle's "all" does not reach an election


def test_a_nomination_round_closed_early_shows_whoever_nominated_and_a_silent_consent_round_waits_as_proposed(
        circle, frozen_clock):
    """Closed early, a nomination round shows what was nominated, in seat order; a consent round whose deadline
    passes with answers missing leaves the election as proposed, waiting for a meeting that takes it up so."""
    anna, ids = circle.member("Anna"), circle.member_ids
    pid = elections.write_election(anna, circle.role_id, days(8), days(372)).subject
    rnd = between.start_round_between(anna, pid, NOMINATION, NOW + dt.timedelta(days=3)).subject
    for name in ("Kees", "Joost", "Dewi"):
        who = circle.member(name)
        between.contribute_between(who, rnd, who.id, Answer.NOMINATE, f"{name}: zij kan het.", nominee_id=ids["Fatima"])
    proposal = db.session.get(Proposal, pid)
    assert election_view(proposal).tally == []  # hidden while the round waits for the others
    between.close_round_between(anna, rnd)
    seen = round_view(db.session.get(Round, rnd))
    assert [c.member.name for c in seen.in_seat_order] == [n for n, _ in PEOPLE if n in ("Kees", "Joost", "Dewi")]
    assert [(line.nominee.name, len(line.by)) for line in election_view(proposal).tally] == [("Fatima", 3)]

    elections.propose_person_between(anna, pid, ids["Fatima"])
    rnd = between.start_round_between(anna, pid, CONSENT, NOW + dt.timedelta(days=3)).subject
    joost = circle.member("Joost")
    between.contribute_between(joost, rnd, joost.id, Answer.CONSENT)
    with frozen_clock.later(days=4):
        [closed] = close_due_rounds()  # the scenario's meeting was today: none is planned ahead
        proposal = db.session.get(Proposal, pid)
        assert (proposal.phase, waits_for_meeting(proposal)) == (Phase.AMENDING, True)
        meeting = meetings.plan_meeting(anna, "Kernteam december", days(21)).subject
        proposals.put_on_agenda(anna, pid, meeting)
        assert db.session.get(Proposal, pid).phase == Phase.AMENDING  # the meeting holds its consent round at once
    assert db.session.scalar(sa.select(sa.func.count(RoleTerm.id)).where(RoleTerm.proposal_id == pid)) == 0


def test_where_the_circle_lets_proposers_steer_the_secretary_who_wrote_it_proposes_anyone_but_herself(circle):
    anna, fatima, ids = circle.member("Anna"), circle.member("Fatima"), circle.member_ids
    pid = elections.write_election(fatima, circle.role_id, days(8), days(372)).subject
    with breaks("not_allowed"):
        between.start_round_between(fatima, pid, NOMINATION, NOW + dt.timedelta(days=3))
    between.set_between_meetings(anna, method.Silence.NONE, True)
    rnd = between.start_round_between(fatima, pid, NOMINATION, NOW + dt.timedelta(days=3)).subject
    for name, _ in PEOPLE:
        who = circle.member(name)
        between.contribute_between(who, rnd, who.id, Answer.NOMINATE, "Hij kan het.", nominee_id=ids["Joost"])
    before = _log(circle)
    with breaks("propose_self"):
        elections.propose_person_between(fatima, pid, fatima.id)
    with breaks("not_allowed"):  # Joost neither wrote it nor steers
        elections.propose_person_between(circle.member("Joost"), pid, ids["Kees"])
    assert _log(circle) == before
    elections.propose_person_between(fatima, pid, ids["Joost"], term_until=days(189))
    version = db.session.get(Proposal, pid).latest
    assert (version.nominee_id, version.term_from, version.term_until) == (ids["Joost"], days(8), days(189))


def test_silence_never_counts_in_an_election_and_its_missing_answers_send_it_to_a_meeting_as_proposed():
    assert method.silence_covers(method.Silence.ALL, False)
    assert not method.silence_covers(method.Silence.ALL, False, election=True)
    facts = election(Phase.CONSENT, version=3, nominee=7, nominations_held=True)
    end = method.closing(CONSENT, facts, method.RoundEnd.DEADLINE, 7, 8, 0, True, 5)
    assert (end.phase, end.adopted, end.silence_as_consent, end.to_meeting) == (Phase.AMENDING, False, False, True)
    assert method.closing(CONSENT, facts, method.RoundEnd.COMPLETE, 8, 8, 0, False, 5).adopted
    with breaks("propose_self"):
        method.check_not_oneself(7, 7)
    method.check_not_oneself(1, 7)


def test_an_election_runs_through_the_application_layer_and_gives_the_role(circle, frozen_clock):
    """Nominations hidden and in seat order, a change kept, the nominee last, a shorter term, the role given."""
    anna, mid = circle.member("Anna"), circle.meeting_id
    pid = elections.write_election(anna, circle.role_id, days(8), days(372)).subject
    proposals.put_on_agenda(anna, pid, mid)
    meetings.open_meeting(anna, mid)
    for name, _ in PEOPLE:
        meetings.mark_attendance(anna, mid, circle.member_ids[name], True)
    meetings.take_up(anna, mid, pid)
    fatima = circle.member_ids["Fatima"]
    with breaks("nominations_first"):
        elections.propose_person(anna, mid, pid, fatima)
    with breaks("not_in_election"):
        rounds.start_round(anna, mid, RoundKind.PICTURE_FORMING, proposal_id=pid)
    rounds.start_round(anna, mid, NOMINATION, OPEN, proposal_id=pid)
    rnd = db.session.scalar(sa.select(Round).order_by(Round.id.desc()).limit(1))
    assert rnd.reveal  # always hidden until all have nominated
    for name, _ in PEOPLE:
        who = circle.member(name)
        nominee = circle.member_ids["Joost" if name == "Fatima" else "Fatima"]
        rounds.contribute(who, mid, who.id, Answer.NOMINATE, f"Omdat {name} het zo ziet.", nominee_id=nominee)
    rounds.close_round(anna, mid)
    rounds.start_round(anna, mid, CHANGE, IN_TURN, proposal_id=pid)
    for name, _ in PEOPLE:
        who = circle.member(name)
        rounds.contribute(who, mid, who.id, Answer.NOMINATE, "")  # everyone keeps their nomination
    change = db.session.scalar(sa.select(Round).order_by(Round.id.desc()).limit(1))
    kept = {c.member_id: c.nominee_id for c in change.contributions}
    assert kept[fatima] == circle.member_ids["Joost"] and kept[anna.id] == fatima
    rounds.close_round(anna, mid)
    elections.propose_person(anna, mid, pid, fatima)
    rounds.start_round(anna, mid, CONSENT, IN_TURN, proposal_id=pid, starter_id=fatima)
    consent = db.session.scalar(sa.select(Round).order_by(Round.id.desc()).limit(1))
    order = [s.member_id for s in sorted(consent.seats, key=lambda s: s.position)]
    assert order[-1] == fatima and order[0] == circle.member_ids["Joost"]  # the nominee last, whoever starts
    rounds.skip_speaker(anna, mid)  # Joost skipped: comes back last, before the nominee
    order = [s.member_id for s in db.session.scalars(sa.select(Seat).where(Seat.round_id == consent.id)
                                                      .order_by(Seat.position))]
    assert order[-2:] == [circle.member_ids["Joost"], fatima]
    for member_id in order:
        who = db.session.get(Member, member_id)
        if who.name == "Dewi":
            rounds.contribute(who, mid, who.id, Answer.OBJECTION, "Een jaar is te lang om te overzien.",
                                workable="Een half jaar")
        else:
            rounds.contribute(who, mid, who.id, Answer.CONSENT, "")
    rounds.close_round(anna, mid)
    assert db.session.get(Proposal, pid).phase == Phase.INTEGRATING
    elections.propose_person(anna, mid, pid, fatima, term_until=days(8 + 181), note="Een half jaar.")
    rounds.start_round(anna, mid, CONSENT, OPEN, proposal_id=pid)
    with breaks("nominee_last"):
        rounds.contribute(db.session.get(Member, fatima), mid, fatima, Answer.CONSENT, "")
    for member_id in order:
        if member_id != fatima:
            who = db.session.get(Member, member_id)
            rounds.contribute(who, mid, who.id, Answer.CONSENT, "")
    rounds.contribute(db.session.get(Member, fatima), mid, fatima, Answer.CONSENT, "Graag.")
    rounds.close_round(anna, mid)
    proposals.adopt(anna, mid, pid)
    proposal = db.session.get(Proposal, pid)
    assert proposal.phase == Phase.ADOPTED
    term = roles_term(pid)
    assert (term.person_id, term.held_from, term.held_until) == (db.session.get(Member, fatima).person_id, days(8),
                                                                days(189))
    assert db.session.get(Member, fatima).role == method.Role.SECRETARY  # until her term begins
    with frozen_clock.later(days=8):
        roles.begin_due_terms()  # the tick, on the term's first day (circle/roles.py)
        assert db.session.get(Member, fatima).role == method.Role.FACILITATOR
    entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.action == "adopt").order_by(LogEntry.id.desc()))
    chosen = json.loads(entry.data)["election"]
    assert (chosen["person"]["name"], chosen["role"]["kind"], chosen["from"], chosen["until"]) == (
        "Fatima", "facilitator", days(8).isoformat(), days(189).isoformat())


def roles_term(proposal_id: int) -> RoleTerm:
    return db.session.scalar(sa.select(RoleTerm).where(RoleTerm.proposal_id == proposal_id))
