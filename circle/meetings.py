"""Meeting actions: planning, attendance, and the rounds.

One function per action; each asks circle/method.py whether it is allowed,
writes its rows and one log entry in one transaction (see actions.py), and
returns `Done`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import method
from circle.actions import Done, allowed, lock_meeting, log, person, unit_of_work
from circle.extensions import db
from circle.method import Action, Answer, ObjectionStatus, RoundKind, RoundMode, require
from circle.models import (
    AgendaItem,
    Attendance,
    Contribution,
    Meeting,
    Member,
    Objection,
    Proposal,
    Round,
    RoundStatus,
    Seat,
    utcnow,
)

# --- Facts the method asks for ----------------------------------------------


def open_round(meeting: Meeting) -> Round | None:
    """The meeting's open round; there is at most one."""
    return db.session.scalar(
        sa.select(Round).where(Round.meeting_id == meeting.id, Round.status == RoundStatus.OPEN)
    )


def present_seated(meeting: Meeting) -> list[Member]:
    """Members present now who sit in the circle, in the circle's order."""
    return [m for m in db.session.scalars(
        sa.select(Member)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(
            Attendance.meeting_id == meeting.id,
            Attendance.present.is_(True),
            Member.role.in_(method.SEATED_ROLES),
        )
        .order_by(Member.position, Member.id)
    ) if m.member_on(meeting.date)]


def was_absent(member: Member, meeting: Meeting, present: bool) -> bool:
    """Expected at the meeting (seated in the circle on its date), yet not there: listed as absent."""
    return not present and member.expected_on(meeting.date)


def round_facts(rnd: Round) -> method.RoundFacts:
    """A round as the method sees it: its order, who answered, whether it is open."""
    return method.RoundFacts(
        kind=rnd.kind,
        mode=rnd.mode,
        seats=tuple(s.member_id for s in rnd.seats),
        answered=frozenset(c.member_id for c in rnd.contributions),
        open=rnd.status == RoundStatus.OPEN,
    )


def proposal_facts(proposal: Proposal, meeting: Meeting | None) -> method.ProposalFacts:
    """A proposal as the method sees it."""
    complete = db.session.scalar(
        sa.select(sa.func.max(Round.proposal_version)).where(
            Round.proposal_id == proposal.id,
            Round.kind == RoundKind.CONSENT,
            Round.status == RoundStatus.CLOSED,
        )
    )
    standing = db.session.scalar(
        sa.select(sa.func.count(Objection.id)).where(
            Objection.proposal_id == proposal.id, Objection.status == ObjectionStatus.STANDING
        )
    )
    return method.ProposalFacts(
        phase=proposal.phase,
        version=proposal.current_version,
        round_open=meeting is not None and open_round(meeting) is not None,
        consent_complete_version=complete,
        standing_objections=standing,
    )


def agenda_item(meeting: Meeting, proposal_id: int) -> AgendaItem:
    """The proposal's open item on this meeting's agenda, or refuse."""
    item = db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.proposal_id == proposal_id,
            AgendaItem.outcome.is_(None),
        )
    )
    require(item is not None, "not_on_agenda")
    return item


def member_of_circle(circle_id: int, member_id: int) -> Member:
    """A member of this circle, or refuse."""
    member = db.session.get(Member, member_id)
    require(member is not None and member.circle_id == circle_id, "not_found")
    return member


# --- Planning and attendance --------------------------------------------------


def plan_meeting(actor: Member, title: str, date: dt.date) -> Done:
    """Plan a meeting of the actor's circle."""
    with unit_of_work():
        allowed(actor, Action.PLAN_MEETING)
        method.check_text(title, method.TITLE_MAX, required=True)
        meeting = Meeting(circle_id=actor.circle_id, title=title, date=date)
        db.session.add(meeting)
        db.session.flush()
        done = log(
            actor.circle_id, actor, Action.PLAN_MEETING,
            {"title": title, "date": date.isoformat()}, meeting, subject=meeting.id,
        )
    return done


