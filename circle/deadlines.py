"""How a round between meetings ends, exactly once: everyone answered, its deadline passed, or the facilitator.

`finish` is the only way such a round closes. It begins with a compare-and-set,

    UPDATE round SET status = 'closed', ... WHERE id = ? AND status = 'open'

and only the transaction whose update changed the row goes on: it writes,
in the same transaction, what the end means for the proposal (method
`closing`) and the log entry. Any other transaction trying the same (a second
server process, a second `tick`, the answer that came in at that moment)
changes nothing there, writes nothing and rolls back. The update waits for the
row (PostgreSQL) or the database (SQLite) while another holds it, and then
sees that it is closed.

Nothing runs by itself at a deadline, so `close_due_rounds(now)` is called by
every path that may come first: viewing a circle's pages, every socket event
about a round between meetings, and `flask --app circle tick` (circle/tick.py,
from cron). However late it comes (the server was down at the deadline, say),
the round closes as of its deadline: that is its closing moment, answers
given after it were refused, and the log entry says both the deadline and
when it was noticed (docs/between-meetings.md).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from circle import clock, method, notices
from circle.actions import Done, log, unit_of_work
from circle.between import _lock_proposal
from circle.extensions import db
from circle.facts import proposal_facts
from circle.proposals import give_elected_role
from circle.rounds import conclude_consent
from circle.method import Action, MeetingStatus, Phase, RoundEnd, RoundKind
from circle.models import AgendaItem, Circle, Meeting, Member, Round, RoundStatus


def _moment(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def _claim(rnd: Round, ended: RoundEnd, closed_at: dt.datetime) -> bool:
    """Close the round if it is still open; whether this transaction did (the compare-and-set)."""
    result = db.session.execute(
        sa.update(Round).where(Round.id == rnd.id, Round.status == RoundStatus.OPEN)
        .values(status=RoundStatus.CLOSED, closed_at=closed_at, ended=ended))
    if result.rowcount != 1:
        return False
    db.session.refresh(rnd)
    return True


def _bump(meeting: Meeting) -> None:
    """A planned meeting's agenda changed: its followers see a new version."""
    db.session.execute(sa.update(Meeting).where(Meeting.id == meeting.id).values(version=Meeting.version + 1))
    db.session.refresh(meeting)


def _open_item(proposal_id: int) -> AgendaItem | None:
    return db.session.scalar(sa.select(AgendaItem).where(
        AgendaItem.proposal_id == proposal_id, AgendaItem.outcome.is_(None)))


def _meeting_of(meeting: Meeting) -> dict:
    return {"id": meeting.id, "title": meeting.title, "date": meeting.date.isoformat()}


def _off_agenda(proposal_id: int, decided_at: dt.datetime) -> tuple[dict | None, Meeting | None]:
    """A proposal decided between meetings no longer waits on a planned meeting's agenda.

    The item of a meeting that has not begun is a plan, not yet record: it
    goes. A meeting that opened meanwhile keeps the item, with the outcome,
    as when a proposal is decided in it.
    """
    item = _open_item(proposal_id)
    if item is None:
        return None, None
    meeting = item.meeting
    if meeting.status == MeetingStatus.PLANNED:
        db.session.delete(item)
    else:
        item.outcome, item.decided_at, item.version = Phase.ADOPTED, decided_at, item.proposal.current_version
    _bump(meeting)
    return _meeting_of(meeting), meeting


def _to_next_meeting(proposal_id: int, circle_id: int) -> tuple[dict | None, Meeting | None]:
    """Put the proposal on the next planned meeting's agenda (unless it is on one); None: it waits for one."""
    item = _open_item(proposal_id)
    if item is not None:
        return _meeting_of(item.meeting), None
    meeting = db.session.scalar(
        sa.select(Meeting).where(Meeting.circle_id == circle_id, Meeting.status == MeetingStatus.PLANNED,
                                 Meeting.date >= clock.today())
        .order_by(Meeting.date, Meeting.id).limit(1))
    if meeting is None:
        return None, None
    _bump(meeting)
    db.session.add(AgendaItem(meeting_id=meeting.id, proposal_id=proposal_id, position=len(meeting.agenda) + 1))
    return _meeting_of(meeting), meeting


