"""Forms: every input Kring accepts, from a page or a socket, is checked here.

The pages use them as Flask-WTF forms (with CSRF); the live protocol feeds
the same classes a socket payload with `payload_form()`, so validation lives
in one place.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import support
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectChoice, SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from circle.method import (
    CONTRIBUTION_MAX, NAME_MAX, TEXT_MAX, TITLE_MAX, TURN_SECONDS, Answer, RoundKind, RoundMode,
)
from circle.proposals import Wording
from circle.text import NoControlCharacters

#: Ids and versions fit the database's integers; anything larger is not ours.
ID_RANGE = NumberRange(min=1, max=2**31 - 1)


@functools.cache
def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' catalogue of its messages for one language, read once."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class KringForm(FlaskForm):
    """Base form: surrounding white space is never part of what was meant; no control characters.

    Every text field refuses control characters, and a field of one line
    (not a TextAreaField) line breaks too (circle/text.py): nothing of it is
    ever stored.
    """

    #: The text field that held control characters, after a failed `validate` (live.py answers `control_characters`).
    control_characters: str | None = None

    class Meta:
        def get_translations(self, form):
            """WTForms' own messages in the request's language: Flask-WTF reads their catalogue from disk for
            every request, and every live event is one (docs/performance/rows.md)."""
            return wtforms_translations(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):  # TextAreaField too
                filters = unbound_field.kwargs.get("filters", ())
                options = {**options, "filters": [_strip, *filters]}
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for field in self:
            if isinstance(field, StringField):
                extra.setdefault(field.name, []).append(
                    NoControlCharacters(one_line=not isinstance(field, TextAreaField)))
        self.control_characters = None
        return super().validate(extra_validators=extra)


class SteerForm(KringForm):
    """A facilitator's step, based on the meeting version they saw."""

    based_on = IntegerField(validators=[Optional(), ID_RANGE], widget=HiddenField.widget)


class WordingForm(KringForm):
    """A proposal's wording: a draft, an edit or an amendment."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    text = TextAreaField(_l("Proposal"), validators=[DataRequired(), Length(max=TEXT_MAX)])
    background = TextAreaField(_l("Why (background)"), validators=[Length(max=TEXT_MAX)])
    review_date = DateField(_l("Review date"), validators=[Optional()])
    success_criteria = TextAreaField(
        _l("How will we see that it works?"), validators=[Length(max=CONTRIBUTION_MAX)]
    )
    carried_out_by = StringField(_l("Who carries it out?"), validators=[Length(max=TITLE_MAX)])
    note = TextAreaField(_l("What changed, and why?"), validators=[Length(max=CONTRIBUTION_MAX)])
    based_on = IntegerField(validators=[Optional(), ID_RANGE], widget=HiddenField.widget)

    def wording(self) -> Wording:
        """The wording as the proposal actions take it."""
        return Wording(
            title=self.title.data,
            text=self.text.data,
            background=self.background.data or "",
            review_date=self.review_date.data,
            success_criteria=self.success_criteria.data or "",
            carried_out_by=self.carried_out_by.data or "",
        )


class AmendForm(WordingForm):
    """An amendment: a new version of a proposal under discussion."""

    proposal_id = IntegerField(validators=[InputRequired(), ID_RANGE], widget=HiddenField.widget)


class MeetingForm(KringForm):
    """Plan a meeting."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    date = DateField(_l("Date"), validators=[DataRequired()])


class AgendaForm(SteerForm):
    """Put a proposal on a meeting's agenda."""

    proposal_id = IntegerField(validators=[InputRequired(), ID_RANGE])


class AttendanceForm(SteerForm):
    """Mark a member present or absent."""

    member_id = IntegerField(validators=[InputRequired(), ID_RANGE])
    present = BooleanField(_l("Present"))


class StartRoundForm(SteerForm):
    """Start a round: which kind, how members take turns, who starts, which way round."""

    kind = SelectField(
        _l("Round"),
        choices=[
            SelectChoice(RoundKind.OPENING.value, _l("Opening round")),
            SelectChoice(RoundKind.PICTURE_FORMING.value, _l("Picture-forming round")),
            SelectChoice(RoundKind.OPINION_FORMING.value, _l("Opinion round")),
            SelectChoice(RoundKind.CONSENT.value, _l("Consent round")),
            SelectChoice(RoundKind.CLOSING.value, _l("Closing round")),
            SelectChoice(RoundKind.NOMINATION.value, _l("Nomination round")),
            SelectChoice(RoundKind.CHANGE_NOMINATION.value, _l("Change round")),
        ],
    )
    mode = SelectField(
        _l("How"),
        choices=[SelectChoice(RoundMode.IN_TURN.value, _l("In turn")), SelectChoice(RoundMode.OPEN.value, _l("Open: all at once"))],
        default=RoundMode.IN_TURN.value,
    )
    proposal_id = IntegerField(validators=[Optional(), ID_RANGE])
    reveal = BooleanField(_l("Simultaneous reveal: answers show when everyone has answered"))
    starter_id = IntegerField(_l("Who starts"), validators=[Optional(), ID_RANGE])
    clockwise = SelectField(
        _l("Which way round"),
        choices=[SelectChoice("1", _l("Clockwise")), SelectChoice("0", _l("Anticlockwise"))],
        default="1",
    )


