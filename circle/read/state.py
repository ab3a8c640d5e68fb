"""The meeting state: small, complete, the same for everyone in the room.

What travels to phones holds the meeting, who is present, the agenda, the
proposal under discussion (its current version only) and the latest round
with its seats and answers: not the history, which the record pages hold.
It also says whose phones are connected now (`connected`), which changes
without a new version: see circle/presence.py.
With a simultaneous reveal, answers stay out of the state until the last
one is in.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from circle import method, presence
from circle.extensions import db
from circle.facts import (
    SEATS_ANSWERED, focus_id, hidden_now, memberships, on_the_list, ring_of, round_facts, seats_and_answers,
)
from circle.read.facilitation import away_state, ready_state, server_now, steering_state, turn_state
from circle.read.elections import election_view
from circle.models import (
    AgendaItem,
    Circle,
    Contribution,
    Meeting,
    Objection,
    Proposal,
    ProposalVersion,
    Round,
)


# The statements of every `state`, built once with their values as parameters (docs/performance/statements.md).
#: The meeting as a row, with what its state asks of its circle (its quorum and takeover minutes): no meeting
#: or circle object is built, as each costs more Python than the row's statement (docs/performance/rows.md).
_MEETING = (sa.select(Meeting.__table__, Circle.quorum.label("circle_quorum"), Circle.takeover_minutes)
            .join(Circle, Circle.id == Meeting.circle_id).where(Meeting.id == sa.bindparam("meeting_id")))
#: The agenda as rows: each proposal with its phase and the title of its current version, in one statement
#: where objects took three (the items, their proposals, the proposals' versions).
_AGENDA = (
    sa.select(AgendaItem.proposal_id, AgendaItem.outcome, Proposal.phase, ProposalVersion.title)
    .join(Proposal, Proposal.id == AgendaItem.proposal_id)
    .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                   ProposalVersion.number == Proposal.current_version))
    .where(AgendaItem.meeting_id == sa.bindparam("meeting_id")).order_by(AgendaItem.position)
)
#: A proposal at its current version, as one row, with whether any objection was ever raised to it: where the
#: proposal, all its versions and its objections with their answers were objects, read in three statements.
_PROPOSAL = (
    sa.select(Proposal.id, Proposal.circle_id, Proposal.kind, Proposal.phase, Proposal.proposer_id,
              ProposalVersion.number, ProposalVersion.title, ProposalVersion.text, ProposalVersion.note,
              ProposalVersion.background, ProposalVersion.review_date, ProposalVersion.success_criteria,
              ProposalVersion.carried_out_by,
              sa.exists().where(Objection.proposal_id == Proposal.id).label("objected"))
    .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                   ProposalVersion.number == Proposal.current_version))
    .where(Proposal.id == sa.bindparam("proposal_id"))
)
#: A proposal's objections in the order raised, each with the words and the round of the answer that raised it.
_RAISED = (
    sa.select(Objection.id, Objection.member_id, Objection.version, Objection.workable, Objection.tested,
              Objection.status, Objection.met_by_version, Objection.contribution_id, Contribution.round_id,
              Contribution.text.label("reason"))
    .join(Contribution, Contribution.id == Objection.contribution_id)
    .where(Objection.proposal_id == sa.bindparam("proposal_id")).order_by(Objection.id)
)
#: The meeting's open round, or else the one that closed last.
LATEST_ROUND = (sa.select(Round).where(Round.meeting_id == sa.bindparam("meeting_id"))
                .order_by(Round.number.desc()).limit(1))
#: The same, as a row: what the state sends of it are its columns.
_LATEST_ROUND_ROW = LATEST_ROUND.with_only_columns(*Round.__table__.columns)
#: A round's seats in speaking order, each with its answer where one was given, as rows: what its seats in
#: the state say: `facts.SEATS_ANSWERED` with the answers' words.
_SEATS_GIVEN = SEATS_ANSWERED.add_columns(Contribution.answer, Contribution.text, Contribution.position,
                                          Contribution.recorded_by_id, Contribution.nominee_id)


def _date(value) -> str | None:
    return value.isoformat() if value else None


def seat_state(member_id: int, late: bool, answered: bool, contribution: Contribution | sa.Row | None
               ) -> dict[str, Any]:
    """One seat of the ring: who, whether they answered, and (`contribution`: where it may be seen) what."""
    out: dict[str, Any] = {"member": member_id, "late": late, "answered": answered}
    c = contribution
    if c is not None:
        out.update(
            answer=c.answer.value,
            text=c.text,
            position=c.position,
            recorded_by=c.recorded_by_id if c.recorded_by_id != c.member_id else None,
        )
        if c.nominee_id is not None:
            out["nominee"] = c.nominee_id
    return out


def round_state(rnd: Round, facts: method.RoundFacts, seats: list[tuple[int, bool]],
                given: dict[int, Contribution | sa.Row]) -> dict[str, Any]:
    """A round as the ring shows it: the order, the current speaker, the answers.

    `seats`: who sits, in speaking order, each with whether they came late; `given`: the answers by who gave
    them, as objects or rows. Whether they may be seen is the method's (`facts.visible`, the same rule as
    `round_view`'s): while they may not, a seat says only that it answered."""
    shown = given if facts.visible else {}
    return {
        "id": rnd.id,
        "number": rnd.number,
        "kind": rnd.kind.value,
        "mode": rnd.mode.value,
        "reveal": rnd.reveal,
        "status": rnd.status.value,
        "proposal": rnd.proposal_id,
        "version": rnd.proposal_version,
        "current": facts.speaking_now,
        "complete": facts.complete,
        "visible": facts.visible,
        "seats": [seat_state(member_id, late, member_id in facts.answered, shown.get(member_id))
                  for member_id, late in seats],
    }


