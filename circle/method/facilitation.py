"""The facilitator's tools: speaking time, the ready check, who steers a meeting (docs/facilitation.md).

Who steers is the circle's facilitator, unless the steering was handed to
someone else for this meeting (or the secretary took it over): that person
then takes the facilitator's steps in this meeting, and the circle's
facilitator takes part as a member. `role_in_meeting` is the one answer to
"in what role does this person act in this meeting"; every check and offer
of a meeting step asks it. The circle's roles themselves do not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from circle.method.refusals import require
from circle.method.terms import RECORDING_ROLES, Action, Role, RoundKind

__all__ = [
    "TURN_SECONDS", "TAKEOVER_MINUTES", "role_in_meeting", "check_turn_seconds", "turn_ends",
    "check_ask_ready", "check_mark_ready", "check_hand_over", "check_take_over", "takeover_from",
    "ends_ready_check", "READY_ENDS_WITH", "check_meeting_round",
]

#: The speaking times a facilitator chooses from, in seconds (none: no timer).
TURN_SECONDS = (30, 60, 90, 120, 180, 300)
#: The circle's choice of how long whoever steers may be away before the secretary may take over, in minutes.
TAKEOVER_MINUTES = (1, 2, 3, 5, 10, 15, 30)
#: The steps a ready check asks readiness for: taking one ends the check (it did its work).
READY_ENDS_WITH = frozenset({Action.START_ROUND, Action.TAKE_UP, Action.START_EXPLANATION, Action.ADOPT,
                             Action.POSTPONE, Action.CLOSE_MEETING})


def role_in_meeting(role: Role | None, member: int, steered_by: int | None) -> Role | None:
    """The role someone acts in in one meeting: whoever the steering went to is its facilitator,
    and the circle's facilitator, once it went to someone else, a member there.

    `role` is their role in the circle (None: they left it); `steered_by` who the
    steering went to in this meeting (None: nobody, the circle's facilitator steers).
    """
    if role is None or steered_by is None:
        return role
    if member == steered_by:
        return Role.FACILITATOR
    return Role.MEMBER if role == Role.FACILITATOR else role


def check_turn_seconds(seconds: int | None) -> None:
    """A speaking time is one of the offered ones, or none."""
    require(seconds is None or seconds in TURN_SECONDS, "invalid")


def turn_ends(started: dt.datetime | None, seconds: int | None) -> dt.datetime | None:
    """When the current speaker's time is up; None without a timer or a turn. Nothing happens then by
    itself: the facilitator decides (no speaker is ever skipped by the clock)."""
    if started is None or not seconds:
        return None
    return started + dt.timedelta(seconds=seconds)


def check_ask_ready(ready_open: bool, open_it: bool, round_open: bool = False) -> None:
    """The facilitator asks whether everyone is ready for the next step (none open yet, and no round, which
    is a step under way), or ends the open check."""
    require(not (open_it and ready_open), "ready_check_open")
    require(not (open_it and round_open), "round_open")
    require(open_it or ready_open, "no_ready_check")


def check_mark_ready(ready_open: bool, role: Role, actor: int | None, member: int, present_seated: bool) -> None:
    """One says "ready" for oneself; the recorders (secretary, facilitator) for someone without a phone.
    Only the seated members present are asked."""
    require(actor == member or role in RECORDING_ROLES, "not_allowed")
    require(ready_open, "no_ready_check")
    require(present_seated, "not_present")


def check_hand_over(steerers: Iterable[int], member: int, present_seated: bool) -> None:
    """The steering goes to another seated member who is present."""
    require(member not in set(steerers), "already_steers")
    require(present_seated, "not_present")


def takeover_from(away_since: dt.datetime | None, minutes: int) -> dt.datetime | None:
    """From when the secretary may take over: the set time after whoever steers went away; None while
    they are connected."""
    return None if away_since is None else away_since + dt.timedelta(minutes=minutes)


def check_take_over(actor: int | None, steerers: Iterable[int], away_since: dt.datetime | None,
                    minutes: int, now: dt.datetime | None) -> None:
    """The secretary takes the steering over once whoever steers has been away longer than the circle's
    set time: never from someone who is connected (they can hand it over)."""
    require(actor not in set(steerers), "already_steers")
    due = takeover_from(away_since, minutes)
    require(due is not None, "steerer_connected")
    require(now is not None and now >= due, "steerer_away_briefly")


def check_meeting_round(kind: RoundKind, proposal_rounds_held: bool) -> None:
    """The opening round (check-in) opens the meeting: it is held before the first round about a proposal.
    The closing round (how did this meeting go?) may be held whenever no round is open, at the latest
    before the meeting closes; the console offers it before "Close meeting"."""
    require(kind != RoundKind.OPENING or not proposal_rounds_held, "opening_over")


def ends_ready_check(action: Action | str) -> bool:
    """Whether taking this step ends an open ready check."""
    return action in READY_ENDS_WITH
