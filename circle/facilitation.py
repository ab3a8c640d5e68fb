"""The facilitator's tools as actions: speaking time, the ready check, handing over and taking over the steering.

Each is a step of the meeting (circle/steps.py) like any other: it locks the
meeting, asks the method (`check_step`, the rule that decides what the pages
offer), writes its rows and one log entry in one transaction, and the caller
broadcasts after the commit. Who steers is kept on the meeting
(`Meeting.steered_by_id`), for this meeting only: the circle's roles do not
change (docs/facilitation.md).
"""

from __future__ import annotations

import sqlalchemy as sa

from circle import method
from circle.actions import Done, allowed, check_step, lock_meeting, log, person, unchanged, unit_of_work
from circle.extensions import db
from circle.meetings import member_of_circle
from circle.method import Action, require
from circle.models import Circle, Member, ReadyMark
from circle.presence import note_steerer


def set_turn_time(actor: Member, meeting_id: int, seconds: int | None, based_on: int | None = None) -> Done:
    """Whoever steers sets the speaking time per turn (seconds), or none: a calm countdown, never a skip."""
    seconds = seconds or None
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        check_step(actor, meeting, Action.SET_TURN_TIME, seconds=seconds)
        if meeting.turn_seconds == seconds:
            return unchanged(Action.SET_TURN_TIME, meeting_id)
        was, meeting.turn_seconds = meeting.turn_seconds, seconds
        done = log(meeting.circle_id, actor, Action.SET_TURN_TIME, {"seconds": seconds, "was": was}, meeting)
    return done


def ask_ready(actor: Member, meeting_id: int, open_it: bool = True, based_on: int | None = None) -> Done:
    """Ask everyone present "ready for the next step?" (a new check), or end the open check.

    Ending it logs who had not said ready; the steps it asked readiness for end it
    too (method `READY_ENDS_WITH`, actions.log).
    """
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        facts = check_step(actor, meeting, Action.ASK_READY, open_it=open_it)
        if open_it:
            meeting.ready_check += 1
            meeting.ready_open = True
            data = {"check": meeting.ready_check, "open": True}
        else:
            meeting.ready_open = False
            data = {"check": meeting.ready_check, "open": False,
                    "not_ready": [person(m) for m in _members(facts.present_seated - facts.ready)]}
        done = log(meeting.circle_id, actor, Action.ASK_READY, data, meeting)
    return done


def mark_ready(actor: Member, meeting_id: int, member_id: int) -> Done:
    """Someone says "ready" in the open check (the secretary for someone without a phone); twice is once.

    Not based on a version, like an answer: everyone taps at once, and none of them is stale for that.
    """
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, None)
        member = member_of_circle(meeting.circle_id, member_id)
        facts = check_step(actor, meeting, Action.MARK_READY, member.id)
        if member.id in facts.ready:
            return unchanged(Action.MARK_READY, meeting_id)
        db.session.add(ReadyMark(meeting_id=meeting.id, check=meeting.ready_check, member_id=member.id))
        data = {"check": meeting.ready_check, "member": person(member)}
        if actor.id != member.id:
            data["recorded_by"] = person(actor)
        done = log(meeting.circle_id, actor, Action.MARK_READY, data, meeting)
    return done


def hand_over(actor: Member, meeting_id: int, member_id: int, based_on: int | None = None) -> Done:
    """Whoever steers hands the steering of this meeting to another seated member present.

    From then on they take the facilitator's steps here and the circle's
    facilitator takes part as a member; after the meeting nothing of it remains.
    """
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        member = member_of_circle(meeting.circle_id, member_id)
        facts = check_step(actor, meeting, Action.HAND_OVER, member.id)
        meeting.steered_by_id = member.id
        note_steerer(meeting)
        done = log(meeting.circle_id, actor, Action.HAND_OVER,
                   {"steerers_before": [person(m) for m in _members(facts.steerers)], "steerer": person(member)},
                   meeting)
    return done


def take_over(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """The secretary takes the steering over: whoever steered has had no connection for longer than the
    circle's set time (`Circle.takeover_minutes`). Logged with how long they had been away."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        facts = check_step(actor, meeting, Action.TAKE_OVER)
        away = facts.steerer_away_since
        meeting.steered_by_id = actor.id
        note_steerer(meeting)
        done = log(meeting.circle_id, actor, Action.TAKE_OVER,
                   {"steerers_before": [person(m) for m in _members(facts.steerers)], "steerer": person(actor),
                    "away_since": away.isoformat() + "Z", "away_seconds": int((facts.now - away).total_seconds()),
                    "takeover_minutes": facts.takeover_minutes}, meeting)
    return done


def set_takeover(actor: Member, minutes: int) -> Done:
    """The circle's facilitator sets how long whoever steers may be away before the secretary may take over."""
    require(minutes in method.TAKEOVER_MINUTES, "invalid")
    with unit_of_work():
        allowed(actor, Action.SET_TAKEOVER)
        circle = db.session.get(Circle, actor.circle_id)
        was, circle.takeover_minutes = circle.takeover_minutes, minutes
        done = log(circle.id, actor, Action.SET_TAKEOVER, {"minutes": minutes, "was": was})
    return done


def _members(ids) -> list[Member]:
    return list(db.session.scalars(sa.select(Member).where(Member.id.in_(list(ids))).order_by(Member.position,
                                                                                               Member.id)))
