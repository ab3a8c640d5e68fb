"""Roles and sub-circles, as pages: the circle's aim and domain, its roles and who holds them until when,
its own roles, and its sub-circles; the facilitator's forms for each (docs/roles-and-elections.md).

Everything shows on the circle home (templates/circles/_roles.html,
_subcircles.html); each form posts here, and a refusal comes back there as a
message with nothing stored.
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from circle import clock, elections, proposals, roles, subcircles
from circle.auth import member_of
from circle.extensions import db
from circle.forms import ID_RANGE, KringForm
from circle.method import (
    CONTRIBUTION_MAX,
    NAME_MAX,
    TERM_MAX_MONTHS,
    TITLE_MAX,
    Action,
    may,
    months_later,
)
from circle.models import Circle, Meeting, Member
from circle.read import followup
from circle.read import roles as read
from circle.text import say
from circle.views.common import act, back
from circle.words import role_word

bp = Blueprint("roles", __name__)


class AimForm(KringForm):
    """The circle's aim and domain, in its record."""

    aim = TextAreaField(_l("Aim: what is the circle for?"), validators=[Length(max=CONTRIBUTION_MAX)])
    domain = TextAreaField(_l("Domain: what does the circle decide about?"),
                           validators=[Length(max=CONTRIBUTION_MAX)])


class OwnRoleForm(KringForm):
    """A role of the circle's own."""

    name = StringField(_l("Name of the role"), validators=[DataRequired(), Length(max=NAME_MAX)])
    description = TextAreaField(_l("What does it do?"), validators=[DataRequired(), Length(max=CONTRIBUTION_MAX)])
    term_months = IntegerField(_l("Usual term, in months"), default=12,
                               validators=[InputRequired(), NumberRange(min=1, max=TERM_MAX_MONTHS)])


class _TermDates(KringForm):
    held_from = DateField(_l("From"), validators=[DataRequired()])
    held_until = DateField(_l("Until (the last day)"), validators=[DataRequired()])


class TermForm(_TermDates):
    """Who holds a role from when until when."""

    role = SelectField(_l("Role"), validators=[InputRequired()])
    member_id = SelectField(_l("Who"), coerce=int, validators=[InputRequired()])


class ChooseAgainForm(KringForm):
    """An offered role to choose again, and the planned meeting whose agenda the election goes on."""

    role = StringField(validators=[InputRequired(), Length(max=40)])
    meeting_id = IntegerField(validators=[Optional(), ID_RANGE], widget=HiddenField.widget)


