"""A decision's tasks, as pages: add one, give it to someone else or another day, mark how it stands.

The tasks live on the decision page (decisions/show.html, its `tasks`
section), which anyone who may read the record reads, the public too where
the record is public (names as the circle chose). The forms are for members:
whoever carries a task out marks it from their phone; the facilitator and
the secretary may mark it for them, add tasks and change them, and so may the
decision's proposer add and change them (circle/method/tasks.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from circle import clock, tasks
from circle.auth import member_of
from circle.extensions import db
from circle.forms import KringForm
from circle.method import (
    CARRIES_TASKS,
    CONTRIBUTION_MAX,
    RECORDING_ROLES,
    TITLE_MAX,
    Action,
    TaskStatus,
    is_overdue,
    may,
)
from circle.models import Circle, Member, Proposal, Task
from circle.read import followup
from circle.views.access import Reader
from circle.views.common import act, back

bp = Blueprint("tasks", __name__)


#: The task form's labels, also for the change form the decision page draws per task.
LABELS = {"what": _l("What is to be done?"), "carrier_id": _l("Who does it?"), "due_on": _l("Done by")}


class TaskForm(KringForm):
    """What, who carries it out, by when."""

    what = StringField(LABELS["what"], validators=[DataRequired(), Length(max=TITLE_MAX)])
    carrier_id = SelectField(LABELS["carrier_id"], coerce=int, validators=[InputRequired()])
    due_on = DateField(LABELS["due_on"], validators=[DataRequired()])


class MarkForm(KringForm):
    """How a task stands now, and what its carrier has to say about it."""

    status = RadioField(_l("How does it stand?"), validators=[InputRequired()], choices=[
        SelectChoice(TaskStatus.STARTED.value, _l("Started")),
        SelectChoice(TaskStatus.DONE.value, _l("Done")),
        SelectChoice(TaskStatus.STUCK.value, _l("Stuck")),
    ])
    note = TextAreaField(_l("A note (what happened, what is in the way)"),
                         validators=[Length(max=CONTRIBUTION_MAX)])


def _carriers(circle: Circle) -> list[SelectChoice]:
    """Who a task can go to: the people seated in the circle today."""
    return [SelectChoice(m.id, m.name) for m in circle.seated]


def task_form(circle: Circle, **data) -> TaskForm:
    form = TaskForm(data=data or None)
    form.carrier_id.choices = _carriers(circle)
    return form


def task_context(reader: Reader, proposal: Proposal) -> dict:
    """The decision page's tasks, and the forms the reader may use on them."""
    me = reader.member
    today = clock.today()
    found = followup.tasks_of(proposal.id)
    steers = me is not None and me.active and (me.role in RECORDING_ROLES or me.id == proposal.proposer_id)
    return {
        "tasks": found,
        "overdue": {t.id for t in found if is_overdue(t.status, t.due_on, today)},
        "may_mark": {t.id for t in found if me is not None and me.active and may(me.role, Action.MARK_TASK)
                     and (me.id == t.carrier_id or me.role in RECORDING_ROLES)},
        "may_change": steers and may(me.role, Action.CHANGE_TASK),
        "task_form": (task_form(reader.circle, due_on=today)
                      if steers and may(me.role, Action.ADD_TASK) and proposal.phase in CARRIES_TASKS else None),
        "carriers": _carriers(reader.circle) if steers else [],
        "mark_form": MarkForm(),
        "task_form_labels": LABELS,
        "task_statuses": TaskStatus,
    }


def home_context(me: Member) -> dict:
    """The circle home's tasks: every open one, soonest first, and which of them are overdue."""
    today = clock.today()
    found = followup.open_tasks(me.circle_id)
    return {"open_tasks": found, "overdue_tasks": {t.id for t in found if is_overdue(t.status, t.due_on, today)}}


def _task_or_404(circle_id: int, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or task.circle_id != circle_id:
        abort(404)
    return task


def _on_the_decision(circle_id: int, proposal_id: int, task_id: int | None = None):
    return back(url_for("decisions.decision", circle_id=circle_id, proposal_id=proposal_id,
                        _anchor=f"task-{task_id}" if task_id else "tasks"))


@bp.post("/c/<int:circle_id>/decisions/<int:proposal_id>/tasks")
def add(circle_id: int, proposal_id: int):
    """Give the decision a task."""
    me = member_of(circle_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.circle_id != circle_id:
        abort(404)
    form = task_form(me.circle)
    done = act(form, lambda: tasks.add_task(me, proposal.id, form.what.data, form.carrier_id.data,
                                            form.due_on.data))
    if done is not None:
        flash(_("The task is added."), "success")
    return _on_the_decision(circle_id, proposal_id, done.subject if done else None)


@bp.post("/c/<int:circle_id>/tasks/<int:task_id>/change")
def change(circle_id: int, task_id: int):
    """Give a task to someone else, another day or other words."""
    me = member_of(circle_id)
    task = _task_or_404(circle_id, task_id)
    form = task_form(me.circle)
    done = act(form, lambda: tasks.change_task(me, task.id, form.what.data, form.carrier_id.data,
                                               form.due_on.data))
    if done is not None and not done.unchanged:
        flash(_("The task is changed."), "success")
    return _on_the_decision(circle_id, task.proposal_id, task.id)


@bp.post("/c/<int:circle_id>/tasks/<int:task_id>/mark")
def mark(circle_id: int, task_id: int):
    """Mark how a task stands: started, done or stuck, with a note."""
    me: Member = member_of(circle_id)
    task = _task_or_404(circle_id, task_id)
    form = MarkForm()
    done = act(form, lambda: tasks.mark_task(me, task.id, form.status.data, form.note.data or ""))
    if done is not None and not done.unchanged:
        flash(_("Thank you, the task is marked."), "success")
    return _on_the_decision(circle_id, task.proposal_id, task.id)
