"""The circle method (kringmethode) as Kring runs it: plain rules, no Flask, no database.

A proposal moves through phases; the facilitator moves it on by starting
rounds, amending, and deciding. Every rule of the method lives here as a
function that either answers (the next phase, the next speaker, ...) or
raises `RuleBroken` with a code the pages and the live protocol can show.
The application layer gathers the facts from the database, asks these
rules, and writes what they allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


def N_(text: str) -> str:
    """Mark a message for translation; it is translated where it is shown."""
    return text


class Role(StrEnum):
    """What a person is in a circle."""

    FACILITATOR = "facilitator"  # gespreksleider: steers the rounds
    SECRETARY = "secretary"  # notulist: records, also on behalf of members
    MEMBER = "member"  # lid: speaks and consents
    GUEST = "guest"  # gast: follows and reads, never speaks in a round


#: Roles that sit in the circle: they take part in rounds and count for quorum.
SEATED_ROLES = frozenset({Role.FACILITATOR, Role.SECRETARY, Role.MEMBER})
#: Roles that may record a contribution on behalf of someone else.
RECORDING_ROLES = frozenset({Role.FACILITATOR, Role.SECRETARY})


class Phase(StrEnum):
    """Where a proposal stands."""

    DRAFT = "draft"  # concept: written, perhaps on an agenda
    EXPLANATION = "explanation"  # toelichting: the proposer explains
    PICTURE_FORMING = "picture_forming"  # beeldvormende ronde: what are we talking about?
    OPINION_FORMING = "opinion_forming"  # meningsvormende ronde
    AMENDING = "amending"  # voorstel aanpassen: a new version was written
    CONSENT = "consent"  # consentronde
    INTEGRATING = "integrating"  # bezwaren integreren: objections stand
    ADOPTED = "adopted"  # besluit genomen
    REVIEW = "review"  # evaluatie: an adopted decision back on an agenda to look back at
    POSTPONED = "postponed"  # uitgesteld: back to an agenda later
    WITHDRAWN = "withdrawn"  # ingetrokken by its proposer


#: Phases a proposal never leaves (an adopted decision only for its review, see `start_review`).
FINAL_PHASES = frozenset({Phase.ADOPTED, Phase.WITHDRAWN})


class RoundKind(StrEnum):
    """The rounds of a meeting: two about the meeting itself, three about a proposal."""

    OPENING = "opening"  # check-in
    PICTURE_FORMING = "picture_forming"
    OPINION_FORMING = "opinion_forming"
    CONSENT = "consent"
    CLOSING = "closing"  # how did this meeting go?


#: Rounds about the meeting, not about a proposal.
MEETING_ROUNDS = frozenset({RoundKind.OPENING, RoundKind.CLOSING})


class RoundMode(StrEnum):
    """How members take their turn."""

    IN_TURN = "in_turn"  # one speaker at a time, in the order the facilitator chose
    OPEN = "open"  # everyone may answer at once


class Answer(StrEnum):
    """What a member can give in a round."""

    SPEAK = "speak"  # a question, information, an opinion
    PASS = "pass"  # nothing to add (not in a consent round)
    CONSENT = "consent"  # no overriding objection; may carry a remark (a concern)
    OBJECTION = "objection"  # a reasoned objection: I cannot work with this


class ObjectionStatus(StrEnum):
    """How an objection stands; only its maker can end it."""

    STANDING = "standing"
    WITHDRAWN = "withdrawn"  # its maker withdrew it
    MET = "met"  # its maker consented to a later version


class Action(StrEnum):
    """Everything a person can do to a meeting or proposal."""

    ADD_MEMBER = "add_member"
    END_MEMBERSHIP = "end_membership"  # someone leaves the circle; their record stays
    WRITE_DRAFT = "write_draft"
    PLAN_MEETING = "plan_meeting"
    PUT_ON_AGENDA = "put_on_agenda"
    OPEN_MEETING = "open_meeting"
    CLOSE_MEETING = "close_meeting"
    MARK_ATTENDANCE = "mark_attendance"
    START_EXPLANATION = "start_explanation"
    START_ROUND = "start_round"
    ADD_SEAT = "add_seat"
    SKIP_SPEAKER = "skip_speaker"
    CLOSE_ROUND = "close_round"
    CONTRIBUTE = "contribute"
    AMEND = "amend"
    MARK_TESTED = "mark_tested"
    WITHDRAW_OBJECTION = "withdraw_objection"
    ADOPT = "adopt"
    POSTPONE = "postpone"
    WITHDRAW = "withdraw"
    CORRECT = "correct"  # correct a recorded contribution or a meeting's title: a new entry
    SET_PUBLIC_RECORD = "set_public_record"  # open the record to the neighbourhood, or close it


_STEER = frozenset({Role.FACILITATOR})
_RECORD = RECORDING_ROLES

#: Who may do what. Members act for themselves; the secretary and the
#: facilitator may also record for a member without a phone (the record says so).
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.ADD_MEMBER: _STEER,
    Action.END_MEMBERSHIP: _STEER,
    Action.WRITE_DRAFT: SEATED_ROLES,
    Action.PLAN_MEETING: _RECORD,
    Action.PUT_ON_AGENDA: _RECORD,
    Action.OPEN_MEETING: _STEER,
    Action.CLOSE_MEETING: _STEER,
    Action.MARK_ATTENDANCE: _RECORD,
    Action.START_EXPLANATION: _STEER,
    Action.START_ROUND: _STEER,
    Action.ADD_SEAT: _STEER,
    Action.SKIP_SPEAKER: _STEER,
    Action.CLOSE_ROUND: _STEER,
    Action.CONTRIBUTE: SEATED_ROLES,
    Action.AMEND: _STEER,
    Action.MARK_TESTED: _STEER,
    Action.WITHDRAW_OBJECTION: SEATED_ROLES,
    Action.ADOPT: _STEER,
    Action.POSTPONE: _STEER,
    Action.WITHDRAW: SEATED_ROLES,
    Action.CORRECT: _RECORD,  # who may record for others may correct what was recorded
    Action.SET_PUBLIC_RECORD: _STEER,
}

#: Messages for every broken rule, by code. English here; Dutch in the catalogue.
MESSAGES: dict[str, str] = {
    "not_allowed": N_("Your role in this circle does not allow this."),
    "wrong_phase": N_("This cannot be done in the proposal's current phase."),
    "final": N_("This proposal has been decided; it can no longer change."),
    "round_open": N_("Close the current round first."),
    "no_round": N_("There is no open round."),
    "meeting_not_open": N_("The meeting is not open."),
    "meeting_closed": N_("This meeting is closed."),
    "not_on_agenda": N_("This proposal is not on this meeting's agenda."),
    "already_on_agenda": N_("This proposal is already on an agenda."),
    "no_quorum": N_("Not enough members are present: no consent round without quorum."),
    "nobody_present": N_("Nobody is marked present; take attendance first."),
    "not_seated": N_("This person is not in this round."),
    "already_seated": N_("This person is already in this round."),
    "not_present": N_("Only members who are present can join a round."),
    "not_your_turn": N_("It is not this person's turn yet."),
    "already_answered": N_("This person has already answered in this round."),
    "no_pass": N_("No pass in a consent round: everyone answers consent or objection."),
    "consent_only": N_("In a consent round the answer is consent or objection."),
    "no_consent_here": N_("Consent and objections belong in a consent round."),
    "reason_required": N_("An objection needs a reason: what does this harm in our aim?"),
    "text_required": N_("Please write something, or pass."),
    "round_incomplete": N_("Not everyone has answered yet."),
    "reveal_needs_open": N_("A simultaneous reveal needs an open round."),
    "objections_stand": N_("Objections still stand: amend the proposal, postpone or withdraw it."),
    "no_consent_yet": N_("This version has not had a complete consent round without objection."),
    "objection_ended": N_("This objection has already ended."),
    "not_your_objection": N_("Only its maker can withdraw an objection."),
    "not_proposer": N_("Only the proposer can withdraw a proposal."),
    "no_guest_round": N_("Guests follow the meeting; they do not speak in a round."),
    "stale": N_("Someone else acted first; here is the current state."),
    "not_found": N_("This does not exist, or is not part of your circle."),
    "invalid": N_("Please check what you entered."),
    "name_taken": N_("Someone in this circle already has that name."),
    "already_left": N_("This person has already left the circle."),
    "not_a_member_then": N_("This person was not a member of the circle on the meeting's day."),
    "left_before_joined": N_("Someone cannot leave before the day they joined."),
    "unknown_event": N_("Kring does not know this request."),
    "client_id_reused": N_("This answer came with the id of an earlier, different answer; it was not "
                           "stored. Send it with a new id."),
    "server_error": N_("Something went wrong on the server; nothing was changed. Please try again."),
}


class RuleBroken(Exception):
    """An action the method does not allow; `code` is a key of MESSAGES."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
        self.message = MESSAGES[code]


