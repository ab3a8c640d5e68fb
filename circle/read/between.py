"""A proposal's rounds between meetings as anyone may see them, and the state a program following it is sent.

Every round goes through `round_view` (circle/read/rounds.py): while a
simultaneous reveal waits for answers, nobody sees them here either, nor the
objections they raised. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from circle import clock
from circle.extensions import db
from circle.facts import hidden_now, waits_for_meeting
from circle.method import Answer, Phase, RoundKind
from circle.models import (
    AgendaItem,
    Circle,
    Contribution,
    Meeting,
    Member,
    Objection,
    Proposal,
    Round,
    Seat,
)
from circle.read import corrections
from circle.read import minutes as m
from circle.read.rounds import RoundView, round_view
from circle.read.state import proposal_state, round_state


def moment(value: dt.datetime | None) -> str | None:
    """A moment as the protocol sends it: UTC, ISO 8601 with a Z."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def rounds_between(proposal_id: int) -> list[Round]:
    """Every round about the proposal held between meetings, oldest first, with seats and answers."""
    return list(db.session.scalars(
        sa.select(Round).where(Round.proposal_id == proposal_id, Round.meeting_id.is_(None))
        .order_by(Round.id)
        .options(selectinload(Round.seats).selectinload(Seat.member),
                 selectinload(Round.contributions).selectinload(Contribution.recorded_by))))


def round_between_state(rv: RoundView) -> dict[str, Any]:
    """A round between meetings: as a meeting's round, with its deadline and how it ended."""
    rnd = rv.round
    return {
        **round_state(rnd, rv.facts, [(s.member.id, s.late) for s in rv.seats],
                      {c.member_id: c for c in rv.contributions}),
        "deadline": moment(rnd.deadline),
        "closed_at": moment(rnd.closed_at),
        "ended": rnd.ended.value if rnd.ended else None,
        "silence_counts": rnd.silence_counts,
        "silence_as_consent": rnd.silence_as_consent,
        "unanswered": [m.id for m in rv.unanswered],
    }


def on_agenda(proposal_id: int) -> Meeting | None:
    """The meeting whose agenda the proposal waits on (or is discussed in), if any."""
    return db.session.scalar(
        sa.select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.proposal_id == proposal_id, AgendaItem.outcome.is_(None)))


def between_state(proposal_id: int) -> dict[str, Any]:
    """What a program following a proposal between meetings is sent: the proposal, its latest round
    between meetings, who sits in the circle, and the circle's rules (docs/live-protocol.md)."""
    proposal = db.session.scalar(
        sa.select(Proposal).where(Proposal.id == proposal_id)
        .options(selectinload(Proposal.versions),
                 selectinload(Proposal.objections).selectinload(Objection.contribution)))
    circle = db.session.get(Circle, proposal.circle_id)
    found = rounds_between(proposal_id)
    rv = round_view(found[-1]) if found else None
    meeting = on_agenda(proposal_id)
    people = {m.id: m for m in circle.seated}  # and whoever sat in the round, if they left since
    for seat in rv.seats if rv is not None else []:
        people.setdefault(seat.member.id, seat.member)
    return {
        "version": circle.log_length,
        "proposal": proposal_state(proposal.id, rv.round.id if rv is not None and rv.hidden else None),
        "round": round_between_state(rv) if rv is not None else None,
        "members": [{"id": m.id, "name": m.name, "role": m.role.value, "active": m.active}
                    for m in people.values()],
        "circle": {"id": circle.id, "silence_is_consent": circle.silence_is_consent.value,
                   "proposer_opens_rounds": circle.proposer_opens_rounds},
        "on_agenda": ({"meeting": meeting.id, "title": meeting.title, "date": meeting.date.isoformat()}
                      if meeting is not None else None),
        "waits_for_meeting": waits_for_meeting(proposal),
    }


# --- In the minutes: what happened between meetings ------------------------------------------


