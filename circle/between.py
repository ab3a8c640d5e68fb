"""Rounds between meetings: open one on a proposal, answer it, close it early, amend; the circle's rules.

One function per action, each one transaction with its log entry
(circle/actions.py); the rules are the method's (circle/method/between.py,
and the meeting's own rules for answers, objections and versions). Steps on
one proposal happen one at a time: each action first takes the proposal's
row for writing (`_lock_proposal`), as a meeting's actions take the meeting's.
How a round ends, by itself or by the facilitator, is circle/deadlines.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from circle import clock, method, notices
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.facts import actor_role, proposal_facts
from circle.meetings import member_of_circle
from circle.rounds import checked_answer, same_answer
from circle.method import (
    Action,
    Answer,
    MeetingStatus,
    Phase,
    RoundKind,
    RoundMode,
    Silence,
    require,
)
from circle.models import (
    AgendaItem,
    Circle,
    Contribution,
    Meeting,
    Member,
    NoticeKind,
    Objection,
    Proposal,
    Round,
    RoundStatus,
    Seat,
)
from circle.proposals import Wording, _new_version


def _lock_proposal(circle_id: int, proposal_id: int | None) -> Proposal:
    """Take the proposal's row for writing first, so steps on it between meetings happen one at a time.

    An update that changes nothing still takes the row's lock (and SQLite's
    write lock), and every read after it sees what the step before committed.
    """
    result = db.session.execute(
        sa.update(Proposal).where(Proposal.id == proposal_id, Proposal.circle_id == circle_id)
        .values(current_version=Proposal.current_version))
    require(result.rowcount == 1, "not_found")
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


def open_round_between(proposal_id: int) -> Round | None:
    """The proposal's open round between meetings, with its seats and answers; there is at most one."""
    return db.session.scalar(
        sa.select(Round)
        .where(Round.proposal_id == proposal_id, Round.meeting_id.is_(None), Round.status == RoundStatus.OPEN)
        .options(selectinload(Round.seats), selectinload(Round.contributions)))


def in_open_meeting(proposal: Proposal) -> bool:
    """The proposal is on the agenda of a meeting that is open now, and not decided there."""
    return db.session.scalar(
        sa.select(sa.func.count(AgendaItem.id)).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.proposal_id == proposal.id, AgendaItem.outcome.is_(None),
               Meeting.status == MeetingStatus.OPEN)) > 0


def is_review(proposal: Proposal) -> bool:
    """The proposal is an adopted decision under review (evaluatie): its agenda item says so."""
    return db.session.scalar(sa.select(sa.func.count(AgendaItem.id)).where(
        AgendaItem.proposal_id == proposal.id, AgendaItem.outcome.is_(None), AgendaItem.review.is_(True))) > 0


def between_facts(proposal: Proposal, now: dt.datetime | None = None) -> method.BetweenFacts:
    """Everything the method asks about a proposal between meetings now (a handful of queries)."""
    from circle.facts import round_facts

    circle = db.session.get(Circle, proposal.circle_id)
    rnd = open_round_between(proposal.id)
    return method.BetweenFacts(
        proposal_id=proposal.id,
        proposal=proposal_facts(proposal, False),
        proposer=proposal.proposer_id,
        now=now or clock.now(),
        seated=frozenset(m.id for m in circle.seated),
        round=round_facts(rnd) if rnd is not None else None,
        round_id=rnd.id if rnd is not None else None,
        deadline=rnd.deadline if rnd is not None else None,
        in_meeting=in_open_meeting(proposal),
        proposer_opens=circle.proposer_opens_rounds,
    )


def check_step(actor: Member, proposal: Proposal, action: Action, target=None, **details) -> method.BetweenFacts:
    """Refuse a step between meetings that the method does not allow now; the facts it was checked on."""
    facts = between_facts(proposal)
    method.check_between_step(facts, actor_role(actor), actor.id, action, target, **details)
    return facts


def _moment(value: dt.datetime) -> str:
    """A moment as the log writes it: UTC, to the second, with a Z."""
    return value.replace(microsecond=0).isoformat() + "Z"


def _done(done: Done, proposal_id: int) -> Done:
    return replace(done, proposal_id=proposal_id)


# --- Opening a round --------------------------------------------------------------


