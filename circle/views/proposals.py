"""Proposal pages: write a draft, read it, edit it, put it on an agenda, withdraw it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired

from circle import proposals
from circle.auth import member_of
from circle.extensions import db
from circle.facts import waits_for_meeting
from circle.forms import KringForm, WordingForm
from circle.method import (
    FINAL_PHASES,
    MESSAGES,
    RECORDING_ROLES,
    Action,
    MeetingStatus,
    Phase,
    ProposalKind,
    Role,
    may,
)
from circle.models import AgendaItem, Meeting, Member, Proposal, ProposalVersion
from circle.read.elections import election_view
from circle.views.agenda import may_put_forward, may_write_out
from circle.views.between import between_context
from circle.views.common import act, back

bp = Blueprint("proposals", __name__)

#: Phases in which a draft can be edited or put on an agenda.
WAITING = (Phase.DRAFT, Phase.POSTPONED)
#: The fields of a version that a form shows and an edit starts from.
WORDING_FIELDS = ("title", "text", "background", "review_date", "success_criteria", "carried_out_by")


class AgendaChoiceForm(KringForm):
    """Choose which planned or open meeting a proposal goes to; only a page needs this choice."""

    meeting_id = SelectField(_l("Meeting"), coerce=int, validators=[InputRequired()])


def _proposal_or_404(circle_id: int, proposal_id: int) -> Proposal:
    """The proposal of the URL with its versions and their authors, or 404 when it is not this circle's."""
    proposal = db.session.scalar(
        sa.select(Proposal)
        .where(Proposal.id == proposal_id, Proposal.circle_id == circle_id)
        .options(joinedload(Proposal.proposer),
                 selectinload(Proposal.versions).joinedload(ProposalVersion.written_by))
    )
    if proposal is None:
        abort(404)
    return proposal


def _waiting_on(proposal: Proposal) -> Meeting | None:
    """The meeting whose agenda the proposal is on now (not yet decided there), if any."""
    return db.session.scalar(
        sa.select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.proposal_id == proposal.id, AgendaItem.outcome.is_(None))
    )


def _agenda_meetings(circle_id: int) -> list[Meeting]:
    """Meetings a proposal can still go to: planned or open, soonest first."""
    return list(db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.circle_id == circle_id,
               Meeting.status.in_((MeetingStatus.PLANNED, MeetingStatus.OPEN)))
        .order_by(Meeting.date, Meeting.id)
    ))


def _may_edit(me: Member, proposal: Proposal) -> bool:
    """Mirror of proposals.edit_draft, only to show or hide the edit link."""
    return (may(me.role, Action.WRITE_DRAFT) and proposal.phase in WAITING
            and proposal.kind != ProposalKind.ELECTION  # an election changes in its meeting (method/election.py)
            and (me.id == proposal.proposer_id or me.role in RECORDING_ROLES))


def _may_withdraw(me: Member, proposal: Proposal, meeting: Meeting | None) -> bool:
    """The proposer (or the secretary for them), outside a running meeting: there the facilitator steers."""
    return (may(me.role, Action.WITHDRAW) and proposal.phase not in FINAL_PHASES
            and (me.id == proposal.proposer_id or me.role == Role.SECRETARY)
            and (meeting is None or meeting.status != MeetingStatus.OPEN))


def _wording_form_invalid() -> None:
    """Say, above the form, that something needs fixing; each field shows what."""
    flash(_("Please check what you entered."), "error")


@bp.route("/c/<int:circle_id>/proposals/new", methods=["GET", "POST"])
def new(circle_id: int):
    """Write a new proposal; it is saved as version 1 of a draft."""
    me = member_of(circle_id)
    form = WordingForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            _wording_form_invalid()
        else:
            done = act(None, proposals.write_draft, me, form.wording())
            if done is not None:
                flash(_("Your proposal is saved as a draft."), "success")
                return back(url_for(".proposal", circle_id=circle_id, proposal_id=done.subject))
        status = 422
    else:
        status = 200
    return render_template("proposals/new.html", form=form, me=me,
                           may_write=may(me.role, Action.WRITE_DRAFT)), status


