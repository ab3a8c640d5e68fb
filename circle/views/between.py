"""Rounds between meetings on the proposal page: open one, answer it, close it early, amend; the circle's rules.

Every step of the table (circle/between_steps.py) posts to its own route
under the proposal's address, which runs exactly the action its socket event
runs, through `act()`, and redirects back to the proposal (303): the page
works without JavaScript. A control is drawn exactly when the method offers
its step (`method.available_between`).

Nothing runs by itself at a deadline: before any page of a circle is drawn,
the rounds whose deadline has passed are closed (circle/deadlines.py), so a
reader never sees a round open past its deadline.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from circle import between, clock, method
from circle.auth import member_of
from circle.between_steps import BETWEEN, AmendBetweenForm, StartRoundBetweenForm
from circle.broadcast import tell_the_room
from circle.deadlines import close_due_rounds
from circle.extensions import db
from circle.facts import actor_role, waits_for_meeting
from circle.forms import KringForm
from circle.method import Action, ObjectionStatus, Silence
from circle.models import (
    Circle,
    Member,
    Objection,
    Proposal,
    ProposalVersion,
    Round,
    RoundStatus,
    Seat,
)
from circle.read.between import on_agenda, rounds_between
from circle.read.rounds import round_view
from circle.views.common import act, back

bp = Blueprint("between", __name__)

PREFIX = "/c/<int:circle_id>/proposals/<int:proposal_id>/between"
#: How many days ahead the deadline form proposes.
DEFAULT_DAYS = 7


@bp.before_app_request
def close_what_is_due() -> None:
    """Before a page of a circle is drawn, rounds whose deadline passed are closed, as of their deadline."""
    if request.method == "GET" and request.view_args and "circle_id" in request.view_args:
        for done in close_due_rounds():
            tell_the_room(done)


class BetweenMeetingsForm(KringForm):
    """The circle's own rules for rounds between meetings."""

    silence = SelectField(
        _l("Silence at the deadline counts as consent"),
        choices=[SelectChoice(Silence.NONE.value, _l("Never: not answering is not consent")),
                 SelectChoice(Silence.REVIEWS.value, _l("Only when we review an adopted decision")),
                 SelectChoice(Silence.ALL.value, _l("For every decision between meetings"))],
        validators=[InputRequired()],
    )
    proposer_opens = BooleanField(_l("A proposer may open rounds on their own proposal and amend it"))