def proposal_state(proposal_id: int, hidden_round: int | None = None) -> dict[str, Any]:
    """The proposal under discussion, at its current version, read as rows (docs/performance/rows.md).

    Objections raised in `hidden_round` (a simultaneous reveal still waiting
    for answers) stay out, with their makers and reasons, until it completes.
    """
    here = {"proposal_id": proposal_id}
    rows = db.session.connection()
    proposal = rows.execute(_PROPOSAL, here).one()
    raised = rows.execute(_RAISED, here).all() if proposal.objected else []
    # Also a round between meetings about it may hide some (docs/between-meetings.md); none raised, none hidden.
    hidden = hidden_now(proposal.circle_id) if raised else set()
    return {
        "id": proposal.id,
        "phase": proposal.phase.value,
        "version": proposal.number,
        "proposer": proposal.proposer_id,
        "title": proposal.title,
        "text": proposal.text,
        "note": proposal.note,
        "background": proposal.background,
        "review_date": _date(proposal.review_date),
        "success_criteria": proposal.success_criteria,
        "carried_out_by": proposal.carried_out_by,
        "objections": [
            {
                "id": o.id,
                "member": o.member_id,
                "version": o.version,
                "reason": o.reason,
                "workable": o.workable,
                "tested": o.tested,
                "status": o.status.value,
                "met_by_version": o.met_by_version,
            }
            for o in raised
            if o.round_id != hidden_round and o.contribution_id not in hidden
        ],
        "election": (election_state(db.session.get(Proposal, proposal_id))
                     if proposal.kind == method.ProposalKind.ELECTION else None),
    }


def election_state(proposal: Proposal) -> dict[str, Any] | None:
    """An election's role, term and proposed person, and whom the circle nominates now; None otherwise."""
    election = election_view(proposal)
    if election is None:
        return None
    role = election.role
    return {
        "role": {"id": role.id, "kind": role.kind.value, "name": role.name, "description": role.description},
        "term_from": _date(election.term_from),
        "term_until": _date(election.term_until),
        "nominee": election.nominee.id if election.nominee else None,
        "tally": [{"nominee": line.nominee.id, "by": [m.id for m in line.by]} for line in election.tally],
    }


