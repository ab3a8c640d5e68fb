"""Random people doing random things never bring a meeting where the method forbids.

The meeting's agenda holds a proposal and an election for the facilitator's role
(docs/roles-and-elections.md); the facilitator turns from one to the other, and
everyone may try anything on either: nominations, proposing a person, consent.

A hypothesis state machine drives the real application layer on a real SQLite
file: any member, of any role, tries any action with any arguments. Refusals
are fine and must change nothing; after every step the invariants of the
method must hold for what is stored. And what the pages offer is what the
actions accept: before each step the rule that decides which buttons show
(`method.check_step`, behind `method.available`) is asked too; a step it
refuses is refused by the action with the same code, and a step the action
takes is one it allowed.
"""

from __future__ import annotations


import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import datetime as dt

from circle import clock, elections, facilitation, facts, meetings, method, proposals, record, roles, rounds
from circle.extensions import db
from circle.method import (
    ELECTION_ROUNDS, MEETING_ROUNDS, Action, Answer, ObjectionStatus, Phase, RoleKind, RoundKind, RoundMode,
    RuleBroken,
)
from circle.models import (
    Circle, Contribution, Meeting, Member, Objection, Proposal, ProposalVersion, ReadyMark, RoleTerm, Round,
    RoundStatus,
)
from tests.scenario import PEOPLE, samen_vooruit
from tests.days import days

NAMES = [name for name, _ in PEOPLE] + ["Wijkteam"]
texts = st.sampled_from(["", "  ", "Goed idee.", "Wie geeft er water?"])


