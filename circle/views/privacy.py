"""What Kring holds about you: see it, download it, and set the e-mail address for sign-in links.

Only ever the signed-in person's own data (docs/security.md, "Privacy").
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField
from wtforms.validators import Email, Length, Optional

from circle.extensions import db
from circle.forms import KringForm, first_error
from circle.models import Person
from circle.read.person_data import everything_about
from circle.views.common import back

bp = Blueprint("privacy", __name__)


class EmailForm(KringForm):
    """Your own e-mail address, for sign-in links by e-mail; empty removes it."""

    email = EmailField(_l("E-mail address"), validators=[
        Optional(), Length(max=254), Email(message=_l("This is not an e-mail address."))])


@bp.get("/you/data")
@login_required
def data():
    """Everything Kring holds about you, on one page."""
    return render_template("privacy/data.html", data=everything_about(current_user), form=EmailForm(
        data={"email": current_user.email}))


@bp.get("/you/data.json")
@login_required
def download():
    """The same, as one JSON file to keep."""
    body = json.dumps(everything_about(current_user), ensure_ascii=False, indent=2)
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="kring-person-{current_user.id}.json"',
        "Cache-Control": "no-store"})


@bp.post("/you/email")
@login_required
def set_email():
    """Set or remove your e-mail address; one address belongs to one person."""
    form = EmailForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Please check what you entered."), "error")
        return back(url_for("privacy.data"))
    email = (form.email.data or "").strip().lower() or None
    person = current_user._get_current_object()
    taken = email is not None and db.session.scalar(
        sa.select(Person.id).where(Person.email == email, Person.id != person.id)) is not None
    if taken:
        flash(_("This e-mail address is already used by someone else."), "error")
        return back(url_for("privacy.data"))
    person.email = email
    db.session.commit()
    flash(_("Your e-mail address is saved.") if email else _("Your e-mail address is removed."), "success")
    return back(url_for("privacy.data"))
