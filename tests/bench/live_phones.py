"""live_latency.py's phones: asyncio python-socketio clients that note when and what they received.

Phone follows the JSON `state` and `answer` as a program does (docs/live-protocol.md); PagePhone follows
`parts` messages as Kring's own pages do (docs/live-page.md).
"""

import asyncio
import re
import time
from collections import Counter
from typing import Any

from live_common import CLIENT_LOG, wait_until


# --- One phone: an asyncio python-socketio client that notes when and what it received ---


def client_class():
    import socketio

    class RecordingClient(socketio.AsyncClient):
        """Notes the arrival time and size of each Socket.IO packet before it is dispatched."""

        bench: "Phone"

        async def _handle_eio_message(self, data):
            b = self.bench
            b.rx_t = time.perf_counter()
            b.rx_len = len(data) if isinstance(data, bytes) else len(data.encode())
            if b.counting:
                b.rx_bytes += b.rx_len
            await super()._handle_eio_message(data)

    return RecordingClient


class Phone:
    """A program's phone (docs/live-protocol.md): its first receipt time per state version, and what answers it has seen."""

    kind = "programs"

    def __init__(self, url: str, cookie: str | None = None, meeting: int | None = None, member: int = 0):
        self.url, self.cookie, self.meeting, self.member = url, cookie, meeting, member
        self.sio = client_class()(reconnection=False, handle_sigint=False, logger=CLIENT_LOG,
                                  engineio_logger=CLIENT_LOG)
        self.sio.bench = self
        self.rx_t = 0.0
        self.rx_len = 0
        self.version: int | None = None
        self.received: dict[int, float] = {}  # state version -> first receipt
        self.last_state: dict | None = None
        self.state_bytes = 0
        # the all-at-once round
        self.counting = False
        self.rx_bytes = 0
        self.kinds: Counter = Counter()
        self.round_id: int | None = None
        self.answered: dict[int, float] = {}  # member -> when this phone first saw their answer
        self.answer_sizes: list[int] = []
        self.last_answer: dict | None = None
        self.sio.on("state", self.on_state)
        self.sio.on("answer", self.on_answer)
        self.sio.on("presence", self.on_presence)

    def on_state(self, state: dict) -> None:
        v = state.get("version")
        self.received.setdefault(v, self.rx_t)
        if self.version is None or v >= self.version:
            self.version, self.last_state, self.state_bytes = v, state, self.rx_len
        if self.counting:
            self.kinds["state"] += 1
            rnd = state.get("round") or {}
            if rnd.get("id") == self.round_id:
                for seat in rnd.get("seats", ()):
                    if seat.get("answered"):
                        self.answered.setdefault(seat["member"], self.rx_t)

    def on_answer(self, change: dict) -> None:
        self.version = max(self.version or 0, change.get("version", 0))
        if self.counting:
            self.kinds["answer"] += 1
            self.answer_sizes.append(self.rx_len)
            self.last_answer = change
            if change.get("round") == self.round_id and change["seat"].get("answered"):
                self.answered.setdefault(change["seat"]["member"], self.rx_t)

    def on_presence(self, change: dict) -> None:
        if self.counting:
            self.kinds["presence"] += 1

    # What the measurements ask of every kind of client -------------------------------

    def has_version(self, version: int) -> bool:
        """Whether this client has had the change that made `version`."""
        return version in self.received

    def reached(self, version: int) -> float | None:
        """When this client first had `version`."""
        return self.received.get(version)

    def caught_up(self, expected: frozenset, final: int | None) -> bool:
        """After everyone answered: whether this client has every answer the server took."""
        return len(self.answered) >= len(expected) and expected <= self.answered.keys()

    def caught_up_at(self, expected: frozenset, final: int | None) -> float:
        return max(self.answered[m] for m in expected)

    def behind(self, expected: frozenset, final: int | None) -> int:
        """How many answers this client still misses."""
        return len(expected - self.answered.keys())

    def sample_change(self) -> dict | None:
        """One of the small one-answer messages it received, to copy in the bare server."""
        return self.last_answer

    def watch_round(self, round_id: int) -> None:
        self.round_id, self.answered = round_id, {}
        self.rx_bytes, self.kinds, self.answer_sizes = 0, Counter(), []
        self.watched_from = self.version or 0
        self.counting = True

    def first_news(self) -> float | None:
        """When this client first had any of the answers (None: none came)."""
        return min(self.answered.values(), default=None)

    def auth(self) -> dict | None:
        return {"meeting": self.meeting} if self.meeting is not None else None

    async def connect(self) -> None:
        await self.sio.connect(
            self.url, headers={"Cookie": self.cookie} if self.cookie else {},
            auth=self.auth(), transports=["websocket"], wait_timeout=10,
        )


