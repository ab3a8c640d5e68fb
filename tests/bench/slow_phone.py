"""An old phone on a poor network: how long until a member can answer.

    .venv/bin/python tests/bench/slow_phone.py [--runs 3]

Starts the real Kring server (tests/server.py: eventlet, a fresh SQLite file,
a free loopback port), brings the meeting to an open consent round (the same
moment as tests/bench/page_weight.py: eight present, two rounds held), and
loads Joost's meeting page, cold, in Chromium (Debian's, through Playwright) on
an emulated Pixel 7 whose CPU is slowed 4x (DevTools' CPU throttling) and whose
every byte goes through a throttling proxy with the figures of DevTools'
"Slow 3G" preset: 2,000 ms round trip, 400 kbit/s down and up. A proxy rather
than Chromium's network emulation, because that emulation leaves WebSocket
frames alone and the live connection is half of what a member waits for.

For each load it prints, counted from the moment the phone asks for the page:

- page:   the HTML has arrived (the browser's navigation timing);
- shown:  the first paint, with the consent and objection buttons on it (the
          styles block painting, so this is when the member sees them); from
          here the member can answer (without the script, the form posts);
- script: kring.js has run (DOMContentLoaded: it is a module): from here an
          answer is kept on the phone until the server has it;
- live:   the meeting's live connection is up (later steps arrive by themselves);
- stored: on one more load, "Consent" tapped the moment the script has run:
          the answer is in the database (sent over the connection once it is
          up, or posted as a form while it is not: whichever way kring.js takes).

The unthrottled phone is measured the same way, for comparison. Prints the
median of `--runs` loads. The budget (docs/accessibility.md, "Old phones"):
a member can answer within 10 s on this profile; the script exits 1 beyond it.
Only 127.0.0.1 is used; every wait is bounded; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.page_weight import CHROMIUM, CHROMIUM_ARGS, DEVICE, prepare_meeting  # noqa: E402
from tests.server import HOST, KringServer, Seeded, free_port, sign_in, wait_for  # noqa: E402

#: DevTools' "Slow 3G": 400 ms latency times its own factor of 5, 500 kbit/s times 0.8, both ways.
ROUND_TRIP = 2.0
BYTES_PER_SECOND = 500_000 * 0.8 / 8
CPU_SLOWDOWN = 4
BUDGET = 10.0  # seconds until the member can answer (docs/accessibility.md)
TIMEOUT = 60
#: Who loads the page on each profile: a member each, as each answers once, on the last load.
PROFILES = (("fast", "Kees", False), ("slow", "Joost", True))


class SlowLine:
    """A TCP proxy that delays every chunk by half a round trip and lets through at most
    `rate` bytes a second in each direction: a slow mobile network between phone and server."""

    def __init__(self, target_port: int, round_trip: float, rate: float) -> None:
        self.target_port, self.delay, self.rate = target_port, round_trip / 2, rate
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowLine:
        self.thread.start()
        assert self.ready.wait(10), "the slow line did not start"
        return self

    def __exit__(self, *exc) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.loop.stop()

        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop)
        self.thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._connection, HOST, self.port))
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()
            self.loop.close()

    async def _connection(self, phone_reader, phone_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(HOST, self.target_port)
        except OSError:
            phone_writer.close()
            return
        await asyncio.gather(self._pipe(phone_reader, server_writer), self._pipe(server_reader, phone_writer),
                             return_exceptions=True)

    async def _pipe(self, reader, writer) -> None:
        """Chunks leave in order, each no sooner than half a round trip after it came in and no
        sooner than the line's rate allows after the one before."""
        queue: asyncio.Queue = asyncio.Queue()

        async def send() -> None:
            free_at = 0.0
            while (item := await queue.get()) is not None:
                arrived, chunk = item
                free_at = max(free_at, arrived + self.delay) + len(chunk) / self.rate
                await asyncio.sleep(max(0.0, free_at - self.loop.time()))
                writer.write(chunk)
                await writer.drain()
            writer.close()

        sender = asyncio.ensure_future(send())
        try:
            while chunk := await reader.read(16384):
                queue.put_nowait((self.loop.time(), chunk))
        finally:
            queue.put_nowait(None)
            await sender


