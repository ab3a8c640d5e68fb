"""Page weight: a member's meeting page on a phone, first load, as Chromium receives it.

    .venv/bin/python tests/bench/page_weight.py

Starts the real Kring server (tests/server.py: eventlet, a fresh SQLite file,
a free loopback port, the Samen Vooruit circle), brings the meeting to a
realistic moment over the live protocol (eight present, a picture-forming and
an opinion round held, a consent round open), signs Joost in through his
personal link, and loads his meeting page in Chromium (Debian's, through
Playwright) on an emulated Pixel 7 with an empty, disabled cache.

Chromium's own network log (DevTools protocol) gives, for every response,
the bytes that came over the wire (headers and body, as compressed by the
server) and the bytes after decoding. The Socket.IO connection is listed
apart: the WebSocket upgrade and the frames received while the page loaded
(the handshake and the meeting state).

The page is loaded twice: once with Chromium allowed only gzip and deflate
(the budget's measure, and what an older phone gets), once with whatever
this Chromium negotiates by itself (brotli, through Flask-Compress).
Prints each resource, a breakdown by what it is (the page, styles, kring.js,
the Socket.IO client, the Socket.IO connection with each frame it received),
the total over the wire and the number of requests, with notes on anything
not compressed or failing; exits 1 when a total is over the budget of
docs/live-page.md ("Budget": 45 KB, everything included; the aim is 30 KB).
For comparison it prints the figure before the live page was rewritten
(37.7 KB, with the modules of static/js/, which are gone). Only 127.0.0.1 is
used; every wait is bounded; the server is stopped at the end. Not a test:
pytest does not collect it (tests/test_live_pages.py checks the budget itself,
from the test client's bodies).
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.phones import Phone  # noqa: E402
from tests.server import HOST, KringServer, Seeded, sign_in, wait_for  # noqa: E402

KB = 1024
BUDGET = 45 * KB  # bytes over the wire, everything included (docs/live-page.md, "Budget")
AIM = 30 * KB  # what we aim for
#: The gzip total this benchmark printed before the live page was rewritten (static/js/*.js
#: modules besides kring.js, the meeting state drawn in the browser).
BEFORE = 37.7 * KB
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEVICE = "Pixel 7"
MEMBER = "Joost"
#: What a server must compress (by response MIME type).
TEXTUAL = ("text/html", "text/css", "text/javascript", "application/javascript", "application/json",
           "image/svg+xml")
#: After the page is live, how long to keep listening for late requests (a favicon, a retry).
QUIET = 1.5
TIMEOUT = 15


# --- Bringing the meeting to a realistic moment -----------------------------------------


def step(anna: Phone, event: str, **payload) -> dict:
    """A facilitator's step; waits until Anna's phone has heard the change it made."""
    ack = anna.step(event, **payload)
    wait_for(lambda: (anna.version or 0) >= ack["version"], TIMEOUT, what=f"{event} to come back")
    return ack


def record_round(anna: Phone, seeded: Seeded, kind: str, mode: str) -> None:
    """Hold a whole round; Anna records everyone's answer (in speaking order)."""
    step(anna, "start_round", kind=kind, mode=mode, proposal_id=seeded.proposal)
    names = {v: k for k, v in seeded.members.items()}
    for seat in anna.snapshot()["round"]["seats"]:
        name = names[seat["member"]]
        ack = anna.call("contribute", anna.answer_payload(
            "speak", f"{name}: goed idee, als er een rooster komt voor het water geven.",
            member_id=seat["member"]))
        assert ack["ok"], ack
        wait_for(lambda: (anna.version or 0) >= ack["version"], TIMEOUT, what="an answer to come back")
    step(anna, "close_round")


def prepare_meeting(server: KringServer, seeded: Seeded) -> None:
    """Everyone present, two rounds held, and an open consent round: what a phone loads mid-meeting."""
    anna = Phone(server, seeded, "Anna").connect()
    try:
        step(anna, "open_meeting")
        for member_id in seeded.members.values():
            step(anna, "mark_attendance", member_id=member_id, present="y")
        record_round(anna, seeded, "picture_forming", "in_turn")
        record_round(anna, seeded, "opinion_forming", "open")
        step(anna, "start_round", kind="consent", mode="open", proposal_id=seeded.proposal)
    finally:
        anna.close()


