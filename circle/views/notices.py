"""Your notices: how you want to hear of each kind of thing (each time, once a day, or not), on /you/notices.

Only ever the signed-in person's own choices. The address they go to is set
on /you/data (circle/views/privacy.py); without one Kring mails nothing.
What is sent when, and why never twice: docs/notices.md.
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from circle import mail, notices
from circle.forms import KringForm, first_error
from circle.models import Delivery, NoticeKind
from circle.views.common import back

bp = Blueprint("notices", __name__)

#: What each kind a person chooses for is called on the page.
KIND_LABELS = {
    NoticeKind.MEETING_PLANNED: _l("A meeting is planned (with its agenda, and an invitation for your calendar)"),
    NoticeKind.ROUND_OPEN: _l("A round waits for your answer (and a reminder a day before it closes)"),
    NoticeKind.DECISION_MADE: _l("A decision was made"),
    NoticeKind.REVIEW_DUE: _l("It is time to look back at a decision (review)"),
    NoticeKind.TASK_OVERDUE: _l("A task is overdue"),
}
DELIVERY_LABELS = {
    Delivery.EACH: _l("Each time"),
    Delivery.DIGEST: _l("Once a day, together"),
    Delivery.NONE: _l("Not"),
}


class PreferencesForm(KringForm):
    """One choice per kind of notice."""


for _kind in notices.CHOSEN:
    setattr(PreferencesForm, _kind.value, RadioField(
        KIND_LABELS[_kind], choices=[SelectChoice(d.value, label) for d, label in DELIVERY_LABELS.items()],
        validators=[InputRequired(message=_l("Please choose how you want to hear of this."))]))


@bp.get("/you/notices")
@login_required
def preferences():
    """Your choices, and where your notices go."""
    person = current_user._get_current_object()
    chosen = {kind.value: delivery.value for kind, delivery in notices.preferences(person).items()}
    return _page(PreferencesForm(data=chosen))


@bp.post("/you/notices")
@login_required
def save():
    """Store your choices; every kind must have one."""
    form = PreferencesForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Please check what you entered."), "error")
        return _page(form), 422
    notices.set_preferences(current_user._get_current_object(), {
        kind: Delivery(getattr(form, kind.value).data) for kind in notices.CHOSEN})
    flash(_("Your choices are saved."), "success")
    return back(url_for("notices.preferences"))


def _page(form: PreferencesForm) -> str:
    return render_template("notices/preferences.html", form=form, kinds=[k.value for k in notices.CHOSEN],
                           mail_on=mail.enabled(), hour=notices.digest_hour())
