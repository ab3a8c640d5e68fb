"""The facilitator's tools in real Chromium (docs/facilitation.md): what the speaker's phone, the console and
the projector show.

The server's clock stands in the suite's November (tests/days.py) while the browser's is today's: the
countdown counts down on the speaker's phone and on the projector from the server's time, which the
parts carry, not from the phone's. A ready check: the phones get a "Ready" button, the projector and the
phones a mark for everyone present, the console the names of who is not ready yet; a tap moves them.
Nothing breaks the Content-Security-Policy, and no page loads again, until the facilitator hands the
steering over: then the new steerer's phone becomes the console and hers a phone, by themselves.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium, kring: fixtures)
    Steer,
    expect,
    kring,
    meeting_path,
    nl,
    phone_options,
    playwright_chromium,
    screen,
)

pytestmark = pytest.mark.browser

PRESENT = ("Anna", "Fatima", "Joost", "Aylin", "Kees")


def seconds_left(view) -> int:
    """The countdown's digits on a page, in seconds."""
    minutes, seconds = view.page.locator("#round-speaker [data-left]").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


def test_the_countdown_and_the_ready_marks_on_phone_console_and_projector(playwright_chromium, kring) -> None:
    p, browser = playwright_chromium
    server, seeded = kring
    path = meeting_path(seeded, seeded.meeting)
    steer = Steer(server, seeded, seeded.meeting)
    steer("open_meeting")
    steer.present(*PRESENT)
    joost = screen(browser, server, seeded, "Joost", path, "Joost's phone", **phone_options(p, "Pixel 7"))
    console = screen(browser, server, seeded, "Anna", path, "Anna's console", viewport={"width": 1280, "height": 800})
    projector = screen(browser, server, seeded, "Fatima", path + "projector", "the projector",
                       viewport={"width": 1280, "height": 720})
    views = (joost, console, projector)
    for view in views:
        view.stay()

    # Ninety seconds a turn; the opening round starts with Joost.
    steer("set_turn_time", seconds=90)
    steer.round("opening", starter="Joost")
    first = {}
    for view in (joost, projector):
        view.at(steer.version)
        countdown = view.page.locator("#round-speaker .countdown")
        expect(countdown).to_be_visible()
        first[view.name] = seconds_left(view)
        assert 80 <= first[view.name] <= 90, f"{view.name}: {first[view.name]} s left, from the phone's clock?"
    expect(joost.page.locator("#round-speaker .speaker[data-if=my-turn]")).to_be_visible()
    time.sleep(2.2)
    for view in (joost, projector):
        later = seconds_left(view)
        assert 75 <= later < first[view.name], f"{view.name}: {later} s left after {first[view.name]}: it stands still"
        expect(view.page.locator("#round-speaker [data-time-up]")).to_be_hidden()
    before = seconds_left(joost)
    time.sleep(1.2)
    assert seconds_left(joost) < before, "the digits change every second"
    steer.answer("Joost", "speak", "Fijn dat we er zijn.")
    for view in (joost, projector):
        view.at(steer.version)
        expect(view.page.locator("#round-speaker")).to_contain_text("Aylin")
        assert 80 <= seconds_left(view) <= 90, f"{view.name}: Aylin's turn starts with her own time"
    steer.close()  # (the steps below come from the pages themselves)

    # A ready check, asked from the console.
    console.live()
    console.page.locator("#do-close_round").click()
    expect(console.page.locator("#do-close_round")).to_have_count(0)  # the round closed: the controls anew
    console.page.locator("#do-ask_ready").click()
    for view in views:
        expect(view.page.locator(".ready-check")).to_be_visible()
    version = server.meeting_version(seeded.meeting)
    not_ready = console.page.locator("#not-ready")
    for name in PRESENT:
        expect(not_ready).to_contain_text(name)
    joost_mark = f"#ready-{seeded.members['Joost']}"
    for view in (joost, projector):
        expect(view.page.locator(joost_mark)).to_have_class(re.compile(r"\bnot-ready\b"))
        expect(view.page.locator(joost_mark)).to_contain_text(nl("not ready yet"))
    ready_button = joost.page.locator(".my-ready #do-mark_ready")
    expect(ready_button).to_be_visible()
    expect(projector.page.locator("#do-mark_ready")).to_have_count(0)  # the projector only shows

    joost.live()
    ready_button.click()
    version = version + 1
    for view in views:
        view.at(version)
    for view in (joost, projector, console):
        expect(view.page.locator(joost_mark)).to_have_class(re.compile(r"(^|\s)ready\b"))
        expect(view.page.locator(joost_mark)).to_contain_text("✓")
    expect(ready_button).to_be_hidden()
    expect(not_ready).not_to_contain_text("Joost")
    for name in ("Anna", "Fatima", "Aylin", "Kees"):
        expect(not_ready).to_contain_text(name)
    expect(projector.page.locator("#ready-count")).to_contain_text(nl("%(done)s of %(all)s are ready.", done=1, all=5))

    for view in views:
        assert view.stayed(), f"{view.name} loaded again"
        assert view.errors == [], f"{view.name}: {view.errors}"

    # Anna hands the steering to Joost: his phone becomes the console, her console a phone, by themselves.
    console.page.locator("#do-hand_over-ask").click()
    console.page.locator("#hand-over-member").select_option(str(seeded.members["Joost"]))
    console.page.locator("#do-hand_over").click()
    expect(joost.page.locator("#meeting-steer")).to_be_visible()
    expect(joost.page.locator("#kring")).to_have_attribute("data-view", "console")
    expect(console.page.locator("#meeting-steer")).to_have_count(0)
    expect(console.page.locator("#kring")).to_have_attribute("data-view", "phone")
    expect(projector.page.locator("#meeting-facilitation .steered-by")).to_contain_text("Joost")
    assert projector.stayed(), "the projector loaded again"
    for view in views:
        assert view.errors == [], f"{view.name}: {view.errors}"
        view.close()
