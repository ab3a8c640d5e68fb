"""The words of the method: who takes part, where a proposal stands, the rounds, the answers.

Every value here is also what the database stores and the live protocol
sends, so it never changes once used.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Role", "SEATED_ROLES", "RECORDING_ROLES", "Phase", "FINAL_PHASES", "RoundKind", "MEETING_ROUNDS",
    "ELECTION_ROUNDS", "RoleKind", "RoundMode", "Answer", "ObjectionStatus", "MeetingStatus", "NameDisplay",
    "Action", "N_",
]


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
    NOMINATION = "nomination"  # verkiezing: the nomination round (an election only)
    CHANGE_NOMINATION = "change_nomination"  # verkiezing: the round to keep or change one's nomination


#: Phases a proposal never leaves (an adopted decision only for its review, see `start_review`).
#: A postponed proposal is not final: it goes back on an agenda.
FINAL_PHASES = frozenset({Phase.ADOPTED, Phase.WITHDRAWN})


class RoundKind(StrEnum):
    """The rounds of a meeting: two about the meeting itself, three about a proposal, two of an election."""

    OPENING = "opening"  # check-in
    PICTURE_FORMING = "picture_forming"
    OPINION_FORMING = "opinion_forming"
    CONSENT = "consent"
    CLOSING = "closing"  # how did this meeting go?
    NOMINATION = "nomination"  # verkiezing: everyone names whom they nominate for a role, and why
    CHANGE_NOMINATION = "change_nomination"  # after hearing all reasons: keep or change one's nomination


#: Rounds about the meeting, not about a proposal.
MEETING_ROUNDS = frozenset({RoundKind.OPENING, RoundKind.CLOSING})
#: Rounds held only in an election (docs/roles-and-elections.md).
ELECTION_ROUNDS = frozenset({RoundKind.NOMINATION, RoundKind.CHANGE_NOMINATION})


class RoleKind(StrEnum):
    """The roles a circle fills for a term (docs/roles-and-elections.md)."""

    FACILITATOR = "facilitator"  # gespreksleider
    SECRETARY = "secretary"  # secretaris / notulist
    LEADER = "leader"  # leider of a sub-circle: chosen by the parent circle, seated in both
    DELEGATE = "delegate"  # afgevaardigde of a sub-circle: chosen by the sub-circle, seated in both
    OWN = "own"  # a role the circle defines itself, with a name and a description


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
    NOMINATE = "nominate"  # in an election's nomination rounds: whom, and why


class ObjectionStatus(StrEnum):
    """How an objection stands; only its maker can end it."""

    STANDING = "standing"
    WITHDRAWN = "withdrawn"  # its maker withdrew it
    MET = "met"  # its maker consented to a later version


class MeetingStatus(StrEnum):
    """A meeting is planned, then open while it runs, then closed."""

    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class NameDisplay(StrEnum):
    """How members' names appear in a circle's public record."""

    FULL = "full"  # Fatima El Amrani
    FIRST = "first"  # Fatima
    INITIALS = "initials"  # F.E.A.


class Action(StrEnum):
    """Everything a person can do to a circle, a meeting or a proposal; each is logged under this name."""

    ADD_MEMBER = "add_member"
    END_MEMBERSHIP = "end_membership"  # someone leaves the circle; their record stays
    WRITE_DRAFT = "write_draft"
    PLAN_MEETING = "plan_meeting"
    PUT_ON_AGENDA = "put_on_agenda"
    OPEN_MEETING = "open_meeting"
    CLOSE_MEETING = "close_meeting"
    MARK_ATTENDANCE = "mark_attendance"
    TAKE_UP = "take_up"  # the meeting turns to a proposal on its agenda
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
    START_ROUND_BETWEEN = "start_round_between"  # a round on a proposal between meetings, with a deadline
    CONTRIBUTE_BETWEEN = "contribute_between"  # an answer in a round between meetings
    CLOSE_ROUND_BETWEEN = "close_round_between"  # it ends: everyone answered, its deadline, or the facilitator
    AMEND_BETWEEN = "amend_between"  # a new version between meetings, to meet objections
    SET_BETWEEN_MEETINGS = "set_between_meetings"  # the circle's own rules for rounds between meetings
    CORRECT = "correct"  # correct a recorded contribution or a meeting's title: a new entry
    SET_PUBLIC_RECORD = "set_public_record"  # open the record to the neighbourhood, or close it
    HAND_OUT_LINKS = "hand_out_links"  # print, revoke and renew members' sign-in links; not logged: keys, not decisions
    PUT_FORWARD_TOPIC = "put_forward_topic"  # a member brings up a subject for the next meeting
    PUT_FORWARD = "put_forward"  # a draft goes forward for the next meeting
    TURN_INTO_DRAFT = "turn_into_draft"  # a topic is written out as a proposal
    MOVE_ON_AGENDA = "move_on_agenda"  # an item goes to another place on a meeting's agenda
    TAKE_OFF_AGENDA = "take_off_agenda"  # an item leaves a meeting's agenda before it is discussed
    ADD_TASK = "add_task"  # a decision gets a task: what, who, by when
    CHANGE_TASK = "change_task"  # a task goes to someone else, to another day, or gets other words
    MARK_TASK = "mark_task"  # how a task stands: started, done, stuck, with a note
    SET_TURN_TIME = "set_turn_time"  # the facilitator sets the speaking time per turn, or none (docs/facilitation.md)
    ASK_READY = "ask_ready"  # the facilitator asks "ready for the next step?", or ends that check
    MARK_READY = "mark_ready"  # a member says "ready" (the secretary for someone without a phone)
    HAND_OVER = "hand_over"  # whoever steers hands the steering of this meeting to another member present
    TAKE_OVER = "take_over"  # the secretary takes the steering over when whoever steers has been away too long
    SET_TAKEOVER = "set_takeover"  # the circle sets how long that is
    SET_AIM = "set_aim"  # the circle's aim and domain, in its record
    DEFINE_ROLE = "define_role"  # a role of the circle's own: name, description, usual term
    RECORD_TERM = "record_term"  # who holds a role from when until when, chosen before Kring or as a first role
    START_SUBCIRCLE = "start_subcircle"  # a circle within this circle, with its aim, domain and first leader
    WRITE_ELECTION = "write_election"  # an election for one of the circle's roles, as a draft to put on an agenda
    PROPOSE_PERSON = "propose_person"  # in an election the facilitator proposes a person for a term: a new version
    PROPOSE_PERSON_BETWEEN = "propose_person_between"  # the same between meetings (method/between.py)