@bp.get("/c/<int:circle_id>/proposals/<int:proposal_id>/")
def proposal(circle_id: int, proposal_id: int):
    """A proposal as it stands: its latest version, its phase, its versions, what can be done next."""
    me = member_of(circle_id)
    proposal = _proposal_or_404(circle_id, proposal_id)
    waiting_on = _waiting_on(proposal)
    agenda_form = None
    waits = proposal.phase not in WAITING and waits_for_meeting(proposal)  # sent on by a round between meetings
    if may(me.role, Action.PUT_ON_AGENDA) and (proposal.phase in WAITING or waits) and waiting_on is None:
        agenda_form = AgendaChoiceForm()
        agenda_form.meeting_id.choices = [
            SelectChoice(str(m.id), f"{m.title} ({format_date(m.date, 'medium')})")
            for m in _agenda_meetings(circle_id)]
    return render_template(
        "proposals/show.html", me=me, proposal=proposal, latest=proposal.latest,
        waiting_on=waiting_on, agenda_form=agenda_form,
        may_edit=_may_edit(me, proposal),
        may_withdraw=_may_withdraw(me, proposal, waiting_on),
        **between_context(me, proposal),
        may_put_forward=may_put_forward(me, proposal, waiting_on),
        may_write_out=may_write_out(me, proposal),
        election=election_view(proposal),
    )


@bp.route("/c/<int:circle_id>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(circle_id: int, proposal_id: int):
    """Rewrite a draft as a new version; the note says what changed and why."""
    me = member_of(circle_id)
    proposal = _proposal_or_404(circle_id, proposal_id)
    here = url_for(".proposal", circle_id=circle_id, proposal_id=proposal_id)
    if request.method == "GET":
        if not _may_edit(me, proposal):
            code = "not_allowed" if proposal.phase in WAITING else "wrong_phase"
            flash(_(MESSAGES[code]), "error")
            return back(here)
        latest = proposal.latest
        form = WordingForm(data={f: getattr(latest, f) for f in WORDING_FIELDS})
        return render_template("proposals/edit.html", form=form, me=me, proposal=proposal)
    form = WordingForm()
    if not form.validate_on_submit():
        _wording_form_invalid()
    elif form.based_on.data is not None and form.based_on.data != proposal.current_version:
        # Someone saved a version since this form was opened: show theirs before writing another.
        code = "stale"
        flash(_(MESSAGES[code]), "error")
        return render_template("proposals/edit.html", form=form, me=me, proposal=proposal,
                               stale=True), 422
    else:
        done = act(None, proposals.edit_draft, me, proposal.id, form.wording(), form.note.data or "")
        if done is not None:
            flash(_("Saved as version %(number)s.", number=proposal.current_version), "success")
            return back(here)
    return render_template("proposals/edit.html", form=form, me=me, proposal=proposal), 422


@bp.post("/c/<int:circle_id>/proposals/<int:proposal_id>/agenda")
def put_on_agenda(circle_id: int, proposal_id: int):
    """Put the proposal on a planned or open meeting's agenda (facilitator or secretary)."""
    me = member_of(circle_id)
    proposal = _proposal_or_404(circle_id, proposal_id)
    form = AgendaChoiceForm()
    form.meeting_id.choices = [SelectChoice(str(m.id), m.title) for m in _agenda_meetings(circle_id)]
    done = act(form, lambda: proposals.put_on_agenda(me, proposal.id, form.meeting_id.data))
    if done is not None:
        flash(_("The proposal is on the agenda."), "success")
    return back(url_for(".proposal", circle_id=circle_id, proposal_id=proposal_id))


@bp.post("/c/<int:circle_id>/proposals/<int:proposal_id>/withdraw")
def withdraw(circle_id: int, proposal_id: int):
    """Its proposer withdraws the proposal; in a running meeting the meeting's rules apply."""
    me = member_of(circle_id)
    proposal = _proposal_or_404(circle_id, proposal_id)
    meeting = _waiting_on(proposal)
    # In an open meeting, withdraw through that meeting so the action sees its open round.
    meeting_id = meeting.id if meeting is not None and meeting.status == MeetingStatus.OPEN else None
    done = act(KringForm(), proposals.withdraw, me, proposal.id, meeting_id)
    if done is not None:
        flash(_("The proposal is withdrawn."), "success")
    return back(url_for(".proposal", circle_id=circle_id, proposal_id=proposal_id))
