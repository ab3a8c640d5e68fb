"""How Kring's pages read for you: larger text, your own choice on your page (docs/reading.md).

The choice is the person's, like their language: it goes with them to every
phone they sign in on, and is not part of any circle's record.
"""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField
from wtforms.validators import ValidationError

from circle.extensions import db
from circle.forms import KringForm, first_error
from circle.views.common import back

bp = Blueprint("reading", __name__)

#: What a ticked checkbox sends; nothing is sent when it is not ticked.
TICKED = "y"


def _ticked_or_not(form, field) -> None:
    """A checkbox sends its one value or nothing: anything else was not sent by the page."""
    if field.raw_data and field.raw_data != [TICKED]:
        raise ValidationError(_("Please check what you entered."))


class ReadingForm(KringForm):
    """Larger text on every page, or not."""

    larger_text = BooleanField(_l("Larger text"), validators=[_ticked_or_not])


@bp.app_template_global()
def reading_form() -> ReadingForm:
    """The form as the person's page shows it: their choice now."""
    return ReadingForm(data={"larger_text": current_user.larger_text})


@bp.post("/you/reading")
@login_required
def save():
    """Keep the person's choice of larger text; a refusal changes nothing."""
    form = ReadingForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Please check what you entered."), "error")
        return back(url_for("auth.you", _anchor="reading"))
    person = current_user._get_current_object()
    person.larger_text = bool(form.larger_text.data)
    db.session.commit()
    flash(_("Saved: every page now shows larger text.") if person.larger_text
          else _("Saved: every page now shows text at its usual size."), "success")
    return back(url_for("auth.you", _anchor="reading"))
