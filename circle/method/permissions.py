"""Who may do what: each action and the roles that may take it.

Members act for themselves; the secretary and the facilitator may also record
for a member without a phone (the record says so). Whether an action fits the
moment (the phase, the round, the person's own answer) is for the other rules;
this table only says which roles may ever take it.
"""

from __future__ import annotations

from circle.method.refusals import require
from circle.method.terms import RECORDING_ROLES, SEATED_ROLES, Action, Role

__all__ = ["PERMISSIONS", "check_role", "may"]

_STEER = frozenset({Role.FACILITATOR})
_RECORD = RECORDING_ROLES

#: Which roles may take each action.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.ADD_MEMBER: _STEER,
    Action.END_MEMBERSHIP: _STEER,
    Action.WRITE_DRAFT: SEATED_ROLES,
    Action.PLAN_MEETING: _RECORD,
    Action.PUT_ON_AGENDA: _RECORD,
    Action.OPEN_MEETING: _STEER,
    Action.CLOSE_MEETING: _STEER,
    Action.MARK_ATTENDANCE: SEATED_ROLES,  # others only the recorders (meeting.py: check_attendance)
    Action.TAKE_UP: _STEER,
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
    Action.START_ROUND_BETWEEN: SEATED_ROLES,  # the facilitator; the proposer where the circle allows (between.py)
    Action.CONTRIBUTE_BETWEEN: SEATED_ROLES,
    Action.CLOSE_ROUND_BETWEEN: _STEER,
    Action.AMEND_BETWEEN: SEATED_ROLES,  # as START_ROUND_BETWEEN
    Action.SET_BETWEEN_MEETINGS: _STEER,
    Action.CORRECT: _RECORD,  # who may record for others may correct what was recorded
    Action.SET_PUBLIC_RECORD: _STEER,
    Action.HAND_OUT_LINKS: _RECORD,  # the secretary prints the handouts of members without a smartphone
    Action.PUT_FORWARD_TOPIC: SEATED_ROLES,
    Action.PUT_FORWARD: SEATED_ROLES,  # its proposer (agenda.py), or a recorder for them
    Action.TURN_INTO_DRAFT: SEATED_ROLES,  # its author, or a recorder (agenda.py)
    Action.MOVE_ON_AGENDA: _RECORD,  # who places items orders and removes them too
    Action.TAKE_OFF_AGENDA: _RECORD,
    Action.ADD_TASK: SEATED_ROLES,  # a recorder, or the decision's proposer (tasks.py)
    Action.CHANGE_TASK: SEATED_ROLES,
    Action.MARK_TASK: SEATED_ROLES,  # its carrier, or a recorder for them (tasks.py)
    Action.SET_TURN_TIME: _STEER,  # who steers this meeting (facilitation.py: role_in_meeting)
    Action.ASK_READY: _STEER,
    Action.MARK_READY: SEATED_ROLES,  # oneself; the recorders for others (facilitation.py)
    Action.HAND_OVER: _STEER,
    Action.TAKE_OVER: frozenset({Role.SECRETARY}),  # once whoever steers has been away long enough
    Action.SET_TAKEOVER: _STEER,
    Action.SET_AIM: _STEER,
    Action.DEFINE_ROLE: _STEER,
    Action.RECORD_TERM: _STEER,  # an election is the usual way (docs/roles-and-elections.md)
    Action.START_SUBCIRCLE: _STEER,  # the parent's facilitator; the parent chooses the first leader
    Action.WRITE_ELECTION: _RECORD,  # who puts items on the agenda
    Action.PROPOSE_PERSON: _STEER,
    Action.PROPOSE_PERSON_BETWEEN: SEATED_ROLES,  # as START_ROUND_BETWEEN, never for oneself (between.py)
}


def check_role(role: Role, action: Action) -> None:
    """Refuse an action that the person's role does not allow."""
    require(role in PERMISSIONS[action], "not_allowed")


def may(role: Role, action: Action) -> bool:
    """Whether a role may take an action at all."""
    return role in PERMISSIONS[action]
