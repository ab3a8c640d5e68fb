"""The one table of a meeting's steps: each written once, everything else made from it.

A row says what a step is called (its `Action`: the socket event, the log
entry and the rule in circle/method/steps.py), which form checks its input
(for a page post and a socket payload alike), which action of the
application layer it runs, where its page form posts, the words on its
button, where in the meeting page its control is drawn (`place`), and
whether the page asks before it is taken (`confirm`: it cannot be undone).
Who may take it and when is the method's to say: `method.available`.

From this table come the socket events (circle/live.py), the page routes
(circle/views/meetings.py) and the controls (templates/meetings/steps/<name>.html,
one part per step, drawn where `place` says). A new step is one row here,
one action, one rule, one template part and its words (docs/steps.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from circle import elections, facilitation, forms, meetings, proposals, rounds
from circle.actions import Done
from circle.method import MEETING_ROUNDS, Action, Answer, RoundKind, RoundMode
from circle.models import Member

#: Where a step's control is drawn on the meeting page.
PLACES = ("steer", "answer", "attendance", "agenda", "proposal", "objection", "facilitation")


@dataclass(frozen=True)
class Step:
    """One step of a meeting, as the pages and the live protocol offer it."""

    action: Action
    #: Checks the input, from a form post or a socket payload.
    form: type[forms.KringForm]
    #: Runs it: `run(actor, meeting_id, form)`, one action of the application layer.
    run: Callable[[Member, int, Any], Done]
    #: Where the page's form posts, under the meeting's address.
    path: str
    #: The words on its button.
    label: Any
    #: Where on the meeting page its control is drawn (one of PLACES).
    place: str
    #: Asked in the page before it is taken, because it cannot be undone.
    confirm: Any = None
    #: The form field that names what the step is for (a proposal, a member, ...), if any.
    target: str | None = None

    @property
    def name(self) -> str:
        """The step's name: its socket event, its log entry, its template part."""
        return self.action.value

    @property
    def template(self) -> str:
        return f"meetings/steps/{self.name}.html"


def _start_round(actor: Member, meeting_id: int, f: forms.StartRoundForm) -> Done:
    kind = RoundKind(f.kind.data)
    return rounds.start_round(
        actor, meeting_id, kind, RoundMode(f.mode.data),
        proposal_id=None if kind in MEETING_ROUNDS else f.proposal_id.data,
        reveal=f.reveal.data, starter_id=f.starter_id.data, clockwise=f.clockwise.data != "0",
        based_on=f.based_on.data)


def _contribute(actor: Member, meeting_id: int, f: forms.ContributionForm) -> Done:
    return rounds.contribute(
        actor, meeting_id, f.member_id.data, Answer(f.answer.data), f.text.data or "",
        f.workable.data or "", client_id=f.client_id.data or None, nominee_id=f.nominee_id.data)


