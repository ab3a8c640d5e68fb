"""The circle's settings: the facilitator opens the record to the neighbourhood, or closes it, and sets how long
whoever steers a meeting may be away before the secretary may take over (docs/facilitation.md)."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from circle import circles, facilitation
from circle.auth import member_of
from circle.forms import KringForm
from circle.method import TAKEOVER_MINUTES, Action, NameDisplay, may
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


class TakeoverForm(KringForm):
    """How many minutes whoever steers may be away before the secretary may take over."""

    minutes = IntegerField(_l("Minutes away before the secretary may take over"), validators=[InputRequired()])


@bp.app_template_global()
def takeover_choices() -> tuple[int, ...]:
    """The minutes a circle may choose for the secretary's takeover."""
    return TAKEOVER_MINUTES


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


@bp.post("/c/<int:circle_id>/settings/takeover")
def takeover(circle_id: int):
    """The facilitator sets how long whoever steers may be away before the secretary may take over."""
    me = member_of(circle_id)
    form = TakeoverForm()
    done = act(form, lambda: facilitation.set_takeover(me, form.minutes.data))
    if done is not None:
        flash(_("Saved: the secretary may take over after %(n)s minutes away.", n=form.minutes.data), "success")
    return back(url_for("circles.home", circle_id=circle_id, _anchor="takeover"))
