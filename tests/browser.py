"""What the browser tests share: Debian's Chromium through Playwright, screens, signing in, and more.

Every test of what a person sees (tests/test_browser*.py and the others that
open a page) runs the real Kring server in a subprocess (tests/server.py) and
drives the system's Chromium (`/usr/bin/chromium`, never a downloaded
browser) through Playwright; `playwright_chromium` skips, saying why, where
either is missing. Here are that fixture and `kring` (the server on a fresh
database with the Samen Vooruit meeting planned), the words the Dutch pages
show (`nl`, from the catalogue: never written out in a test), a screen per
person (`screen`, `View`), more meetings on one server (`open_room`), and a
facilitator's socket that drives a meeting quickly where a test is about what
a page shows (`Steer`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.support import Translations

from tests.phones import Phone
from tests.server import ROOT, KringServer, Seeded, clock_code

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
#: Keep Chromium to itself: no sandbox (containers), no GPU, nothing fetched from outside.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Samen Vooruit meets in Dutch; every word the tests look for comes from the catalogue (`nl`).
LOCALE = "nl-NL"
#: How long any one thing may take to show (ms); a live change takes milliseconds.
TIMEOUT = 10_000
SCREENSHOTS = ROOT / "docs" / "screenshots"

_CATALOGUE = Translations.load(str(ROOT / "circle" / "translations"), ["nl"])


def expect(*args, **kwargs):
    """Playwright's `expect`, imported when first used (so the module loads without Playwright and skips)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def nl(msgid: str, **values: object) -> str:
    """A text as the Dutch pages show it: its translation, or the English itself while it has none."""
    text = _CATALOGUE.gettext(msgid)
    return text % values if values else text


# --- Fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright_chromium() -> Iterator[tuple]:
    """Playwright with the system's Chromium; skips (saying why) when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install the Debian package 'chromium' to run browser tests")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    expect.set_options(timeout=TIMEOUT)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield p, browser
        finally:
            browser.close()


@pytest.fixture
def kring(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[tuple[KringServer, Seeded]]:
    """The real server on a fresh database with the Samen Vooruit meeting planned."""
    template, seeded = prepared_once(tmp_path_factory)
    server = KringServer(tmp_path)
    server.copy_database(template)
    server.start()
    try:
        yield server, seeded
    finally:
        server.stop()


# --- More meetings on one server ------------------------------------------------------

PLAN = """
import json
from circle import create_app, meetings, proposals
from circle.extensions import db
from circle.models import Member
from tests.days import TODAY
{clock}

app = create_app()
made = []
with app.app_context():
    anna = db.session.get(Member, {anna})
    for title, items in {plan!r}:
        meeting = meetings.plan_meeting(anna, title, TODAY).subject
        ids = []
        for proposer, wording in items:
            author = db.session.get(Member, proposer)
            pid = proposals.write_draft(author, proposals.Wording(**wording)).subject
            proposals.put_on_agenda(anna, pid, meeting)
            ids.append(pid)
        made.append({{"meeting": meeting, "proposals": ids}})
