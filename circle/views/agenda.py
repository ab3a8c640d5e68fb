"""The agenda between meetings, as pages: put a topic or a draft forward, write a topic out, shape an agenda.

Members put topics and drafts forward; the next meeting's page shows the
facilitator (and the secretary) what waits, with the decisions whose tasks
are overdue and those due for review, and lets them place, order and remove
items. Everyone sees the agenda beforehand, there and on the circle home
(docs/agenda-and-tasks.md).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from circle import agenda, clock, proposals
from circle.auth import member_of
from circle.extensions import db
from circle.forms import ID_RANGE, AgendaForm, KringForm, WordingForm
from circle.method import (
    CONTRIBUTION_MAX,
    MESSAGES,
    RECORDING_ROLES,
    TITLE_MAX,
    WAITING_PHASES,
    Action,
    MeetingStatus,
    ProposalKind,
    may,
)
from circle.models import Meeting, Member, Proposal
from circle.read import followup, reviews, roles
from circle.text import say
from circle.views.common import act, back

bp = Blueprint("agenda", __name__)

#: Shaping a meeting's agenda is not a step of the meeting (circle/steps.py): its own address.
MEETING = "/c/<int:circle_id>/agenda/<int:meeting_id>"


class TopicForm(KringForm):
    """A topic: a short subject, and what the member wants to say about it."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    note = TextAreaField(_l("What about it?"), validators=[Length(max=CONTRIBUTION_MAX)])


class MoveForm(AgendaForm):
    """Move an agenda item to a place (1 is the first)."""

    position = IntegerField(validators=[InputRequired(), ID_RANGE])


