"""A guest in real Chromium: the facilitator shows the guest link, a phone opens it, and follows live.

The facilitator opens "Guest link" on the console and sees the QR code; a
Pixel 7 opens the link it holds, types a name and taps the one button, and
lands on the meeting page, live. As the meeting moves on (a round opens,
Joost answers) the guest's page follows without reloading, shows what was
said, and never shows a form: no answer box, no "I am here", no step
(docs/membership.md, "Guests"). tests/browser.py is the harness.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import (  # noqa: F401  (kring, playwright_chromium: fixtures)
    Steer,
    expect,
    kring,
    meeting_path,
    nl,
    open_view,
    phone_options,
    playwright_chromium,
    screen,
)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
NAME = "Wijkteam Oost"


def test_a_guest_opens_the_link_gives_a_name_and_follows_live_without_a_control(playwright_chromium, kring):
    p, browser = playwright_chromium
    server, seeded = kring
    steer = Steer(server, seeded, seeded.meeting)
    steer("open_meeting")
    steer.present(*EVERYONE)
    anna = screen(browser, server, seeded, "Anna", meeting_path(seeded, seeded.meeting))
    guest = open_view(browser, "guest", **phone_options(p, "Pixel 7"))
    try:
        expect(anna.page.locator(".guest-qr svg")).to_be_hidden()  # folded away until asked for
        anna.page.locator(".guest-invite summary").click()
        expect(anna.page.locator(".guest-qr svg")).to_be_visible()
        link = anna.page.locator(".guest-url").inner_text()
        assert link.startswith(f"{server.url}/g/")

        guest.page.goto(link)
        expect(guest.page.locator("h1")).to_have_text(nl("Follow as a guest"))
        guest.page.locator("#name").fill(NAME)
        guest.page.locator("main form button[type=submit]").click()
        guest.page.wait_for_url(re.compile(r"/meetings/\d+/$"))
        guest.live()
        guest.stay()
        expect(guest.page.locator("main")).to_contain_text(nl("You follow as a guest."))
        expect(guest.page.locator("#meeting-attendance")).to_contain_text(f"{NAME} · {nl('Guest')}")
        anna.at(steer.version + 1)  # the console heard the guest arrive
        expect(anna.page.locator("#meeting-attendance")).to_contain_text(f"{NAME} · {nl('Guest')}")

        steer.round("opening", mode="open")
        guest.at(steer.version)
        expect(guest.page.locator("#meeting-round")).to_be_visible()
        steer.answer("Joost", "speak", "Goedenavond allemaal.")
        guest.at(steer.version)
        expect(guest.page.locator("#contributions-list")).to_contain_text("Goedenavond allemaal.")
        expect(guest.page.locator("main form:visible")).to_have_count(0)
        expect(guest.page.locator("main button:visible")).to_have_count(0)
        assert guest.stayed(), guest.loads
        assert guest.errors == [] and anna.errors == []
    finally:
        guest.close()
        anna.close()
        steer.close()