class Meeting_(RuleBasedStateMachine):
    """One circle, one meeting, one proposal; everyone may try anything."""

    app = None  # set by the test below
    #: Phases the proposal and the election reached over all runs: the test checks the deep ones were reached.
    phases_seen: set[Phase] = set()
    election_phases_seen: set[Phase] = set()

    def __init__(self):
        super().__init__()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.made = samen_vooruit(guest=True)
        anna = self.made.member("Anna")
        role = roles.method_role(db.session.get(Circle, self.made.circle_id), RoleKind.FACILITATOR)
        db.session.commit()
        self.election_id = elections.write_election(anna, role.id, days(8), days(372)).subject
        proposals.put_on_agenda(anna, self.election_id, self.made.meeting_id)
        self.on_election = False
        self.refused = 0
        self.done = 0

    def teardown(self):
        db.session.remove()
        self.ctx.pop()

    # --- helpers -------------------------------------------------------------

    def who(self, name):
        return self.made.member(name)

    def steerer(self) -> Member:
        """Whoever steers the meeting now: Anna, unless it was handed over or taken over."""
        meeting = db.session.get(Meeting, self.made.meeting_id)
        return db.session.get(Member, min(facts.steerer_ids(meeting), default=self.made.member_ids["Anna"]))

    @property
    def pid(self) -> int:
        """The item the facilitator works on now: the proposal, or the election."""
        return self.election_id if self.on_election else self.made.proposal_id

    def predicted(self, step, actor) -> str | None:
        """What the pages' rule says of this step now: None (offered) or the code it is refused with."""
        if step is None:
            return None
        action, target, proposal_id, details = step
        meeting = db.session.get(Meeting, self.made.meeting_id)
        found = facts.meeting_facts(meeting, proposal_id)
        try:
            method.check_step(found, facts.meeting_role(actor, meeting), actor.id, action, target, **details)
        except RuleBroken as refused:
            return refused.code
        finally:
            db.session.rollback()
        return None

    def attempt(self, action, *args, step=None, **kwargs):
        """Run an action; a refusal must leave the log and the meeting version untouched.

        `step` is (Action, target, proposal_id, details) to compare with what the pages would offer.
        """
        circle = db.session.get(Circle, self.made.circle_id)
        before = (circle.log_length, db.session.get(Meeting, self.made.meeting_id).version)
        offered = self.predicted(step, args[0]) if step else None
        try:
            action(*args, **kwargs)
        except RuleBroken as refused:
            self.refused += 1
            db.session.expire_all()
            circle = db.session.get(Circle, self.made.circle_id)
            after = (circle.log_length, db.session.get(Meeting, self.made.meeting_id).version)
            assert after == before, "a refused action changed something"
            if offered is not None:
                assert refused.code == offered, (step, refused.code, offered)
        else:
            self.done += 1
            assert offered is None, f"{step} was taken although the pages' rule refuses it: {offered}"
            self.phases_seen.add(db.session.get(Proposal, self.made.proposal_id).phase)
            self.election_phases_seen.add(db.session.get(Proposal, self.election_id).phase)

    # --- rules: anyone tries anything ----------------------------------------

    @rule(actor=st.sampled_from(NAMES))
    def open_meeting(self, actor):
        self.attempt(meetings.open_meeting, self.who(actor), self.made.meeting_id,
                     step=(Action.OPEN_MEETING, None, None, {}))

    @rule(actor=st.sampled_from(NAMES), member=st.sampled_from(NAMES), present=st.booleans())
    def attendance(self, actor, member, present):
        self.attempt(meetings.mark_attendance, self.who(actor), self.made.meeting_id,
                     self.made.member_ids[member], present,
                     step=(Action.MARK_ATTENDANCE, self.made.member_ids[member], None, {"present": present}))

    @rule(election=st.booleans())
    def turn_to(self, election):
        """The facilitator turns to the election or to the proposal (the rounds and steps below are about it)."""
        self.on_election = election

    @rule(actor=st.sampled_from(NAMES))
    def explanation(self, actor):
        pid = self.pid
        self.attempt(meetings.start_explanation, self.who(actor), self.made.meeting_id, pid,
                     step=(Action.START_EXPLANATION, pid, pid, {}))

    @rule(actor=st.sampled_from(NAMES), kind=st.sampled_from(RoundKind), mode=st.sampled_from(RoundMode),
          reveal=st.booleans(), about=st.booleans())
    def start_round(self, actor, kind, mode, reveal, about):
        pid = self.pid if about else None
        step = (Action.START_ROUND, kind, pid, {"mode": mode, "reveal": reveal})
        self.attempt(rounds.start_round, self.who(actor), self.made.meeting_id, kind, mode,
                     proposal_id=pid, reveal=reveal, step=step if about or kind in MEETING_ROUNDS else None)

    @rule(actor=st.sampled_from(NAMES), member=st.sampled_from(NAMES), answer=st.sampled_from(Answer),
          text=texts, nominee=st.none() | st.sampled_from(NAMES))
    def contribute(self, actor, member, answer, text, nominee):
        self.attempt(rounds.contribute, self.who(actor), self.made.meeting_id,
                     self.made.member_ids[member], answer, text, workable="Een waterploeg",
                     nominee_id=self.made.member_ids[nominee] if nominee else None,
                     step=(Action.CONTRIBUTE, self.made.member_ids[member], None, {}))

    @rule(actor=st.sampled_from(NAMES), nominee=st.sampled_from(NAMES), shorter=st.booleans())
    def propose_person(self, actor, nominee, shorter):
        nominee_id = self.made.member_ids[nominee]
        self.attempt(elections.propose_person, self.who(actor), self.made.meeting_id, self.pid, nominee_id,
                     term_until=days(190) if shorter else None,
                     step=(Action.PROPOSE_PERSON, self.pid, self.pid, {"nominee": nominee_id}))

    # --- rules that move a meeting on, so deep states are reached too --------

    @rule()
    def everyone_here(self):
        for name, _ in PEOPLE:
            self.attempt(meetings.mark_attendance, self.steerer(), self.made.meeting_id,
                         self.made.member_ids[name], True)

    @rule(answer=st.sampled_from(Answer), text=texts)
    def next_in_turn_answers(self, answer, text):
        rnd = facts.open_round(db.session.get(Meeting, self.made.meeting_id))
        if rnd is None:
            return
        waiting = facts.round_facts(rnd).waiting
        if waiting:
            member = db.session.get(Member, waiting[0])
            self.attempt(rounds.contribute, member, self.made.meeting_id, member.id, answer, text)

    @rule(objector=st.none() | st.sampled_from(NAMES))
    def everyone_answers(self, objector):
        """Everyone still waiting answers in turn; perhaps one of them objects."""
        rnd = facts.open_round(db.session.get(Meeting, self.made.meeting_id))
        if rnd is None:
            return
        consent = rnd.kind == RoundKind.CONSENT
        nominating = rnd.kind in ELECTION_ROUNDS
        round_facts = facts.round_facts(rnd)
        waiting = list(round_facts.waiting)
        if round_facts.last in waiting:  # an election's nominee answers last, in an open round too
            waiting = [m for m in waiting if m != round_facts.last] + [round_facts.last]
        for member_id in waiting:
            member = db.session.get(Member, member_id)
            nominee = None
            if consent and member.name == objector:
                answer, text = Answer.OBJECTION, "Dit schaadt ons doel."
            elif nominating:
                answer, text, nominee = Answer.NOMINATE, "Zij houdt overzicht.", self.made.member_ids["Fatima"]
            else:
                answer, text = (Answer.CONSENT, "") if consent else (Answer.SPEAK, "Ja.")
            self.attempt(rounds.contribute, member, self.made.meeting_id, member.id, answer, text,
                         nominee_id=nominee)

    @rule(amend_first=st.booleans(), mode=st.sampled_from(RoundMode), reveal=st.booleans(),
          objector=st.none() | st.sampled_from(NAMES))
    def facilitator_moves_on(self, amend_first, mode, reveal, objector):
        """The usual next step of the method, so random runs get as far as a decision."""
        anna, mid, pid = self.steerer(), self.made.meeting_id, self.pid
        meeting = db.session.get(Meeting, mid)
        phase = db.session.get(Proposal, pid).phase
        rnd = facts.open_round(meeting)
        if meeting.status.value == "planned":
            self.attempt(meetings.open_meeting, anna, mid)
            self.everyone_here()
        elif rnd is not None:
            self.everyone_answers(objector)
            self.attempt(rounds.close_round, anna, mid)
        elif self.on_election:
            self.election_moves_on(phase, mode)
        elif phase in (Phase.DRAFT, Phase.EXPLANATION):
            self.attempt(rounds.start_round, anna, mid, RoundKind.PICTURE_FORMING, mode, proposal_id=pid)
        elif phase == Phase.PICTURE_FORMING:
            self.attempt(rounds.start_round, anna, mid, RoundKind.OPINION_FORMING, mode, proposal_id=pid)
        elif phase == Phase.INTEGRATING or (amend_first and phase == Phase.OPINION_FORMING):
            self.amend("Anna", 2)
        elif phase in (Phase.OPINION_FORMING, Phase.AMENDING):
            self.attempt(rounds.start_round, anna, mid, RoundKind.CONSENT, mode, proposal_id=pid,
                         reveal=reveal and mode == RoundMode.OPEN)
        elif phase == Phase.CONSENT:
            self.attempt(proposals.adopt, anna, mid, pid)

    def election_moves_on(self, phase, mode):
        """The election's usual next step: nominations, a change round, a person proposed (again, for a
        shorter term, after an objection), consent with the nominee last, adoption."""
        anna, mid, pid = self.steerer(), self.made.meeting_id, self.election_id
        fatima = self.made.member_ids["Fatima"]
        if phase in (Phase.DRAFT, Phase.EXPLANATION):
            self.attempt(rounds.start_round, anna, mid, RoundKind.NOMINATION, mode, proposal_id=pid)
        elif phase == Phase.NOMINATION:
            self.attempt(rounds.start_round, anna, mid, RoundKind.CHANGE_NOMINATION, mode, proposal_id=pid)
        elif phase == Phase.CHANGE_NOMINATION:
            self.attempt(elections.propose_person, anna, mid, pid, fatima)
        elif phase == Phase.INTEGRATING:
            self.attempt(elections.propose_person, anna, mid, pid, fatima, term_until=days(190))
        elif phase == Phase.AMENDING:
            self.attempt(rounds.start_round, anna, mid, RoundKind.CONSENT, mode, proposal_id=pid)
        elif phase == Phase.CONSENT:
            self.attempt(proposals.adopt, anna, mid, pid)

    @rule(mode=st.sampled_from(RoundMode), objector=st.none() | st.sampled_from(NAMES))
    def the_facilitator_carries_it_through(self, mode, objector):
        """The method's usual path as far as it goes from here (bounded), so every run can reach a decision;
        with an objector, the first consent round meets an objection that an amendment then integrates."""
        for _ in range(14):
            phase = db.session.get(Proposal, self.pid).phase
            if phase in (Phase.ADOPTED, Phase.WITHDRAWN):
                return
            self.facilitator_moves_on(amend_first=False, mode=mode, reveal=False, objector=objector)
            if db.session.get(Proposal, self.pid).phase == Phase.INTEGRATING:
                objector = None  # the amended version gets everyone's consent

    @rule(actor=st.sampled_from(NAMES))
    def skip(self, actor):
        rnd = facts.open_round(db.session.get(Meeting, self.made.meeting_id))
        speaker = facts.round_facts(rnd).current_speaker if rnd is not None else None
        self.attempt(rounds.skip_speaker, self.who(actor), self.made.meeting_id,
                     step=(Action.SKIP_SPEAKER, speaker, None, {}))

    @rule(actor=st.sampled_from(NAMES), member=st.sampled_from(NAMES))
    def add_seat(self, actor, member):
        self.attempt(rounds.add_seat, self.who(actor), self.made.meeting_id, self.made.member_ids[member],
                     step=(Action.ADD_SEAT, self.made.member_ids[member], None, {}))

    @rule(actor=st.sampled_from(NAMES))
    def close_round(self, actor):
        self.attempt(rounds.close_round, self.who(actor), self.made.meeting_id,
                     step=(Action.CLOSE_ROUND, None, None, {}))

    @rule(actor=st.sampled_from(NAMES), n=st.integers(1, 9))
    def amend(self, actor, n):
        wording = proposals.Wording(title=f"Vergroenen v{n}", text="Plantenbakken.", review_date=days(98))
        pid = self.pid
        self.attempt(proposals.amend, self.who(actor), self.made.meeting_id, pid, wording, "",
                     step=(Action.AMEND, pid, pid, {}))

    @rule(actor=st.sampled_from(NAMES), data=st.data())
    def objection_step(self, actor, data):
        ids = list(db.session.scalars(sa.select(Objection.id).where(Objection.proposal_id == self.pid)))
        if not ids:
            return
        objection = data.draw(st.sampled_from(ids))
        step = data.draw(st.sampled_from([proposals.withdraw_objection, proposals.mark_tested]))
        action = Action.WITHDRAW_OBJECTION if step is proposals.withdraw_objection else Action.MARK_TESTED
        self.attempt(step, self.who(actor), self.made.meeting_id, objection,
                     step=(action, objection, self.pid, {}))

    @rule(actor=st.sampled_from(NAMES), step=st.sampled_from(["adopt", "postpone", "withdraw"]))
    def decide(self, actor, step):
        pid = self.pid
        check = (Action(step), pid, pid, {})
        if step == "withdraw":
            self.attempt(proposals.withdraw, self.who(actor), pid, self.made.meeting_id, step=check)
        else:
            self.attempt(getattr(proposals, step), self.who(actor), self.made.meeting_id, pid, step=check)

    @precondition(lambda self: self.done > 0)
    @rule(actor=st.sampled_from(NAMES))
    def close_meeting(self, actor):
        self.attempt(meetings.close_meeting, self.who(actor), self.made.meeting_id,
                     step=(Action.CLOSE_MEETING, None, None, {}))

    # --- the facilitator's tools (docs/facilitation.md) ------------------------

    @rule(actor=st.sampled_from(NAMES), member=st.sampled_from(NAMES))
    def hand_over(self, actor, member):
        target = self.made.member_ids[member]
        self.attempt(facilitation.hand_over, self.who(actor), self.made.meeting_id, target,
                     step=(Action.HAND_OVER, target, None, {}))

    @rule(actor=st.sampled_from(NAMES), minutes=st.sampled_from([0, 2, 4]))
    def take_over(self, actor, minutes):
        """Nobody here has a connection: whoever steers is away from the moment it opened or moved."""
        with clock.played_at(clock.now() + dt.timedelta(minutes=minutes)):
            self.attempt(facilitation.take_over, self.who(actor), self.made.meeting_id,
                         step=(Action.TAKE_OVER, None, None, {}))

    @rule(actor=st.sampled_from(NAMES), open_it=st.booleans())
    def ask_ready(self, actor, open_it):
        self.attempt(facilitation.ask_ready, self.who(actor), self.made.meeting_id, open_it,
                     step=(Action.ASK_READY, None, None, {"open_it": open_it}))

    @rule(actor=st.sampled_from(NAMES), member=st.sampled_from(NAMES))
    def mark_ready(self, actor, member):
        target = self.made.member_ids[member]
        self.attempt(facilitation.mark_ready, self.who(actor), self.made.meeting_id, target,
                     step=(Action.MARK_READY, target, None, {}))

    @rule(actor=st.sampled_from(NAMES), seconds=st.sampled_from([None, 90, 45]))
    def set_turn_time(self, actor, seconds):
        self.attempt(facilitation.set_turn_time, self.who(actor), self.made.meeting_id, seconds,
                     step=(Action.SET_TURN_TIME, None, None, {"seconds": seconds}))

    # --- what must always hold -----------------------------------------------

    @invariant()
    def whoever_steers_sits_in_the_circle_and_ready_marks_are_of_a_check(self):
        meeting = db.session.get(Meeting, self.made.meeting_id)
        if meeting.steered_by_id is not None:
            assert meeting.steered_by.role in method.SEATED_ROLES, "the steering goes to someone seated"
        checks = set(db.session.scalars(sa.select(ReadyMark.check).where(ReadyMark.meeting_id == meeting.id)))
        assert all(1 <= n <= meeting.ready_check for n in checks), "a ready mark belongs to a check asked"

    @invariant()
    def at_most_one_open_round(self):
        open_rounds = db.session.scalar(sa.select(sa.func.count(Round.id)).where(
            Round.meeting_id == self.made.meeting_id, Round.status == RoundStatus.OPEN))
        assert open_rounds <= 1

    @invariant()
    def answers_fit_their_round(self):
        for rnd in db.session.scalars(sa.select(Round).where(Round.meeting_id == self.made.meeting_id)):
            seated = {s.member_id for s in rnd.seats}
            for c in rnd.contributions:
                assert c.member_id in seated, "only members in the round answer"
                if rnd.kind == RoundKind.CONSENT:
                    assert c.answer in (Answer.CONSENT, Answer.OBJECTION)
                    if c.answer == Answer.OBJECTION:
                        assert c.text.strip(), "an objection always has a reason"
                elif rnd.kind in ELECTION_ROUNDS:
                    assert c.answer == Answer.NOMINATE and c.nominee_id is not None, "a nomination names someone"
                    assert rnd.proposal_id == self.election_id and rnd.reveal == (rnd.kind == RoundKind.NOMINATION)
                    if rnd.kind == RoundKind.NOMINATION:
                        assert c.text.strip(), "a nomination says why"
                else:
                    assert c.answer in (Answer.SPEAK, Answer.PASS)
            guest = self.made.member_ids["Wijkteam"]
            assert guest not in seated, "guests never sit in a round"

    @invariant()
    def the_nominee_answers_last(self):
        """In an election's consent rounds the person proposed gave the last answer, or none yet."""
        for rnd in db.session.scalars(sa.select(Round).where(Round.proposal_id == self.election_id,
                                                              Round.kind == RoundKind.CONSENT)):
            nominee = db.session.scalar(sa.select(ProposalVersion.nominee_id).where(
                ProposalVersion.proposal_id == self.election_id, ProposalVersion.number == rnd.proposal_version))
            assert nominee is not None, "consent only on a person proposed"
            given = [c.member_id for c in rnd.contributions]
            if nominee in given:
                assert given[-1] == nominee, "the nominee answers last: nobody after them"

    @invariant()
    def an_adopted_election_gave_its_role(self):
        election = db.session.get(Proposal, self.election_id)
        self.election_phases_seen.add(election.phase)
        terms = db.session.scalars(sa.select(RoleTerm).where(RoleTerm.proposal_id == self.election_id)).all()
        assert len(terms) == (1 if election.phase == Phase.ADOPTED else 0)
        if terms:
            assert terms[0].person_id == election.latest.nominee.person_id
            assert (terms[0].held_from, terms[0].held_until) == (election.latest.term_from, election.latest.term_until)

    @invariant()
    def adopted_only_with_consent_and_no_objection(self):
        for pid in (self.made.proposal_id, self.election_id):
            self.adopted_with_consent(pid)

    def adopted_with_consent(self, pid):
        proposal = db.session.get(Proposal, pid)
        if pid == self.made.proposal_id:
            self.phases_seen.add(proposal.phase)
        if proposal.phase != Phase.ADOPTED:
            return
        consent_rounds = [r for r in db.session.scalars(sa.select(Round).where(
            Round.proposal_id == proposal.id, Round.kind == RoundKind.CONSENT,
            Round.status == RoundStatus.CLOSED, Round.proposal_version == proposal.current_version))]
        assert consent_rounds, "adopted without a consent round on its final version"
        last = consent_rounds[-1]
        assert {c.member_id for c in last.contributions} == {s.member_id for s in last.seats}
        assert not any(o.status == ObjectionStatus.STANDING for o in proposal.objections)

    @invariant()
    def objections_end_only_by_their_maker(self):
        for objection in db.session.scalars(sa.select(Objection).where(
                Objection.proposal_id.in_((self.made.proposal_id, self.election_id)))):
            if objection.status == ObjectionStatus.MET:
                consent = db.session.scalar(sa.select(Contribution).join(Round).where(
                    Round.proposal_id == objection.proposal_id,
                    Round.proposal_version == objection.met_by_version,
                    Contribution.member_id == objection.member_id,
                    Contribution.answer == Answer.CONSENT))
                assert consent is not None and objection.met_by_version > objection.version

    @invariant()
    def log_is_intact(self):
        assert record.verify(self.made.circle_id).intact


def test_random_meetings_keep_the_method(app):
    Meeting_.app = app
    run = Meeting_.TestCase
    run.settings = settings(max_examples=25, stateful_step_count=50, deadline=None, derandomize=True,
                            suppress_health_check=[HealthCheck.too_slow])
    run().runTest()
    assert {Phase.OPINION_FORMING, Phase.CONSENT, Phase.INTEGRATING, Phase.ADOPTED} <= Meeting_.phases_seen
    assert {Phase.NOMINATION, Phase.CHANGE_NOMINATION, Phase.CONSENT, Phase.ADOPTED} <= Meeting_.election_phases_seen