def _proposal_or_404(circle_id: int, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.circle_id != circle_id:
        abort(404)
    return proposal


def _meeting_or_404(circle_id: int, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.circle_id != circle_id:
        abort(404)
    return meeting


def home_context(me: Member) -> dict:
    """The circle home's next meeting, with its agenda, and whether the reader may put something forward."""
    return {"next_meeting": followup.next_meeting(me.circle_id, clock.today()),
            "may_put_forward": may(me.role, Action.PUT_FORWARD_TOPIC) and me.active}


# --- Putting forward ------------------------------------------------------------------------------


@bp.route("/c/<int:circle_id>/topics/new", methods=["GET", "POST"])
def new_topic(circle_id: int):
    """Put a topic forward for the next meeting: something to talk about, not yet a proposal."""
    me = member_of(circle_id)
    form = TopicForm()
    status = 200
    if request.method == "POST":
        done = act(form, lambda: agenda.put_forward_topic(me, form.subject.data, form.note.data or ""))
        if done is not None:
            flash(_("Your topic is put forward for the next meeting."), "success")
            return back(url_for("circles.home", circle_id=circle_id, _anchor="next-meeting"))
        status = 422
    return render_template("agenda/topic.html", form=form, me=me,
                           may_write=may(me.role, Action.PUT_FORWARD_TOPIC)), status


@bp.post("/c/<int:circle_id>/proposals/<int:proposal_id>/put-forward")
def put_forward(circle_id: int, proposal_id: int):
    """Its proposer puts a waiting draft forward for the next meeting."""
    me = member_of(circle_id)
    proposal = _proposal_or_404(circle_id, proposal_id)
    if act(KringForm(), agenda.put_forward, me, proposal.id) is not None:
        flash(_("Your proposal is put forward for the next meeting."), "success")
    return back(url_for("proposals.proposal", circle_id=circle_id, proposal_id=proposal_id))


def may_write_out(me: Member, proposal: Proposal) -> bool:
    """Mirror of method.turn_into_draft, only to show or hide the way to it."""
    return (may(me.role, Action.TURN_INTO_DRAFT) and proposal.kind == ProposalKind.TOPIC
            and proposal.phase in WAITING_PHASES
            and (me.id == proposal.proposer_id or me.role in RECORDING_ROLES))


def may_put_forward(me: Member, proposal: Proposal, waiting_on: Meeting | None) -> bool:
    """Mirror of method.put_forward, only to show or hide its button (a topic is put forward as it is written)."""
    return (may(me.role, Action.PUT_FORWARD) and proposal.kind == ProposalKind.PROPOSAL
            and proposal.phase in WAITING_PHASES and waiting_on is None and proposal.put_forward_at is None
            and (me.id == proposal.proposer_id or me.role in RECORDING_ROLES))


@bp.route("/c/<int:circle_id>/proposals/<int:proposal_id>/write-out", methods=["GET", "POST"])
def write_out(circle_id: int, proposal_id: int):
    """Write a topic out as a proposal: the text the circle will decide on, as its next version."""
    me = member_of(circle_id)
    topic = _proposal_or_404(circle_id, proposal_id)
    here = url_for("proposals.proposal", circle_id=circle_id, proposal_id=proposal_id)
    if request.method == "GET":
        if not may_write_out(me, topic):
            flash(_(MESSAGES["not_a_topic" if topic.kind != ProposalKind.TOPIC else "not_allowed"]), "error")
            return back(here)
        form = WordingForm(data={"title": topic.latest.title, "text": topic.latest.text})
        return render_template("agenda/write_out.html", form=form, me=me, topic=topic)
    form = WordingForm()
    if not form.validate_on_submit():
        flash(_("Please check what you entered."), "error")
    else:
        done = act(None, agenda.turn_into_draft, me, topic.id, form.wording(), form.note.data or "")
        if done is not None:
            flash(_("The topic is now a proposal (version %(number)s).", number=topic.current_version), "success")
            return back(here)
    return render_template("agenda/write_out.html", form=form, me=me, topic=topic), 422


# --- Shaping a meeting's agenda -------------------------------------------------------------------


def shaping(meeting: Meeting, me: Member | None) -> dict | None:
    """What the facilitator (or secretary) shapes a planned meeting's agenda from; None for anyone else.

    The agenda as it stands, with what waits for one: topics and drafts (put
    forward first), decisions with overdue tasks, decisions due for review, and
    roles whose term nears its end (docs/roles-and-elections.md).
    """
    if me is None or not me.active or meeting.status != MeetingStatus.PLANNED \
            or not may(me.role, Action.MOVE_ON_AGENDA):
        return None
    today = clock.today()
    return {
        "items": sorted(meeting.agenda, key=lambda i: (i.position, i.id)),
        "waiting": followup.waiting(meeting.circle_id),
        "overdue": followup.overdue_decisions(meeting.circle_id, today),
        "reviews": reviews.due_reviews(meeting.circle_id, today),
        "roles": roles.offers(meeting.circle, today),
        "today": today,
    }


def _to_the_agenda(meeting: Meeting):
    return back(url_for("meetings.meeting", circle_id=meeting.circle_id, meeting_id=meeting.id,
                        _anchor="shape-agenda"))


@bp.post(MEETING + "/place")
def place(circle_id: int, meeting_id: int):
    """Place a waiting topic or draft, or a decision for its review, on this meeting's agenda."""
    me = member_of(circle_id)
    meeting = _meeting_or_404(circle_id, meeting_id)
    form = AgendaForm()
    done = act(form, lambda: proposals.put_on_agenda(me, form.proposal_id.data, meeting.id, form.based_on.data))
    if done is not None:
        flash(say(_("On the agenda: %(title)s."), title=db.session.get(Proposal, form.proposal_id.data).latest.title),
              "success")
    return _to_the_agenda(meeting)


@bp.post(MEETING + "/move")
def move(circle_id: int, meeting_id: int):
    """Move an item of this meeting's agenda to another place."""
    me = member_of(circle_id)
    meeting = _meeting_or_404(circle_id, meeting_id)
    form = MoveForm()
    act(form, lambda: agenda.move_on_agenda(me, meeting.id, form.proposal_id.data, form.position.data,
                                            form.based_on.data))
    return _to_the_agenda(meeting)


@bp.post(MEETING + "/remove")
def remove(circle_id: int, meeting_id: int):
    """Take an item the meeting has not discussed off its agenda."""
    me = member_of(circle_id)
    meeting = _meeting_or_404(circle_id, meeting_id)
    form = AgendaForm()
    done = act(form, lambda: agenda.take_off_agenda(me, meeting.id, form.proposal_id.data, form.based_on.data))
    if done is not None:
        flash(_("The item is off the agenda. It waits for a meeting again."), "success")
    return _to_the_agenda(meeting)
