"""live_latency.py's two measurements, the same for Kring and the bare server: the steps, and everyone answering
at once."""

import asyncio
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from live_common import wait_until
from live_phones import Phone


# --- The two measurements, the same for Kring and the bare server -------------------


@dataclass
class Result:
    """What one server (a mode, or the bare one) measured with one member count and kind of client."""

    steps: list[float] = field(default_factory=list)
    #: per measured step: whether it started a round, and its latency to the first and the last client
    step_spread: list[tuple[bool, float, float]] = field(default_factory=list)
    #: per measured step: until the facilitator had the step's acknowledgement
    acks: list[float] = field(default_factory=list)
    all_answer: float | None = None
    #: the first moment any client had any of the answers (with eventlet, the server sends hardly
    #: anything until it has stored them all: compare with all_answer)
    first_answer: float | None = None
    bytes_per_client: float | None = None
    max_bytes: int | None = None
    kinds: str = ""
    acks_failed: int = 0
    state_bytes: int | None = None
    error: str | None = None
    templates: dict = field(default_factory=dict)
    #: what the clients' Socket.IO libraries logged (dropped connections): Tally.take()
    client_log: str = ""
    #: pages: what one message holds, by part (`what_is_in`), for a member's page and the console
    anatomy: dict = field(default_factory=dict)


def what_is_in(message: dict | None) -> str:
    """The size of each op of a `parts` message (its HTML, in UTF-8 bytes), largest first, and the whole."""
    if not message:
        return "-"
    sizes = Counter()
    for op in message.get("ops", ()):
        name = op.get("id") or f"append {op.get('append')}"
        name = re.sub(r"-\d+$", "-<id>", name)
        sizes[name] += len(op.get("html", "").encode())
    whole = len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{whole:,} B JSON: " + ", ".join(f"{k} {v:,}" for k, v in sizes.most_common())


async def steps(fac: Phone, phones: list[Phone], cycles: int, step, result: Result, patience: float = 15) -> None:
    """Warm-up cycle, then `cycles` start/close pairs; one latency per (client, step), each waited for at most
    `patience` seconds."""
    for i in range(2 * (cycles + 1)):
        based_on = fac.version
        t0 = time.perf_counter()
        ack = await asyncio.wait_for(step(i % 2 == 0, based_on), patience)
        acked = time.perf_counter() - t0
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"step {i} refused: {ack}")
        target = ack["version"]
        await wait_until(lambda: all(p.has_version(target) for p in phones), patience,
                         f"every phone at version {target}")
        if i >= 2:
            times = [p.reached(target) - t0 for p in phones]
            result.steps.extend(times)
            result.step_spread.append((i % 2 == 0, min(times), max(times)))
            result.acks.append(acked)
    result.state_bytes = next(p for p in phones if p is not fac).state_bytes  # a member's (the console's is larger)


async def while_connected(p: Phone, coro, timeout: float):
    """Await `coro` (a call of this client's) at most `timeout` seconds, and only while the client is connected:
    an acknowledgement never comes over a connection that dropped."""
    task = asyncio.ensure_future(coro)
    deadline = time.monotonic() + timeout
    try:
        while not task.done():
            if not p.sio.connected:
                raise ConnectionError("the connection dropped before the acknowledgement came")
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no acknowledgement within {timeout} s")
            await asyncio.wait({task}, timeout=0.2)
        return task.result()
    finally:
        if not task.done():
            task.cancel()


async def all_at_once(phones: list[Phone], answerers: list[Phone], round_id: int, answer, result: Result) -> None:
    """Every answerer sends at the same moment; until every phone has every answer."""
    for p in phones:
        p.watch_round(round_id)
    t0 = time.perf_counter()
    acks = await asyncio.gather(*(while_connected(p, answer(p), 60) for p in answerers), return_exceptions=True)
    ok = [isinstance(a, dict) and a.get("ok") for a in acks]
    # Only the answers the server took can reach the phones; a refused one is reported as an error.
    expected = frozenset(p.member for p, took in zip(answerers, ok) if took)
    final = max((a["version"] for a, took in zip(acks, ok) if took), default=None)
    result.acks_failed = len(acks) - len(expected)
    if result.acks_failed:
        bad = next(a for a, took in zip(acks, ok) if not took)
        result.error = f"{result.acks_failed}/{len(acks)} answers refused or failed, e.g. {bad!r}"[:300]
    try:
        await wait_until(lambda: all(p.caught_up(expected, final) for p in phones)
                         or any(not p.sio.connected for p in phones), 60,
                         "every phone to have every answer", interval=0.01)
    except TimeoutError as timeout:
        missing = [p.behind(expected, final) for p in phones]
        result.error = (result.error or "") + f" {timeout} (missing per phone: max {max(missing)})"
    dropped = sum(not p.sio.connected for p in phones)
    if dropped:
        result.error = (result.error or "") + f" {dropped}/{len(phones)} clients lost their connection"
    await asyncio.sleep(0.05)  # stragglers after the last answer count too
    for p in phones:
        p.counting = False
    if expected and all(p.caught_up(expected, final) for p in phones):
        result.all_answer = max(p.caught_up_at(expected, final) for p in phones) - t0
    firsts = [t for p in phones if (t := p.first_news()) is not None]
    result.first_answer = min(firsts) - t0 if firsts else None
    sizes = [p.rx_bytes for p in phones]
    result.bytes_per_client = statistics.mean(sizes)
    result.max_bytes = max(sizes)
    kinds = Counter()
    for p in phones:
        kinds.update(p.kinds)
    result.kinds = " ".join(f"{k} {v / len(phones):.1f}" for k, v in sorted(kinds.items()))
    sample = next((p.sample_change() for p in answerers if p.sample_change()), None)
    if sample is not None:
        result.templates["parts_answer" if phones[0].kind == "pages" else "answer"] = sample