def start_round_between(actor: Member, proposal_id: int, kind: RoundKind, deadline: dt.datetime,
                        reveal: bool = False) -> Done:
    """Open a round on a proposal between meetings, until `deadline` (UTC).

    Who may answer is fixed now: the seated members of the circle today, in
    the circle's order; so is whether silence at the deadline counts as
    consent (the circle's rule for this kind of decision; never in an
    election). A nomination round always hides the nominations until all are
    in. Each of them is owed the notice that a round awaits their answer, in
    the same transaction.
    """
    with unit_of_work():
        proposal = _lock_proposal(actor.circle_id, proposal_id)
        check_step(actor, proposal, Action.START_ROUND_BETWEEN, kind, reveal=reveal, deadline=deadline)
        circle = db.session.get(Circle, proposal.circle_id)
        seated = circle.seated
        earlier = db.session.scalar(sa.select(sa.func.count(Round.id)).where(
            Round.proposal_id == proposal.id, Round.meeting_id.is_(None)))
        proposal.phase = Phase(kind.value)
        reveal = method.reveal_of(kind, reveal)
        election = proposal.kind == method.ProposalKind.ELECTION
        silence_counts = kind == RoundKind.CONSENT and method.silence_covers(
            circle.silence_is_consent, is_review(proposal), election)
        rnd = Round(circle_id=circle.id, meeting_id=None, number=earlier + 1, proposal_id=proposal.id,
                    proposal_version=proposal.current_version, kind=kind, mode=RoundMode.OPEN,
                    reveal=reveal, started_by_id=actor.id, deadline=deadline.replace(microsecond=0),
                    silence_counts=silence_counts)
        rnd.seats = [Seat(member_id=m.id, position=i) for i, m in enumerate(seated, start=1)]
        db.session.add(rnd)
        db.session.flush()
        done = log(circle.id, actor, Action.START_ROUND_BETWEEN, {
            "round": rnd.id, "number": rnd.number, "kind": kind.value, "reveal": reveal,
            "proposal": proposal.id, "version": rnd.proposal_version, "deadline": _moment(rnd.deadline),
            "silence_is_consent": circle.silence_is_consent.value, "silence_counts": silence_counts,
            "seats": [person(m) for m in seated],
        }, subject=rnd.id)
        notices.notify(NoticeKind.ROUND_OPEN, rnd.id, seated, circle_id=circle.id)
    return _done(done, proposal_id)


# --- Answering ----------------------------------------------------------------------


def _round_between(actor: Member, round_id: int) -> Round:
    """A round between meetings of the actor's circle, or refuse."""
    rnd = db.session.get(Round, round_id)
    require(rnd is not None and rnd.circle_id == actor.circle_id and rnd.meeting_id is None, "not_found")
    return rnd


def contribute_between(actor: Member, round_id: int, member_id: int, answer: Answer, text: str = "",
                       workable: str = "", client_id: str | None = None, nominee_id: int | None = None) -> Done:
    """Record a member's answer in a round between meetings: their own, or for them.

    The same rules as in a meeting: who sits in the round, which answers fit,
    an objection's reason, in an election's rounds whom they nominate
    (`nominee_id`; in the change round naming nobody keeps one's nomination),
    and the person proposed last; and before the deadline. A resent answer
    with the same `client_id` is stored once. The answer that completes the
    round closes it, in the same transaction (circle/deadlines.py).
    """
    from circle.deadlines import finish

    with unit_of_work():
        rnd = _round_between(actor, round_id)
        proposal_id = rnd.proposal_id
        proposal = _lock_proposal(actor.circle_id, proposal_id)
        earlier = client_id and db.session.scalar(sa.select(Contribution).where(
            Contribution.recorded_by_id == actor.id, Contribution.client_id == client_id))
        if earlier:
            same = same_answer(earlier, member_id, answer, text.strip(), workable.strip(), nominee_id)
            db.session.rollback()
            require(same, "client_id_reused")
            return Done(str(Action.CONTRIBUTE_BETWEEN), subject=earlier.id, duplicate=True, proposal_id=proposal_id)
        member = member_of_circle(actor.circle_id, member_id)
        method.check_deadline(rnd.deadline, clock.now())  # late, whether or not the round was closed yet
        facts = check_step(actor, proposal, Action.CONTRIBUTE_BETWEEN, member.id, round_id=round_id)
        rnd = open_round_between(proposal.id)
        text, workable, nominee = checked_answer(facts, rnd, member.id, answer, text, workable, nominee_id)
        contribution = Contribution(round_id=rnd.id, position=len(rnd.contributions) + 1, member_id=member.id,
                                    recorded_by_id=actor.id, answer=answer, text=text, nominee_id=nominee,
                                    client_id=client_id or None)
        db.session.add(contribution)
        db.session.flush()
        data = {"round": rnd.id, "proposal": proposal.id, "contribution": contribution.id,
                "member": person(member), "answer": answer.value, "text": text}
        if actor.id != member.id:
            data["recorded_by"] = person(actor)
        if nominee is not None:
            data["nominee"] = person(db.session.get(Member, nominee))
        if answer == Answer.OBJECTION:
            db.session.add(Objection(proposal_id=proposal.id, contribution_id=contribution.id,
                                     member_id=member.id, version=rnd.proposal_version, workable=workable))
            data["workable"] = workable
        done = log(actor.circle_id, actor, Action.CONTRIBUTE_BETWEEN, data, subject=contribution.id)
        if facts.round.waiting == [member.id]:  # the last one in: the round is complete
            db.session.refresh(rnd)
            finish(rnd, method.RoundEnd.COMPLETE, clock.now(), by=actor)
    return _done(done, proposal.id)