class MemberStepForm(SteerForm):
    """A step about one member: add them to the round."""

    member_id = IntegerField(validators=[InputRequired(), ID_RANGE])


class ProposalStepForm(SteerForm):
    """A step about one proposal: explain, adopt, postpone, withdraw."""

    proposal_id = IntegerField(validators=[InputRequired(), ID_RANGE])


class TurnTimeForm(SteerForm):
    """The speaking time per turn, in seconds; 0 is no timer (docs/facilitation.md)."""

    seconds = IntegerField(_l("Speaking time per turn"), validators=[Optional(), AnyOf([0, *TURN_SECONDS])])


class ReadyCheckForm(SteerForm):
    """Ask "ready for the next step?", or (`end`) end the open ready check."""

    end = BooleanField(_l("End the ready check"))


class ObjectionStepForm(SteerForm):
    """A step about one objection: mark it tested, withdraw it."""

    objection_id = IntegerField(validators=[InputRequired(), ID_RANGE])


class ContributionForm(KringForm):
    """A contribution to the open round, by the member or recorded for them."""

    member_id = IntegerField(validators=[InputRequired(), ID_RANGE])
    answer = SelectField(
        _l("Answer"),
        choices=[
            SelectChoice(Answer.SPEAK.value, _l("Say something")),
            SelectChoice(Answer.PASS.value, _l("Pass")),
            SelectChoice(Answer.CONSENT.value, _l("Consent")),
            SelectChoice(Answer.OBJECTION.value, _l("Objection")),
            SelectChoice(Answer.NOMINATE.value, _l("Nominate")),
        ],
    )
    text = TextAreaField(_l("Your contribution"), validators=[Length(max=CONTRIBUTION_MAX)])
    workable = TextAreaField(
        _l("What would make it workable for you?"), validators=[Length(max=CONTRIBUTION_MAX)]
    )
    client_id = StringField(validators=[Optional(), Length(max=64)])
    #: In an election's rounds: whom the member nominates (left out in the change round: keep one's nomination).
    nominee_id = IntegerField(_l("Whom do you nominate?"), validators=[Optional(), ID_RANGE])


class ProposePersonForm(SteerForm):
    """In an election the facilitator proposes a person for a term (the previous version's term unless given)."""

    proposal_id = IntegerField(validators=[InputRequired(), ID_RANGE])
    nominee_id = IntegerField(_l("Person"), validators=[InputRequired(), ID_RANGE])
    term_from = DateField(_l("From"), validators=[Optional()])
    term_until = DateField(_l("Until"), validators=[Optional()])
    note = TextAreaField(_l("What changed, and why?"), validators=[Length(max=CONTRIBUTION_MAX)])


class ElectionForm(KringForm):
    """Write an election for one of the roles the circle chooses, for a term."""

    #: The role, as circle/read/roles.py keys it (`method.role_key`): a method role may have no row yet.
    role = SelectField(_l("Role"), validators=[InputRequired()])
    term_from = DateField(_l("From"), validators=[DataRequired()])
    term_until = DateField(_l("Until"), validators=[DataRequired()])
    note = TextAreaField(_l("Why now? (optional)"), validators=[Length(max=CONTRIBUTION_MAX)])


class MemberForm(KringForm):
    """Add a person to the circle, as a member from a date."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    since = DateField(_l("Member since"), validators=[Optional()])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("member", _l("Member")),
            SelectChoice("secretary", _l("Secretary")),
            SelectChoice("facilitator", _l("Facilitator")),
            SelectChoice("guest", _l("Guest")),
        ],
        default="member",
    )


class LeaveForm(KringForm):
    """Someone leaves the circle: the day from which they are no longer a member."""

    on = DateField(_l("Left the circle on"), validators=[Optional()])


def payload_form(form_class: type[KringForm], payload: Any) -> KringForm:
    """Fill a form from a socket payload (a JSON object), without CSRF: the socket is signed in."""
    data = payload if isinstance(payload, dict) else {}
    formdata = MultiDict(
        {k: ("y" if v is True else "" if v in (False, None) else str(v)) for k, v in data.items()
         if isinstance(v, (str, int, float, bool)) or v is None}
    )
    return form_class(formdata=formdata, meta={"csrf": False})


def first_error(form: KringForm) -> str:
    """The first validation message, to show or to send back.

    Fields a person fills in are named with their label; a wrong id or
    version comes from the page or program, not the person: they get the
    plain request to check what they sent.
    """
    for field in form:
        if field.errors and form.control_characters in (None, field.name):
            if form.control_characters:
                return f"{field.label.text}: {field.errors[-1]}"  # the control characters, however long
            if field.name.endswith("_id") or field.name == "based_on":
                return gettext("Please check what you entered.")
            return f"{field.label.text}: {field.errors[0]}"
    return ""
