"""How fast anyone may send Socket.IO events: a token bucket per connection and one per person.

Without a limit one member could send hundreds of events a second, and every
accepted step costs a transaction, a log entry and a broadcast drawn for
every kind of page: the meeting slows down for everyone. So each event first
takes a token from its connection's bucket and from its person's bucket (all
connections of one signed-in person share that one). A bucket holds at most
`burst` tokens and gains `rate` tokens a second: a burst of quick taps goes
through, a flood does not. An event that finds a bucket empty is refused with
`too_fast` before anything else is done: no database read or write, no
broadcast, only the refusal in the user's language (docs/live-protocol.md,
"Error codes"; docs/security.md, "Keeping the server up").

The buckets live in the memory of one server process. With several processes
(a Redis queue) a person whose connections land on different processes has a
bucket in each; a proxy with sticky sessions keeps one person's connections
mostly on one.

Time here is elapsed time (`clock.stopwatch`), never Kring's frozen clock:
a rate is about real seconds.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext

from circle import clock
from circle.method import MESSAGES

#: Buckets that have filled up again are forgotten once this many are held (an idle one is a full one).
SWEEP_AT = 2_000


@dataclass(frozen=True)
class Pace:
    """A burst and a rate: at most `burst` events at once, then `rate` a second."""

    burst: float
    rate: float

    def __post_init__(self) -> None:
        if not (self.burst >= 1 and self.rate > 0):
            raise ValueError(f"a pace needs a burst of at least 1 and a rate above 0, not {self}")


class Buckets:
    """Token buckets by key, all at one pace; forgets the ones that are full again."""

    def __init__(self, pace: Pace):
        self.pace = pace
        self._held: dict[Any, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def _tokens(self, key: Any, now: float) -> float:
        tokens, when = self._held.get(key, (self.pace.burst, now))
        return min(self.pace.burst, tokens + (now - when) * self.pace.rate)

    def wait(self, key: Any, now: float) -> float:
        """Seconds until `key` has a token; 0 when it has one now."""
        missing = 1 - self._tokens(key, now)
        return 0.0 if missing <= 0 else missing / self.pace.rate

    def take(self, key: Any, now: float) -> None:
        """Use one token of `key` (the caller checked `wait` first)."""
        self._held[key] = (self._tokens(key, now) - 1, now)
        if len(self._held) >= SWEEP_AT:
            self._held = {k: v for k, v in self._held.items() if self._tokens(k, now) < self.pace.burst}


class Limiter:
    """The buckets of one app: per connection and per person; one event takes a token from both."""

    def __init__(self, connection: Pace, person: Pace, stopwatch: Callable[[], float] = clock.stopwatch):
        self.connections, self.people = Buckets(connection), Buckets(person)
        self.stopwatch = stopwatch
        self._lock = threading.Lock()  # green under eventlet; real threads in the threading server

    def admit(self, connection: Any, person: Any = None) -> float:
        """Take a token for one event: 0 when it may go ahead, else the seconds to wait (nothing taken)."""
        with self._lock:
            now = self.stopwatch()
            wait = self.connections.wait(connection, now)
            if person is not None:
                wait = max(wait, self.people.wait(person, now))
            if wait == 0:
                self.connections.take(connection, now)
                if person is not None:
                    self.people.take(person, now)
            return wait

    @classmethod
    def from_config(cls, config: dict) -> Limiter:
        """The paces the settings give (EVENT_BURST, EVENT_RATE, PERSON_EVENT_BURST, PERSON_EVENT_RATE)."""
        return cls(Pace(float(config["EVENT_BURST"]), float(config["EVENT_RATE"])),
                   Pace(float(config["PERSON_EVENT_BURST"]), float(config["PERSON_EVENT_RATE"])))


def limiter() -> Limiter:
    """This app's limiter, made on first use: each app (each test's too) has buckets of its own."""
    made = current_app.extensions.get("kring.limits")
    if made is None:
        made = current_app.extensions["kring.limits"] = Limiter.from_config(current_app.config)
    return made


def paced(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A Socket.IO event handler that first takes a token, and refuses with `too_fast` when there is none.

    The person is who the session says signed in (Flask-Login's `_user_id`), so the
    refusal needs no database. Their language comes from the session as for any refusal.
    """

    @functools.wraps(handler)
    def on_event(*args: Any) -> dict[str, Any]:
        wait = limiter().admit(request.sid, session.get("_user_id"))
        if wait:
            return {"ok": False, "error": "too_fast", "message": gettext(MESSAGES["too_fast"]),
                    "retry_after": math.ceil(wait * 10) / 10}
        return handler(*args)

    return on_event