def meeting_state(meeting_id: int) -> dict[str, Any]:
    """Everything a phone, the console or the projector needs to draw the meeting now.

    Its members and its latest round's seats and answers are read as rows, not as objects: the state sends
    their ids and words, nothing a member, seat or answer object would add (docs/performance/rows.md)."""
    here = {"meeting_id": meeting_id}
    rows = db.session.connection()  # rows through the session's own transaction, without the ORM's layer
    meeting = rows.execute(_MEETING, here).one()
    people = memberships(meeting)
    marked = {m.id for m in people if m.present is not None}
    present = {m.id for m in people if m.present}
    members = [m for m in people if on_the_list(m, meeting, marked)]
    agenda = rows.execute(_AGENDA, here).all()
    focus = focus_id(meeting, [item.proposal_id for item in agenda if item.outcome is None])
    rnd = rows.execute(_LATEST_ROUND_ROW, here).one_or_none()
    hidden = None
    if rnd is not None:
        ring = rows.execute(_SEATS_GIVEN, {"round_id": rnd.id}).all()
        seats = [(row.member_id, row.added_late) for row in ring]
        given = {row.member_id: row for row in ring if row.id is not None}
        facts = round_facts(rnd, seats, [(c.id, member_id) for member_id, c in given.items()])
        hidden = None if facts.visible else rnd.id
    return {
        "version": meeting.version,
        "meeting": {
            "id": meeting.id,
            "circle": meeting.circle_id,
            "title": meeting.title,
            "date": _date(meeting.date),
            "status": meeting.status.value,
            "quorum": method.quorum_on(people, meeting.date, meeting.circle_quorum),
            **steering_state(meeting, people),
        },
        "members": [
            {"id": m.id, "name": m.name, "role": m.role.value, "present": m.id in present,
             "late": bool(m.present and m.late), "marked": m.id in marked}
            for m in members
        ],
        "agenda": [
            {"proposal": item.proposal_id, "title": item.title, "phase": item.phase.value,
             "outcome": item.outcome.value if item.outcome else None}
            for item in agenda
        ],
        "proposal": proposal_state(focus, hidden) if focus is not None else None,
        "round": {**round_state(rnd, facts, seats, given), **turn_state(rnd, facts.speaking_now, meeting.turn_seconds)}
        if rnd is not None else None,
        "ready": ready_state(meeting, [m for m in members if m.id in present and m.role in method.SEATED_ROLES]),
        "now": server_now(),
        "connected": presence.connected(meeting.id),
        **away_state(meeting.steerer_away_since, meeting.takeover_minutes),
    }


#: One answer with what its message tells of its round and the round's meeting, as one row: built once, as
#: every answer heard by programs alone runs it (docs/performance/statements.md).
_ANSWER = (
    sa.select(Contribution.member_id, Contribution.answer, Contribution.text, Contribution.position,
              Contribution.recorded_by_id, Contribution.nominee_id, Contribution.round_id, Round.kind, Round.mode,
              Round.status, Round.reveal, Round.proposal_id, Round.proposal_version, Round.turn_started_at,
              Meeting.turn_seconds)
    .join(Round, Round.id == Contribution.round_id).join(Meeting, Meeting.id == Round.meeting_id)
    .where(Contribution.id == sa.bindparam("contribution_id"))
)


def answer_change(contribution_id: int, version: int, read: bool = False) -> dict[str, Any] | None:
    """What one new answer changes, to send instead of the whole state.

    Everyone receives one small message per answer, so an open round with N
    answers costs each phone O(N), not O(N^2). `version` is the meeting
    version this answer made. None means: send the whole state instead,
    because the answer completes a hidden (simultaneous reveal) round, which
    now reveals every answer at once, or because it is an objection, which
    the proposal's list of objections must show too.

    `read`: the pages' reading of the meeting is held in the session (circle/broadcast.py), the answer, its
    round with its seats and answers, and the meeting in it. Without it the answer with its round and meeting
    is one row, and who sits and who answered are rows: no object is built for one answer
    (docs/performance/rows.md, "No object for what programs are sent").
    """
    if read:
        contribution = db.session.get(Contribution, contribution_id)
        rnd = contribution.round
        turn_seconds = rnd.meeting.turn_seconds
        seats, answers = seats_and_answers(rnd)
    else:
        contribution = rnd = db.session.connection().execute(_ANSWER, {"contribution_id": contribution_id}).one()
        turn_seconds = contribution.turn_seconds
        seats, answers = ring_of(contribution.round_id)
    if contribution.answer == method.Answer.OBJECTION and not rnd.reveal:
        return None
    if rnd.kind == method.RoundKind.CHANGE_NOMINATION:  # the nominations now (`proposal.election.tally`) change
        return None
    facts = round_facts(rnd, seats, answers)
    if rnd.reveal and facts.complete:
        return None
    late = dict(seats)[contribution.member_id]
    current = facts.speaking_now
    return {
        "version": version,
        "round": contribution.round_id,
        "seat": seat_state(contribution.member_id, late, True, contribution if facts.visible else None),
        "current": current,
        "complete": facts.complete,
        **turn_state(rnd, current, turn_seconds),
    }