# --- What Chromium received ---------------------------------------------------------------


@dataclass
class Resource:
    url: str
    kind: str = ""
    status: int = 0
    mime: str = ""
    encoding: str = ""
    wire: int = 0  # headers and body as received (compressed)
    body: int = 0  # body after decoding
    failed: str = ""


@dataclass
class Socket:
    url: str
    status: int = 0
    extensions: str = ""
    handshake: int = 0  # bytes of the 101 response's headers
    frames: list[int] = field(default_factory=list)  # payload bytes of each frame received
    texts: list[str] = field(default_factory=list)  # the start of each frame received
    sent: list[int] = field(default_factory=list)

    @property
    def wire(self) -> int:
        # a server frame's header: 2 bytes, 4 from 126 bytes of payload, 10 from 64 KiB
        return self.handshake + sum(n + (2 if n < 126 else 4 if n < 65536 else 10) for n in self.frames)


class NetworkLog:
    """Chromium's network events (DevTools protocol) for one page."""

    def __init__(self, cdp):
        self.resources: dict[str, Resource] = {}
        self.sockets: dict[str, Socket] = {}
        self.recording = True
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.on("Network.webSocketCreated", self._ws_created)
        cdp.on("Network.webSocketHandshakeResponseReceived", self._ws_handshake)
        cdp.on("Network.webSocketFrameReceived", self._ws_received)
        cdp.on("Network.webSocketFrameSent", self._ws_sent)

    def _request(self, e):
        # An image written into the stylesheet (`data:`) is part of its bytes, already counted: not a request.
        if self.recording and not e["request"]["url"].startswith("data:"):
            self.resources[e["requestId"]] = Resource(e["request"]["url"], e.get("type", ""))

    def _response(self, e):
        r = self.resources.get(e["requestId"])
        if r is not None:
            response = e["response"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            r.status, r.mime = response["status"], response.get("mimeType", "")
            r.encoding = headers.get("content-encoding", "")

    def _data(self, e):
        r = self.resources.get(e["requestId"])
        if r is not None:
            r.body += e["dataLength"]

    def _finished(self, e):
        r = self.resources.get(e["requestId"])
        if r is not None:
            r.wire = int(e["encodedDataLength"])

    def _failed(self, e):
        r = self.resources.get(e["requestId"])
        if r is not None:
            r.failed = e.get("errorText", "failed")

    def _ws_created(self, e):
        if self.recording:
            self.sockets[e["requestId"]] = Socket(e["url"])

    def _ws_handshake(self, e):
        s = self.sockets.get(e["requestId"])
        if s is not None:
            response = e["response"]
            s.status = response["status"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            s.extensions = headers.get("sec-websocket-extensions", "")
            s.handshake = len(response.get("headersText", "")) or (
                len(f"HTTP/1.1 {s.status} {response.get('statusText', '')}\r\n")
                + sum(len(k) + len(v) + 4 for k, v in response.get("headers", {}).items()) + 2)

    def _ws_received(self, e):
        s = self.sockets.get(e["requestId"])
        if s is not None and self.recording:
            s.frames.append(len(e["response"]["payloadData"].encode()))
            s.texts.append(e["response"]["payloadData"][:200])

    def _ws_sent(self, e):
        s = self.sockets.get(e["requestId"])
        if s is not None and self.recording:
            s.sent.append(len(e["response"]["payloadData"].encode()))


def measure(server: KringServer, seeded: Seeded, encodings: list[str] | None) -> NetworkLog:
    """Load the member's meeting page once, cold, on an emulated phone; return what came in.

    `encodings`: the only content encodings Chromium may accept (None: its own list).
    """
    from playwright.sync_api import sync_playwright

    cookies = []
    for pair in sign_in(server.port, seeded.tokens[MEMBER]).split("; "):
        name, _, value = pair.partition("=")
        cookies.append({"name": name, "value": value, "url": server.url})
    page_url = f"{server.url}/c/{seeded.circle}/meetings/{seeded.meeting}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        try:
            device = dict(p.devices[DEVICE])
            device.pop("default_browser_type", None)
            context = browser.new_context(**device, locale="nl-NL")
            context.set_default_timeout(TIMEOUT * 1000)
            context.add_cookies(cookies)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            log = NetworkLog(cdp)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            if encodings is not None:
                cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": ", ".join(encodings)}})
            page.goto(page_url, wait_until="load")
            page.wait_for_selector("#kring-conn[data-state=connected]", timeout=TIMEOUT * 1000)
            assert page.locator("#meeting-answer form[data-event=contribute]").count(), \
                "the member's page shows no answer box: not the page meant to be measured"
            page.wait_for_load_state("networkidle", timeout=TIMEOUT * 1000)
            time.sleep(QUIET)
            log.recording = False
            context.close()
        finally:
            browser.close()
    return log


# --- The report ---------------------------------------------------------------------------


def short(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if len(path) <= 50 else path[:47] + "..."


def what(r: Resource) -> str:
    """Which group of the breakdown a response belongs to."""
    path = urlsplit(r.url).path
    if r.kind == "Document" or r.mime == "text/html":
        return "the meeting page (HTML)"
    if path.startswith("/static/vendor/"):
        return "Socket.IO client (static/vendor)"
    if path.endswith(".js"):
        return "scripts (kring.js)" if path == "/static/kring.js" else f"scripts ({path})"
    if path.endswith(".css"):
        return "styles"
    return f"other ({short(r.url)})"


def frame_name(text: str) -> str:
    """What an Engine.IO/Socket.IO frame is, from its first characters."""
    if text.startswith("0{"):
        return "Engine.IO open"
    if text.startswith("40"):
        return "Socket.IO connect"
    if text in ("2", "3"):
        return "ping" if text == "2" else "pong"
    if text.startswith("42"):
        name = text[2:].lstrip("0123456789")
        return "event " + (name.split(",", 1)[0].strip('["') or "?")
    if text.startswith("43"):
        ops = "no ops" if '"ops":[]' in text else "with ops"
        return f"acknowledgement ({ops})" if '"ops"' in text else "acknowledgement"
    return text[:20]


def kb(n: float) -> str:
    return f"{n / KB:.1f} KB"


def report(gzip: NetworkLog, native: NetworkLog) -> int:
    """Print both loads side by side; return the exit status (1: over budget, or nothing measured)."""
    failed, notes = [], []
    print(f"Kring page weight: {MEMBER}'s meeting page (consent round open), first load on an emulated "
          f"{DEVICE}, Chromium {CHROMIUM}, empty cache.")
    print("'gzip': Chromium told to accept only gzip/deflate (the budget's measure; older phones);")
    print("'browser': what this Chromium negotiated by itself. Bytes over the wire include headers.\n")
    native_by_url = {r.url: r for r in native.resources.values()}
    print(f"{'gzip':>9} {'browser':>12}  {'decoded':>8}  status  resource")
    for r in gzip.resources.values():
        n = native_by_url.get(r.url, Resource(r.url))
        status = r.failed or str(r.status)
        print(f"{r.wire:>9,} {n.wire:>7,} {n.encoding or '-':<4} {r.body:>8,}  {status:>6}  {short(r.url)}"
              f"  ({r.mime}{', ' + r.encoding if r.encoding else ', not compressed'})")
        if r.mime.startswith(TEXTUAL) and r.status < 300 and r.body >= 500 and not r.encoding:
            notes.append(f"{short(r.url)} came without gzip ({r.body:,} B)")
        if r.status >= 400 or r.failed:
            notes.append(f"{short(r.url)} answered {status}: a request every page load pays for")
        if n.wire > r.wire and n.encoding and n.encoding not in ("gzip", "deflate"):
            notes.append(f"{short(r.url)}: {n.encoding} ({n.wire:,} B) came larger than gzip ({r.wire:,} B)")
        if urlsplit(r.url).path.startswith("/static/js/"):
            notes.append(f"{short(r.url)}: static/js/ should be gone since the rewrite")
    http = {name: sum(r.wire for r in log.resources.values()) for name, log in (("gzip", gzip), ("native", native))}
    print(f"{http['gzip']:>9,} {http['native']:>12,}  {sum(r.body for r in gzip.resources.values()):>8,}"
          f"          pages, scripts, styles: {len(gzip.resources)} requests")

    print("\nSocket.IO connection (listed apart, counted in the total):")
    ws = {"gzip": 0, "native": 0}
    for (s, n) in zip(gzip.sockets.values(), native.sockets.values()):
        print(f"{s.handshake:>9,} {n.handshake:>12,}  {'':>8}  {s.status:>6}  {short(s.url)}  (WebSocket upgrade)")
        print(f"{s.wire - s.handshake:>9,} {n.wire - n.handshake:>12,}  {sum(s.frames):>8,}  {'':>6}  "
              f"{len(s.frames)} frame(s) received while loading:")
        for size, text in zip(s.frames, s.texts):
            print(f"{'':>9} {'':>12}  {size:>8,}  {'':>6}    {frame_name(text)}")
        if s.extensions:
            print(f"{'':>34}  ({s.extensions} negotiated: counted before compression, an upper bound)")
        print(f"{'':>9} {'':>12}  {sum(s.sent):>8,}  {'':>6}  {len(s.sent)} frame(s) sent")
        ws["gzip"] += s.wire
        ws["native"] += n.wire
    if not gzip.sockets or not native.sockets:
        failed.append("no Socket.IO connection was made: nothing sensible was measured")

    total = {k: http[k] + ws[k] for k in http}
    requests = len(gzip.resources) + len(gzip.sockets)
    print(f"\n{total['gzip']:>9,} {total['native']:>12,}  bytes over the wire in {requests} requests "
          f"({len(gzip.resources)} HTTP + {len(gzip.sockets)} Socket.IO)")

    print("\nBreakdown (bytes over the wire, headers included):")
    groups: dict[str, list[int]] = {}
    for r in gzip.resources.values():
        n = native_by_url.get(r.url, Resource(r.url))
        group = groups.setdefault(what(r), [0, 0])
        group[0] += r.wire
        group[1] += n.wire
    groups["Socket.IO connection (upgrade and frames)"] = [ws["gzip"], ws["native"]]
    print(f"{'gzip':>9} {'browser':>12}  {'share':>6}  part")
    for name, (g, b) in groups.items():
        print(f"{g:>9,} {b:>12,}  {g / total['gzip']:>6.0%}  {name}")
    print(f"{total['gzip']:>9,} {total['native']:>12,}  {'':>6}  total: {kb(total['gzip'])} gzip, "
          f"{kb(total['native'])} as negotiated")

    worst = max(total.values())
    print(f"\nbudget {BUDGET:,} B ({kb(BUDGET)}, everything included): "
          + (f"within, {BUDGET - worst:,} B to spare" if worst <= BUDGET else "OVER"))
    print(f"aim    {AIM:,} B ({kb(AIM)}): "
          + (f"within, {AIM - total['gzip']:,} B to spare" if total["gzip"] <= AIM
             else f"{total['gzip'] - AIM:,} B over the aim"))
    print(f"before the rewrite (static/js/*.js modules): {kb(BEFORE)}; now {kb(total['gzip'])} gzip "
          f"({(total['gzip'] - BEFORE) / KB:+.1f} KB)")
    if worst > BUDGET:
        failed.append(f"{worst:,} B is over the budget of {BUDGET:,} B")
    for note in notes:
        print(f"note: {note}")
    for problem in failed:
        print(f"FAILED: {problem}")
    return 1 if failed else 0


def main() -> int:
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: install the Debian package 'chromium'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kring-page-weight-") as folder:
        server = KringServer(Path(folder))
        seeded = server.prepare()
        server.start()
        try:
            prepare_meeting(server, seeded)
            gzip = measure(server, seeded, ["gzip", "deflate"])
            native = measure(server, seeded, None)
        except BaseException:
            print(server.output(), file=sys.stderr)
            raise
        finally:
            server.stop()
    for log in (gzip, native):
        assert all(urlsplit(r.url).hostname == HOST for r in log.resources.values()), \
            "a request left the loopback interface"
    return report(gzip, native)


if __name__ == "__main__":
    sys.exit(main())
