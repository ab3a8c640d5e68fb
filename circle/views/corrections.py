"""Correcting the record: a page per thing that can be corrected, for the secretary (and facilitator).

The form shows what was recorded and every earlier correction; sending it
calls the one application function (circle/corrections.py), which adds a
correction and its log entry and changes nothing that was recorded before.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from circle import corrections
from circle.auth import member_of
from circle.extensions import db
from circle.forms import KringForm
from circle.method import CONTRIBUTION_MAX, TITLE_MAX, Action, may
from circle.models import Contribution, Meeting, Member
from circle.read import corrections as recorded
from circle.read.rounds import round_view
from circle.views.common import act, back

bp = Blueprint("corrections", __name__)


class CorrectionForm(KringForm):
    """A correction of what a contribution says: the text as it should read, and why."""

    text = TextAreaField(_l("As it should read"), validators=[DataRequired(), Length(max=CONTRIBUTION_MAX)])
    note = TextAreaField(_l("Why is it corrected?"), validators=[Length(max=CONTRIBUTION_MAX)])


class TitleCorrectionForm(KringForm):
    """A correction of a meeting's title."""

    text = StringField(_l("The title as it should read"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    note = TextAreaField(_l("Why is it corrected?"), validators=[Length(max=CONTRIBUTION_MAX)])


def _corrector(circle_id: int) -> Member:
    """The signed-in member, if their role may correct the record; else 403."""
    me = member_of(circle_id)
    if not may(me.role, Action.CORRECT) or not me.active:
        abort(403)
    return me


def _meeting_url(circle_id: int, meeting_id: int, anchor: str | None = None) -> str:
    """The meeting's minutes, where the correction shows."""
    return url_for("minutes.minutes", circle_id=circle_id, meeting_id=meeting_id, _anchor=anchor)


def _where(contribution: Contribution, circle_id: int) -> str:
    """Where the contribution is read back: its decision page, or the meeting's minutes."""
    rnd = contribution.round
    anchor = f"contribution-{contribution.id}"
    if rnd.proposal_id is not None:
        return url_for("decisions.decision", circle_id=circle_id, proposal_id=rnd.proposal_id,
                       _anchor=anchor)
    return _meeting_url(circle_id, rnd.meeting_id, anchor)


@bp.route("/c/<int:circle_id>/corrections/contribution/<int:contribution_id>", methods=["GET", "POST"])
def contribution(circle_id: int, contribution_id: int):
    """Correct what a contribution says; the original stays, the correction beside it."""
    me = _corrector(circle_id)
    found = db.session.get(Contribution, contribution_id)
    if found is None or found.round.circle_id != circle_id or not round_view(found.round).visible:
        abort(404)
    earlier = recorded.for_contributions([found.id]).get(found.id, [])
    form = CorrectionForm()
    status = 200
    if request.method == "POST":
        done = act(form, corrections.correct_contribution, me, found.id, form.text.data or "",
                   form.note.data or "")
        if done is not None:
            flash(_("The correction is in the record. What was first recorded stays visible beside it."),
                  "success")
            return back(_where(found, circle_id))
        status = 422
    elif not form.text.data:
        form.text.data = earlier[-1].text if earlier else found.text
    return render_template("corrections/contribution.html", me=me, form=form, contribution=found,
                           corrections=earlier, back_url=_where(found, circle_id)), status


@bp.route("/c/<int:circle_id>/corrections/meeting/<int:meeting_id>", methods=["GET", "POST"])
def meeting(circle_id: int, meeting_id: int):
    """Correct a meeting's title as the minutes show it (a typo)."""
    me = _corrector(circle_id)
    found = db.session.get(Meeting, meeting_id)
    if found is None or found.circle_id != circle_id:
        abort(404)
    earlier = recorded.for_meetings([found.id]).get(found.id, [])
    form = TitleCorrectionForm()
    status = 200
    if request.method == "POST":
        done = act(form, corrections.correct_meeting_title, me, found.id, form.text.data or "",
                   form.note.data or "")
        if done is not None:
            flash(_("The correction is in the record. What was first recorded stays visible beside it."),
                  "success")
            return back(_meeting_url(circle_id, found.id))
        status = 422
    elif not form.text.data:
        form.text.data = earlier[-1].text if earlier else found.title
    return render_template("corrections/meeting.html", me=me, form=form, meeting=found,
                           corrections=earlier, back_url=_meeting_url(circle_id, found.id)), status
