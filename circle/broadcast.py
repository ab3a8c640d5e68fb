"""After an action commits, everyone following the meeting learns what changed, in one message.

Called by the pages and the live protocol alike, only after the commit. Who
follows the meeting is in the database (circle/presence.py), so this works
the same on any server process (several are joined by a Redis queue):

- programs (docs/live-protocol.md) get the meeting `state`, or for one new
  answer just that `answer`;
- pages get `parts`: the parts of their page drawn by the server, once per
  kind of reader (console, recorder, member, projector) and language, never
  per phone (circle/views/parts.py, docs/live-page.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from flask import current_app, has_request_context

from circle import presence, turns
from circle.actions import Done
from circle.extensions import db, socketio
from circle.read.between import between_state
from circle.read.state import answer_change, meeting_state
from circle.views import parts
from circle.views.meeting_view import epoch_ms


def room(meeting_id: int) -> str:
    """Every connection to a meeting: who is connected (`presence`) goes here."""
    return f"meeting:{meeting_id}"


def program_room(meeting_id: int) -> str:
    """The programs following a meeting: they are sent its state."""
    return f"meeting:{meeting_id}:json"


def page_room(meeting_id: int, kind: str, lang: str) -> str:
    """The pages of one kind and language following a meeting: they are sent the same parts."""
    return f"meeting:{meeting_id}:{kind}:{lang}"


@contextmanager
def drawing() -> Iterator[None]:
    """Where pages can be drawn: the request being answered, or, from a command, one made up."""
    with nullcontext() if has_request_context() else current_app.test_request_context(
            base_url=current_app.config.get("BASE_URL") or "http://localhost/"):
        yield


def page_update(meeting_id: int, kind: str, lang: str, done: Done | None = None,
                reading: parts.Reading | None = None) -> dict:
    """The `parts` message for one kind of page: one answer's changes when that is enough, else everything.

    `reading` is the meeting read once for every kind the room is sent (`parts.read`)."""
    if done is not None and done.action == "contribute":
        ops = parts.one_answer(meeting_id, kind, lang, done.subject, reading)
        if ops is not None:
            return {"version": done.version, "full": False, "ops": ops, "now": epoch_ms()}
    version, ops = parts.whole(meeting_id, kind, lang, reading)
    return {"version": version, "full": True, "ops": ops, "now": epoch_ms()}


def proposal_room(proposal_id: int) -> str:
    """The programs following a proposal's rounds between meetings."""
    return f"proposal:{proposal_id}"


def tell_the_followers(proposal_id: int) -> None:
    """Tell everyone following a proposal between meetings how it stands now (`between`)."""
    presence.close_stale_following(proposal_id)
    socketio.emit("between", between_state(proposal_id), to=proposal_room(proposal_id))


def tell_the_room(done: Done) -> None:
    """Tell everyone following the meeting what `done` changed; nothing for a duplicate, a no-op or a refusal.

    A step between meetings tells those following its proposal; when it changed a
    meeting's agenda too, that meeting's room hears it as well. Answers that
    came in a burst are told once, by the last of them (circle/turns.py).
    """
    if done.duplicate or done.unchanged:
        return
    if done.proposal_id is not None:
        tell_the_followers(done.proposal_id)
    if done.meeting_id is None or turns.later(done.meeting_id, lambda: _tell_owed(done.meeting_id)):
        return
    _tell(done.meeting_id, done)


def _tell_owed(meeting_id: int) -> None:
    """At a burst's end (circle/turns.py): the meeting as it stands, read afresh, also after an event that
    failed."""
    db.session.rollback()
    _tell(meeting_id)


def _tell(meeting_id: int, done: Done | None = None) -> None:
    """Tell the meeting's room what `done` changed; without it, the meeting as it stands.

    Once its messages are queued it lets the other green threads run once
    (`socketio.sleep(0)`; also between two kinds of page, `_send_now`): under
    eventlet neither SQLite nor drawing yields, so when many answer at once the
    writers would get their turn only after every answer was stored and drawn. Measured with tests/bench/live_latency.py, the
    yield here brought everyone's answers to everyone sooner; a yield before
    reading and drawing made the first answer arrive later, since it put this
    answer behind all the others waiting to be handled (docs/performance/sending.md).
    """
    readers = presence.readers(meeting_id)  # a revoked sign-in hears nothing more, from any process
    # The pages first: their reading of the meeting stays in the session while it is held here, so the
    # programs' message is built from it without reading the round again (docs/performance/statements.md).
    reading = _tell_pages(meeting_id, readers, done)
    if any(kind == "json" for kind, _ in readers):
        change = (answer_change(done.subject, done.version, read=reading is not None)
                  if done and done.action == "contribute" else None)
        if change is not None:
            socketio.emit("answer", change, to=program_room(meeting_id))
        else:
            if reading is not None and not db.session().in_transaction():
                db.session.expire_all()  # the reading outlived its transaction (`_send_now`): the state reads anew
            socketio.emit("state", meeting_state(meeting_id), to=program_room(meeting_id))
    # What was read for the room is sent: end that reading's transaction, so its database connection goes
    # back to the pool before this green thread yields. Fifty meetings' handlers parked here, each still
    # holding one, left the pool empty and steps waited for it until they failed (docs/performance/sending.md).
    db.session.rollback()
    socketio.sleep(0)


def _tell_pages(meeting_id: int, readers: dict[tuple[str, str], int],
                done: Done | None = None) -> parts.Reading | None:
    """Each kind of page connected gets its parts, drawn from one reading of the meeting; none, none read.

    The kind most connections read is drawn and sent first, and its messages leave before the next kind is
    drawn (`_send_now`): the members' phones do not wait while the console's page, the largest, is drawn for
    the one facilitator (docs/performance/drawing.md, "The most-read page first")."""
    pages = sending_order({reader: count for reader, count in readers.items() if reader[0] != "json"})
    if not pages:
        return None
    with drawing():
        reading = parts.read(meeting_id)
        for number, (kind, lang) in enumerate(pages):
            if number:
                _send_now()
            socketio.emit("parts", page_update(meeting_id, kind, lang, done, reading),
                          to=page_room(meeting_id, kind, lang))
    return reading


def sending_order(readers: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """The (kind, language) pairs to draw, the one most connections read first (the same order every time)."""
    return sorted(readers, key=lambda reader: (-readers[reader], reader))


def _send_now() -> None:
    """Let the messages queued so far leave, by yielding once to the writers (under eventlet and gevent nothing
    is sent while a handler draws), before the next kind of page is drawn from the same reading.

    The reading's transaction ends first, so no database connection is held while others run (the pool runs
    dry with many meetings, see `_tell`); its objects are kept, not expired, as the next kind is drawn from
    them: what they show was read in one transaction, and drawing reads nothing more
    (tests/test_performance.py)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # nothing was written: this only ends the reading's transaction
    finally:
        session.expire_on_commit = keep
    socketio.sleep(0)


def tell_again(meeting_id: int) -> None:
    """Whoever steers came or went (docs/facilitation.md): pages get their parts anew, at the version
    they have, so the secretary's shows from when she may take over. Programs learn it from `presence`."""
    _tell_pages(meeting_id, presence.readers(meeting_id))
