"""The circle's record settings: the facilitator opens the record to the neighbourhood, or closes it."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from circle import circles
from circle.auth import member_of
from circle.forms import KringForm
from circle.method import Action, NameDisplay, may
from circle.models import Member
from circle.views.common import act, back

bp = Blueprint("settings", __name__)


class PublicRecordForm(KringForm):
    """Whether anyone may read the record, and how names appear to them."""

    public = BooleanField(_l("Anyone may read the record, without signing in"))
    names = SelectField(
        _l("How names appear in the public record"),
        choices=[SelectChoice(NameDisplay.FULL.value, _l("Full name")),
                 SelectChoice(NameDisplay.FIRST.value, _l("First name only")),
                 SelectChoice(NameDisplay.INITIALS.value, _l("Initials only"))],
        validators=[InputRequired()],
    )


@bp.app_template_global()
def may_act(member: Member | None, action: str) -> bool:
    """Whether a member's role allows an action (to show or hide its form); the action checks again."""
    return member is not None and member.active and may(member.role, Action(action))


@bp.post("/c/<int:circle_id>/settings/public-record")
def public_record(circle_id: int):
    """Switch the public record on or off and choose how names appear (facilitator only)."""
    me = member_of(circle_id)
    form = PublicRecordForm()
    done = act(form, lambda: circles.set_public_record(me, form.public.data, NameDisplay(form.names.data)))
    if done is not None:
        if form.public.data:
            flash(_("The record is public now: anyone can read the decisions and minutes."), "success")
        else:
            flash(_("The record is for members only now."), "success")
    return back(url_for("circles.home", circle_id=circle_id, _anchor="record"))