def require(condition: bool, code: str) -> None:
    """Raise `RuleBroken(code)` unless the condition holds."""
    if not condition:
        raise RuleBroken(code)


# --- How long texts may be --------------------------------------------------
#: Short enough to read on a phone, long enough for a real proposal.
TITLE_MAX = 200  # a proposal's or meeting's title
TEXT_MAX = 10_000  # a proposal's text or background
CONTRIBUTION_MAX = 2_000  # a contribution, remark, reason or note
NAME_MAX = 80  # a person's name


def check_text(text: str, limit: int, required: bool = False) -> None:
    """Refuse a missing required text, or one longer than its limit."""
    require(len(text) <= limit and (bool(text.strip()) or not required), "invalid")


# --- Who may do what ---------------------------------------------------------


def check_role(role: Role, action: Action) -> None:
    """Refuse an action that the person's role does not allow."""
    require(role in PERMISSIONS[action], "not_allowed")


def may(role: Role, action: Action) -> bool:
    """Whether a role may take an action at all (to show or hide its button)."""
    return role in PERMISSIONS[action]


# --- How a proposal moves on ------------------------------------------------

#: From which phases each round about a proposal may start, and the phase it leads to.
#: A consent round follows an opinion round or an amendment; after objections,
#: only a new version (AMENDING) gets a new consent round.
ROUND_STARTS: dict[RoundKind, frozenset[Phase]] = {
    RoundKind.PICTURE_FORMING: frozenset(
        {Phase.DRAFT, Phase.EXPLANATION, Phase.PICTURE_FORMING, Phase.REVIEW}
    ),
    RoundKind.OPINION_FORMING: frozenset(
        {Phase.PICTURE_FORMING, Phase.OPINION_FORMING, Phase.AMENDING, Phase.REVIEW}
    ),
    RoundKind.CONSENT: frozenset({Phase.OPINION_FORMING, Phase.AMENDING}),
}