def open_meeting(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Open a planned meeting: attendance and rounds can begin."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.OPEN_MEETING)
        meeting.status = method.open_meeting(meeting.status)
        done = log(meeting.circle_id, actor, Action.OPEN_MEETING, {}, meeting)
    return done


def close_meeting(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Close the meeting once no round is open; its record is then complete."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.CLOSE_MEETING)
        meeting.status = method.close_meeting(meeting.status, open_round(meeting) is not None)
        meeting.current_proposal_id = None
        done = log(meeting.circle_id, actor, Action.CLOSE_MEETING, {}, meeting)
    return done


def mark_attendance(
    actor: Member, meeting_id: int, member_id: int, present: bool, based_on: int | None = None
) -> Done:
    """Mark a member present or absent; who is present decides who answers in a round."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        if present and actor.id == member_id:  # anyone in the circle may say "I am here"
            require(actor.active, "not_allowed")
        else:
            allowed(actor, Action.MARK_ATTENDANCE)
        method.check_meeting_open(meeting.status)
        member = member_of_circle(meeting.circle_id, member_id)
        require(member.member_on(meeting.date), "not_a_member_then")
        row = db.session.scalar(
            sa.select(Attendance).where(
                Attendance.meeting_id == meeting.id, Attendance.member_id == member.id
            )
        )
        late = present and bool(meeting.rounds) and (row is None or not row.present)
        if row is None:
            row = Attendance(meeting_id=meeting.id, member_id=member.id, present=present, late=late)
            db.session.add(row)
        else:
            row.present, row.changed_at = present, utcnow()
            row.late = row.late or late
        done = log(
            meeting.circle_id, actor, Action.MARK_ATTENDANCE,
            {"member": person(member), "present": present, "late": row.late}, meeting,
        )
    return done


# --- Rounds -------------------------------------------------------------------


def start_explanation(
    actor: Member, meeting_id: int, proposal_id: int, based_on: int | None = None
) -> Done:
    """The proposer explains the proposal before the first round."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.START_EXPLANATION)
        method.check_meeting_open(meeting.status)
        agenda_item(meeting, proposal_id)
        proposal = db.session.get(Proposal, proposal_id)
        require(open_round(meeting) is None, "round_open")
        proposal.phase = method.start_explanation(proposal_facts(proposal, meeting))
        meeting.current_proposal_id = proposal.id
        done = log(
            meeting.circle_id, actor, Action.START_EXPLANATION,
            {"proposal": proposal.id, "version": proposal.current_version}, meeting,
        )
    return done


def start_round(
    actor: Member,
    meeting_id: int,
    kind: RoundKind,
    mode: RoundMode = RoundMode.IN_TURN,
    proposal_id: int | None = None,
    reveal: bool = False,
    starter_id: int | None = None,
    clockwise: bool = True,
    based_on: int | None = None,
) -> Done:
    """Start a round; who must answer is fixed now: the seated members present."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.START_ROUND)
        method.check_meeting_open(meeting.status)
        present = present_seated(meeting)
        proposal = None
        if kind in method.MEETING_ROUNDS:
            require(proposal_id is None, "wrong_phase")
            method.start_meeting_round(kind, open_round(meeting) is not None, len(present))
        else:
            require(proposal_id is not None, "not_on_agenda")
            agenda_item(meeting, proposal_id)
            proposal = db.session.get(Proposal, proposal_id)
            proposal.phase = method.start_round(
                proposal_facts(proposal, meeting), kind, mode, reveal,
                len(present), meeting.quorum,
            )
            meeting.current_proposal_id = proposal.id
        require(starter_id is None or any(m.id == starter_id for m in present), "not_present")
        order = method.seat_order([m.id for m in present], starter_id, clockwise)
        rnd = Round(
            meeting_id=meeting.id,
            number=len(meeting.rounds) + 1,
            proposal_id=proposal.id if proposal else None,
            proposal_version=proposal.current_version if proposal else None,
            kind=kind,
            mode=mode,
            reveal=reveal,
            started_by_id=actor.id,
        )
        rnd.seats = [Seat(member_id=m, position=i) for i, m in enumerate(order, start=1)]
        db.session.add(rnd)
        db.session.flush()
        names = {m.id: m.name for m in present}
        done = log(
            meeting.circle_id, actor, Action.START_ROUND,
            {
                "round": rnd.id, "number": rnd.number, "kind": kind.value, "mode": mode.value,
                "reveal": reveal, "proposal": rnd.proposal_id, "version": rnd.proposal_version,
                "seats": [{"id": m, "name": names[m]} for m in order],
            },
            meeting, subject=rnd.id,
        )
    return done


def _the_open_round(meeting: Meeting) -> Round:
    rnd = open_round(meeting)
    require(rnd is not None, "no_round")
    return rnd


def skip_speaker(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Skip the current speaker in a round in turn; they come back at the end."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.SKIP_SPEAKER)
        rnd = _the_open_round(meeting)
        facts = round_facts(rnd)
        skipped = facts.current_speaker
        order = method.skip(facts)
        last = max(s.position for s in rnd.seats)
        for seat in rnd.seats:
            if seat.member_id == skipped:
                seat.position = last + 1
        member = db.session.get(Member, skipped)
        done = log(
            meeting.circle_id, actor, Action.SKIP_SPEAKER,
            {"round": rnd.id, "member": person(member), "order": list(order)}, meeting,
        )
    return done


def add_seat(actor: Member, meeting_id: int, member_id: int, based_on: int | None = None) -> Done:
    """Add a late arrival to the open round, openly, at the end of the order."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.ADD_SEAT)
        rnd = _the_open_round(meeting)
        member = member_of_circle(meeting.circle_id, member_id)
        is_present = any(m.id == member.id for m in present_seated(meeting))
        method.add_seat(round_facts(rnd), member.id, is_present)
        last = max((s.position for s in rnd.seats), default=0)
        db.session.add(Seat(round_id=rnd.id, member_id=member.id, position=last + 1, added_late=True))
        done = log(
            meeting.circle_id, actor, Action.ADD_SEAT,
            {"round": rnd.id, "member": person(member)}, meeting,
        )
    return done


def contribute(
    actor: Member,
    meeting_id: int,
    member_id: int,
    answer: Answer,
    text: str = "",
    workable: str = "",
    client_id: str | None = None,
) -> Done:
    """Record a member's contribution to the open round: their own, or for them.

    With `client_id`, a resent submission is stored once: the second time
    nothing changes and `duplicate` is set. The same `client_id` with other
    content is refused (`client_id_reused`): the sender mixed up two answers,
    and silently keeping only the first would lose the second.
    """
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, None)
        earlier = client_id and db.session.scalar(
            sa.select(Contribution).where(
                Contribution.recorded_by_id == actor.id, Contribution.client_id == client_id
            )
        )
        if earlier:
            same = _same_answer(earlier, member_id, answer, text.strip(), workable.strip())
            db.session.rollback()
            require(same, "client_id_reused")
            version = db.session.get(Meeting, meeting_id).version
            return Done(str(Action.CONTRIBUTE), meeting_id, version, earlier.id, duplicate=True)
        allowed(actor, Action.CONTRIBUTE)
        method.check_meeting_open(meeting.status)
        member = member_of_circle(meeting.circle_id, member_id)
        method.check_on_behalf(actor.role, actor.id, member.id)
        rnd = _the_open_round(meeting)
        text, workable = text.strip(), workable.strip()
        method.check_text(text, method.CONTRIBUTION_MAX)
        method.check_text(workable, method.CONTRIBUTION_MAX)
        method.check_contribution(round_facts(rnd), member.id, answer, text, reason=text)
        contribution = Contribution(
            round_id=rnd.id,
            position=len(rnd.contributions) + 1,
            member_id=member.id,
            recorded_by_id=actor.id,
            answer=answer,
            text=text,
            client_id=client_id or None,
        )
        db.session.add(contribution)
        db.session.flush()
        data = {
            "round": rnd.id, "contribution": contribution.id, "member": person(member),
            "answer": answer.value, "text": text,
        }
        if actor.id != member.id:
            data["recorded_by"] = person(actor)
        if answer == Answer.OBJECTION:
            db.session.add(
                Objection(
                    proposal_id=rnd.proposal_id, contribution_id=contribution.id,
                    member_id=member.id, version=rnd.proposal_version, workable=workable,
                )
            )
            data["workable"] = workable
        done = log(meeting.circle_id, actor, Action.CONTRIBUTE, data, meeting, subject=contribution.id)
    return done


def _same_answer(stored: Contribution, member_id: int, answer: Answer, text: str, workable: str) -> bool:
    """Whether a resent contribution says what the stored one says (a true resend)."""
    if (stored.member_id, stored.answer, stored.text) != (member_id, answer, text):
        return False
    if answer != Answer.OBJECTION:
        return True
    kept = db.session.scalar(sa.select(Objection.workable).where(Objection.contribution_id == stored.id))
    return kept == workable


def close_round(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Close the open round. A complete consent round decides where the proposal goes next."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        allowed(actor, Action.CLOSE_ROUND)
        rnd = _the_open_round(meeting)
        facts = round_facts(rnd)
        method.check_close_round(facts)
        rnd.status, rnd.closed_at = RoundStatus.CLOSED, utcnow()
        data: dict = {"round": rnd.id, "unanswered": facts.waiting}
        if rnd.kind == RoundKind.CONSENT:
            data.update(_conclude_consent(rnd))
        done = log(meeting.circle_id, actor, Action.CLOSE_ROUND, data, meeting)
    return done


def _conclude_consent(rnd: Round) -> dict:
    """Meet the objections whose makers consented to this version; set the proposal's phase."""
    proposal = rnd.proposal
    consented = [c.member_id for c in rnd.contributions if c.answer == Answer.CONSENT]
    earlier = [
        o for o in proposal.objections
        if o.status == ObjectionStatus.STANDING and o.version < rnd.proposal_version
    ]
    makers = method.objections_met([o.member_id for o in earlier], consented)
    met = []
    for objection in earlier:
        if objection.member_id in makers:
            objection.status = ObjectionStatus.MET
            objection.met_by_version = rnd.proposal_version
            objection.ended_at = utcnow()
            met.append(objection.id)
    standing = sum(o.status == ObjectionStatus.STANDING for o in proposal.objections)
    proposal.phase = method.after_consent_round(standing)
    return {"proposal": proposal.id, "version": rnd.proposal_version, "met": met,
            "standing": standing, "phase": proposal.phase.value}

