"""The live meeting over Socket.IO: thin handlers around the same actions the pages call.

A client connects with `{"meeting": id}` and joins that meeting's room.
Every event it sends is acknowledged with `{"ok": true, ...}` or
`{"ok": false, "error": code, "message": text in the user's language}`.
After an action commits, the room gets the new state (or, for one new
answer, just that answer) with the meeting's version. Connecting and
disconnecting tell the room who is connected (`presence`, circle/presence.py).
See docs/live-protocol.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_babel import gettext
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from circle import forms, meetings, presence, proposals
from circle.actions import Done
from circle.extensions import db, socketio
from circle.method import MEETING_ROUNDS, MESSAGES, Answer, RoundKind, RoundMode, RuleBroken
from circle.models import Meeting
from circle.state import answer_change, meeting_state


def room(meeting_id: int) -> str:
    """The Socket.IO room of a meeting."""
    return f"meeting:{meeting_id}"


def refusal(code: str, message: str | None = None) -> dict[str, Any]:
    """A negative acknowledgement, in the user's language."""
    return {"ok": False, "error": code, "message": message or gettext(MESSAGES[code])}


def broadcast(done: Done) -> None:
    """Tell the meeting's room what changed; called only after the action committed."""
    if done.meeting_id is None or done.duplicate:
        return
    change = None
    if done.action == "contribute":
        change = answer_change(done.subject, done.version)
    if change is not None:
        socketio.emit("answer", change, to=room(done.meeting_id))
    else:
        socketio.emit("state", meeting_state(done.meeting_id), to=room(done.meeting_id))


# --- Which event runs which action ---------------------------------------------


@dataclass(frozen=True)
class Event:
    """A client event: the form that checks its payload and the action it runs."""

    form: type[forms.KringForm]
    run: Callable[[Any, int, Any], Done]


EVENTS: dict[str, Event] = {
    "open_meeting": Event(forms.SteerForm, lambda a, m, f: meetings.open_meeting(a, m, f.based_on.data)),
    "close_meeting": Event(forms.SteerForm, lambda a, m, f: meetings.close_meeting(a, m, f.based_on.data)),
    "mark_attendance": Event(forms.AttendanceForm, lambda a, m, f: meetings.mark_attendance(
        a, m, f.member_id.data, f.present.data, f.based_on.data)),
    "start_explanation": Event(forms.ProposalStepForm, lambda a, m, f: meetings.start_explanation(
        a, m, f.proposal_id.data, f.based_on.data)),
    "start_round": Event(forms.StartRoundForm, lambda a, m, f: meetings.start_round(
        a, m, RoundKind(f.kind.data), RoundMode(f.mode.data),
        proposal_id=None if f.kind.data in MEETING_ROUNDS else f.proposal_id.data,
        reveal=f.reveal.data, starter_id=f.starter_id.data, clockwise=f.clockwise.data != "0",
        based_on=f.based_on.data)),
    "skip_speaker": Event(forms.SteerForm, lambda a, m, f: meetings.skip_speaker(a, m, f.based_on.data)),
    "add_seat": Event(forms.MemberStepForm, lambda a, m, f: meetings.add_seat(
        a, m, f.member_id.data, f.based_on.data)),
    "close_round": Event(forms.SteerForm, lambda a, m, f: meetings.close_round(a, m, f.based_on.data)),
    "contribute": Event(forms.ContributionForm, lambda a, m, f: meetings.contribute(
        a, m, f.member_id.data, Answer(f.answer.data), f.text.data or "", f.workable.data or "",
        client_id=f.client_id.data or None)),
    "amend": Event(forms.AmendForm, lambda a, m, f: proposals.amend(
        a, m, f.proposal_id.data, f.wording(), f.note.data or "", f.based_on.data)),
    "mark_tested": Event(forms.ObjectionStepForm, lambda a, m, f: proposals.mark_tested(
        a, m, f.objection_id.data, f.based_on.data)),
    "withdraw_objection": Event(forms.ObjectionStepForm, lambda a, m, f: proposals.withdraw_objection(
        a, m, f.objection_id.data)),
    "adopt": Event(forms.ProposalStepForm, lambda a, m, f: proposals.adopt(
        a, m, f.proposal_id.data, f.based_on.data)),
    "postpone": Event(forms.ProposalStepForm, lambda a, m, f: proposals.postpone(
        a, m, f.proposal_id.data, f.based_on.data)),
    "withdraw": Event(forms.ProposalStepForm, lambda a, m, f: proposals.withdraw(
        a, f.proposal_id.data, m, f.based_on.data)),
}