#: Every step of a meeting, in the order the facilitator's controls show them.
STEPS: dict[Action, Step] = {s.action: s for s in [
    Step(Action.OPEN_MEETING, forms.SteerForm,
         lambda a, m, f: meetings.open_meeting(a, m, f.based_on.data),
         "/open", _l("Open meeting"), "steer"),
    Step(Action.TAKE_UP, forms.ProposalStepForm,
         lambda a, m, f: meetings.take_up(a, m, f.proposal_id.data, f.based_on.data),
         "/take-up", _l("Take this up now"), "agenda", target="proposal_id"),
    Step(Action.MARK_ATTENDANCE, forms.AttendanceForm,
         lambda a, m, f: meetings.mark_attendance(a, m, f.member_id.data, f.present.data, f.based_on.data),
         "/attendance", _l("I am here"), "attendance", target="member_id"),
    Step(Action.START_EXPLANATION, forms.ProposalStepForm,
         lambda a, m, f: meetings.start_explanation(a, m, f.proposal_id.data, f.based_on.data),
         "/explanation", _l("The proposer explains"), "steer", target="proposal_id"),
    Step(Action.START_ROUND, forms.StartRoundForm, _start_round,
         "/round/start", _l("Start round"), "steer", target="kind"),
    Step(Action.SKIP_SPEAKER, forms.SteerForm,
         lambda a, m, f: rounds.skip_speaker(a, m, f.based_on.data),
         "/round/skip", _l("Skip %(name)s"), "steer"),
    Step(Action.ADD_SEAT, forms.MemberStepForm,
         lambda a, m, f: rounds.add_seat(a, m, f.member_id.data, f.based_on.data),
         "/round/seat", _l("Add"), "steer", target="member_id"),
    Step(Action.CLOSE_ROUND, forms.SteerForm,
         lambda a, m, f: rounds.close_round(a, m, f.based_on.data),
         "/round/close", _l("Close round"), "steer"),
    Step(Action.CONTRIBUTE, forms.ContributionForm, _contribute,
         "/contribute", _l("Send"), "answer", target="member_id"),
    Step(Action.AMEND, forms.AmendForm,
         lambda a, m, f: proposals.amend(a, m, f.proposal_id.data, f.wording(), f.note.data or "",
                                         f.based_on.data),
         "/amend", _l("Amend the proposal"), "steer", target="proposal_id"),
    Step(Action.PROPOSE_PERSON, forms.ProposePersonForm,
         lambda a, m, f: elections.propose_person(a, m, f.proposal_id.data, f.nominee_id.data, f.term_from.data,
                                                  f.term_until.data, f.note.data or "", f.based_on.data),
         "/propose-person", _l("Propose this person"), "steer", target="proposal_id"),
    Step(Action.MARK_TESTED, forms.ObjectionStepForm,
         lambda a, m, f: proposals.mark_tested(a, m, f.objection_id.data, f.based_on.data),
         "/objection/tested", _l("Mark tested"), "objection", target="objection_id"),
    Step(Action.WITHDRAW_OBJECTION, forms.ObjectionStepForm,
         lambda a, m, f: proposals.withdraw_objection(a, m, f.objection_id.data),
         "/objection/withdraw", _l("Withdraw objection"), "objection", target="objection_id",
         confirm=_l("Your objection ends for good. Withdraw it?")),
    Step(Action.ADOPT, forms.ProposalStepForm,
         lambda a, m, f: proposals.adopt(a, m, f.proposal_id.data, f.based_on.data),
         "/adopt", _l("Adopt"), "steer", target="proposal_id"),
    Step(Action.POSTPONE, forms.ProposalStepForm,
         lambda a, m, f: proposals.postpone(a, m, f.proposal_id.data, f.based_on.data),
         "/postpone", _l("Postpone this proposal"), "steer", target="proposal_id",
         confirm=_l("The proposal goes back to wait for a later meeting; an open round about it ends. "
                    "Postpone it?")),
    Step(Action.WITHDRAW, forms.ProposalStepForm,
         lambda a, m, f: proposals.withdraw(a, f.proposal_id.data, m, f.based_on.data),
         "/withdraw", _l("Withdraw this proposal"), "proposal", target="proposal_id",
         confirm=_l("A withdrawn proposal cannot come back. Withdraw it?")),
    Step(Action.SET_TURN_TIME, forms.TurnTimeForm,
         lambda a, m, f: facilitation.set_turn_time(a, m, f.seconds.data, f.based_on.data),
         "/turn-time", _l("Set speaking time"), "steer"),
    Step(Action.ASK_READY, forms.ReadyCheckForm,
         lambda a, m, f: facilitation.ask_ready(a, m, not f.end.data, f.based_on.data),
         "/ready/ask", _l("Ask: ready for the next step?"), "steer"),
    Step(Action.MARK_READY, forms.MemberStepForm,
         lambda a, m, f: facilitation.mark_ready(a, m, f.member_id.data),
         "/ready", _l("Ready"), "facilitation", target="member_id"),
    Step(Action.HAND_OVER, forms.MemberStepForm,
         lambda a, m, f: facilitation.hand_over(a, m, f.member_id.data, f.based_on.data),
         "/hand-over", _l("Hand over the steering"), "steer", target="member_id",
         confirm=_l("From now on this person steers the meeting, and you take part as a member. Hand over?")),
    Step(Action.TAKE_OVER, forms.SteerForm,
         lambda a, m, f: facilitation.take_over(a, m, f.based_on.data),
         "/take-over", _l("Take over the steering"), "facilitation",
         confirm=_l("You steer this meeting from now on; it is logged. Take over?")),
    Step(Action.CLOSE_MEETING, forms.SteerForm,
         lambda a, m, f: meetings.close_meeting(a, m, f.based_on.data),
         "/close", _l("Close meeting"), "steer",
         confirm=_l("After closing, nothing more can be added to this meeting. Close it?")),
]}


def in_place(place: str) -> list[Step]:
    """The steps whose controls are drawn at `place`, in the table's order."""
    return [s for s in STEPS.values() if s.place == place]