#: Phases in which the facilitator may write a new version of the proposal.
AMENDABLE = frozenset(
    {Phase.PICTURE_FORMING, Phase.OPINION_FORMING, Phase.AMENDING, Phase.CONSENT,
     Phase.INTEGRATING, Phase.REVIEW}
)

#: Phases from which a proposal may be postponed (back to a later agenda).
POSTPONABLE = frozenset(Phase) - FINAL_PHASES - {Phase.POSTPONED}


@dataclass(frozen=True)
class ProposalFacts:
    """What the rules need to know about a proposal right now."""

    phase: Phase
    version: int
    #: A round is open in the meeting (one round at a time).
    round_open: bool = False
    #: The latest version whose consent round was complete (everyone seated answered).
    consent_complete_version: int | None = None
    #: Objections by anyone, on any version, that have not ended.
    standing_objections: int = 0


def _not_final(facts: ProposalFacts) -> None:
    require(facts.phase not in FINAL_PHASES, "final")


def edit_draft(facts: ProposalFacts) -> Phase:
    """A draft is written in versions too; once the rounds start, only the facilitator amends."""
    _not_final(facts)
    require(facts.phase in (Phase.DRAFT, Phase.POSTPONED), "wrong_phase")
    return facts.phase


def put_on_agenda(facts: ProposalFacts) -> Phase:
    """A draft, or a postponed proposal, goes on a meeting's agenda as a draft."""
    _not_final(facts)
    require(facts.phase in (Phase.DRAFT, Phase.POSTPONED), "wrong_phase")
    return Phase.DRAFT


def start_review(facts: ProposalFacts) -> Phase:
    """An adopted decision goes back on an agenda to be looked back at (evaluatie).

    The review runs like a proposal: rounds, perhaps an amendment, and a new
    consent round before it is adopted again; or its proposer withdraws it.
    """
    require(facts.phase == Phase.ADOPTED, "wrong_phase")
    return Phase.REVIEW


def start_explanation(facts: ProposalFacts) -> Phase:
    """The proposer explains before the first round; optional."""
    _not_final(facts)
    require(facts.phase == Phase.DRAFT, "wrong_phase")
    return Phase.EXPLANATION


