"""Task actions: a decision's tasks added, given to someone else or another day, and marked.

One function per action, each one transaction: the task's row, a `TaskChange`
saying how it stood after, and the log entry, together (actions.py). The
rules are in circle/method/tasks.py; docs/agenda-and-tasks.md tells the story.
"""

from __future__ import annotations

import datetime as dt

from circle import clock, method
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import SEATED_ROLES, Action, TaskStatus, require
from circle.models import Member, Proposal, Task, TaskChange


def _carrier(actor: Member, carrier_id: int) -> Member:
    """The member a task goes to, of the actor's circle, or refuse."""
    carrier = db.session.get(Member, carrier_id)
    require(carrier is not None and carrier.circle_id == actor.circle_id, "not_found")
    return carrier


def _task(actor: Member, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    require(task is not None and task.circle_id == actor.circle_id, "not_found")
    return task


def _seated_now(member: Member) -> bool:
    return member.active and member.role in SEATED_ROLES


def _as_log(task: Task) -> dict:
    # Who carries it out is the entry's "member", the key under which every entry names a person it is about.
    return {"task": task.id, "proposal": task.proposal_id, "what": task.what, "member": person(task.carrier),
            "due_on": task.due_on.isoformat()}


def _note_change(task: Task, action: Action, actor: Member, done: Done, note: str = "") -> None:
    db.session.add(TaskChange(task=task, action=str(action), status=task.status, what=task.what,
                              carrier_id=task.carrier_id, due_on=task.due_on, note=note, by_id=actor.id,
                              log_seq=done.entry))


def add_task(actor: Member, proposal_id: int, what: str, carrier_id: int, due_on: dt.date) -> Done:
    """Give an adopted decision a task: what, who carries it out, by when."""
    with unit_of_work():
        allowed(actor, Action.ADD_TASK)
        proposal = db.session.get(Proposal, proposal_id)
        require(proposal is not None and proposal.circle_id == actor.circle_id, "not_found")
        method.add_task(proposal.phase, actor.role, actor.id, proposal.proposer_id)
        carrier = _carrier(actor, carrier_id)
        method.check_task(what, _seated_now(carrier), due_on, clock.today())
        task = Task(circle_id=actor.circle_id, proposal_id=proposal.id, what=what, carrier=carrier,
                    due_on=due_on, status=TaskStatus.OPEN, added_by_id=actor.id)
        db.session.add(task)
        db.session.flush()
        done = log(actor.circle_id, actor, Action.ADD_TASK, _as_log(task), subject=task.id)
        _note_change(task, Action.ADD_TASK, actor, done)
    return done


def change_task(actor: Member, task_id: int, what: str, carrier_id: int, due_on: dt.date) -> Done:
    """Give a task to someone else, another day or other words; how it stands stays."""
    with unit_of_work():
        allowed(actor, Action.CHANGE_TASK)
        task = _task(actor, task_id)
        method.change_task(actor.role, actor.id, task.proposal.proposer_id)
        carrier = _carrier(actor, carrier_id)
        method.check_task(what, _seated_now(carrier), due_on, clock.today(), was=task.due_on)
        if (what, carrier.id, due_on) == (task.what, task.carrier_id, task.due_on):
            return Done(str(Action.CHANGE_TASK), subject=task.id, unchanged=True)
        task.what, task.carrier, task.due_on = what, carrier, due_on
        done = log(actor.circle_id, actor, Action.CHANGE_TASK, _as_log(task), subject=task.id)
        _note_change(task, Action.CHANGE_TASK, actor, done)
    return done


def mark_task(actor: Member, task_id: int, status: TaskStatus, note: str = "") -> Done:
    """Its carrier marks how a task stands (started, done, stuck) with a note; a recorder may, for them.

    The same mark again without a note changes nothing and writes nothing (a
    second tap); with a note it is news, and is written.
    """
    with unit_of_work():
        allowed(actor, Action.MARK_TASK)
        task = _task(actor, task_id)
        note = note.strip()
        require(status in {s.value for s in TaskStatus}, "invalid")
        status = TaskStatus(status)
        method.mark_task(actor.role, actor.id, task.carrier_id, status, note)
        if status == task.status and not note:
            return Done(str(Action.MARK_TASK), subject=task.id, unchanged=True)
        task.status = status
        data = {**_as_log(task), "status": task.status.value, "note": note}
        if actor.id != task.carrier_id:
            data["recorded_by"] = person(actor)
        done = log(actor.circle_id, actor, Action.MARK_TASK, data, subject=task.id)
        _note_change(task, Action.MARK_TASK, actor, done, note)
    return done
