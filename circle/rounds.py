"""Round actions: starting a round, its turns and late seats, the answers, and closing it.

Like every action (circle/meetings.py), each gathers the facts (circle/facts.py),
asks the method whether the step may be taken now (`method.check_step`), writes
its rows and one log entry in one transaction (see actions.py), and returns
`Done`. A round's seats and answers are written as plain statements where an
object would cost a step more than the statement (docs/performance/rows.md).
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from circle import clock, method
from circle.actions import Done, check_step, lock_meeting, log, person, unchanged, unit_of_work
from circle.extensions import db, rows
from circle.facts import nomination, open_round, round_facts, rounds_held
from circle.meetings import member_of_circle
from circle.method import Action, Answer, ObjectionStatus, RoundKind, RoundMode, require
from circle.models import (
    Attendance,
    Contribution,
    Meeting,
    Member,
    Objection,
    Person,
    Proposal,
    Round,
    RoundStatus,
    Seat,
    utcnow,
)


_PRESENT_SEATED = (
    sa.select(Member.id, Person.name, Member.joined_on, Member.left_on)
    .join(Person, Person.id == Member.person_id).join(Attendance, Attendance.member_id == Member.id)
    .where(Attendance.meeting_id == sa.bindparam("meeting_id"), Attendance.present.is_(True),
           Member.role.in_(method.SEATED_ROLES))
    .order_by(Member.position, Member.id)
)


#: A new round, and its seats, one row each, in one INSERT (executemany), through the connection: as objects
#: flushed by the unit of work, or an ORM statement, they cost a start more than the statements
#: (docs/performance/rows.md).
_NEW_ROUND = sa.insert(Round.__table__)
_NEW_SEATS = sa.insert(Seat.__table__)
#: A round closing, as one plain UPDATE: the unit of work's flush of the round object cost a close more.
_CLOSE_ROUND = (sa.update(Round.__table__).where(Round.__table__.c.id == sa.bindparam("round_id"))
                .values(status=RoundStatus.CLOSED, closed_at=sa.bindparam("at")))
#: An answer, as one plain INSERT: no object is built for it, nor flushed by the unit of work, which cost an
#: answer more than the statement (docs/performance/rows.md). The answer is read back only where it is drawn.
_NEW_CONTRIBUTION = sa.insert(Contribution.__table__)


def present_seated(meeting: Meeting) -> list[sa.Row]:
    """Members present now who sit in the circle, in the circle's order, as rows (`id`, `name`): a new
    round seats them and its log entry names them, nothing a member object would add (docs/performance/rows.md)."""
    return [m for m in rows(_PRESENT_SEATED, {"meeting_id": meeting.id})
            if method.membership_covers(m.joined_on, m.left_on, meeting.date)]


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
        facts = check_step(actor, meeting, Action.START_ROUND, kind, proposal_id=proposal_id,
                           mode=mode, reveal=reveal)
        reveal = method.reveal_of(kind, reveal)  # nominations are always hidden until all are in
        about_proposal = kind not in method.MEETING_ROUNDS
        require(about_proposal or proposal_id is None, "wrong_phase")
        present = present_seated(meeting)
        proposal = None
        if about_proposal:  # the proposal named, else the one the meeting took up
            proposal = db.session.get(Proposal, facts.proposal_id)
            proposal.phase = method.Phase(kind.value)
            meeting.current_proposal_id = proposal.id
        require(starter_id is None or any(m.id == starter_id for m in present), "not_present")
        order = method.seat_order([m.id for m in present], starter_id, clockwise)
        if kind == RoundKind.CONSENT and facts.proposal.nominee is not None:
            order = list(method.last_at_end(tuple(order), facts.proposal.nominee))  # the nominee answers last
        # Who sits is known and nobody has answered yet, so the new round's facts are known without reading
        # it back; it is written as plain INSERTs, its seats in one (executemany), with no round or seat
        # object built and flushed (docs/performance/rows.md).
        last = facts.proposal.nominee if kind == RoundKind.CONSENT and facts.proposal is not None else None
        after = method.RoundFacts(kind=kind, mode=mode, seats=tuple(order), answered=frozenset(), open=True,
                                  reveal=reveal, last=last)
        values = {
            "circle_id": meeting.circle_id,
            "meeting_id": meeting.id,
            "number": rounds_held(meeting) + 1,
            "proposal_id": proposal.id if proposal else None,
            "proposal_version": proposal.current_version if proposal else None,
            "kind": kind,
            "mode": mode,
            "reveal": reveal,
            "started_by_id": actor.id,
            "turn_started_at": clock.now() if after.current_speaker is not None else None,  # `_turn_passes`
        }
        round_id = rows(_NEW_ROUND, values).inserted_primary_key[0]
        rows(_NEW_SEATS, [{"round_id": round_id, "member_id": m, "position": i} for i, m in enumerate(order, start=1)])
        names = {m.id: m.name for m in present}
        done = log(
            meeting.circle_id, actor, Action.START_ROUND,
            {
                "round": round_id, "number": values["number"], "kind": kind.value, "mode": mode.value,
                "reveal": reveal, "proposal": values["proposal_id"], "version": values["proposal_version"],
                "seats": [{"id": m, "name": names[m]} for m in order],
            },
            meeting, subject=round_id,
        )
    return done


def skip_speaker(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Skip the current speaker in a round in turn; they come back at the end."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        facts = check_step(actor, meeting, Action.SKIP_SPEAKER, _current_speaker(meeting))
        rnd = open_round(meeting)
        skipped = facts.round.current_speaker
        order = method.skip(facts.round)
        if order == facts.round.seats:
            return unchanged(Action.SKIP_SPEAKER, meeting_id)  # the last one waiting: still last
        last = max(s.position for s in rnd.seats)
        for seat in rnd.seats:
            if seat.member_id == skipped:
                seat.position = last + 1
        _keep_last(rnd, facts.round.last)
        _turn_passes(rnd, skipped)
        member = db.session.get(Member, skipped)
        done = log(
            meeting.circle_id, actor, Action.SKIP_SPEAKER,
            {"round": rnd.id, "member": person(member), "order": list(order)}, meeting,
        )
    return done


def _keep_last(rnd: Round, last: int | None) -> None:
    """After a skip or a late seat, the one who answers last (an election's nominee) moves back to the end."""
    seat = next((s for s in rnd.seats if s.member_id == last), None)
    end = max(s.position for s in rnd.seats)
    if seat is not None and seat.position != end:
        seat.position = end + 1


def _turn_passes(rnd: Round, before: int | None, after: method.RoundFacts | None = None) -> None:
    """Where the turn passed to someone else (a round in turn began, an answer, a skip, a late seat),
    their speaking time counts from now (docs/facilitation.md). Flushes what the step wrote.

    `after`: the round's facts after the step, where the step knows them (an answer): nothing is read back."""
    db.session.flush()
    if after is None:
        db.session.expire(rnd, ["seats", "contributions"])
        after = round_facts(rnd)
    if after.current_speaker not in (None, before):
        rnd.turn_started_at = clock.now()


def _current_speaker(meeting: Meeting) -> int | None:
    rnd = open_round(meeting, whole=False)
    return round_facts(rnd).current_speaker if rnd is not None else None


def add_seat(actor: Member, meeting_id: int, member_id: int, based_on: int | None = None) -> Done:
    """Add a late arrival to the open round, openly, at the end of the order."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        member = member_of_circle(meeting.circle_id, member_id)
        facts = check_step(actor, meeting, Action.ADD_SEAT, member.id)
        rnd = open_round(meeting)
        last = max((s.position for s in rnd.seats), default=0)
        rnd.seats.append(Seat(round_id=rnd.id, member_id=member.id, position=last + 1, added_late=True))
        _keep_last(rnd, facts.round.last)
        _turn_passes(rnd, facts.round.current_speaker)
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
    nominee_id: int | None = None,
) -> Done:
    """Record a member's contribution to the open round: their own, or for them.

    In an election's rounds it names a nominee (`nominee_id`); in the change
    round, leaving it out keeps one's earlier nomination.

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
            same = same_answer(earlier, member_id, answer, text.strip(), workable.strip(), nominee_id)
            db.session.rollback()
            require(same, "client_id_reused")
            version = db.session.get(Meeting, meeting_id).version
            return Done(str(Action.CONTRIBUTE), meeting_id, version, earlier.id, duplicate=True)
        member = member_of_circle(meeting.circle_id, member_id)
        rnd = open_round(meeting, whole=False)  # who sits and who answered are read as rows (facts.round_facts)
        facts = check_step(actor, meeting, Action.CONTRIBUTE, member.id, rnd=rnd)
        text, workable, nominee = checked_answer(facts, rnd, member.id, answer, text, workable, nominee_id)
        contribution_id = rows(_NEW_CONTRIBUTION, {
            "round_id": rnd.id,
            "position": len(facts.round.answered) + 1,  # one answer each (method `check_contribution`)
            "member_id": member.id,
            "recorded_by_id": actor.id,
            "answer": answer,
            "text": text,
            "nominee_id": nominee,
            "client_id": client_id or None,
        }).inserted_primary_key[0]
        _turn_passes(rnd, facts.round.current_speaker,
                     after=dataclasses.replace(facts.round, answered=facts.round.answered | {member.id}))
        data = {
            "round": rnd.id, "contribution": contribution_id, "member": person(member),
            "answer": answer.value, "text": text,
        }
        if actor.id != member.id:
            data["recorded_by"] = person(actor)
        if nominee is not None:
            data["nominee"] = person(db.session.get(Member, nominee))
        if answer == Answer.OBJECTION:
            db.session.add(
                Objection(
                    proposal_id=rnd.proposal_id, contribution_id=contribution_id,
                    member_id=member.id, version=rnd.proposal_version, workable=workable,
                )
            )
            data["workable"] = workable
        done = log(meeting.circle_id, actor, Action.CONTRIBUTE, data, meeting, subject=contribution_id)
    return done


def checked_answer(facts: method.MeetingFacts | method.BetweenFacts, rnd: Round, member_id: int, answer: Answer,
                   text: str, workable: str, nominee_id: int | None) -> tuple[str, str, int | None]:
    """Refuse an answer the method does not take from this member in this round, in a meeting or between
    meetings; return its text and workable version as stored (trimmed), and the nominee it names."""
    text, workable = text.strip(), workable.strip()
    method.check_text(text, method.CONTRIBUTION_MAX)
    method.check_text(workable, method.CONTRIBUTION_MAX)
    nominee = nomination(rnd, member_id, answer, nominee_id)  # in a change round, naming nobody keeps it
    method.check_contribution(facts.round, member_id, answer, text, reason=text, nominee=nominee,
                              candidates=facts.seated)
    return text, workable, nominee


def same_answer(stored: Contribution, member_id: int, answer: Answer, text: str, workable: str,
                 nominee_id: int | None = None) -> bool:
    """Whether a resent contribution says what the stored one says (a true resend)."""
    if (stored.member_id, stored.answer, stored.text) != (member_id, answer, text):
        return False
    if nominee_id is not None and stored.nominee_id != nominee_id:
        return False
    if answer != Answer.OBJECTION:
        return True
    kept = db.session.scalar(sa.select(Objection.workable).where(Objection.contribution_id == stored.id))
    return kept == workable


def close_round(actor: Member, meeting_id: int, based_on: int | None = None) -> Done:
    """Close the open round. A complete consent round decides where the proposal goes next."""
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        rnd = open_round(meeting, whole=False)  # read once, for the checks and to close it; who sits and who
        # answered as rows (facts.round_facts), the answers as objects only to conclude a consent round
        facts = check_step(actor, meeting, Action.CLOSE_ROUND, rnd=rnd)
        closed_at = utcnow()
        rows(_CLOSE_ROUND, {"round_id": rnd.id, "at": closed_at})  # a plain UPDATE; the object says so too,
        set_committed_value(rnd, "status", RoundStatus.CLOSED)  # without the unit of work's flush of it
        set_committed_value(rnd, "closed_at", closed_at)
        data: dict = {"round": rnd.id, "unanswered": facts.round.waiting}
        if rnd.kind == RoundKind.CONSENT:
            data.update(conclude_consent(rnd))
        done = log(meeting.circle_id, actor, Action.CLOSE_ROUND, data, meeting)
    return done


def conclude_consent(rnd: Round) -> dict:
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