def start_round(
    facts: ProposalFacts,
    kind: RoundKind,
    mode: RoundMode,
    reveal: bool,
    present: int,
    quorum: int,
) -> Phase:
    """Start a picture-forming, opinion or consent round on a proposal.

    `present` counts the seated members present; `quorum` is how many must be.
    """
    _not_final(facts)
    require(kind in ROUND_STARTS, "wrong_phase")
    require(not facts.round_open, "round_open")
    require(facts.phase in ROUND_STARTS[kind], "wrong_phase")
    require(present > 0, "nobody_present")
    require(not reveal or (kind == RoundKind.CONSENT and mode == RoundMode.OPEN), "reveal_needs_open")
    if kind == RoundKind.CONSENT:
        require(present >= quorum, "no_quorum")
    return Phase(kind.value)


def amend(facts: ProposalFacts) -> Phase:
    """Write version n+1 in light of the rounds; never while a round is open."""
    _not_final(facts)
    require(not facts.round_open, "round_open")
    require(facts.phase in AMENDABLE, "wrong_phase")
    return Phase.AMENDING


def adopt(facts: ProposalFacts) -> Phase:
    """Adopt only the version that had a complete consent round, with no objection standing."""
    _not_final(facts)
    require(not facts.round_open, "round_open")
    require(facts.phase in (Phase.CONSENT, Phase.INTEGRATING), "wrong_phase")
    require(facts.standing_objections == 0, "objections_stand")
    require(facts.consent_complete_version == facts.version, "no_consent_yet")
    return Phase.ADOPTED


def postpone(facts: ProposalFacts) -> Phase:
    """Take the proposal off today's agenda; an open round about it ends unfinished."""
    _not_final(facts)
    require(facts.phase in POSTPONABLE, "wrong_phase")
    return Phase.POSTPONED


def withdraw(facts: ProposalFacts, by_proposer: bool) -> Phase:
    """Only the proposer withdraws a proposal, and not in the middle of a round."""
    _not_final(facts)
    require(by_proposer, "not_proposer")
    require(not facts.round_open, "round_open")
    return Phase.WITHDRAWN


def after_consent_round(objections: int) -> Phase:
    """A complete consent round leads to adoption if nobody objects, else to integration."""
    return Phase.INTEGRATING if objections else Phase.CONSENT


# --- Meetings ---------------------------------------------------------------


class NameDisplay(StrEnum):
    """How members' names appear in a circle's public record."""

    FULL = "full"  # Fatima El Amrani
    FIRST = "first"  # Fatima
    INITIALS = "initials"  # F.E.A.


def public_name(name: str, display: NameDisplay) -> str:
    """A member's name as the circle chose to show it to the neighbourhood."""
    parts = name.split()
    if display == NameDisplay.FULL or not parts:
        return name
    if display == NameDisplay.FIRST:
        return parts[0]
    return "".join(p[0].upper() + "." for p in parts)


class MeetingStatus(StrEnum):
    """A meeting is planned, then open while it runs, then closed."""

    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


def open_meeting(status: MeetingStatus) -> MeetingStatus:
    """Open a planned meeting."""
    require(status != MeetingStatus.CLOSED, "meeting_closed")
    require(status == MeetingStatus.PLANNED, "wrong_phase")
    return MeetingStatus.OPEN


def close_meeting(status: MeetingStatus, round_open: bool) -> MeetingStatus:
    """Close an open meeting once its last round has closed."""
    require(status == MeetingStatus.OPEN, "meeting_not_open")
    require(not round_open, "round_open")
    return MeetingStatus.CLOSED


def check_meeting_open(status: MeetingStatus) -> None:
    """Rounds, attendance and decisions happen only while the meeting is open."""
    require(status != MeetingStatus.CLOSED, "meeting_closed")
    require(status == MeetingStatus.OPEN, "meeting_not_open")


def start_meeting_round(kind: RoundKind, round_open: bool, present: int) -> None:
    """The opening (check-in) and closing rounds are about the meeting, not a proposal."""
    require(kind in MEETING_ROUNDS, "wrong_phase")
    require(not round_open, "round_open")
    require(present > 0, "nobody_present")


# --- Membership, attendance and quorum ---------------------------------------