def finish(rnd: Round, ended: RoundEnd, closed_at: dt.datetime, actor: Member | None = None,
           noticed: dt.datetime | None = None, by: Member | None = None) -> Done | None:
    """Close a round between meetings, inside the caller's transaction; None when it was closed already.

    `closed_at` is the closing moment: now, or the deadline. `actor` is the
    facilitator who closed it early; None when it closed by itself (the last
    answer, the deadline). `noticed`: when a deadline that had passed was seen.
    `by`: whose answer completed it. An election adopted here gives its role
    as a meeting's adoption does (circle/proposals.py, `give_elected_role`),
    in their name for the circle: it is adopted only when everyone answered,
    so someone's answer always completes it.
    """
    if not _claim(rnd, ended, closed_at):
        return None
    proposal = rnd.proposal
    circle = db.session.get(Circle, rnd.circle_id)
    seats = [s.member_id for s in rnd.seats]
    given = {c.member_id for c in rnd.contributions}
    data: dict = {"round": rnd.id, "number": rnd.number, "kind": rnd.kind.value, "proposal": proposal.id,
                  "version": rnd.proposal_version, "ended": ended.value, "deadline": _moment(rnd.deadline),
                  "answered": len(given), "unanswered": [m for m in seats if m not in given]}
    if noticed is not None:
        data["noticed"] = _moment(noticed)
    placed = None  # a meeting whose agenda changed: its followers are told too
    if rnd.kind == RoundKind.CONSENT:
        before = proposal_facts(proposal, False)
        concluded = conclude_consent(rnd)  # objections met by their makers' consent, as in a meeting
        result = method.closing(rnd.kind, before, ended, len(given), len(seats), concluded["standing"],
                                rnd.silence_counts, method.quorum_needed(len(seats), circle.quorum))
        proposal.phase = result.phase
        rnd.silence_as_consent = result.silence_as_consent
        data.update(met=concluded["met"], standing=concluded["standing"], phase=proposal.phase.value,
                    silence_as_consent=result.silence_as_consent)
        if result.adopted:
            proposal.decided_at = closed_at
            data["outcome"] = "adopted"
            if proposal.kind == method.ProposalKind.ELECTION:
                data["election"] = give_elected_role(by, proposal)
            data["off_agenda"], placed = _off_agenda(proposal.id, closed_at)
        elif result.to_meeting:
            data["outcome"] = "to_meeting"
            data["to_meeting"], placed = _to_next_meeting(proposal.id, circle.id)
        else:
            data["outcome"] = "integrating"
    done = log(circle.id, actor, Action.CLOSE_ROUND_BETWEEN, data)
    if data.get("outcome") == "adopted":
        notices.decision_made(proposal)
    return Done(done.action, placed.id if placed else None, placed.version if placed else None,
                entry=done.entry, proposal_id=proposal.id)


def due_rounds(now: dt.datetime) -> list[int]:
    """The rounds between meetings still open whose deadline has passed, soonest deadline first."""
    return list(db.session.scalars(
        sa.select(Round.id).where(Round.status == RoundStatus.OPEN, Round.deadline.is_not(None),
                                  Round.deadline <= now).order_by(Round.deadline, Round.id)))


def close_due_rounds(now: dt.datetime | None = None) -> list[Done]:
    """Close every round whose deadline has passed, each exactly once; what this call closed.

    Safe to run from any number of processes at once: each round is closed by
    one transaction of its own (`finish`), and a round another closed first is
    left alone. Each closes as of its deadline, noticed `now`.
    """
    now = now or clock.now()
    found = due_rounds(now)
    db.session.rollback()  # the list was read outside any write: each round is taken on its own below
    closed = []
    for round_id in found:
        with unit_of_work():
            rnd = db.session.get(Round, round_id)
            _lock_proposal(rnd.circle_id, rnd.proposal_id)
            rnd = db.session.get(Round, round_id)
            done = finish(rnd, RoundEnd.DEADLINE, rnd.deadline, noticed=now)
            if done is None:
                db.session.rollback()
                continue
        closed.append(done)
    return closed
