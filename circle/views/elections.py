"""Writing an election: a page to choose which role, and for which term (docs/roles-and-elections.md, "Election").

The election becomes a draft (circle/elections.py, `write_election`) that goes
on an agenda like any other; the meeting holds it.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from circle import clock, elections, method
from circle.auth import member_of
from circle.forms import ElectionForm
from circle.method import Action, may
from circle.read import roles as read_roles
from circle.views.common import act, back
from circle.views.roles import _role_choice as _label  # a role as a choice names it, as the roles' own form does

bp = Blueprint("elections", __name__)


def _term(line: read_roles.RoleLine, today: dt.date) -> tuple[dt.date, dt.date]:
    """The term suggested for a role: after its running term, for its usual months (a year without a row)."""
    if line.role is not None:
        return elections.default_term(line.role, today)
    return today, method.months_later(today, 12) - dt.timedelta(days=1)


@bp.route("/c/<int:circle_id>/elections/new", methods=["GET", "POST"])
def new(circle_id: int):
    """The form to write an election for one of the roles this circle chooses (`?role=<key>` picks one)."""
    me = member_of(circle_id)
    if request.method == "GET" and not (me.active and may(me.role, Action.WRITE_ELECTION)):
        abort(403)  # a post is refused by the action itself, with its message
    today = clock.today()
    lines = read_roles.chosen_here(me.circle, today)
    chosen = next((line for line in lines if line.key == request.args.get("role")), lines[0] if lines else None)
    shown = None
    if request.method == "GET" and chosen is not None:
        term_from, term_until = _term(chosen, today)
        shown = {"role": chosen.key, "term_from": term_from, "term_until": term_until}
    form = ElectionForm(data=shown)
    form.role.choices = [SelectChoice(line.key, _label(line)) for line in lines]
    if request.method == "POST":
        done = act(form, lambda: elections.write_election(
            me, elections.role_to_elect(me, form.role.data).id, form.term_from.data, form.term_until.data,
            form.note.data or ""))
        if done is not None:
            flash(_("The election is written. Put it on a meeting's agenda."), "success")
            return back(url_for("proposals.proposal", circle_id=circle_id, proposal_id=done.subject))
    suggested = [(line, _label(line), *_term(line, today)) for line in lines]
    return render_template("elections/new.html", circle=me.circle, form=form, suggested=suggested,
                           chosen=chosen), 422 if request.method == "POST" else 200