def membership_covers(joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    """Whether someone was a member on `day`: from the day they joined until the day they left.

    On the day they left they are no longer a member. Who was expected at a
    meeting, who was absent and who counts toward quorum all follow from this,
    on the meeting's date.
    """
    return joined_on <= day and (left_on is None or day < left_on)


def check_leaving(joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> None:
    """A membership ends once, and not before it began."""
    require(left_on is None, "already_left")
    require(day >= joined_on, "left_before_joined")


def expected(role: Role, joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    """Whether someone was expected at a meeting on `day`: seated in the circle on that day.

    Expected and not present is absent; the expected count toward quorum.
    """
    return role in SEATED_ROLES and membership_covers(joined_on, left_on, day)



def quorum_needed(members: int, quorum: int | None) -> int:
    """How many seated members must be present: the circle's own number, else more than half.

    `members` counts the seated members on the meeting's date (`expected`); a
    circle's own number never asks more than there are members.
    """
    if quorum is not None:
        return max(1, min(quorum, members))
    return members // 2 + 1


# --- Rounds -----------------------------------------------------------------


def seat_order(present: Sequence[int], starter: int | None, clockwise: bool = True) -> list[int]:
    """The speaking order: the circle's own order, from the starter, one way round."""
    order = list(present) if clockwise else list(reversed(present))
    if starter in order:
        i = order.index(starter)
        order = order[i:] + order[:i]
    return order


@dataclass(frozen=True)
class RoundFacts:
    """What the rules need to know about a round right now."""

    kind: RoundKind
    mode: RoundMode
    #: Who must answer, in speaking order (a skipped speaker moved to the end).
    seats: tuple[int, ...]
    #: Who has answered already.
    answered: frozenset[int]
    open: bool = True

    @property
    def waiting(self) -> list[int]:
        """Seats still to answer, in order."""
        return [m for m in self.seats if m not in self.answered]

    @property
    def current_speaker(self) -> int | None:
        """In a round in turn, the first seat still to answer; in an open round, nobody."""
        if self.mode != RoundMode.IN_TURN:
            return None
        waiting = self.waiting
        return waiting[0] if waiting else None

    @property
    def complete(self) -> bool:
        """Everyone seated has answered."""
        return not self.waiting


def check_contribution(
    rnd: RoundFacts, member: int, answer: Answer, text: str, reason: str = ""
) -> None:
    """Whether this member may give this answer in this round now."""
    require(rnd.open, "no_round")
    require(member in rnd.seats, "not_seated")
    require(member not in rnd.answered, "already_answered")
    if rnd.mode == RoundMode.IN_TURN:
        require(rnd.current_speaker == member, "not_your_turn")
    if rnd.kind == RoundKind.CONSENT:
        require(answer != Answer.PASS, "no_pass")
        require(answer in (Answer.CONSENT, Answer.OBJECTION), "consent_only")
        if answer == Answer.OBJECTION:
            require(bool(reason.strip()), "reason_required")
    else:
        require(answer in (Answer.SPEAK, Answer.PASS), "no_consent_here")
        if answer == Answer.SPEAK:
            require(bool(text.strip()), "text_required")


def check_on_behalf(actor_role: Role, actor: int, member: int) -> None:
    """Members answer for themselves; the secretary and facilitator may record for others."""
    require(actor == member or actor_role in RECORDING_ROLES, "not_allowed")


def skip(rnd: RoundFacts) -> tuple[int, ...]:
    """Move the current speaker to the end: a skipped speaker comes back last."""
    require(rnd.open, "no_round")
    require(rnd.mode == RoundMode.IN_TURN and rnd.current_speaker is not None, "wrong_phase")
    speaker = rnd.current_speaker
    return tuple(m for m in rnd.seats if m != speaker) + (speaker,)


def add_seat(rnd: RoundFacts, member: int, present: bool) -> tuple[int, ...]:
    """A late arrival joins an open round openly, at the end of the order."""
    require(rnd.open, "no_round")
    require(present, "not_present")
    require(member not in rnd.seats, "already_seated")
    return rnd.seats + (member,)


def check_close_round(rnd: RoundFacts) -> None:
    """A consent round closes only when everyone seated has answered; others may close early."""
    require(rnd.open, "no_round")
    if rnd.kind == RoundKind.CONSENT:
        require(rnd.complete, "round_incomplete")


def answers_visible(reveal: bool, complete: bool) -> bool:
    """With a simultaneous reveal, answers show only when the last one is in."""
    return not reveal or complete


# --- Objections -------------------------------------------------------------


def objections_met(standing_by_maker: Iterable[int], consented: Iterable[int]) -> set[int]:
    """The makers of standing objections who consented to the new version: theirs are met."""
    return set(standing_by_maker) & set(consented)


def check_withdraw_objection(
    status: ObjectionStatus, maker: int, actor: int, actor_role: Role
) -> None:
    """An objection ends only by its maker; the secretary may record it for a maker without a phone.

    The facilitator can mark an objection tested, never dismiss it.
    """
    require(status == ObjectionStatus.STANDING, "objection_ended")
    require(actor == maker or actor_role == Role.SECRETARY, "not_your_objection")
