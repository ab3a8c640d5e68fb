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
from sqlalchemy.orm import joinedload, selectinload

from circle import method, presence
from circle.extensions import db
from circle.facts import (
    SEATS_ANSWERED, focus_id, hidden_now, memberships, on_the_list, round_facts, seats_and_answers,
)
from circle.read.facilitation import away_state, ready_state, server_now, steering_state, turn_state
from circle.read.elections import election_view
from circle.models import (
    AgendaItem,
    Contribution,
    Meeting,
    Objection,
    Proposal,
    ProposalVersion,
    Round,
)


# The statements of every `state`, built once with their values as parameters (docs/performance.md).
_MEETING = sa.select(Meeting).where(Meeting.id == sa.bindparam("meeting_id")).options(joinedload(Meeting.circle))
#: The agenda as rows: each proposal with its phase and the title of its current version, in one statement
#: where objects took three (the items, their proposals, the proposals' versions).
_AGENDA = (
    sa.select(AgendaItem.proposal_id, AgendaItem.outcome, Proposal.phase, ProposalVersion.title)
    .join(Proposal, Proposal.id == AgendaItem.proposal_id)
    .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                   ProposalVersion.number == Proposal.current_version))
    .where(AgendaItem.meeting_id == sa.bindparam("meeting_id")).order_by(AgendaItem.position)
)
_FOCUS = (sa.select(Proposal).where(Proposal.id == sa.bindparam("proposal_id"))
          .options(selectinload(Proposal.versions),
                   selectinload(Proposal.objections).selectinload(Objection.contribution)))
#: The meeting's open round, or else the one that closed last.
LATEST_ROUND = (sa.select(Round).where(Round.meeting_id == sa.bindparam("meeting_id"))
                .order_by(Round.number.desc()).limit(1))
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


def proposal_state(proposal: Proposal, hidden_round: int | None = None) -> dict[str, Any]:
    """The proposal under discussion, at its current version.

    Objections raised in `hidden_round` (a simultaneous reveal still waiting
    for answers) stay out, with their makers and reasons, until it completes.
    """
    latest = proposal.latest
    # Also a round between meetings about it may hide some (docs/between-meetings.md); none raised, none hidden.
    hidden = hidden_now(proposal.circle_id) if proposal.objections else set()
    return {
        "id": proposal.id,
        "phase": proposal.phase.value,
        "version": latest.number,
        "proposer": proposal.proposer_id,
        "title": latest.title,
        "text": latest.text,
        "note": latest.note,
        "background": latest.background,
        "review_date": _date(latest.review_date),
        "success_criteria": latest.success_criteria,
        "carried_out_by": latest.carried_out_by,
        "objections": [
            {
                "id": o.id,
                "member": o.member_id,
                "version": o.version,
                "reason": o.contribution.text,
                "workable": o.workable,
                "tested": o.tested,
                "status": o.status.value,
                "met_by_version": o.met_by_version,
            }
            for o in proposal.objections
            if o.contribution.round_id != hidden_round and o.contribution_id not in hidden
        ],
        "election": election_state(proposal),
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
    their ids and words, nothing a member, seat or answer object would add (docs/performance.md)."""
    here = {"meeting_id": meeting_id}
    meeting = db.session.scalars(_MEETING, here).one()  # with its circle: one statement, whose members come next
    people = memberships(meeting)
    marked = {m.id for m in people if m.present is not None}
    present = {m.id for m in people if m.present}
    members = [m for m in people if on_the_list(m, meeting, marked)]
    agenda = db.session.execute(_AGENDA, here).all()
    focus = focus_id(meeting, [item.proposal_id for item in agenda if item.outcome is None])
    proposal = db.session.scalar(_FOCUS, {"proposal_id": focus}) if focus is not None else None
    rnd = db.session.scalar(LATEST_ROUND, here)
    hidden = None
    if rnd is not None:
        rows = db.session.execute(_SEATS_GIVEN, {"round_id": rnd.id}).all()
        seats = [(row.member_id, row.added_late) for row in rows]
        given = {row.member_id: row for row in rows if row.id is not None}
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
            "quorum": method.quorum_on(people, meeting.date, meeting.circle.quorum),
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
        "proposal": proposal_state(proposal, hidden) if proposal is not None else None,
        "round": {**round_state(rnd, facts, seats, given), **turn_state(rnd, facts.speaking_now, meeting.turn_seconds)}
        if rnd is not None else None,
        "ready": ready_state(meeting, [m for m in members if m.id in present and m.role in method.SEATED_ROLES]),
        "now": server_now(),
        "connected": presence.connected(meeting.id),
        **away_state(meeting),
    }


#: One answer with its round, the round's meeting and the member who answered: built once, as every answer
#: heard by programs alone runs it (docs/performance.md).
_ANSWER = (sa.select(Contribution).where(Contribution.id == sa.bindparam("contribution_id"))
           .options(joinedload(Contribution.round).joinedload(Round.meeting)))


def answer_change(contribution_id: int, version: int, read: bool = False) -> dict[str, Any] | None:
    """What one new answer changes, to send instead of the whole state.

    Everyone receives one small message per answer, so an open round with N
    answers costs each phone O(N), not O(N^2). `version` is the meeting
    version this answer made. None means: send the whole state instead,
    because the answer completes a hidden (simultaneous reveal) round, which
    now reveals every answer at once, or because it is an objection, which
    the proposal's list of objections must show too.

    `read`: the pages' reading of the meeting is held in the session (circle/broadcast.py), the answer, its
    member, its round with its seats and answers, and the meeting in it. Without it the answer, its member,
    round and meeting are read in one statement, and who sits and who answered as rows: no seat or answer
    object per member is built for one answer (docs/performance.md).
    """
    if read:
        contribution = db.session.get(Contribution, contribution_id)
    else:
        contribution = db.session.scalars(_ANSWER, {"contribution_id": contribution_id}).one()
    rnd = contribution.round
    if contribution.answer == method.Answer.OBJECTION and not rnd.reveal:
        return None
    if rnd.kind == method.RoundKind.CHANGE_NOMINATION:  # the nominations now (`proposal.election.tally`) change
        return None
    seats, answers = seats_and_answers(rnd)
    facts = round_facts(rnd, seats, answers)
    if rnd.reveal and facts.complete:
        return None
    late = dict(seats)[contribution.member_id]
    current = facts.speaking_now
    return {
        "version": version,
        "round": rnd.id,
        "seat": seat_state(contribution.member_id, late, True, contribution if facts.visible else None),
        "current": current,
        "complete": facts.complete,
        **turn_state(rnd, current, rnd.meeting.turn_seconds),
    }
