"""The facilitator's tools in the meeting state (docs/live-protocol.md, docs/facilitation.md).

Who steers, the speaking time and the ready check, as programs read them:
moments in UTC with a `Z`, with the server's now beside them so a client
counts from the server's clock rather than its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from circle import clock, method
from circle.facts import ready_now, steerer_ids
from circle.models import Meeting, Member, Round


def moment(value: dt.datetime | None) -> str | None:
    """A moment of the record (UTC, naive) as the protocol sends it: ISO 8601 with `Z`."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def steering_state(meeting: Meeting | sa.Row, people: list[sa.Row]) -> dict[str, Any]:
    """Who steers (whom it was handed to, if anyone) and the speaking time: they change with a version.
    `people`: the circle's memberships (`facts.memberships`)."""
    return {
        "steered_by": meeting.steered_by_id,
        "steerers": sorted(steerer_ids(meeting, people)),
        "turn_seconds": meeting.turn_seconds,
    }


def away_state(away_since: dt.datetime | None, takeover_minutes: int) -> dict[str, Any]:
    """Since when whoever steers is not connected, and from when the secretary may take over (after the
    circle's `takeover_minutes`): these change without a version, as connections come and go (like
    `connected`; sent with `presence` too)."""
    takeover = method.takeover_from(away_since, takeover_minutes)
    return {"steerer_away_since": moment(away_since), "takeover_from": moment(takeover)}


def ready_state(meeting: Meeting | sa.Row, present_seated: list[Member] | list[sa.Row]) -> dict[str, Any]:
    """The meeting's latest ready check: its number, whether it is open, who is ready and who not yet."""
    ready = ready_now(meeting)
    return {
        "check": meeting.ready_check,
        "open": meeting.ready_open,
        "ready": sorted(ready),
        "not_ready": [m.id for m in present_seated if m.id not in ready] if meeting.ready_open else [],
    }


def turn_state(rnd: Round | sa.Row, current: int | None, seconds: int | None) -> dict[str, Any]:
    """When the current speaker's turn began and when their speaking time is up (null: no timer or nobody)."""
    started = rnd.turn_started_at if current is not None else None
    return {"turn_started_at": moment(started), "turn_ends_at": moment(method.turn_ends(started, seconds))}


def server_now() -> str:
    """The server's clock now: count the speaking time from this, not from the client's clock."""
    return moment(clock.now())
