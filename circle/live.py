"""The live meeting over Socket.IO: thin handlers around the same actions the pages call.

A client connects with `{"meeting": id}` (a program) or `{"meeting": id,
"view": "phone" | "console" | "projector"}` (a page of Kring's own). Every
step of the table (circle/steps.py) is an event; each is acknowledged with
`{"ok": true, ...}` or `{"ok": false, "error": code, "message": text in the
user's language}`. After an action commits, everyone following the meeting
is told (circle/broadcast.py). Connecting and disconnecting tell the room who
is connected (`presence`, circle/presence.py). A connection acts as the
person's membership of the meeting's circle; every event checks again that
this sign-in still holds, and closes the connection when it does not. See
docs/live-protocol.md and docs/live-page.md.

A program may instead follow one proposal's rounds between meetings
(`{"proposal": id}`): it is sent `between`, and takes the steps of that
table (circle/between_steps.py) the same way. Rounds whose deadline has
passed close first, on every such event (circle/deadlines.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, gettext
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect as close_this_socket, join_room

from circle import forms, limits, presence, turns
from circle.between_steps import BETWEEN
from circle.broadcast import page_room, page_update, program_room, proposal_room, room, tell_again, tell_the_room
from circle.deadlines import close_due_rounds
from circle.extensions import db, socketio
from circle.method import MESSAGES, Action, RuleBroken
from circle.models import Circle, Meeting, Member, Proposal
from circle.read.between import between_state
from circle.read.facilitation import away_state
from circle.read.state import meeting_state
from circle.steps import STEPS
from circle.views.meeting_view import epoch_ms, kind_of

#: The most characters an event's payload may hold, as JSON. The largest valid payload, an
#: `amend` with every text at its limit, holds about 24,500; the server's message limit
#: (MAX_MESSAGE_BYTES) lies above this, so anything between gets `invalid`, not a closed
#: connection. See docs/live-protocol.md, "Sizes".
PAYLOAD_MAX_CHARS = 32_000
#: The pages of Kring's own, by the `view` they connect with.
VIEWS = ("phone", "console", "projector")


def refusal(code: str, message: str | None = None) -> dict[str, Any]:
    """A negative acknowledgement, in the user's language."""
    return {"ok": False, "error": code, "message": message or gettext(MESSAGES[code])}


def too_large(payload: Any) -> bool:
    """Whether a payload holds more than any valid event could."""
    try:
        return len(json.dumps(payload, ensure_ascii=False)) > PAYLOAD_MAX_CHARS
    except (TypeError, ValueError):  # not JSON at all: the form says it is invalid
        return False


def _meeting_of_this_socket() -> int | None:
    """The meeting this connection joined at connect time."""
    return getattr(request, "environ", {}).get("kring.meeting")


class SessionOncePerConnection(SecureCookieSessionInterface):
    """Flask's signed cookie session, not opened again for each live event.

    Flask-SocketIO keeps a connection's own copy of the session (`saved_session`) from its first event on
    and puts it in place before any handler runs: verifying and decoding the cookie that came with the
    connection again for every answer was work nobody used (docs/performance/statements.md)."""

    def open_session(self, app, request):
        if "saved_session" in request.environ:
            return self.session_class()  # replaced by the connection's copy before it is read
        return super().open_session(app, request)


def _member_of_this_socket() -> Member | None:
    """The membership this connection acts as, while its sign-in holds; else None, and it is closed.

    Checked on every event, not only at connect: a sign-in revoked (or a
    membership ended) since then stops here, even where the word to close the
    connection did not arrive.
    """
    environ = getattr(request, "environ", {})
    member_id = environ.get("kring.member")
    if member_id is None:
        return None
    member = db.session.get(Member, member_id)
    if member is None or not member.active or member.person.sign_in_version != environ.get("kring.version"):
        close_this_socket()
        return None
    return member


def _valid_form(step: Any, me: Member, payload: Any, answers: bool) -> Any:
    """A step's payload checked by its form (an answer is one's own by default), or the refusal to send."""
    if too_large(payload):
        return refusal("invalid", gettext("What you sent is too long. Please make it shorter."))
    if answers and isinstance(payload, dict):
        payload = {"member_id": me.id, **payload}
    form = forms.payload_form(step.form, payload)
    if not form.validate():
        return refusal("control_characters" if form.control_characters else "invalid", forms.first_error(form))
    return form


