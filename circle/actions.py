"""What every action shares: one transaction, the method's checks, one log entry.

Pages and the live protocol call the action functions in circles.py,
proposals.py, meetings.py, rounds.py and the like, and nothing else. Each
function runs inside `unit_of_work()`: it checks the method's rules, writes
its rows and its log entry, and commits them together, or, when a rule is
broken, changes nothing.
Only after the commit does the caller broadcast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from circle import method, record
from circle.extensions import db, rows
from circle.facts import UNREAD, meeting_facts, meeting_role
from circle.method import Action, RuleBroken, check_role
from circle.models import Meeting, Member


@dataclass(frozen=True)
class Done:
    """What an action did: enough for a page to redirect and a socket to broadcast."""

    action: str
    #: The meeting whose state changed, if any.
    meeting_id: int | None = None
    #: The meeting's version after the action.
    version: int | None = None
    #: The new row the action made (a proposal, a round, a contribution, ...), by id.
    subject: int | None = None
    #: The log entry written.
    entry: int | None = None
    #: A resent submission that was already stored: nothing changed.
    duplicate: bool = False
    #: The step was allowed but would change nothing (marking someone present who is): nothing written.
    unchanged: bool = False
    #: The proposal whose rounds between meetings changed, if any: who follows it is told.
    proposal_id: int | None = None


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit everything the block wrote, or nothing when it raises."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


# Built once, with their values as parameters: every step and answer runs one (docs/performance/statements.md).
_RAISE_VERSION = (sa.update(Meeting).values(version=Meeting.version + 1)
                  .where(Meeting.id == sa.bindparam("meeting"), Meeting.circle_id == sa.bindparam("circle")))
_RAISE_VERSION_FROM = _RAISE_VERSION.where(Meeting.version == sa.bindparam("based_on"))


def lock_meeting(actor: Member, meeting_id: int, based_on: int | None) -> Meeting:
    """Raise the meeting's version first, so actions on one meeting happen one at a time.

    With `based_on`, the action only proceeds if nobody changed the meeting
    since that version: two quick taps or two facilitators advance it once.
    """
    values = {"meeting": meeting_id, "circle": actor.circle_id, "based_on": based_on}
    # A plain UPDATE: as an ORM statement it also sought the meeting among the session's objects, at seven
    # times the cost, though all of them are expired just after (docs/performance/rows.md).
    result = rows(_RAISE_VERSION if based_on is None else _RAISE_VERSION_FROM, values)
    if result.rowcount != 1:
        exists = rows(
            sa.select(Meeting.id).where(Meeting.id == meeting_id, Meeting.circle_id == actor.circle_id)
        ).scalar()
        raise RuleBroken("stale" if exists else "not_found")
    db.session.expire_all()
    return db.session.get(Meeting, meeting_id)


def unchanged(action: Action, meeting_id: int) -> Done:
    """A step that is allowed but would change nothing: no log entry, no new version, no broadcast.

    Called inside `unit_of_work()` after `lock_meeting`: the version it raised is
    rolled back, so a person who taps "I am here" a hundred times writes nothing.
    """
    db.session.rollback()
    return Done(str(action), meeting_id, db.session.get(Meeting, meeting_id).version, unchanged=True)


def check_step(actor: Member, meeting: Meeting, action: Action, target=None,
               proposal_id: int | None = None, *, rnd=UNREAD, **details) -> method.MeetingFacts:
    """Refuse a step of a meeting that the method does not allow now; return the facts it was checked on.

    The same rule decides which steps the pages offer (`method.available`), so
    what a button offers is what is accepted. `rnd`: the open round, when the
    step read it already (`facts.open_round`). A step about the open round
    alone (`method.ROUND_STEPS`: an answer) is checked on its facts only.
    """
    facts = meeting_facts(meeting, proposal_id, rnd, round_only=action in method.ROUND_STEPS)
    method.check_step(facts, meeting_role(actor, meeting), actor.id, action, target, **details)
    return facts


def allowed(actor: Member, action: Action) -> None:
    """Refuse an actor whose role, or whose leaving the circle, does not allow the action."""
    if not actor.active:
        raise RuleBroken("not_allowed")
    check_role(actor.role, action)


def log(
    circle_id: int,
    actor: Member | None,
    action: Action | str,
    data: dict[str, Any],
    meeting: Meeting | None = None,
    subject: int | None = None,
) -> Done:
    """Write the action's log entry and describe what was done.

    A step a ready check asked readiness for (starting a round, taking up a
    proposal, ...) ends that check: the entry says which (docs/facilitation.md).
    """
    if meeting is not None:
        data = {"meeting": meeting.id, "meeting_version": meeting.version, **data}
        if meeting.ready_open and method.ends_ready_check(action):
            meeting.ready_open = False
            data["ready_check_ended"] = meeting.ready_check
    entry = record.append(circle_id, actor, str(action), data)
    db.session.flush()
    return Done(
        action=str(action),
        meeting_id=meeting.id if meeting else None,
        version=meeting.version if meeting else None,
        subject=subject,
        entry=entry.seq,
    )


def person(member: Member | None) -> dict[str, Any] | None:
    """How a person appears in the log: id and name, so the log reads on its own."""
    return None if member is None else {"id": member.id, "name": member.name}
