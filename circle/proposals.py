"""Proposal actions: drafts, the agenda, amendments, objections, and the outcome.

One function per action, each one transaction with its log entry (actions.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from circle import method, notices, roles
from circle.actions import Done, allowed, check_step, lock_meeting, log, person, unit_of_work
from circle.extensions import db
from circle.facts import open_round, proposal_facts
from circle.method import Action, Phase, require
from circle.models import (
    AgendaItem,
    Meeting,
    Member,
    Objection,
    Proposal,
    ProposalVersion,
    Round,
    RoundStatus,
    utcnow,
)


@dataclass(frozen=True)
class Wording:
    """What a version of a proposal says."""

    title: str
    text: str
    background: str = ""
    review_date: dt.date | None = None
    success_criteria: str = ""
    carried_out_by: str = ""

    def check(self) -> None:
        """Refuse an empty title or text, or any part longer than its limit."""
        method.check_text(self.title, method.TITLE_MAX, required=True)
        method.check_text(self.text, method.TEXT_MAX, required=True)
        method.check_text(self.background, method.TEXT_MAX)
        method.check_text(self.success_criteria, method.CONTRIBUTION_MAX)
        method.check_text(self.carried_out_by, method.TITLE_MAX)

    def as_log(self) -> dict:
        """The wording as the log keeps it."""
        data = asdict(self)
        data["review_date"] = self.review_date.isoformat() if self.review_date else None
        return data


def _new_version(proposal: Proposal, wording: Wording, author: Member, note: str, **election) -> ProposalVersion:
    """Add version n+1; earlier versions stay as they were. An election's carry its person and term (`election`)."""
    wording.check()
    method.check_text(note, method.CONTRIBUTION_MAX)
    number = (proposal.current_version + 1) if proposal.versions else 1
    version = ProposalVersion(proposal=proposal, number=number, written_by_id=author.id,
                              note=note.strip(), **asdict(wording), **election)
    proposal.current_version = number
    db.session.add(version)
    return version


