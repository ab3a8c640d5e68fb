"""Every kind of page in real Chromium under Kring's Content-Security-Policy: nothing refused, no other host.

The real server (tests/browser.py: the harness) holds a meeting with a
proposal whose title and text are hostile (a script tag, an event handler, a
right-to-left override). Chromium walks every kind of page as the people who
see it (anonymous, a member, the facilitator, the projector), the live ones
connected and answering, and fails on any `securitypolicyviolation` event or
console report of one, and on any request to another host than Kring's. A
second test shows the policy does refuse inline script and style (so the first
cannot pass for want of a policy), and a third that a right-to-left override
in a title reverses none of Kring's words beside it (circle/headers.py,
circle/text.py; docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Room,
    View,
    draft,
    expect,
    nl,
    open_room,
    open_view,
    playwright_chromium,
    sign_in,
)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
RLO = "\u202e"
HOSTILE_TITLE = f"Ⓚ<script>alert(1)</script> {RLO}omgekeerd"
HOSTILE_TEXT = '<img src=x onerror="alert(2)"> <b onmouseover=alert(3)>vet</b> javascript:alert(4)'

#: Recorded in every page before its own scripts run: each violation the browser reports.
WATCH = """
window.kringViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.kringViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample || ""}`.trim());
});
"""


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {"csp": [
        ("Aylin", draft(HOSTILE_TITLE, HOSTILE_TEXT, background=HOSTILE_TEXT, success_criteria=HOSTILE_TEXT)),
        ("Kees", draft("Een buurtbank bij de speeltuin")),
    ]})


@pytest.fixture(scope="module")
def meeting(room: Room) -> dict:
    """The hostile proposal adopted; the bench taken up, its picture-forming round open."""
    steer = room.steer("csp")
    hostile, bench = room.meetings["csp"].proposals
    ids = room.seeded.members
    steer("open_meeting")
    steer.present(*EVERYONE)
    for kind, answer in (("picture_forming", "speak"), ("opinion_forming", "speak"), ("consent", "consent")):
        steer.round(kind, mode="open", proposal=hostile)
        for name in EVERYONE:
            steer.answer(name, answer, HOSTILE_TEXT if answer == "speak" else "")
        steer("close_round")
    steer("adopt", proposal_id=hostile)
    steer("take_up", proposal_id=bench)
    steer.round("picture_forming", mode="open", proposal=bench)
    steer.close()
    c, m = room.seeded.circle, room.meetings["csp"].meeting
    return {"hostile": hostile, "bench": bench, "circle": c, "meeting": m, "ids": ids,
            "path": f"/c/{c}/meetings/{m}"}


class Watched:
    """A browser context whose pages report CSP violations and every address they reach."""

    def __init__(self, browser, room: Room, who: str | None, **options):
        self.view: View = open_view(browser, who or "anonymous", **options)
        self.origin = room.server.url
        self.reports: list[str] = []
        self.elsewhere: list[str] = []
        self.dialogs: list[str] = []
        self.view.context.add_init_script(WATCH)
        self.view.context.on("request", lambda request: self._reached(request.url))
        page = self.view.page
        page.on("websocket", lambda ws: self._reached(ws.url))
        page.on("console", lambda msg: "Content Security Policy" in msg.text and self.reports.append(msg.text))
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        if who is not None:
            sign_in(self.view, room.server, room.seeded.tokens[who])

    def _reached(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme.replace('ws', 'http')}://{parts.netloc}" != self.origin:
            self.elsewhere.append(url)

    def visit(self, path: str, live: bool = False, status: int = 200) -> None:
        response = self.view.page.goto(self.origin + path)
        assert response.status == status, (path, response.status)
        if live:
            expect(self.view.page.locator("#kring-conn")).to_have_attribute("data-state", "connected")
        self.settle(path)

    def settle(self, where: str) -> None:
        """Let late requests and reports come in, then fail on any."""
        self.view.page.wait_for_timeout(150)
        seen = self.view.page.evaluate("window.kringViolations || []")
        assert (seen, self.reports) == ([], []), f"{self.view.name} on {where}: the policy refused {seen or self.reports}"
        assert self.elsewhere == [], f"{self.view.name} on {where} reached another host: {self.elsewhere}"
        assert self.dialogs == [], f"{self.view.name} on {where}: a script of someone's ran: {self.dialogs}"

    def close(self) -> None:
        self.view.close()


def test_no_page_breaks_the_policy_or_reaches_another_host(playwright_chromium, room: Room, meeting: dict) -> None:
    _, browser = playwright_chromium
    c, path, ids = meeting["circle"], meeting["path"], meeting["ids"]
    anonymous = Watched(browser, room, None)
    for page, status in (("/sign-in", 200), (f"/s/{room.seeded.tokens['Joost']}", 200), ("/s/not-a-link", 400),
                         (f"/c/{c}/", 200), (f"{path}/", 200)):  # the last two send to sign in first
        anonymous.visit(page, status=status)
    anonymous.close()

    anna = Watched(browser, room, "Anna", viewport={"width": 1280, "height": 800})
    for page in (f"/c/{c}/", f"/c/{c}/proposals/{meeting['bench']}/", f"/c/{c}/proposals/new",
                 f"{path}/amend/{meeting['bench']}", f"{path}/guests", f"/c/{c}/members/{ids['Joost']}/handout",
                 f"/c/{c}/decisions/{meeting['hostile']}/", f"/c/{c}/decisions/{meeting['hostile']}/?a=1&b=1",
                 f"{path}/minutes", f"/c/{c}/logbook/", f"/c/{c}/logbook/?q=buurtbank", "/you", "/you/data"):
        anna.visit(page)
    anna.visit(f"/c/{c}/proposals/{2**31 - 1}/", status=404)
    anna.visit(f"{path}/", live=True)  # the console

    projector = Watched(browser, room, "Anna", viewport={"width": 1920, "height": 1080})
    projector.visit(f"{path}/projector", live=True)
    expect(projector.view.page.locator("svg.qr")).to_be_visible()

    joost = Watched(browser, room, "Joost", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    joost.visit(f"{path}/join")
    joost.visit(f"{path}/", live=True)
    # Joost answers on his phone; the console and the projector swap in what changed, all live.
    version = int(anna.view.page.locator("#kring").get_attribute("data-version"))
    joost.view.page.locator("#speak-text").fill("Ⓚ<script>alert(5)</script> " + RLO + "om")
    joost.view.page.locator("#do-speak").click()
    for watched in (joost, anna, projector):
        expect(watched.view.page.locator("#kring")).not_to_have_attribute("data-version", str(version))
        expect(watched.view.page.locator("#contributions-list")).to_contain_text("alert(5)")
        watched.settle("the meeting, after an answer")
    for watched in (anna, projector, joost):
        watched.close()


def test_the_policy_refuses_inline_script_and_style(playwright_chromium, room: Room, meeting: dict) -> None:
    """The page is Kring's, live; what an injection would add is refused and reported."""
    _, browser = playwright_chromium
    joost = Watched(browser, room, "Joost")
    joost.visit(f"{meeting['path']}/", live=True)
    page = joost.view.page
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.kringInjected = true";
        document.body.append(script);
        const styled = document.createElement("p");
        styled.setAttribute("style", "color: red");
        styled.textContent = "styled";
        document.body.append(styled);
        const handler = document.createElement("img");
        handler.setAttribute("onerror", "window.kringHandled = true");
        handler.src = "data:,";
        document.body.append(handler);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.kringInjected") is None and page.evaluate("window.kringHandled") is None
    seen = page.evaluate("window.kringViolations")
    assert any(v.startswith("script-src-elem inline") for v in seen), seen
    assert any(v.startswith("style-src-attr inline") for v in seen), seen
    assert any(v.startswith("script-src-attr inline") for v in seen), seen
    assert page.locator("p:text('styled')").evaluate("(el) => getComputedStyle(el).color") != "rgb(255, 0, 0)"
    framed = page.evaluate("""async (url) => (await fetch(url)).headers.get("content-security-policy")""",
                           room.server.url + "/sign-in")
    assert "frame-ancestors 'none'" in framed
    joost.view.close()


def left_to_right(page, selector: str, word: str) -> float:
    """How far right the last letter of `word` stands of its first, in the element: > 0 when it reads left to right."""
    return page.evaluate("""([selector, word]) => {
        const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, at + 1);
            const first = range.getBoundingClientRect().left;
            range.setStart(node, at + word.length - 1); range.setEnd(node, at + word.length);
            return range.getBoundingClientRect().left - first;
        }
        return null;
    }""", [selector, word])


def test_a_right_to_left_override_in_a_title_reverses_none_of_krings_words(playwright_chromium, room: Room,
                                                                         meeting: dict) -> None:
    """On the agenda the adopted item reads `<title> · Aangenomen`: the title's override stops at the title."""
    _, browser = playwright_chromium
    anna = Watched(browser, room, "Anna", viewport={"width": 1280, "height": 800})
    anna.visit(f"{meeting['path']}/", live=True)
    page, adopted = anna.view.page, nl("Adopted").split()[-1]  # "genomen", of "Besluit genomen"
    assert left_to_right(page, "#meeting-agenda", "omgekeerd") < 0  # the override works, inside the title
    assert left_to_right(page, "#meeting-agenda", adopted) > 0  # and reaches no further
    # The same words after the same title, not isolated, do turn around: the measure sees it.
    page.evaluate("""([title, word]) => {
        const p = document.createElement("p");
        p.id = "not-isolated";
        p.textContent = title + " · " + word;
        document.querySelector("#meeting-agenda").append(p);
    }""", [HOSTILE_TITLE, adopted])
    assert left_to_right(page, "#not-isolated", adopted) < 0
    anna.settle("the agenda")
    anna.close()