def _meeting_of_this_socket() -> int | None:
    """The meeting this connection joined at connect time."""
    return getattr(request, "environ", {}).get("kring.meeting")


#: The most characters an event's payload may hold, as JSON. The largest valid payload, an
#: `amend` with every text at its limit, holds about 24,500; the server's message limit
#: (MAX_MESSAGE_BYTES) lies above this, so anything between gets `invalid`, not a closed
#: connection. See docs/live-protocol.md, "Sizes".
PAYLOAD_MAX_CHARS = 32_000


def too_large(payload: Any) -> bool:
    """Whether a payload holds more than any valid event could."""
    try:
        return len(json.dumps(payload, ensure_ascii=False)) > PAYLOAD_MAX_CHARS
    except (TypeError, ValueError):  # not JSON at all: the form says it is invalid
        return False


def handle(name: str, payload: Any) -> dict[str, Any]:
    """Check the payload with the event's form, run its action, broadcast, acknowledge."""
    meeting_id = _meeting_of_this_socket()
    if meeting_id is None or not current_user.is_authenticated:
        return refusal("not_allowed")
    if too_large(payload):
        return refusal("invalid", gettext("What you sent is too long. Please make it shorter."))
    event = EVENTS[name]
    if name == "contribute" and isinstance(payload, dict):
        payload = {"member_id": current_user.id, **payload}  # one's own answer by default
    form = forms.payload_form(event.form, payload)
    if not form.validate():
        return refusal("invalid", forms.first_error(form))
    try:
        done = event.run(current_user._get_current_object(), meeting_id, form)
    except RuleBroken as refused:
        response = refusal(refused.code)
        if refused.code == "stale":
            response["state"] = meeting_state(meeting_id)
        return response
    broadcast(done)
    return {"ok": True, "version": done.version, "duplicate": done.duplicate, "id": done.subject}


def _handler(name: str) -> Callable[..., dict[str, Any]]:
    def on_event(payload: Any = None) -> dict[str, Any]:
        return handle(name, payload)

    on_event.__name__ = f"on_{name}"
    return on_event


for _name in EVENTS:
    socketio.on_event(_name, _handler(_name))


@socketio.on("connect")
def connect(auth: Any = None):
    """Accept only a signed-in member of the meeting's circle; send them the state."""
    meeting_id = auth.get("meeting") if isinstance(auth, dict) else None
    if not current_user.is_authenticated or not isinstance(meeting_id, int):
        raise ConnectionRefusedError("not_allowed")
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.circle_id != current_user.circle_id:
        raise ConnectionRefusedError("not_found")
    request.environ["kring.meeting"] = meeting_id
    join_room(room(meeting_id))
    presence.connect(request.sid, meeting_id, current_user.id)
    socketio.emit("state", meeting_state(meeting_id), to=request.sid)
    tell_presence(meeting_id)


@socketio.on("disconnect")
def disconnect(reason: Any = None) -> None:
    """The connection ended, with a goodbye or by ping timeout: it no longer counts as connected."""
    meeting_id = presence.disconnect(request.sid)
    if meeting_id is not None:
        tell_presence(meeting_id)


def tell_presence(meeting_id: int) -> None:
    """Tell the room who is connected now (not meeting state: the version stays)."""
    socketio.emit("presence", {"connected": presence.connected(meeting_id)}, to=room(meeting_id))


@socketio.on("state")
def state(payload: Any = None) -> dict[str, Any]:
    """A client that missed a version, or woke up, asks for the current state."""
    meeting_id = _meeting_of_this_socket()
    if meeting_id is None or not current_user.is_authenticated:
        return refusal("not_allowed")
    return {"ok": True, "state": meeting_state(meeting_id), "you": current_user.id}


@socketio.on("*")
def unknown(event: str, payload: Any = None) -> dict[str, Any]:
    """An event Kring does not know: say so instead of dropping it."""
    return refusal("unknown_event")


@socketio.on_error_default
def failed(error: Exception) -> dict[str, Any]:
    """Something broke on the server: roll back, log it, and say so to the client."""
    db.session.rollback()
    current_app.logger.exception("live event failed", exc_info=error)
    return refusal("server_error")
