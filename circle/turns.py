"""The events about one meeting are handled one at a time in a server process, in the order they came.

Flask-SocketIO handles each event in a green thread (or a thread) of its own.
Without turns, fifty members answering at once are fifty handlers ready to run
together. Under eventlet none of them yields while it works (SQLite and drawing
never do), and the hub runs the ready ones in turn: the writers that send the
first answer to the phones, and the readers that take the phones' pings, wait
until all fifty have run. A thousand answers at once over fifty meetings kept
one process busy past Engine.IO's ping, and every phone dropped. In the
threading server the fifty ran side by side instead: broadcasts left out of
order (a page that sees version 7 before 6 must ask for its whole page again)
and they waited on each other for the database's connections.

So an event about a meeting (a step, an answer, a page asking for its parts, a
program asking for the state) first takes its meeting's turn: the others wait,
parked, not ready to run, until the one before has committed, told the room
and let the writers send (`tell_the_room` yields once after its emits). The
database makes writes to one meeting wait for each other anyway; what turns add
is that they wait without holding a place among the ready, and that each
meeting's broadcasts leave in the order of its versions. Different meetings
take turns of their own. A program following a proposal between meetings
takes that proposal's turn (docs/performance.md, "Taking turns").

The turns live in one process's memory, like the pace of circle/limits.py;
across processes the database still decides the order of the writes.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any

from flask import request


class _Turn:
    """A lock for one meeting (or proposal followed between meetings), forgotten once no event holds or
    waits for it."""

    __slots__ = ("lock", "__weakref__")

    def __init__(self) -> None:
        self.lock = threading.Lock()


_turns: weakref.WeakValueDictionary[str, _Turn] = weakref.WeakValueDictionary()
_guard = threading.Lock()


def _key() -> str | None:
    """What this connection follows: its meeting, or the proposal it follows between meetings."""
    environ = getattr(request, "environ", {})
    if environ.get("kring.meeting") is not None:
        return f"meeting:{environ['kring.meeting']}"
    if environ.get("kring.proposal") is not None:
        return f"proposal:{environ['kring.proposal']}"
    return None


def turn_of(key: str) -> _Turn:
    """The turn of `key`, made when nobody holds it yet."""
    with _guard:
        turn = _turns.get(key)
        if turn is None:
            turn = _turns[key] = _Turn()
        return turn


def in_turn(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A Socket.IO event handler that runs only while it holds its meeting's turn."""

    @functools.wraps(handler)
    def on_event(*args: Any) -> dict[str, Any]:
        key = _key()
        if key is None:
            return handler(*args)
        turn = turn_of(key)  # held here, so it is not forgotten while this event waits
        with turn.lock:
            return handler(*args)

    return on_event
