"""Meeting actions: planning, opening and closing, attendance, taking up a proposal and its explanation.

One function per action; each gathers the facts (circle/facts.py), asks the
method whether the step may be taken now (`method.check_step`, the same rule
that decides which buttons a page shows), writes its rows and one log entry
in one transaction (see actions.py), and returns `Done`. The rounds held on a
proposal, with their answers, are circle/rounds.py.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import method, notices, presence
from circle.actions import Done, allowed, check_step, lock_meeting, log, person, unchanged, unit_of_work
from circle.extensions import db
from circle.facts import rounds_held
from circle.method import Action, require
from circle.models import Attendance, Meeting, Member, Proposal, utcnow


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
        notices.meeting_planned(meeting)  # owed with the meeting; mailed once it is committed
    return done


def open_meeting(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Open a planned meeting: attendance and rounds can begin."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.OPEN_MEETING)
        meeting.status = method.open_meeting(meeting.status)
        presence.note_steerer(meeting)  # from now on Kring notes whether whoever steers is connected
        done = log(meeting.circle_id, actor, Action.OPEN_MEETING, {}, meeting)
    return done


def close_meeting(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Close the meeting once no round is open; its record is then complete."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.CLOSE_MEETING)
        meeting.status = method.MeetingStatus.CLOSED
        meeting.current_proposal_id = None
        done = log(meeting.circle_id, actor, Action.CLOSE_MEETING, {}, meeting)
    return done


def mark_attendance(
    actor: Member, meeting_id: int, member_id: int, present: bool, based_on: int | None = None
) -> Done:
    """Mark a member present or absent; who is present decides who answers in a round.

    The secretary and the facilitator mark anyone; anyone seated may say "I am here".
    Marking someone as what they already are changes nothing (`unchanged`).
    """
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        member = member_of_circle(meeting.circle_id, member_id)
        check_step(actor, meeting, Action.MARK_ATTENDANCE, member.id, present=present)
        row = db.session.scalar(
            sa.select(Attendance).where(
                Attendance.meeting_id == meeting.id, Attendance.member_id == member.id
            )
        )
        if row is not None and row.present == present:
            return unchanged(Action.MARK_ATTENDANCE, meeting_id)
        late = present and rounds_held(meeting) > 0 and (row is None or not row.present)
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


def take_up(actor: Member, meeting_id: int, proposal_id: int, based_on: int | None = None) -> Done:
    """The meeting turns to another proposal on its agenda: every screen shows it from now on."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.TAKE_UP, proposal_id)
        if meeting.current_proposal_id == proposal_id:
            return unchanged(Action.TAKE_UP, meeting_id)  # it is what the meeting is about already
        meeting.current_proposal_id = proposal_id
        proposal = db.session.get(Proposal, proposal_id)
        done = log(meeting.circle_id, actor, Action.TAKE_UP,
                   {"proposal": proposal.id, "title": proposal.latest.title}, meeting)
    return done


# --- The proposal before its rounds ---------------------------------------------


def start_explanation(
    actor: Member, meeting_id: int, proposal_id: int, based_on: int | None = None
) -> Done:
    """The proposer explains the proposal before the first round."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.START_EXPLANATION, proposal_id, proposal_id=proposal_id)
        proposal = db.session.get(Proposal, proposal_id)
        proposal.phase = method.Phase.EXPLANATION
        meeting.current_proposal_id = proposal.id
        done = log(
            meeting.circle_id, actor, Action.START_EXPLANATION,
            {"proposal": proposal.id, "version": proposal.current_version}, meeting,
        )
    return done