# --- Closing early, amending ------------------------------------------------------------


def close_round_between(actor: Member, round_id: int) -> Done:
    """The facilitator closes a round between meetings before its deadline.

    Answers missing then are missing: a consent round adopts nothing and the
    proposal goes to the next meeting (method `closing`).
    """
    from circle.deadlines import finish

    with unit_of_work():
        rnd = _round_between(actor, round_id)
        proposal = _lock_proposal(actor.circle_id, rnd.proposal_id)
        check_step(actor, proposal, Action.CLOSE_ROUND_BETWEEN, rnd.id)
        rnd = open_round_between(proposal.id)
        done = finish(rnd, method.RoundEnd.EARLY, clock.now(), actor=actor)
        require(done is not None, "no_round")
    return _done(done, proposal.id)


def amend_between(actor: Member, proposal_id: int, wording: Wording, note: str,
                  based_on: int | None = None) -> Done:
    """Write version n+1 between meetings, to meet the objections; a new consent round follows.

    With `based_on`, only when the proposal is still at that version: nobody saved another meanwhile.
    """
    with unit_of_work():
        proposal = _lock_proposal(actor.circle_id, proposal_id)
        require(based_on is None or based_on == proposal.current_version, "stale")
        check_step(actor, proposal, Action.AMEND_BETWEEN, proposal.id)
        proposal.phase = Phase.AMENDING
        version = _new_version(proposal, wording, actor, note)
        # A topic written out between meetings is a proposal from now on (method/agenda.py).
        topic = {"topic": True} if proposal.kind == method.ProposalKind.TOPIC else {}
        proposal.kind = method.ProposalKind.PROPOSAL
        db.session.flush()
        done = log(actor.circle_id, actor, Action.AMEND_BETWEEN,
                   {"proposal": proposal.id, "version": version.number, "note": version.note,
                    **wording.as_log(), **topic}, subject=version.id)
    return _done(done, proposal.id)


# --- The circle's rules -------------------------------------------------------------------


def set_between_meetings(actor: Member, silence: Silence, proposer_opens: bool) -> Done:
    """The facilitator sets the circle's rules for rounds between meetings; logged with what they were."""
    require(str(silence) in {s.value for s in Silence}, "invalid")
    silence = Silence(silence)
    with unit_of_work():
        allowed(actor, Action.SET_BETWEEN_MEETINGS)
        circle = db.session.get(Circle, actor.circle_id)
        was = {"silence_is_consent": circle.silence_is_consent.value,
               "proposer_opens_rounds": circle.proposer_opens_rounds}
        circle.silence_is_consent, circle.proposer_opens_rounds = silence, bool(proposer_opens)
        done = log(circle.id, actor, Action.SET_BETWEEN_MEETINGS,
                   {"silence_is_consent": silence.value, "proposer_opens_rounds": bool(proposer_opens),
                    "was": was})
    return done
