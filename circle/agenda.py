"""Agenda actions between meetings: topics and drafts put forward, a meeting's agenda ordered and pruned.

Placing an item on an agenda is `proposals.put_on_agenda`; here is what
comes before and after it (docs/agenda-and-tasks.md). One function per
action, each one transaction with its log entry (actions.py); the rules are
in circle/method/agenda.py.
"""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa

from circle import method
from circle.actions import Done, allowed, lock_meeting, log, person, unchanged, unit_of_work
from circle.extensions import db
from circle.method import Action, Phase, ProposalKind, require
from circle.models import AgendaItem, Meeting, Member, Proposal, ProposalVersion, Round, utcnow
from circle.proposals import Wording


def _proposal(actor: Member, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    require(proposal is not None and proposal.circle_id == actor.circle_id, "not_found")
    return proposal


def _on_an_agenda(proposal: Proposal) -> bool:
    """Waiting on (or discussed in) a meeting's agenda now."""
    return db.session.scalar(sa.select(sa.func.count(AgendaItem.id)).where(
        AgendaItem.proposal_id == proposal.id, AgendaItem.outcome.is_(None))) > 0


def _for(actor: Member, author: Member) -> dict:
    """Who it was done for, when someone else did it for its author."""
    return {} if actor.id == author.id else {"recorded_by": person(actor)}


def put_forward_topic(actor: Member, subject: str, note: str = "") -> Done:
    """A member puts forward a topic for the next meeting: a subject and a note, not yet a proposal."""
    with unit_of_work():
        allowed(actor, Action.PUT_FORWARD_TOPIC)
        method.check_topic(subject, note)
        topic = Proposal(circle_id=actor.circle_id, proposer_id=actor.id, kind=ProposalKind.TOPIC,
                         put_forward_at=utcnow(), current_version=1)
        db.session.add(topic)
        db.session.add(ProposalVersion(proposal=topic, number=1, title=subject, text=note,
                                       written_by_id=actor.id))
        db.session.flush()
        done = log(actor.circle_id, actor, Action.PUT_FORWARD_TOPIC,
                   {"proposal": topic.id, "title": subject, "note": note}, subject=topic.id)
    return done


def put_forward(actor: Member, proposal_id: int) -> Done:
    """Its proposer (or the facilitator or secretary for them) puts a waiting draft forward for the next meeting."""
    with unit_of_work():
        allowed(actor, Action.PUT_FORWARD)
        proposal = _proposal(actor, proposal_id)
        method.put_forward(proposal.phase, actor.role, actor.id, proposal.proposer_id,
                           _on_an_agenda(proposal), proposal.put_forward_at is not None)
        proposal.put_forward_at = utcnow()
        done = log(actor.circle_id, actor, Action.PUT_FORWARD,
                   {"proposal": proposal.id, "title": proposal.latest.title,
                    "proposer": person(proposal.proposer), **_for(actor, proposal.proposer)},
                   subject=proposal.id)
    return done


def turn_into_draft(actor: Member, proposal_id: int, wording: Wording, note: str = "") -> Done:
    """Write a waiting topic out as a proposal: its next version, with the text the circle will decide on.

    It stays where it was (in the pool, or on an agenda), and keeps its author as its proposer.
    """
    with unit_of_work():
        allowed(actor, Action.TURN_INTO_DRAFT)
        topic = _proposal(actor, proposal_id)
        method.turn_into_draft(topic.kind, topic.phase, actor.role, actor.id, topic.proposer_id)
        wording.check()
        method.check_text(note, method.CONTRIBUTION_MAX)
        topic.kind = ProposalKind.PROPOSAL
        topic.current_version += 1
        db.session.add(ProposalVersion(proposal=topic, number=topic.current_version, written_by_id=actor.id,
                                       note=note.strip(), **asdict(wording)))
        done = log(actor.circle_id, actor, Action.TURN_INTO_DRAFT,
                   {"proposal": topic.id, "version": topic.current_version, "note": note.strip(),
                    **wording.as_log()}, subject=topic.id)
    return done


def _item(meeting: Meeting, proposal_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda if i.proposal_id == proposal_id), None)
    require(item is not None, "not_on_agenda")
    return item


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def move_on_agenda(actor: Member, meeting_id: int, proposal_id: int, position: int,
                   based_on: int | None = None) -> Done:
    """Put an item at another place on a meeting's agenda (1 is the first); the others close up."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.MOVE_ON_AGENDA)
        item = _item(meeting, proposal_id)
        items = sorted(meeting.agenda, key=lambda i: (i.position, i.id))
        method.move_on_agenda(meeting.status, position, len(items))
        was = items.index(item) + 1
        if was == position:
            return unchanged(Action.MOVE_ON_AGENDA, meeting.id)
        items.remove(item)
        items.insert(position - 1, item)
        _renumber(items)
        done = log(meeting.circle_id, actor, Action.MOVE_ON_AGENDA,
                   {"proposal": proposal_id, "title": item.proposal.latest.title, "from": was, "to": position},
                   meeting)
    return done


def take_off_agenda(actor: Member, meeting_id: int, proposal_id: int, based_on: int | None = None) -> Done:
    """Take an item the meeting has not discussed off its agenda: it waits for a meeting again, as it stands
    (a draft in the pool, a proposal a round between meetings sent on); a decision up for review is adopted as
    before."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.TAKE_OFF_AGENDA)
        item = _item(meeting, proposal_id)
        proposal = item.proposal
        rounds = db.session.scalar(sa.select(sa.func.count(Round.id)).where(
            Round.meeting_id == meeting.id, Round.proposal_id == proposal.id))
        discussed = (item.outcome is not None or rounds > 0 or meeting.current_proposal_id == proposal.id
                     or proposal.phase == Phase.EXPLANATION)
        method.take_off_agenda(meeting.status, discussed)
        if item.review and proposal.phase == Phase.REVIEW:
            proposal.phase = Phase.ADOPTED  # the decision stands as before
        title, review = proposal.latest.title, item.review
        db.session.delete(item)
        db.session.flush()
        db.session.expire(meeting, ["agenda"])
        _renumber(sorted(meeting.agenda, key=lambda i: (i.position, i.id)))
        done = log(meeting.circle_id, actor, Action.TAKE_OFF_AGENDA,
                   {"proposal": proposal.id, "title": title, "review": review}, meeting)
    return done
