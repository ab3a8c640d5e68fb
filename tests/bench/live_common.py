"""What the modules of live_latency.py share: small helpers, the clients' log, and every process the run starts.

Importing it puts the repository's root on sys.path, for `tests.server`, `tests.days` and `circle`.
STARTED is the one list of the processes started, whichever module started them.
"""

import asyncio
import gc
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- Small helpers ------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def p_of(values: list[float], p: float) -> float | None:
    """The percentile of `values`, None when there are none."""
    return percentile(values, p) if values else None


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def thousands(value: float | None) -> str:
    """A whole number with thousands separators ('-' for None)."""
    return "-" if value is None else f"{value:,.0f}"


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def measure(session, timeout: float = 600) -> None:
    """Run the clients' `session()` with this process's garbage collector held.

    The clients of a hundred phones make many objects; a full collection of
    them paused this process for 50 to 100 ms, every phone's clock with it, and
    showed up as the server's p99 and "all answers". What is left is collected
    after each session."""
    gc.collect()
    gc.disable()
    try:
        asyncio.run(asyncio.wait_for(session(), timeout))
    finally:
        gc.enable()
        gc.collect()


async def wait_until(condition, timeout: float, what: str, interval: float = 0.003) -> None:
    """Poll `condition()` on the event loop; at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Tally(logging.Handler):
    """Counts what the clients' python-socketio and python-engineio log, instead of printing it.

    "packet queue is empty, aborting": a client heard no ping from the server for
    ping_interval + 5 s and dropped its connection (a browser does the same after
    pingInterval + pingTimeout): the server was too busy to ping.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.getMessage()[:120]] += 1

    def take(self) -> str:
        """What was logged since the last call, as one line ('' for nothing)."""
        said = "; ".join(f"{n} x {message!r}" for message, n in self.seen.most_common(3))
        self.seen.clear()
        return said


CLIENT_LOG = logging.getLogger("kring.bench.clients")
TALLY = Tally()
CLIENT_LOG.addHandler(TALLY)
CLIENT_LOG.setLevel(logging.WARNING)
CLIENT_LOG.propagate = False


# --- Every process this run starts, to stop them all whatever happens ----------------

STARTED: list[subprocess.Popen] = []


def stop_process(process: subprocess.Popen | None, timeout: float = 5) -> None:
    """SIGTERM, then SIGKILL after `timeout`; only our own child, by its pid."""
    if process is None:
        return
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    if process in STARTED:
        STARTED.remove(process)


def stop_everything() -> None:
    for process in list(STARTED):
        stop_process(process)
