"""A member's page takes one answer's changes in the order they were stored, whatever order they come in.

With several server processes joined by a queue (docs/deploy.md), the
answers of one meeting are stored by whichever process holds each phone's
connection, and their `parts` messages can reach a page out of order. The
page holds a message that is ahead of it until the one before it comes, and
asks for what it lacks only when that has not come within a moment
(static/kring.js, `take`; docs/live-page.md). Here the WebSocket of a real
Chromium page is routed through the test (Playwright's `route_web_socket`),
which holds back or drops one answer's message on its way to the page, while
the real server (tests/browser.py: the harness) and the facilitator's own
socket (`Steer`) run the meeting.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Room,
    View,
    draft,
    expect,
    open_room,
    open_view,
    phone_options,
    playwright_chromium,
    sign_in,
)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {
        "held back": [("Aylin", draft("Afvalcontainers vergroenen"))],
        "dropped": [("Aylin", draft("Afvalcontainers vergroenen"))],
    })


def event_of(frame: str | bytes) -> list | None:
    """The Socket.IO event a WebSocket frame carries (`42["name", data]`, an ack id between), or None."""
    found = re.match(r"^42\d*(\[.*)$", frame, re.S) if isinstance(frame, str) else None
    return json.loads(found.group(1)) if found else None


class Relay:
    """The page's WebSocket routed through the test: what it asks is counted, and the next one-answer
    `parts` message can be held back until the one after it has passed (`hold`) or dropped (`drop`)."""

    def __init__(self) -> None:
        self.asked = 0  # `parts` requests the page sent
        self.one_answer: list[int] = []  # versions of one answer's messages, in the order the page got them
        self.next_one: str | None = None  # what to do with the next one answer's message: "hold" or "drop"
        self.held: str | None = None

    def route(self, ws) -> None:
        server = ws.connect_to_server()

        def to_server(frame) -> None:
            event = event_of(frame)
            if event and event[0] == "parts":
                self.asked += 1
            server.send(frame)

        def to_page(frame) -> None:
            event = event_of(frame)
            one_answer = event is not None and event[0] == "parts" and event[1].get("full") is False
            if one_answer and self.next_one is not None:
                what, self.next_one = self.next_one, None
                if what == "hold":
                    self.held = frame
                return
            ws.send(frame)
            if one_answer:
                self.one_answer.append(event[1]["version"])
            if one_answer and self.held is not None:
                held, self.held = self.held, None
                ws.send(held)  # the one before it, late
                self.one_answer.append(event_of(held)[1]["version"])

        ws.on_message(to_server)
        server.on_message(to_page)


def member_page(p, browser, room: Room, meeting: str, relay: Relay) -> View:
    """Joost's phone on the meeting page, its WebSocket through `relay`, live."""
    view = open_view(browser, "Joost's phone (Pixel 7)", **phone_options(p, "Pixel 7"))
    sign_in(view, room.server, room.seeded.tokens["Joost"])
    view.page.route_web_socket(re.compile(r"/socket\.io/"), relay.route)
    view.page.goto(room.server.url + room.path(meeting))
    view.live()
    view.stay()
    return view


def open_round(room: Room, meeting: str):
    """The meeting open, everyone here, an open picture-forming round on its proposal: anyone may answer now."""
    steer = room.steer(meeting)
    steer("open_meeting")
    steer.present(*EVERYONE)
    steer.round("picture_forming", mode="open", proposal=room.meetings[meeting].proposals[0])
    return steer


def said(view: View) -> list[str]:
    return view.page.locator("#contributions-list > li p").all_inner_texts()


def aylin_then_kees(p, browser, room: Room, meeting: str, aylins: str) -> tuple[View, Relay, int, float]:
    """An open round; Aylin answers, then Kees, and Aylin's one-answer message to Joost's page is held back
    until Kees's has passed, or dropped (`aylins`: "hold" or "drop"). The page, once it shows Kees's
    answer; the relay; the `parts` requests the page sent before; and the seconds from Aylin's answer
    stored to the page showing Kees's."""
    relay = Relay()
    steer = open_round(room, meeting)
    joost = member_page(p, browser, room, meeting, relay)
    joost.at(steer.version)
    asked = relay.asked
    relay.next_one = aylins
    steer.answer("Aylin", "speak", "Bakken met lavendel.")
    stored = time.monotonic()
    steer.answer("Kees", "speak", "Wie geeft er water in augustus?")
    joost.at(steer.version)
    took = time.monotonic() - stored
    steer.close()
    assert said(joost) == ["Bakken met lavendel.", "Wie geeft er water in augustus?"]
    assert joost.stayed() and not joost.errors, (joost.loads, joost.errors)
    return joost, relay, asked, took


def test_a_message_ahead_of_the_page_waits_for_the_one_before_it(playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    joost, relay, asked, _ = aylin_then_kees(p, browser, room, "held back", "hold")
    assert relay.one_answer[-1] < relay.one_answer[-2], "the page got Kees's answer before Aylin's"
    expect(joost.page.locator("#seat-%d" % room.seeded.members["Aylin"])).to_have_class(re.compile(r"\bspeak\b"))
    assert relay.asked == asked, "the page asked for its parts although the missing answer came"
    joost.close()


def test_a_message_that_never_comes_is_asked_for_after_a_moment(playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    joost, relay, asked, took = aylin_then_kees(p, browser, room, "dropped", "drop")
    assert took >= 0.4, "the page asked before it waited for the missing answer"
    assert relay.asked == asked + 1
    joost.close()