class SubCircleForm(_TermDates):
    """A sub-circle: its name, aim, domain, and its first leader for a term."""

    name = StringField(_l("Name of the sub-circle"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    aim = TextAreaField(_l("Aim: what is the circle for?"), validators=[Length(max=CONTRIBUTION_MAX)])
    domain = TextAreaField(_l("Domain: what does the circle decide about?"),
                           validators=[Length(max=CONTRIBUTION_MAX)])
    leader_id = SelectField(_l("Its leader, chosen by this circle"), coerce=int, validators=[InputRequired()])


def _seated(circle: Circle) -> list[SelectChoice]:
    return [SelectChoice(m.id, m.name) for m in circle.seated]


def term_form(me: Member) -> TermForm:
    """The form to record a term: the roles this circle chooses, and who sits in it."""
    form = TermForm(prefix="term")
    lines = read.chosen_here(me.circle, clock.today())
    form.role.choices = [SelectChoice(line.key, _role_choice(line)) for line in lines]
    form.member_id.choices = _seated(me.circle)
    return form


def _role_choice(line: read.RoleLine) -> str:
    title = role_word(line.kind, line.name)
    return _("%(role)s of %(circle)s", role=title, circle=line.circle.name) if line.chosen_by_parent else title


def subcircle_form(me: Member) -> SubCircleForm:
    """The form to start a sub-circle; shown with a first term of a year from today."""
    today = clock.today()
    shown = {"held_from": today, "held_until": months_later(today, 12)}
    form = SubCircleForm(prefix="sub", data=None if request.method == "POST" else shown)
    form.leader_id.choices = _seated(me.circle)
    return form


def home_context(me: Member) -> dict:
    """What the circle home shows of roles and sub-circles, and the forms the reader's role may use."""
    circle, today = me.circle, clock.today()
    steers = lambda action: me.active and may(me.role, action)
    parent = circle.parent
    return {
        "role_lines": read.role_lines([circle], today)[circle.id],
        "role_offers": read.offers(circle, today),
        "subcircles": read.subcircles(circle, today),
        "parent": parent,
        "parent_member": parent is not None and any(
            m.circle_id == parent.id for m in me.person.current),
        "aim_form": AimForm(prefix="aim", data={"aim": circle.aim, "domain": circle.domain}) if steers(Action.SET_AIM) else None,
        "own_role_form": OwnRoleForm(prefix="role") if steers(Action.DEFINE_ROLE) else None,
        "term_form": term_form(me) if steers(Action.RECORD_TERM) else None,
        "subcircle_form": subcircle_form(me) if steers(Action.START_SUBCIRCLE) else None,
    }


def _home(circle_id: int, anchor: str):
    return back(url_for("circles.home", circle_id=circle_id, _anchor=anchor))


@bp.post("/c/<int:circle_id>/aim")
def set_aim(circle_id: int):
    """Write down the circle's aim and domain (facilitator)."""
    me = member_of(circle_id)
    form = AimForm(prefix="aim")
    if act(form, lambda: subcircles.set_aim(me, form.aim.data or "", form.domain.data or "")) is not None:
        flash(_("The circle's aim and domain are in its record."), "success")
    return _home(circle_id, "aim")


@bp.post("/c/<int:circle_id>/roles")
def define_role(circle_id: int):
    """Define a role of the circle's own (facilitator)."""
    me = member_of(circle_id)
    form = OwnRoleForm(prefix="role")
    done = act(form, lambda: roles.define_role(me, form.name.data, form.description.data, form.term_months.data))
    if done is not None:
        flash(say(_("The circle has a new role: %(role)s."), role=form.name.data), "success")
    return _home(circle_id, "roles")


@bp.post("/c/<int:circle_id>/roles/terms")
def record_term(circle_id: int):
    """Record who holds a role from when until when (facilitator)."""
    me = member_of(circle_id)
    form = term_form(me)
    done = act(form, lambda: roles.record_term(me, form.role.data, form.member_id.data, form.held_from.data,
                                               form.held_until.data))
    if done is not None:
        flash(say(_("Recorded: %(name)s holds the role until %(day)s."),
                  name=db.session.get(Member, form.member_id.data).name, day=format_date(form.held_until.data)),
              "success")
    return _home(circle_id, "roles")


@bp.post("/c/<int:circle_id>/subcircles")
def start_subcircle(circle_id: int):
    """Start a sub-circle of this circle, with its first leader (facilitator)."""
    me = member_of(circle_id)
    form = subcircle_form(me)
    done = act(form, lambda: subcircles.start_subcircle(
        me, form.name.data, form.aim.data or "", form.domain.data or "", form.leader_id.data,
        form.held_from.data, form.held_until.data))
    if done is not None:
        flash(say(_("%(circle)s is a circle within this circle now."), circle=form.name.data), "success")
    return _home(circle_id, "subcircles")


@bp.post("/c/<int:circle_id>/roles/choose-again")
def choose_again(circle_id: int):
    """A role whose term nears its end: write its election, and put it on a meeting's agenda.

    Two actions, each with its own log entry: the election's draft (circle/elections.py,
    for the role's usual term after the running one), then placing it on the
    meeting named, else the next planned meeting; without one it waits for the next agenda.
    """
    me = member_of(circle_id)
    form = ChooseAgainForm()
    line = next((o for o in read.offers(me.circle, clock.today()) if o.key == form.role.data), None)
    if line is None or line.role is None:  # not offered (any more): nothing to do
        flash(_("This role is not waiting to be chosen again."), "error")
        return _home(circle_id, "roles")
    role = line.role
    done = act(form, lambda: elections.write_election(me, role.id, *elections.default_term(role)))
    if done is None:
        return _home(circle_id, "roles")
    meeting = (db.session.get(Meeting, form.meeting_id.data) if form.meeting_id.data
               else followup.next_meeting(circle_id, clock.today()))
    if meeting is not None and meeting.circle_id == circle_id \
            and act(None, proposals.put_on_agenda, me, done.subject, meeting.id) is not None:
        flash(say(_("The election is on the agenda of %(meeting)s."), meeting=meeting.title), "success")
        return back(url_for("meetings.meeting", circle_id=circle_id, meeting_id=meeting.id))
    flash(_("The election is written; it waits for the next meeting's agenda."), "success")
    return back(url_for("proposals.proposal", circle_id=circle_id, proposal_id=done.subject))
