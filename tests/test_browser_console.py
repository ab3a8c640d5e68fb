"""The facilitator's console on a laptop (1366x768) in real Chromium, while the rest of the room moves on.

- Keyboard focus stays where it was when a live update redraws the controls,
  and so do the text being typed and the choices being made.
- The kind of round and how it goes are remembered, across updates and after
  a round ends.
- "Start round" is on the first screen whenever no round is open.
- A refused step says why, where the facilitator looks, until the meeting moves on.
- The amend page shows the standing objections beside the wording.

One server and one browser for the module (tests/browser.py); each test
has a meeting of its own. Someone else's screen is the facilitator's own socket
(`Steer`), acting as a second facilitator or recording for the members.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Room,
    View,
    draft,
    expect,
    on_first_screen,
    open_room,
    playwright_chromium,
    screen,
)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {
        name: [("Aylin", draft("Afvalcontainers vergroenen", "Plantenbakken rond de containers in de Javastraat."))]
        for name in ("focus", "remember", "start", "amend")
    })


def console(browser, room: Room, meeting: str) -> View:
    view = screen(browser, room.server, room.seeded, "Anna", room.path(meeting), "console", viewport=LAPTOP)
    view.stay()
    return view


def focused(view: View) -> str:
    return view.page.evaluate("document.activeElement?.id || document.activeElement?.tagName")


def done(view: View) -> None:
    assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
    assert not view.errors, f"script errors on {view.name}: {view.errors}"
    view.close()


def test_focus_and_what_is_typed_stay_across_live_updates(playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    ids = room.seeded.members
    steer = room.steer("focus")
    steer("open_meeting")
    steer.present(*EVERYONE[:-1])
    anna = console(browser, room, "focus")
    page = anna.page

    # The round-kind select has the focus; someone marks Mohamed present on another screen.
    page.focus("#p-kind")
    page.keyboard.press("Tab")
    assert focused(anna) == "p-mode"
    steer.present("Mohamed")
    anna.at(steer.version)
    expect(page.locator(f"#person-{ids['Mohamed']}")).to_have_class(re.compile(r"\bpresent\b"))
    assert focused(anna) == "p-mode"
    page.keyboard.press("Tab")  # and the keyboard goes on from there
    assert focused(anna) == "p-starter"

    # A button in the list of who is here keeps it too.
    page.focus(f"#do-mark_attendance-{ids['Kees']}")
    steer("mark_attendance", member_id=ids["Dewi"], present=False)
    anna.at(steer.version)
    assert focused(anna) == f"do-mark_attendance-{ids['Kees']}"

    # In a round: recording for a member while the others' answers come in.
    steer.round("picture_forming", mode="open", proposal=room.meetings["focus"].proposals[0])
    anna.at(steer.version)
    page.locator("#speak-member").select_option(str(ids["Fatima"]))
    page.locator("#speak-text").fill("Fatima vraagt naar de kosten.")
    page.focus("#speak-text")
    steer.answer("Joost", "speak", "Mooi plan.")
    anna.at(steer.version)
    assert focused(anna) == "speak-text"
    expect(page.locator("#speak-text")).to_have_value("Fatima vraagt naar de kosten.")
    expect(page.locator("#speak-member")).to_have_value(str(ids["Fatima"]))
    page.focus("#do-close_round")
    steer.answer("Kees", "pass")
    anna.at(steer.version)
    assert focused(anna) == "do-close_round"

    steer.close()
    done(anna)


def test_the_round_kind_and_mode_are_remembered(playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    steer = room.steer("remember")
    steer("open_meeting")
    steer.present(*EVERYONE)
    anna = console(browser, room, "remember")
    page = anna.page

    def start_and_end_a_round() -> None:
        """Anna starts the round with what is chosen; the other facilitator's screen closes it."""
        before = room.version("remember")
        anna.live()
        page.locator("#do-start_round-p").click()
        anna.at(before + 1)
        expect(page.locator("#do-start_round-p")).to_have_count(0)
        steer("close_round")
        anna.at(steer.version)

    page.locator("#p-mode").select_option("open")
    steer("mark_attendance", member_id=room.seeded.members["Kees"], present=False)  # a live update
    anna.at(steer.version)
    expect(page.locator("#p-mode")).to_have_value("open")
    start_and_end_a_round()
    assert room.server.query("SELECT kind, mode FROM round WHERE meeting_id = ?",
                             room.meetings["remember"].meeting) == [("picture_forming", "open")]
    expect(page.locator("#p-mode")).to_have_value("open")

    page.locator("#p-kind").select_option("opinion_forming")
    steer.present("Kees")
    anna.at(steer.version)
    expect(page.locator("#p-kind")).to_have_value("opinion_forming")
    start_and_end_a_round()
    expect(page.locator("#p-kind")).to_have_value("opinion_forming")
    expect(page.locator("#p-mode")).to_have_value("open")
    assert room.server.query("SELECT kind, mode FROM round WHERE meeting_id = ? ORDER BY number",
                             room.meetings["remember"].meeting) == [("picture_forming", "open"),
                                                                   ("opinion_forming", "open")]
    steer.close()
    done(anna)