print(json.dumps(made))
"""


@dataclass
class Planned:
    """A meeting planned for one test, with the proposals on its agenda."""

    meeting: int
    proposals: list[int]


def plan_meetings(server: KringServer, seeded: Seeded,
                  plan: list[tuple[str, list[tuple[str, dict]]]]) -> list[Planned]:
    """Plan more meetings of Samen Vooruit (before the server starts), each with fresh drafts on its agenda.

    `plan`: (title, [(proposer's name, wording), ...]) per meeting; a wording as
    proposals.Wording takes it (title, text, background, ...).
    """
    plan_ids = [(title, [(seeded.members[who], wording) for who, wording in items]) for title, items in plan]
    code = PLAN.format(clock=clock_code(server.now()), anna=seeded.members["Anna"], plan=plan_ids)
    out = server._run("-c", code)
    return [Planned(**m) for m in json.loads(out.strip().splitlines()[-1])]


def draft(title: str, text: str = "", **more: str) -> dict:
    """A proposal's wording for `plan_meetings`."""
    return {"title": title, "text": text or f"{title}: zo doen we het.", **more}


@dataclass
class Room:
    """One real server for a test module, with a meeting of its own for each test."""

    server: KringServer
    seeded: Seeded
    meetings: dict[str, Planned]

    def path(self, meeting: str) -> str:
        return meeting_path(self.seeded, self.meetings[meeting].meeting)

    def version(self, meeting: str) -> int:
        return self.server.meeting_version(self.meetings[meeting].meeting)

    def steer(self, meeting: str) -> Steer:
        return Steer(self.server, self.seeded, self.meetings[meeting].meeting)


#: The migrated database with Samen Vooruit, made once per run and copied for each server.
_prepared: list[tuple[Path, Seeded]] = []


def prepared_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """The migrations and the Samen Vooruit scenario, run once for all the browser tests of a run."""
    if not _prepared:
        folder = tmp_path_factory.mktemp("kring-browser-template")
        _prepared.append((folder / "kring.sqlite3", KringServer(folder).prepare()))
    return _prepared[0]


def open_room(tmp_path_factory: pytest.TempPathFactory,
              plan: dict[str, list[tuple[str, dict]]]) -> Iterator[Room]:
    """Samen Vooruit with one meeting per entry of `plan` (name: [(proposer, wording), ...]), served."""
    template, seeded = prepared_once(tmp_path_factory)
    server = KringServer(tmp_path_factory.mktemp("kring-room"))
    server.copy_database(template)
    made = plan_meetings(server, seeded, list(plan.items()))
    server.start()
    try:
        yield Room(server, seeded, dict(zip(plan, made)))
    finally:
        server.stop()


class Steer:
    """The facilitator's own socket (a python-socketio client as Anna): sets a meeting up quickly.

    The pages under test follow what it does live, as they follow the console.
    Steps are taken on whatever the meeting is now (no `based_on`), and each
    must be accepted.
    """

    def __init__(self, server: KringServer, seeded: Seeded, meeting: int, name: str = "Anna"):
        self.server, self.seeded, self.meeting = server, seeded, meeting
        self.phone = Phone(server, seeded, name)
        self.phone.meeting_id = meeting
        self.phone.connect()

    def __call__(self, event: str, **payload) -> dict:
        ack = self.phone.call(event, payload)
        assert ack["ok"], (event, payload, ack)
        self.version = ack["version"]
        return ack

    #: The meeting's version after the latest step.
    version = 0

    def present(self, *names: str) -> None:
        for name in names:
            self("mark_attendance", member_id=self.seeded.members[name], present=True)

    def answer(self, name: str, answer: str, text: str = "", **more) -> dict:
        """Record an answer for `name` (the facilitator may record for anyone)."""
        return self("contribute", **self.phone.answer_payload(answer, text, member_id=self.seeded.members[name],
                                                              **more))

    def round(self, kind: str, mode: str = "in_turn", starter: str = "Anna", proposal: int | None = None,
              **more) -> dict:
        return self("start_round", kind=kind, mode=mode, starter_id=self.seeded.members[starter],
                    proposal_id=proposal, **more)

    def close(self) -> None:
        self.phone.close()


# --- One screen -------------------------------------------------------------------


@dataclass
class View:
    """One person's screen: a browser context with one page, and what happened on it."""

    name: str
    context: object
    page: object
    #: JavaScript errors on the page (there must be none).
    errors: list[str] = field(default_factory=list)
    #: Page loads since `stay()`: a phone or the projector must have none.
    loads: list[str] | None = None

    def stay(self) -> None:
        """From now on this page must never load again: everything comes live."""
        self.loads = []
        self.page.evaluate("window.kringNeverReloaded = true")

    def stayed(self) -> bool:
        return not self.loads and self.page.evaluate("window.kringNeverReloaded === true")

    def version(self) -> int:
        """The meeting version the page shows."""
        return int(self.page.locator("#kring").get_attribute("data-version"))

    def live(self) -> None:
        """The page is connected (before a click, so steps travel as events, not as posts)."""
        expect(self.page.locator("#kring-conn")).to_have_attribute("data-state", "connected")

    def at(self, version: int) -> None:
        """Wait until the page shows `version` of the meeting."""
        expect(self.page.locator("#kring"), f"version {version} must reach the {self.name} live") \
            .to_have_attribute("data-version", str(version))

    def close(self) -> None:
        self.context.close()


def open_view(browser, name: str, **options) -> View:
    context = browser.new_context(locale=LOCALE, **options)
    context.set_default_timeout(TIMEOUT)
    context.set_default_navigation_timeout(TIMEOUT)
    page = context.new_page()
    view = View(name, context, page)
    page.on("pageerror", lambda error: view.errors.append(str(error)))

    def loaded(frame) -> None:
        if frame == page.main_frame and view.loads is not None:
            view.loads.append(frame.url)

    page.on("framenavigated", loaded)
    return view


def phone_options(p, device: str) -> dict:
    """An emulated phone (size, pixel ratio, touch, user agent) on the Chromium engine."""
    options = dict(p.devices[device])
    options.pop("default_browser_type", None)
    return options


#: An old, small phone: 320x568 CSS pixels (an iPhone SE of the first generation), touch.
SMALL_PHONE = {"viewport": {"width": 320, "height": 568}, "device_scale_factor": 2, "is_mobile": True,
               "has_touch": True}


def sign_in(view: View, server: KringServer, token: str) -> None:
    """Open the personal link and press its one button."""
    view.page.goto(f"{server.url}/s/{token}")
    view.page.locator("main form button[type=submit]").click()
    view.page.wait_for_url(re.compile(r"/c/\d+/$"))


def screen(browser, server: KringServer, seeded: Seeded, who: str, path: str, name: str | None = None,
           **options) -> View:
    """Someone's screen, signed in, on a page of the meeting, connected live."""
    view = open_view(browser, name or who, **options)
    sign_in(view, server, seeded.tokens[who])
    view.page.goto(server.url + path)
    if view.page.locator("#kring-conn").count():
        view.live()
    return view


def meeting_path(seeded: Seeded, meeting: int) -> str:
    return f"/c/{seeded.circle}/meetings/{meeting}/"


def on_first_screen(view: View, *selectors: str, tap: bool = False) -> None:
    """Each element is on the first screen: visible, wholly within the viewport with the page at its top.

    `tap`: each is also a tap target of at least 44x44 CSS pixels.
    """
    page = view.page
    page.evaluate("window.scrollTo(0, 0)")
    height = page.evaluate("window.innerHeight")
    for selector in selectors:
        element = page.locator(selector)
        expect(element, f"{selector} on {view.name}").to_be_visible()
        box = element.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, \
            f"{view.name}: {selector} reaches down to {box['y'] + box['height']:.0f}px; the screen is {height}px high"
        if tap:
            assert box["height"] >= 44 and box["width"] >= 44, f"{view.name}: {selector} is {box} (44x44 at least)"


def shoot(view: View, filename: str, down_to: str | None = None) -> None:
    """Save the screen for the README (only with KRING_SCREENSHOTS=1), from the top of the page.

    `down_to`: a selector; the picture then reaches down to the end of that element
    (a phone's answer box and the ring below it), else it is one screenful.
    """
    if os.environ.get("KRING_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = view.page
    page.evaluate("window.scrollTo(0, 0)")
    options = {}
    if down_to:
        box = page.locator(down_to).bounding_box()
        width = page.viewport_size["width"]
        options = {"full_page": True, "clip": {"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 16}}
    page.screenshot(path=str(SCREENSHOTS / filename), scale="css", animations="disabled", caret="initial",
                    **options)