class PagePhone(Phone):
    """One of Kring's own pages (docs/live-page.md): follows `parts` with the rules of static/kring.js.

    `version` is what the page shows. A full message is taken when its version
    is not older; a one-answer message only on exactly the next version (an
    older one is ignored). One further ahead is held until the version before
    it comes; when that has not come within `HOLD` seconds, the page emits
    `parts` with its version and takes the acknowledgement as a full message.
    The ops are applied to a model of the page: parts by id, and the lines
    appended to a list.
    """

    #: How long a message ahead of the page waits for the one before it (static/kring.js's HOLD_MS).
    HOLD = 0.5

    kind = "pages"

    def __init__(self, url: str, cookie: str | None = None, meeting: int | None = None, member: int = 0,
                 view: str = "phone"):
        super().__init__(url, cookie, meeting, member)
        self.view = view
        self.parts: dict[str, str] = {}  # element id -> its outer HTML
        self.appended: dict[str, list[str]] = {}  # list id -> lines appended since it was last replaced
        self.last_full: dict | None = None
        self.last_ops: dict | None = None
        self.asks = 0
        self.held: dict[int, dict] = {}  # one answer's changes that came before the version they follow
        self.holding: asyncio.Task | None = None
        self.sio.on("parts", self.on_parts)

    def auth(self) -> dict | None:
        return {**(super().auth() or {}), "view": self.view}

    def on_state(self, state: dict) -> None:  # not meant for a page
        if self.counting:
            self.kinds["state (unexpected)"] += 1

    def on_answer(self, change: dict) -> None:  # not meant for a page
        if self.counting:
            self.kinds["answer (unexpected)"] += 1

    async def on_parts(self, message: dict) -> None:
        t, size = self.rx_t, self.rx_len  # read before any await: the next packet may come meanwhile
        if self.counting:
            self.kinds["parts/full" if isinstance(message, dict) and message.get("full") else "parts/ops"] += 1
        if self.take(message, t, size) == "held" and self.holding is None:
            self.holding = asyncio.ensure_future(self.ask_when_still_held())

    async def ask_when_still_held(self) -> None:
        await asyncio.sleep(self.HOLD)
        self.holding = None
        self.held.clear()
        await self.ask()

    def take(self, message: Any, t: float, size: int) -> str:
        """static/kring.js's `take`: 'taken', 'old', 'held' (until the version before it comes) or 'bad'."""
        if not (isinstance(message, dict) and isinstance(message.get("version"), int)
                and isinstance(message.get("ops"), list)):
            return "bad"
        v, full = message["version"], bool(message.get("full"))
        have = -1 if self.version is None else self.version
        if (v < have) if full else (v <= have):
            return "old"
        if not full and v != have + 1:
            self.held[v] = message
            return "held"
        self.apply(message, t, size)
        while (following := self.held.get(self.version + 1)) is not None:
            self.apply(following, t, size)  # shown now, when the one it follows came
        self.held = {version: held for version, held in self.held.items() if version > self.version}
        if not self.held and self.holding is not None:
            self.holding.cancel()
            self.holding = None
        return "taken"

    def apply(self, message: dict, t: float, size: int) -> None:
        v, full = message["version"], bool(message.get("full"))
        for op in message["ops"]:
            if "append" in op:
                self.appended.setdefault(op["append"], []).append(op["html"])
            else:
                self.parts[op["id"]] = op["html"]
                if op["id"] == "meeting-contributions":  # the list is inside: replaced with it
                    self.appended.pop("contributions-list", None)
        self.version = v
        self.received.setdefault(v, t)
        if full and message["ops"]:
            self.last_full, self.state_bytes = message, size
        elif not full:
            self.last_ops = message

    async def ask(self) -> None:
        """Emit `parts` with the version shown; the acknowledgement counts as a full message."""
        self.asks += 1
        if self.counting:
            self.kinds["asks"] += 1

        def got(ack: Any) -> None:
            if isinstance(ack, dict) and ack.get("ok"):
                self.take({**ack, "full": True}, self.rx_t, self.rx_len)

        try:
            await self.sio.emit("parts", {"version": self.version if self.version is not None else 0}, callback=got)
        except Exception:  # noqa: BLE001 - not connected: nothing to ask now, the wait reports it
            pass

    async def connect(self) -> None:
        await super().connect()
        await self.ask()  # as the page does on connecting (a page loaded cold: version 0, the whole page)

    # What the measurements ask -----------------------------------------------------

    def has_version(self, version: int) -> bool:
        return self.version is not None and self.version >= version

    def reached(self, version: int) -> float | None:
        return min((t for v, t in self.received.items() if v >= version), default=None)

    def caught_up(self, expected: frozenset, final: int | None) -> bool:
        return final is None or self.has_version(final)

    def caught_up_at(self, expected: frozenset, final: int | None) -> float:
        return self.reached(final)

    def behind(self, expected: frozenset, final: int | None) -> int:
        return 0 if final is None or self.version is None else max(0, final - self.version)

    def sample_change(self) -> dict | None:
        return self.last_ops

    def first_news(self) -> float | None:
        return min((t for v, t in self.received.items() if v > self.watched_from), default=None)

    def answers_shown(self) -> set[str]:
        """The contributions this page shows now: in its list of what was said, and appended to it."""
        html = self.parts.get("meeting-contributions", "") + "".join(self.appended.get("contributions-list", ()))
        return set(re.findall(r'id="contribution-(\d+)"', html))


async def connect_all(phones: list[Phone], parallel: int = 16) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(p: Phone) -> None:
        async with gate:
            await asyncio.wait_for(p.connect(), 20)

    await asyncio.gather(*(one(p) for p in phones))
    await wait_until(lambda: all(p.version is not None for p in phones), 20, "every first state (or parts)")


async def hang_up(phones: list[Phone]) -> None:
    async def one(p: Phone) -> None:
        try:
            await asyncio.wait_for(p.sio.disconnect(), 5)
        except Exception:  # noqa: BLE001 - hanging up is best effort
            pass

    await asyncio.gather(*(one(p) for p in phones))
    await asyncio.sleep(0.1)
