"""A sign-in link by e-mail, for people who gave Kring their address (only when mail is configured).

The answer is the same whether or not the address is known, so nobody can
find out who uses Kring by trying addresses. One link per person per
RESEND_AFTER is mailed at most (per server process), so the form cannot be
used to flood someone's mailbox (docs/security.md, "Signing in").
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from circle import clock, letters, mail
from circle.auth import max_age, sign_in_url
from circle.extensions import db
from circle.forms import KringForm, first_error
from circle.models import Person
from circle.views.common import back

bp = Blueprint("email_link", __name__)

#: How long before the same person can be mailed another link.
RESEND_AFTER = dt.timedelta(minutes=5)
#: When each person was last mailed a link by this process.
_last_sent: dict[int, dt.datetime] = {}


class LinkByEmailForm(KringForm):
    """The address to mail a sign-in link to."""

    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(message=_l("Please fill in your e-mail address.")), Length(max=254),
        Email(message=_l("This is not an e-mail address."))])


@bp.app_template_global()
def email_link_form() -> LinkByEmailForm | None:
    """The form for the sign-in page, or None when this installation sends no mail."""
    return LinkByEmailForm() if mail.enabled() else None


@bp.post("/sign-in/email")
def send_link():
    """Mail a fresh personal link to the person with this address, if there is one."""
    if not mail.enabled():
        abort(404)
    form = LinkByEmailForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Please check what you entered."), "error")
        return back(url_for("auth.sign_in"))
    person = db.session.scalar(sa.select(Person).where(Person.email == form.email.data.strip().lower()))
    now = clock.now()
    if person is not None and person.current and now - _last_sent.get(person.id, dt.datetime.min) >= RESEND_AFTER:
        _last_sent[person.id] = now
        _mail_link(person)
    flash(_("If this address belongs to someone in a circle, a sign-in link is on its way. "
            "Look in your e-mail (and its spam folder)."), "success")
    return back(url_for("auth.sign_in"))


def _mail_link(person: Person) -> None:
    """The message, in the person's own language; a failure is logged, the page says the same.

    The link is made on Kring's own address (KRING_BASE_URL, `letters.writing_to`), never on the
    Host the request named: whoever asks must not be able to point someone's link at another site.
    """
    with letters.writing_to(person):
        url = sign_in_url(person)
        days = max_age() // 86400
        subject = _("Your sign-in link for Kring")
        text = render_template("privacy/link_mail.txt", person=person, url=url, days=days)
    try:
        mail.send(mail.message(person.email, subject, text))
    except mail.MailFailed:
        pass  # logged by mail.send; the answer must not tell whether the address is known
