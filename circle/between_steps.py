"""The table of steps between meetings: each written once, its page route and socket event made from it.

The same shape as a meeting's table (circle/steps.py, docs/steps.md), for the
steps taken on a proposal outside any meeting: open a round with a deadline,
answer it, close it early, amend the proposal, or in an election propose a
person. A row names its `Action` (the
socket event, the log entry and the rule in circle/method/between.py), the
form that checks its input from a page post and a socket payload alike, the
action it runs (`run(actor, proposal_id, form)`), where its page form posts
(under the proposal's address), the words on its button, and whether the page
asks first. Its control is `templates/proposals/between/<name>.html`, drawn on
the proposal page when the method offers the step (`method.available_between`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length

from circle import between, clock, elections
from circle.actions import Done
from circle.extensions import db
from circle.forms import ID_RANGE, ContributionForm, KringForm, ProposePersonForm, WordingForm
from circle.method import Action, Answer, RoundKind, require
from circle.models import Member, Round


class DeadlineField(StringField):
    """A moment: ISO 8601 with a time zone (`2026-11-26T19:00:00Z`), or without one in the circles' own
    time (`2026-11-26T20:00`, as a page's date-and-time input sends it). Kept as UTC, to the minute."""

    #: The moment given, in UTC; None when none was.
    moment: dt.datetime | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.moment: dt.datetime | None = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            value = dt.datetime.fromisoformat(text)  # Python 3.11 reads a "Z" too
        except ValueError:
            raise ValueError(gettext("Give a day and a time, like 2026-11-26T20:00.")) from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=clock.zone())
        self.moment = value.astimezone(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)


class StartRoundBetweenForm(KringForm):
    """Open a round between meetings: which kind, until when, and whether answers wait for the last."""

    kind = SelectField(
        _l("Round"),
        choices=[SelectChoice(RoundKind.PICTURE_FORMING.value, _l("Picture-forming round")),
                 SelectChoice(RoundKind.OPINION_FORMING.value, _l("Opinion round")),
                 SelectChoice(RoundKind.CONSENT.value, _l("Consent round")),
                 SelectChoice(RoundKind.NOMINATION.value, _l("Nomination round")),
                 SelectChoice(RoundKind.CHANGE_NOMINATION.value, _l("Change round"))],
        validators=[InputRequired()],
    )
    deadline = DeadlineField(_l("Answers until"), validators=[InputRequired(), Length(max=40)])
    reveal = BooleanField(_l("Simultaneous reveal: answers show when everyone has answered or the deadline "
                             "has passed"))


class RoundStepForm(KringForm):
    """A step about one round between meetings: close it early."""

    round_id = IntegerField(validators=[InputRequired(), ID_RANGE], widget=HiddenField.widget)


class ContributeBetweenForm(ContributionForm):
    """An answer in a round between meetings: the round it answers, and the answer as in a meeting."""

    round_id = IntegerField(validators=[InputRequired(), ID_RANGE], widget=HiddenField.widget)


class AmendBetweenForm(WordingForm):
    """A new version of the proposal between meetings, and why; `based_on` is the version it was written on."""


class ProposePersonBetweenForm(ProposePersonForm):
    """In an election, the person and the term proposed between meetings, as in a meeting; the election is the
    one the page or the socket follows, and `based_on` is its version the proposal was written on."""

    proposal_id = None


@dataclass(frozen=True)
class BetweenStep:
    """One step between meetings, as the proposal page and the live protocol offer it."""

    action: Action
    form: type[KringForm]
    #: Runs it: `run(actor, proposal_id, form)`, one action of circle/between.py.
    run: Callable[[Member, int, Any], Done]
    #: Where the page's form posts, under the proposal's address.
    path: str
    label: Any
    confirm: Any = None

    @property
    def name(self) -> str:
        return self.action.value

    @property
    def template(self) -> str:
        return f"proposals/between/{self.name}.html"


def _in_proposal(actor: Member, proposal_id: int, round_id: int) -> int:
    """A round named by a page or a socket must be one of this proposal's: else it is not found here."""
    rnd = db.session.get(Round, round_id)
    require(rnd is not None and rnd.proposal_id == proposal_id and rnd.circle_id == actor.circle_id, "not_found")
    return round_id


def _start(actor: Member, proposal_id: int, f: StartRoundBetweenForm) -> Done:
    return between.start_round_between(actor, proposal_id, RoundKind(f.kind.data), f.deadline.moment,
                                       reveal=f.reveal.data)


def _contribute(actor: Member, proposal_id: int, f: ContributeBetweenForm) -> Done:
    return between.contribute_between(
        actor, _in_proposal(actor, proposal_id, f.round_id.data), f.member_id.data, Answer(f.answer.data),
        f.text.data or "", f.workable.data or "", client_id=f.client_id.data or None, nominee_id=f.nominee_id.data)


def _close(actor: Member, proposal_id: int, f: RoundStepForm) -> Done:
    return between.close_round_between(actor, _in_proposal(actor, proposal_id, f.round_id.data))


def _amend(actor: Member, proposal_id: int, f: AmendBetweenForm) -> Done:
    return between.amend_between(actor, proposal_id, f.wording(), f.note.data or "", based_on=f.based_on.data)


def _propose(actor: Member, proposal_id: int, f: ProposePersonBetweenForm) -> Done:
    return elections.propose_person_between(actor, proposal_id, f.nominee_id.data, f.term_from.data,
                                            f.term_until.data, f.note.data or "", based_on=f.based_on.data)


#: Every step between meetings, in the order the proposal page shows them.
BETWEEN: dict[Action, BetweenStep] = {s.action: s for s in [
    BetweenStep(Action.START_ROUND_BETWEEN, StartRoundBetweenForm, _start, "/start",
                _l("Open the round")),
    BetweenStep(Action.CONTRIBUTE_BETWEEN, ContributeBetweenForm, _contribute, "/answer", _l("Send")),
    BetweenStep(Action.CLOSE_ROUND_BETWEEN, RoundStepForm, _close, "/close", _l("Close the round now"),
                confirm=_l("Who has not answered yet cannot answer any more, and a consent round with "
                           "answers missing adopts nothing. Close it now?")),
    BetweenStep(Action.AMEND_BETWEEN, AmendBetweenForm, _amend, "/amend", _l("Save the new version")),
    BetweenStep(Action.PROPOSE_PERSON_BETWEEN, ProposePersonBetweenForm, _propose, "/propose-person",
                _l("Propose this person")),
]}