def _proposal(circle_id: int, proposal_id: int) -> tuple[Member, Proposal]:
    me = member_of(circle_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.circle_id != circle_id:
        abort(404)
    return me, proposal


def _page(proposal: Proposal, anchor: str = "between") -> str:
    return url_for("proposals.proposal", circle_id=proposal.circle_id, proposal_id=proposal.id, _anchor=anchor)


def between_context(me: Member, proposal: Proposal) -> dict:
    """What the proposal page draws of its rounds between meetings, for this reader."""
    facts = between.between_facts(proposal)
    offers = method.available_between(facts, actor_role(me), me.id)
    views = [round_view(r) for r in rounds_between(proposal.id)]
    current = next((rv for rv in views if rv.open), None)
    form = StartRoundBetweenForm()
    evening = clock.local(clock.now()).replace(tzinfo=None, hour=20, minute=0, second=0, microsecond=0)
    form.deadline.data = (evening + dt.timedelta(days=DEFAULT_DAYS)).isoformat(timespec="minutes")
    kinds = offers.get(Action.START_ROUND_BETWEEN, ())
    form.kind.choices = [c for c in form.kind.choices if c.value in {k.value for k in kinds}]
    circle = db.session.get(Circle, proposal.circle_id)
    return {
        "Action": Action,
        "bt": {
            "steps": BETWEEN,
            "offers": offers,
            "open": current,
            "past": [rv for rv in reversed(views) if not rv.open],
            "start_form": form,
            "client_id": uuid.uuid4().hex,
            "circle": circle,
            "silence_now": method.silence_covers(circle.silence_is_consent, between.is_review(proposal),
                                                 proposal.kind == method.ProposalKind.ELECTION),
            "waits": waits_for_meeting(proposal),
            "on_agenda": on_agenda(proposal.id),
            "mine": current is not None and me.id in {s.member.id for s in current.seats},
            #: Whom one may nominate, or propose in an election: who is seated in the circle today.
            "candidates": circle.seated,
            "opened_by": db.session.get(Member, current.round.started_by_id) if current else None,
            "quorum": method.quorum_needed(len(current.seats), circle.quorum) if current else None,
        },
    }


def _standing(proposal: Proposal) -> list[Objection]:
    return [o for o in db.session.scalars(db.select(Objection).where(Objection.proposal_id == proposal.id)
                                          .order_by(Objection.id))
            if o.status == ObjectionStatus.STANDING]


@bp.get(PREFIX + "/amend")
def amend(circle_id: int, proposal_id: int):
    """Write the next version between meetings, beside the objections to work in."""
    me, proposal = _proposal(circle_id, proposal_id)
    if Action.AMEND_BETWEEN not in method.available_between(between.between_facts(proposal), actor_role(me), me.id):
        flash(_(method.MESSAGES["not_allowed"]), "error")
        return back(_page(proposal))
    form = AmendBetweenForm(obj=proposal.latest)
    form.note.data = ""
    form.based_on.data = proposal.current_version
    return _amend_page(form, proposal)


def _amend_page(form: AmendBetweenForm, proposal: Proposal):
    return render_template("proposals/between_amend.html", form=form, proposal=proposal,
                           objections=_standing(proposal), step=BETWEEN[Action.AMEND_BETWEEN])


def _step(action: Action):
    """A page's form for a step runs exactly what the socket event of the same name runs."""
    step = BETWEEN[action]

    def post(circle_id: int, proposal_id: int):
        me, proposal = _proposal(circle_id, proposal_id)
        form = step.form()
        if action == Action.CONTRIBUTE_BETWEEN and form.member_id.data is None:
            form.member_id.data = me.id
        done = act(form, lambda: step.run(me, proposal.id, form))
        if done is not None:
            if action == Action.CONTRIBUTE_BETWEEN:
                flash(_("This answer was already recorded.") if done.duplicate
                      else _("Thank you, the answer is in."), "info" if done.duplicate else "success")
            elif action == Action.START_ROUND_BETWEEN:
                flash(_("The round is open. Everyone in it can answer until the deadline."), "success")
            elif action in (Action.AMEND_BETWEEN, Action.PROPOSE_PERSON_BETWEEN):
                flash(_("Saved as version %(number)s.", number=proposal.current_version), "success")
        elif action == Action.AMEND_BETWEEN:
            db.session.refresh(proposal)
            return _amend_page(form, proposal), 422
        return back(_page(proposal))

    post.__name__ = f"step_{action.value}"
    post.__doc__ = f"Post the `{action.value}` step from the proposal page."
    return post


for _action, _row in BETWEEN.items():
    bp.add_url_rule(PREFIX + _row.path, f"step_{_action.value}", _step(_action), methods=["POST"])


@bp.post("/c/<int:circle_id>/settings/between-meetings")
def settings(circle_id: int):
    """The facilitator sets the circle's rules for rounds between meetings."""
    me = member_of(circle_id)
    form = BetweenMeetingsForm()
    done = act(form, lambda: between.set_between_meetings(me, Silence(form.silence.data), form.proposer_opens.data))
    if done is not None:
        flash(_("The rules for rounds between meetings are saved."), "success")
    return back(url_for("circles.home", circle_id=circle_id, _anchor="between-meetings"))


@bp.app_template_global()
def rounds_between_now(circle_id: int, me: Member | None) -> list[dict]:
    """The circle's open rounds between meetings, soonest deadline first, for its home page: each with its
    proposal's title and whether `me` still has to answer."""
    rows = db.session.execute(
        sa.select(Round, ProposalVersion.title)
        .join(Proposal, Proposal.id == Round.proposal_id)
        .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                       ProposalVersion.number == Proposal.current_version))
        .where(Round.circle_id == circle_id, Round.meeting_id.is_(None), Round.status == RoundStatus.OPEN)
        .order_by(Round.deadline, Round.id)).all()
    mine = set()
    if me is not None and rows:
        given = {c.round_id for r, _ in rows for c in r.contributions if c.member_id == me.id}
        seated = set(db.session.scalars(sa.select(Seat.round_id).where(
            Seat.member_id == me.id, Seat.round_id.in_([r.id for r, _ in rows]))))
        mine = seated - given
    return [{"round": r, "title": title, "to_answer": r.id in mine} for r, title in rows]