def _proposal(actor: Member, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    require(proposal is not None and proposal.circle_id == actor.circle_id, "not_found")
    return proposal


def write_draft(actor: Member, wording: Wording) -> Done:
    """Write a new proposal: version 1 of a draft, by the actor as proposer."""
    with unit_of_work():
        allowed(actor, Action.WRITE_DRAFT)
        proposal = Proposal(circle_id=actor.circle_id, proposer_id=actor.id)
        db.session.add(proposal)
        _new_version(proposal, wording, actor, "")
        db.session.flush()
        done = log(actor.circle_id, actor, Action.WRITE_DRAFT,
                   {"proposal": proposal.id, "version": 1, **wording.as_log()}, subject=proposal.id)
    return done


def edit_draft(actor: Member, proposal_id: int, wording: Wording, note: str = "") -> Done:
    """Rewrite a draft before its rounds: as a new version, by its proposer or the secretary."""
    with unit_of_work():
        allowed(actor, Action.WRITE_DRAFT)
        proposal = _proposal(actor, proposal_id)
        require(actor.id == proposal.proposer_id or actor.role in method.RECORDING_ROLES, "not_allowed")
        method.edit_draft(proposal_facts(proposal, False))
        version = _new_version(proposal, wording, actor, note)
        done = log(actor.circle_id, actor, "edit_draft",
                   {"proposal": proposal.id, "version": version.number, "note": version.note,
                    **wording.as_log()}, subject=proposal.id)
    return done


def put_on_agenda(actor: Member, proposal_id: int, meeting_id: int, based_on: int | None = None) -> Done:
    """Put a draft or a postponed proposal on a meeting's agenda; an adopted one, for its review."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.PUT_ON_AGENDA)
        require(meeting.status != method.MeetingStatus.CLOSED, "meeting_closed")
        proposal = _proposal(actor, proposal_id)
        facts = proposal_facts(proposal, False)
        review = proposal.phase == Phase.ADOPTED
        proposal.phase = method.start_review(facts) if review else method.put_on_agenda(facts)
        require(_open_item(proposal) is None, "already_on_agenda")
        db.session.add(AgendaItem(meeting_id=meeting.id, proposal_id=proposal.id,
                                  position=len(meeting.agenda) + 1, review=review))
        done = log(meeting.circle_id, actor, Action.PUT_ON_AGENDA,
                   {"proposal": proposal.id, "title": proposal.latest.title, "review": review}, meeting)
    return done


def amend(
    actor: Member, meeting_id: int, proposal_id: int, wording: Wording, note: str,
    based_on: int | None = None,
) -> Done:
    """Write version n+1 in light of the rounds or to meet an objection."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.AMEND, proposal_id, proposal_id=proposal_id)
        proposal = _proposal(actor, proposal_id)
        proposal.phase = Phase.AMENDING
        version = _new_version(proposal, wording, actor, note)
        meeting.current_proposal_id = proposal.id
        # A topic written out in the meeting is a proposal from now on (method/agenda.py).
        topic = {"topic": True} if proposal.kind == method.ProposalKind.TOPIC else {}
        proposal.kind = method.ProposalKind.PROPOSAL
        db.session.flush()  # the new version's row id is what the action returns
        done = log(meeting.circle_id, actor, Action.AMEND,
                   {"proposal": proposal.id, "version": version.number, "note": version.note,
                    **wording.as_log(), **topic}, meeting, subject=version.id)
    return done


def _objection(actor: Member, objection_id: int) -> Objection:
    """An objection to a proposal of the actor's circle, or refuse."""
    objection = db.session.get(Objection, objection_id)
    require(objection is not None and objection.proposal.circle_id == actor.circle_id, "not_found")
    return objection


def mark_tested(actor: Member, meeting_id: int, objection_id: int, based_on: int | None = None) -> Done:
    """The facilitator marks an objection tested (getoetst); it still stands."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        objection = _objection(actor, objection_id)
        check_step(actor, meeting, Action.MARK_TESTED, objection.id, proposal_id=objection.proposal_id)
        objection.tested = True
        done = log(meeting.circle_id, actor, Action.MARK_TESTED,
                   {"objection": objection.id, "member": person(objection.member)}, meeting)
    return done


def withdraw_objection(actor: Member, meeting_id: int, objection_id: int) -> Done:
    """Its maker withdraws an objection (the secretary may record it for them)."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, None)
        objection = _objection(actor, objection_id)
        check_step(actor, meeting, Action.WITHDRAW_OBJECTION, objection.id, proposal_id=objection.proposal_id)
        objection.status = method.ObjectionStatus.WITHDRAWN
        objection.ended_at = utcnow()
        data = {"objection": objection.id, "proposal": objection.proposal_id,
                "member": person(objection.member)}
        if actor.id != objection.member_id:
            data["recorded_by"] = person(actor)
        done = log(meeting.circle_id, actor, Action.WITHDRAW_OBJECTION, data, meeting)
    return done


def _open_item(proposal: Proposal) -> AgendaItem | None:
    """The agenda item the proposal waits on or is discussed in; at most one at a time."""
    return db.session.scalar(sa.select(AgendaItem).where(
        AgendaItem.proposal_id == proposal.id, AgendaItem.outcome.is_(None)))


def _decide(
    actor: Member, meeting: Meeting | None, proposal: Proposal, phase: Phase, action: Action,
    extra: dict,
) -> Done:
    """Record the outcome on the proposal and on the agenda item it was on.

    In a meeting the proposal stays the one the meeting is about, so every
    screen announces its outcome until the facilitator takes up the next.
    """
    item = _open_item(proposal)
    proposal.phase = phase
    proposal.decided_at = utcnow()
    if item is not None:
        item.outcome, item.decided_at, item.version = phase, proposal.decided_at, proposal.current_version
    if meeting is not None:
        meeting.current_proposal_id = proposal.id
    if phase == Phase.ADOPTED:
        notices.decision_made(proposal)  # owed with the decision; mailed once it is committed
    return log(proposal.circle_id, actor, action,
               {"proposal": proposal.id, "version": proposal.current_version, **extra}, meeting)


def adopt(actor: Member, meeting_id: int, proposal_id: int, based_on: int | None = None) -> Done:
    """Adopt the proposal: its latest version had consent and no objection stands."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.ADOPT, proposal_id, proposal_id=proposal_id)
        proposal = _proposal(actor, proposal_id)
        latest = proposal.latest
        extra = {"title": latest.title,
                 "review_date": latest.review_date.isoformat() if latest.review_date else None}
        if proposal.kind == method.ProposalKind.ELECTION:
            extra["election"] = give_elected_role(actor, proposal)
        done = _decide(actor, meeting, proposal, Phase.ADOPTED, Action.ADOPT, extra)
    return done


def give_elected_role(actor: Member, proposal: Proposal) -> dict:
    """An adopted election gives its role to the person for the term, in the same transaction
    (circle/roles.py); what that did goes into the adoption's log entry. The one way an election gives
    its role: adopted in a meeting (`adopt`), or between meetings (circle/deadlines.py, `finish`).
    `actor` acts for the circle that chooses the role."""
    latest = proposal.latest
    term = roles.give_role(actor, proposal.role, latest.nominee.person_id, latest.term_from, latest.term_until,
                           proposal_id=proposal.id)
    return roles.term_changes(term)


def postpone(actor: Member, meeting_id: int, proposal_id: int, based_on: int | None = None) -> Done:
    """Take the proposal off today's agenda; an open round about it ends unfinished."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.POSTPONE, proposal_id, proposal_id=proposal_id)
        proposal = _proposal(actor, proposal_id)
        rnd = open_round(meeting)
        if rnd is None or rnd.proposal_id != proposal.id:  # or a round between meetings about it
            rnd = db.session.scalar(sa.select(Round).where(Round.proposal_id == proposal.id,
                                                           Round.status == RoundStatus.OPEN))
        abandoned = None
        if rnd is not None and rnd.proposal_id == proposal.id:
            rnd.status, rnd.closed_at, abandoned = RoundStatus.ABANDONED, utcnow(), rnd.id
        done = _decide(actor, meeting, proposal, Phase.POSTPONED, Action.POSTPONE,
                       {"abandoned_round": abandoned})
    return done


def withdraw(
    actor: Member, proposal_id: int, meeting_id: int | None = None, based_on: int | None = None
) -> Done:
    """Its proposer withdraws the proposal (the secretary may record it for them).

    In a meeting it is withdrawn from that meeting's agenda; a draft can be
    withdrawn outside a meeting too.
    """
    with unit_of_work():
        allowed(actor, Action.WITHDRAW)
        proposal = _proposal(actor, proposal_id)
        item = _open_item(proposal)
        if meeting_id is None and item is not None and item.meeting.status == method.MeetingStatus.OPEN:
            meeting_id = item.meeting_id  # on a running meeting's agenda: withdrawn there
        meeting = None
        if meeting_id is not None:
            meeting = lock_meeting(actor, meeting_id, based_on)
            check_step(actor, meeting, Action.WITHDRAW, proposal.id, proposal_id=proposal.id)
        else:
            by_proposer = actor.id == proposal.proposer_id or actor.role == method.Role.SECRETARY
            method.withdraw(proposal_facts(proposal, False), by_proposer)
        data = {"proposer": person(proposal.proposer)}
        if actor.id != proposal.proposer_id:
            data["recorded_by"] = person(actor)
        done = _decide(actor, meeting, proposal, Phase.WITHDRAWN, Action.WITHDRAW, data)
    return done