#: In the page from its first moment: when each milestone was first seen (performance.now(), ms).
WATCH = """
(() => {
  const seen = window.__kringSeen = {};
  const mark = (name) => { if (!(name in seen)) seen[name] = performance.now(); };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name !== "first-contentful-paint") continue;
      seen.shown = e.startTime;
      seen.buttons = Boolean(document.getElementById("do-consent"));  // were they in that paint?
    }
  }).observe({ type: "paint", buffered: true });
  document.addEventListener("DOMContentLoaded", () => mark("script"));
  new MutationObserver(() => { if (document.querySelector("#kring-conn[data-state=connected]")) mark("live"); })
    .observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
})();
"""
MILESTONES = ("page", "shown", "script", "live", "stored")


def load(p, browser, server: KringServer, seeded: Seeded, member: str, port: int, slow: bool,
         answer: bool) -> dict[str, float]:
    """One cold load of the member's meeting page; the MILESTONES in seconds from the request."""
    url = f"http://{HOST}:{port}"
    device = dict(p.devices[DEVICE])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, locale="nl-NL")
    context.set_default_timeout(TIMEOUT * 1000)
    try:
        context.add_cookies([{"name": name, "value": value, "url": url} for name, _, value in (
            pair.partition("=") for pair in sign_in(server.port, seeded.tokens[member]).split("; "))])
        context.add_init_script(WATCH)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if slow:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.goto(f"{url}/c/{seeded.circle}/meetings/{seeded.meeting}/", wait_until="commit")
        seen = "() => window.__kringSeen && %s.every((k) => k in window.__kringSeen)"
        now = """() => (performance.now() - performance.getEntriesByType("navigation")[0].requestStart) / 1000"""
        if answer:  # tap "Consent" the moment the script has run; the answer goes out as it can
            page.wait_for_function(seen % '["script"]', timeout=TIMEOUT * 1000)
            before = count_answers(server, seeded.members[member])
            tapped, clock = page.evaluate(now), time.monotonic()
            page.locator("#do-consent").click()
            wait_for(lambda: count_answers(server, seeded.members[member]) > before, TIMEOUT,
                     what="the consent to be stored")
            return {"stored": tapped + time.monotonic() - clock}
        page.wait_for_function(seen % '["shown", "script", "live"]', timeout=TIMEOUT * 1000)
        times = page.evaluate("""() => {
            const nav = performance.getEntriesByType("navigation")[0];
            return { start: nav.requestStart, page: nav.responseEnd, ...window.__kringSeen };
        }""")
        assert times.pop("buttons"), "the first paint had no consent button: not the page meant to be measured"
        return {k: (v - times["start"]) / 1000 for k, v in times.items() if k != "start"}
    finally:
        context.close()


def count_answers(server: KringServer, member_id: int) -> int:
    return server.query("SELECT count(*) FROM contribution WHERE member_id = ?", member_id)[0][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: install the Debian package 'chromium'", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    figures: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="kring-slow-phone-") as folder:
        server = KringServer(Path(folder))
        seeded = server.prepare()
        server.start()
        try:
            prepare_meeting(server, seeded)
            with SlowLine(server.port, ROUND_TRIP, BYTES_PER_SECOND) as line, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
                try:
                    for profile, member, slow in PROFILES:
                        port = line.port if slow else server.port
                        runs = [load(p, browser, server, seeded, member, port, slow, answer=False) for _ in range(args.runs)]
                        runs.append(load(p, browser, server, seeded, member, port, slow, answer=True))
                        figures[profile] = {k: [r[k] for r in runs if k in r] for k in MILESTONES}
                finally:
                    browser.close()
        except BaseException:
            print(server.output(), file=sys.stderr)
            raise
        finally:
            server.stop()

    print(f"Kring on a slow phone: a member's meeting page in an open consent round, cold, emulated {DEVICE}.")
    print(f"slow: CPU {CPU_SLOWDOWN}x slower, every byte through a line of {ROUND_TRIP * 1000:.0f} ms round trip "
          f"and {BYTES_PER_SECOND * 8 / 1000:.0f} kbit/s each way (DevTools' Slow 3G); fast: neither.")
    print(f"Seconds from the request, median of {args.runs} loads ('stored': one more load).\n")
    print(f"{'':8}" + "".join(f"{k:>9}" for k in MILESTONES))
    for profile, values in figures.items():
        print(f"{profile:8}" + "".join(f"{statistics.median(v):>9.2f}" if v else f"{'-':>9}"
                                       for v in values.values()))
    can_answer = statistics.median(figures["slow"]["shown"])
    print(f"\nthe member can answer after {can_answer:.1f} s on the slow phone (budget {BUDGET:.0f} s): "
          + ("within" if can_answer <= BUDGET else "OVER"))
    return 0 if can_answer <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
