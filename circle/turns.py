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
takes that proposal's turn (docs/performance/sending.md, "Taking turns").

While events come one right after the other for a meeting's turn, the room
is told once they are all done rather than after each (`later`): fifty answers
given at the same moment are each stored and acknowledged at once, and the
room hears the meeting as it stands after the last, not fifty times in
between. A lone event, and the first of a burst, are told at once, alone; so
is each of a queue that does not come right after the one before (fifty
meetings answering at once share the process, and each meeting's next answer
comes only after the others' turns). The room is never owed for long: once
the first untold change is TELL_WITHIN seconds old it is told, waiting or not
(docs/performance/sending.md, "A burst told once").

The turns live in one process's memory, like the pace of circle/limits.py;
across processes the database still decides the order of the writes.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any

from flask import g, has_app_context, request

from circle import clock


#: The longest the room of a meeting may go untold while events keep waiting for its turn, in seconds. Each
#: telling of a burst sends the whole meeting, which grows with the circle, as the burst's length does: told
#: more often, what a phone receives would grow with the square of the circle (docs/performance/sending.md).
TELL_WITHIN = 1.0
#: An event that took the turn within this many seconds of the one before came in the same burst.
BURST_GAP = 0.02


class _Turn:
    """A lock for one meeting (or proposal followed between meetings), forgotten once no event holds or
    waits for it; how many events wait for it, and what the room is owed (`later`)."""

    __slots__ = ("lock", "waiting", "owed", "owed_since", "let_go", "taken_after", "__weakref__")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = 0
        self.owed: Callable[[], None] | None = None
        self.owed_since = 0.0
        #: When the last event let the turn go, and how long the turn was free before this one took it.
        self.let_go = float("-inf")
        self.taken_after = float("inf")


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
    """A Socket.IO event handler that runs only while it holds its meeting's turn; the last of a burst
    tells the room what it is owed."""

    @functools.wraps(handler)
    def on_event(*args: Any) -> dict[str, Any]:
        key = _key()
        if key is None:
            return handler(*args)
        turn = turn_of(key)  # held here, so it is not forgotten while this event waits
        with _guard:
            turn.waiting += 1
        with turn.lock:
            with _guard:
                turn.waiting -= 1
            turn.taken_after = clock.stopwatch() - turn.let_go
            g.kring_turn = turn
            try:
                return handler(*args)
            finally:
                g.pop("kring_turn", None)
                if turn.owed is not None and not turn.waiting:
                    _settle(turn)
                turn.let_go = clock.stopwatch()

    return on_event


def later(meeting_id: int, tell: Callable[[], None]) -> bool:
    """Leave telling the room of a meeting to the last of the events waiting for its turn; False: tell it now.

    `tell` tells the room everything as it stands by then (not one change), and replaces what was owed.
    Only from an event holding that turn that came in a burst (BURST_GAP) while others wait for it, and
    while what the room is owed is younger than TELL_WITHIN. A change that is told now while something
    was owed is told whole, by the owed `tell`, which this runs and returns True for.
    """
    turn = _current(f"meeting:{meeting_id}")
    if turn is None:
        return False
    now = clock.stopwatch()
    if turn.owed is None:
        if not turn.waiting or turn.taken_after > BURST_GAP:
            return False
        turn.owed_since = now
    turn.owed = tell
    if not turn.waiting or now - turn.owed_since >= TELL_WITHIN:
        _settle(turn)
    return True


def _current(key: str) -> _Turn | None:
    """The turn this event holds, if it is the turn of `key`."""
    turn = g.get("kring_turn") if has_app_context() else None
    return turn if turn is not None and _key() == key else None


def _settle(turn: _Turn) -> None:
    """Tell the room what it is owed, once."""
    tell, turn.owed = turn.owed, None
    if tell is not None:
        tell()
