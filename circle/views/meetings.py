"""The meeting page: the circle method live, one small form per step.

Every step of the table (circle/steps.py) posts to its own route, which runs
exactly the action its live event runs, through `act()`, and redirects back
(303), so the page works without JavaScript. The page is drawn from its parts
(templates/meetings/parts/), the same the room is sent live (views/parts.py);
a control is drawn exactly when the method offers its step (`method.available`),
and the action refuses anything else anyway.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import gettext

from circle import method
from circle.auth import member_of
from circle.extensions import db
from circle.facts import meeting_role
from circle.forms import WordingForm
from circle.method import Action
from circle.models import Meeting, Member, Objection, Proposal
from circle.steps import STEPS
from circle.views.agenda import shaping
from circle.views.common import act, back
from circle.views.meeting_view import Viewer, context, kind_of, load_meeting

bp = Blueprint("meetings", __name__)

PREFIX = "/c/<int:circle_id>/meetings/<int:meeting_id>"


def _meeting(circle_id: int, meeting_id: int) -> tuple[Member, Meeting]:
    """The signed-in member and the meeting of the URL; 404 when it is not their circle's."""
    me = member_of(circle_id)
    meeting = load_meeting(meeting_id)
    if meeting is None or meeting.circle_id != circle_id:
        abort(404)
    return me, meeting


def _page(meeting: Meeting) -> str:
    return url_for("meetings.meeting", circle_id=meeting.circle_id, meeting_id=meeting.id)


def page_context(meeting: Meeting, me: Member | None, view: str) -> dict:
    """What the meeting page (or the projector) draws for this person on a first load."""
    viewer = Viewer(kind_of(me, view, meeting), me if view != "projector" else None)
    ctx = context(meeting, viewer)
    ctx["client_id"] = uuid.uuid4().hex if viewer.member is not None else ""
    return ctx


@bp.get(PREFIX + "/")
def meeting(circle_id: int, meeting_id: int):
    """The meeting page: the round and its ring, the member's answer box, the facilitator's console."""
    from circle.views.live_pages import live_settings  # it adds its routes to this blueprint

    me, mtg = _meeting(circle_id, meeting_id)
    ctx = page_context(mtg, me, "console" if kind_of(me, "phone", mtg) == "console" else "phone")
    return render_template("meetings/meeting.html", **ctx, settings=live_settings(mtg, me, ctx["viewer"]),
                           shape=shaping(mtg, me))


@bp.route(PREFIX + "/amend/<int:proposal_id>", methods=["GET"])
def amend(circle_id: int, meeting_id: int, proposal_id: int):
    """Write the next version of a proposal on this meeting's agenda, beside the objections to work in."""
    me, mtg = _meeting(circle_id, meeting_id)
    proposal = next((i.proposal for i in mtg.agenda if i.proposal_id == proposal_id), None)
    if proposal is None:
        abort(404)
    role = meeting_role(me, mtg)
    if role is None or not method.may(role, Action.AMEND):
        abort(403)
    form = WordingForm(obj=proposal.latest)
    form.note.data = ""
    return _amend_page(form, mtg, proposal)


def _amend_page(form: WordingForm, meeting: Meeting, proposal):
    objections = [o for o in db.session.scalars(
        db.select(Objection).where(Objection.proposal_id == proposal.id).order_by(Objection.id))
        if o.status == method.ObjectionStatus.STANDING]
    return render_template("meetings/amend.html", form=form, meeting=meeting, proposal=proposal,
                           objections=objections, step=STEPS[Action.AMEND])


def _step(action: Action):
    """A page's form for a step runs exactly what the live event of the same name runs."""
    step = STEPS[action]

    def post(circle_id: int, meeting_id: int):
        me, mtg = _meeting(circle_id, meeting_id)
        form = step.form()
        done = act(form, lambda: step.run(me, mtg.id, form))
        if action == Action.CONTRIBUTE:
            if done is not None and done.duplicate:
                flash(gettext("This answer was already recorded."), "info")
            elif done is not None:
                flash(gettext("Thank you, the answer is in."), "success")
        elif action == Action.AMEND and done is None:
            proposal = db.session.get(Proposal, form.proposal_id.data or 0)
            if proposal is not None and proposal.circle_id == circle_id:
                db.session.refresh(mtg)
                return _amend_page(form, mtg, proposal), 422
        return back(_page(mtg))

    post.__name__ = f"step_{action.value}"
    post.__doc__ = f"Post the `{action.value}` step from the meeting page."
    return post


for _action, _step_row in STEPS.items():
    bp.add_url_rule(PREFIX + _step_row.path, f"step_{_action.value}", _step(_action), methods=["POST"])