def reported_in(meeting: Meeting, people: dict[int, Member], name: m.Name) -> list[m.ItemEntry]:
    """The rounds between meetings that a meeting's minutes report, one item per proposal.

    A round between meetings is reported by the first meeting held on or after
    the day it closed (where the circles live): those that closed after the day
    of the meeting before this one, up to this meeting's day. Each proposal is
    an item with those rounds, its objections and concerns, as an agenda item
    is; its outcome is "adopted" when one of them adopted it, else "open".
    """
    previous = db.session.scalar(
        sa.select(Meeting.date).where(Meeting.circle_id == meeting.circle_id,
                                      sa.tuple_(Meeting.date, Meeting.id) < (meeting.date, meeting.id))
        .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(1))
    until = clock.at_local(meeting.date + dt.timedelta(days=1), 0, 0)
    conditions = [Round.circle_id == meeting.circle_id, Round.meeting_id.is_(None), Round.closed_at < until]
    if previous is not None:
        conditions.append(Round.closed_at >= clock.at_local(previous + dt.timedelta(days=1), 0, 0))
    found = db.session.scalars(
        sa.select(Round).where(*conditions).order_by(Round.closed_at, Round.id)
        .options(selectinload(Round.seats), selectinload(Round.contributions),
                 selectinload(Round.proposal).options(selectinload(Proposal.versions),
                                                      selectinload(Proposal.objections)))).all()
    if not found:
        return []
    given = {c.id for r in found for c in r.contributions}
    fixes, _ = corrections.for_record(given, [])
    fixed = {cid: [m._correction(c, people, name) for c in cs] for cid, cs in fixes.items()}
    withheld = hidden_now(meeting.circle_id)  # raised in a round whose answers are still hidden
    wanted = [o.contribution_id for r in found for o in r.proposal.objections
              if o.contribution_id not in given and o.contribution_id not in withheld]
    earlier = {c.id: c for c in db.session.scalars(
        sa.select(Contribution).where(Contribution.id.in_(wanted)))} if wanted else {}
    by_proposal: dict[int, list[Round]] = {}
    for r in found:
        by_proposal.setdefault(r.proposal_id, []).append(r)
    items = []
    for position, (pid, mine) in enumerate(by_proposal.items(), start=1):
        p = mine[0].proposal
        adopted = p.phase == Phase.ADOPTED and p.decided_at is not None and any(
            r.closed_at == p.decided_at for r in mine)
        number = mine[-1].proposal_version
        v = next(v for v in p.versions if v.number == number)
        items.append(m.ItemEntry(
            position, p.id, v.title, name(people.get(p.proposer_id)), False, number, v.text,
            "adopted" if adopted else m.OPEN, p.decided_at if adopted else None,
            v.review_date, v.success_criteria, v.carried_out_by,
            [m._round_entry(r, people, name, fixed) for r in mine],
            m._objections(p, mine, people, name, earlier), m._concerns(mine, people, name),
            election=m._election(p, v, people, name)))
    return items


def decided_between(circle_id: int) -> list[m.DecisionRow]:
    """The decisions taken between meetings (adopted when a consent round closed), for the decisions CSV:
    no meeting, the day it was decided, objections raised in the rounds between meetings about it, and
    the remarks given with consent in the round that adopted it."""
    rows = db.session.execute(
        sa.select(Round, Proposal).join(Proposal, Proposal.id == Round.proposal_id)
        .where(Round.circle_id == circle_id, Round.meeting_id.is_(None), Round.kind == RoundKind.CONSENT,
               Proposal.phase == Phase.ADOPTED, Proposal.decided_at == Round.closed_at)
        .order_by(Round.closed_at, Round.id)
        .options(selectinload(Round.contributions), selectinload(Proposal.versions))).all()
    if not rows:
        return []
    ids = [p.id for _, p in rows]
    objections = dict(db.session.execute(
        sa.select(Round.proposal_id, sa.func.count(Objection.id))
        .join(Contribution, Contribution.id == Objection.contribution_id)
        .join(Round, Round.id == Contribution.round_id)
        .where(Round.proposal_id.in_(ids), Round.meeting_id.is_(None)).group_by(Round.proposal_id)).all())
    found = []
    for rnd, p in rows:
        v = next(v for v in p.versions if v.number == rnd.proposal_version)
        concerns = sum(1 for c in rnd.contributions if c.answer == Answer.CONSENT and c.text)
        found.append(m.DecisionRow(
            None, "", clock.local(p.decided_at).date(), p.id, v.title, False, Phase.ADOPTED.value, v.number,
            p.decided_at, v.review_date, v.success_criteria, v.carried_out_by, objections.get(p.id, 0), concerns))
    return found