def test_start_round_is_on_the_first_screen_and_a_refusal_shows_until_the_meeting_moves_on(
        playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    steer = room.steer("start")
    greening = room.meetings["start"].proposals[0]
    steer("open_meeting")
    anna = console(browser, room, "start")
    anna.at(steer.version)
    expect(anna.page.locator("#do-start_round-p")).to_have_count(0)  # nobody is marked present yet
    steer.present(*EVERYONE)
    anna.at(steer.version)
    on_first_screen(anna, "#do-start_round-p", tap=True)

    # After a round with eight long answers, the ring and what was said fill the left; start is still up.
    steer.round("picture_forming", mode="open", proposal=greening)
    for name in EVERYONE:
        steer.answer(name, "speak", f"{name}: ik vind dat we eerst moeten weten wie de planten water geeft, "
                                    "en wat het de buurt kost, voor we verder gaan.")
    steer("close_round")
    anna.at(steer.version)
    on_first_screen(anna, "#do-start_round-p", tap=True)
    steer.round("opinion_forming", mode="in_turn", proposal=greening)
    steer("close_round")
    anna.at(steer.version)
    on_first_screen(anna, "#do-start_round-p", tap=True)

    # A consent round with answers shown at the end must be open: refused, and said where Anna looks.
    page = anna.page
    page.locator("#p-kind").select_option("consent")
    page.locator("#p-mode").select_option("in_turn")
    page.locator("#p-reveal").check()
    before = room.version("start")
    page.locator("#do-start_round-p").click()
    error = page.locator("#kring-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(error).to_be_in_viewport()
    assert room.version("start") == before
    steer("mark_attendance", member_id=room.seeded.members["Dewi"], present=False)
    anna.at(steer.version)
    expect(error).to_be_hidden()

    steer.close()
    done(anna)


def test_the_amend_page_shows_the_objections_beside_the_wording(playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    steer = room.steer("amend")
    greening = room.meetings["amend"].proposals[0]
    steer("open_meeting")
    steer.present(*EVERYONE)
    steer.round("picture_forming", mode="open", proposal=greening)
    steer("close_round")
    steer.round("opinion_forming", mode="open", proposal=greening)
    steer("close_round")
    steer.round("consent", mode="open", proposal=greening)
    harm = "Zonder vaste waterploeg verdrogen de planten in de zomer."
    for name in EVERYONE:
        if name == "Joost":
            steer.answer(name, "objection", harm, workable="Een waterrooster, ook in de vakanties.")
        elif name == "Kees":
            steer.answer(name, "objection", "De bakken staan in de weg van de vuilniswagen.")
        else:
            steer.answer(name, "consent")
    steer("close_round")
    steer.close()

    anna = console(browser, room, "amend")
    anna.page.locator("#do-amend").click()
    page = anna.page
    wording, objections = page.locator("form.wording"), page.locator("aside.amend-objections")
    expect(objections).to_contain_text(harm)
    expect(objections).to_contain_text("Een waterrooster, ook in de vakanties.")
    expect(objections).to_contain_text("De bakken staan in de weg van de vuilniswagen.")
    expect(objections.locator("li")).to_have_count(2)
    left, right = wording.bounding_box(), objections.bounding_box()
    assert right["x"] >= left["x"] + left["width"], f"side by side: the wording {left}, the objections {right}"
    assert right["y"] < left["y"] + left["height"] and left["y"] < right["y"] + right["height"], (left, right)
    on_first_screen(anna, "aside.amend-objections h2", "form.wording #text")
    expect(page.locator("form.wording #text")).to_have_value("Plantenbakken rond de containers in de Javastraat.")
    assert not anna.errors
    anna.close()