def handle(name: str, payload: Any) -> dict[str, Any]:
    """Check the payload with the step's form, run its action, tell the room, acknowledge."""
    meeting_id = _meeting_of_this_socket()
    if meeting_id is None:
        return refusal("not_allowed")
    me = _member_of_this_socket()
    if me is None:
        return refusal("signed_out")
    step = STEPS[name]
    form = _valid_form(step, me, payload, answers=name in ("contribute", "mark_ready"))  # one's own by default
    if isinstance(form, dict):
        return form
    try:
        done = step.run(me, meeting_id, form)
    except RuleBroken as refused:
        response = refusal(refused.code)
        if refused.code == "stale":
            response["state"] = meeting_state(meeting_id)
        return response
    tell_the_room(done)
    return {"ok": True, "version": done.version, "duplicate": done.duplicate, "id": done.subject,
            "unchanged": done.unchanged}


def _handler(name: str, handle: Callable[[str, Any], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The Socket.IO handler of one step: paced, in its meeting's turn (circle/turns.py), then handled by `handle`."""
    @limits.paced
    @turns.in_turn
    def on_event(payload: Any = None) -> dict[str, Any]:
        return handle(name, payload)

    on_event.__name__ = f"on_{name}"
    return on_event


for _step in STEPS.values():
    socketio.on_event(_step.name, _handler(_step.name, handle))


# --- Following a proposal between meetings (docs/live-protocol.md, "Between meetings") -------------


def _proposal_of_this_socket() -> int | None:
    """The proposal this connection follows, when it follows one rather than a meeting."""
    return getattr(request, "environ", {}).get("kring.proposal")


def _close_due() -> None:
    """Rounds whose deadline passed close now, before anything else is read or done (circle/deadlines.py)."""
    for done in close_due_rounds():
        tell_the_room(done)


def handle_between(name: str, payload: Any) -> dict[str, Any]:
    """A step between meetings: the same checks as a meeting's step, on the proposal this socket follows."""
    proposal_id = _proposal_of_this_socket()
    if proposal_id is None:
        return refusal("not_allowed")
    me = _member_of_this_socket()
    if me is None:
        return refusal("signed_out")
    step = BETWEEN[Action(name)]
    form = _valid_form(step, me, payload, answers=name == "contribute_between")
    if isinstance(form, dict):
        return form
    _close_due()
    try:
        done = step.run(me, proposal_id, form)
    except RuleBroken as refused:
        return refusal(refused.code)
    tell_the_room(done)
    return {"ok": True, "version": db.session.get(Circle, me.circle_id).log_length,
            "duplicate": done.duplicate, "id": done.subject, "unchanged": done.unchanged}


for _step in BETWEEN.values():
    socketio.on_event(_step.name, _handler(_step.name, handle_between))


@socketio.on("between")
@limits.paced
@turns.in_turn
def between(payload: Any = None) -> dict[str, Any]:
    """A program following a proposal asks how it stands now (after a gap, or on waking up)."""
    proposal_id = _proposal_of_this_socket()
    if proposal_id is None:
        return refusal("not_allowed")
    me = _member_of_this_socket()
    if me is None:
        return refusal("signed_out")
    _close_due()
    return {"ok": True, "between": between_state(proposal_id), "you": me.id}


def _connect_to_proposal(auth: dict) -> None:
    """Follow one proposal's rounds between meetings: a signed-in member of its circle; sent `between` at once."""
    proposal_id = auth.get("proposal")
    if (not current_user.is_authenticated or not isinstance(proposal_id, int) or isinstance(proposal_id, bool)
            or set(auth) != {"proposal"}):
        raise ConnectionRefusedError("not_allowed")
    proposal = db.session.get(Proposal, proposal_id)
    me = current_user.membership(proposal.circle_id) if proposal is not None else None
    if me is None or not me.active:
        raise ConnectionRefusedError("not_found")
    request.environ["kring.proposal"] = proposal_id
    request.environ["kring.member"] = me.id
    request.environ["kring.version"] = current_user.sign_in_version
    request.environ["kring.lang"] = str(get_locale())
    join_room(proposal_room(proposal_id))
    presence.connect_to_proposal(request.sid, proposal_id, me.id, current_user.sign_in_version)
    _close_due()
    socketio.emit("between", between_state(proposal_id), to=request.sid)


@socketio.on("connect")
def connect(auth: Any = None):
    """Accept only a signed-in member of the meeting's circle; a program is sent the state at once."""
    if isinstance(auth, dict) and "proposal" in auth:
        return _connect_to_proposal(auth)
    meeting_id = auth.get("meeting") if isinstance(auth, dict) else None
    view = auth.get("view") if isinstance(auth, dict) else None
    if (not current_user.is_authenticated or not isinstance(meeting_id, int) or isinstance(meeting_id, bool)
            or (view is not None and view not in VIEWS)):
        raise ConnectionRefusedError("not_allowed")
    meeting = db.session.get(Meeting, meeting_id)
    me = current_user.membership(meeting.circle_id) if meeting is not None else None
    if me is None or not me.active:
        raise ConnectionRefusedError("not_found")
    request.environ["kring.meeting"] = meeting_id
    request.environ["kring.member"] = me.id
    request.environ["kring.version"] = current_user.sign_in_version
    join_room(room(meeting_id))
    if view is None:
        kind, lang = "json", str(get_locale())
        join_room(program_room(meeting_id))
    else:
        kind, lang = kind_of(me, view, meeting), str(get_locale())
        join_room(page_room(meeting_id, kind, lang))
    request.environ["kring.page"] = (kind, lang)
    request.environ["kring.lang"] = lang  # every later event of this connection speaks it (i18n.select_locale)
    presence.connect(request.sid, meeting_id, me.id, kind, lang, current_user.sign_in_version)
    back = presence.steerer_came_or_went([meeting_id])
    if view is None:
        socketio.emit("state", meeting_state(meeting_id), to=request.sid)
    tell_presence(meeting_id)
    for changed in back:
        tell_again(changed)


@socketio.on("disconnect")
def disconnect(reason: Any = None) -> None:
    """The connection ended, with a goodbye or by ping timeout: it no longer counts as connected."""
    meeting_id = presence.disconnect(request.sid)  # None too for a connection that followed a proposal
    if meeting_id is not None:
        went = presence.steerer_came_or_went([meeting_id])
        tell_presence(meeting_id)
        for changed in went:
            tell_again(changed)  # whoever steers went: the secretary's page learns from when she may take over


def tell_presence(meeting_id: int) -> None:
    """Tell the room who is connected now, and whether whoever steers is (not meeting state: the version
    stays)."""
    meeting = db.session.get(Meeting, meeting_id)
    socketio.emit("presence", {"connected": presence.connected(meeting_id),
                               **away_state(meeting.steerer_away_since, meeting.circle.takeover_minutes)},
                  to=room(meeting_id))


@socketio.on("state")
@limits.paced
@turns.in_turn
def state(payload: Any = None) -> dict[str, Any]:
    """A client that missed a version, or woke up, asks for the current state."""
    meeting_id = _meeting_of_this_socket()
    if meeting_id is None:
        return refusal("not_allowed")
    me = _member_of_this_socket()
    if me is None:
        return refusal("signed_out")
    return {"ok": True, "state": meeting_state(meeting_id), "you": me.id}


@socketio.on("parts")
@limits.paced
@turns.in_turn
def page_parts(payload: Any = None) -> dict[str, Any]:
    """A page that missed a version, or (re)connected, asks for its parts as they are now."""
    meeting_id = _meeting_of_this_socket()
    page = request.environ.get("kring.page")
    if meeting_id is None or page is None or page[0] == "json":
        return refusal("not_allowed")
    if _member_of_this_socket() is None:
        return refusal("signed_out")
    have = payload.get("version") if isinstance(payload, dict) else None
    current = db.session.get(Meeting, meeting_id).version
    if isinstance(have, int) and not isinstance(have, bool) and have >= current:
        return {"ok": True, "version": current, "full": False, "ops": [], "now": epoch_ms()}
    return {"ok": True, **page_update(meeting_id, *page)}


@socketio.on("*")
@limits.paced
def unknown(event: str, payload: Any = None) -> dict[str, Any]:
    """An event Kring does not know: say so instead of dropping it."""
    return refusal("unknown_event")


@socketio.on_error_default
def failed(error: Exception) -> dict[str, Any]:
    """Something broke on the server: roll back, log it, and say so to the client."""
    db.session.rollback()
    current_app.logger.exception("live event failed", exc_info=error)
    return refusal("server_error")
