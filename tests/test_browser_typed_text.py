"""What a member types on their phone is never lost (docs/accessibility.md, "Old phones and poor networks").

Real Chromium on an old small phone (320x568) against the real server: text
typed before the page's script has arrived (a slow network), text typed while
others' answers redraw the round, a page reloaded or a tab closed and opened
again halfway through an answer, and text left unsent when the round closes:
each time the words come back, and the one answer that is sent is stored once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    SMALL_PHONE,
    Room,
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


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {"typing": [("Aylin", draft("Afvalcontainers vergroenen"))]})


def test_what_a_member_types_comes_back_after_a_slow_load_a_redraw_a_reload_and_a_closed_round(
        playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    server, seeded, meeting = room.server, room.seeded, room.meetings["typing"]
    steer = room.steer("typing")
    path = room.path("typing")

    def stored(name: str) -> list[tuple]:
        return server.query("SELECT c.answer, c.text FROM contribution c JOIN round r ON r.id = c.round_id "
                            "WHERE r.meeting_id = ? AND c.member_id = ?", meeting.meeting, seeded.members[name])

    steer("open_meeting")
    steer.present(*EVERYONE)
    steer.round("picture_forming", mode="open", proposal=meeting.proposals[0])

    # A slow network: the page is there, its script is not yet. Joost starts typing at once.
    joost = open_view(browser, "Joost's phone", **SMALL_PHONE)
    sign_in(joost, server, seeded.tokens["Joost"])
    arrived: list = []
    joost.page.route("**/static/kring.js*", lambda route: arrived.append(route))
    joost.page.goto(server.url + path, wait_until="commit")  # the page's load waits for its script
    box = joost.page.locator("#speak-text")
    first = "Wie betaalt de plantenbakken, "
    box.fill(first)
    assert arrived, "the script was held back"
    joost.page.unroute("**/static/kring.js*")  # lets the held request go on
    joost.live()
    expect(box).to_have_value(first)

    # Others answer meanwhile: the round is redrawn around him; he types on.
    for name in ("Kees", "Samira", "Dewi"):
        steer.answer(name, "speak", f"{name} zegt iets.")
    joost.at(room.version("typing"))
    box.press_sequentially("de gemeente of wij?")
    said = first + "de gemeente of wij?"
    expect(box).to_have_value(said)

    # The phone drops the page (a reload, as an old phone does with a tab in the background).
    joost.page.reload()
    joost.live()
    expect(box).to_have_value(said)

    # The tab is closed and the meeting opened again in a new one.
    joost.page.close()
    joost.page = joost.context.new_page()
    joost.page.on("pageerror", lambda error: joost.errors.append(str(error)))
    joost.page.goto(server.url + path)
    joost.live()
    box = joost.page.locator("#speak-text")
    expect(box).to_have_value(said)
    joost.page.locator("#do-speak").click()
    expect(box).to_have_value("")
    assert stored("Joost") == [("speak", said)]

    # An opinion round: Joost types, and the round closes before he sends it. His words are shown.
    steer("close_round")
    steer.round("opinion_forming", mode="open", proposal=meeting.proposals[0])
    joost.at(room.version("typing"))
    unsent = "Goed plan, als de buren meedoen."
    joost.page.locator("#speak-text").fill(unsent)
    steer("close_round")
    joost.at(room.version("typing"))
    shown = joost.page.locator("#kring-unsent")
    expect(shown).to_be_visible()
    expect(shown.locator("[data-unsent-text]")).to_have_text(unsent)
    expect(shown.locator("[data-unsent-why]")).to_have_text(
        nl("The round closed before you sent this. Here is what you typed."))
    # ... also after a reload, until he says he is done with it.
    joost.page.reload()
    joost.live()
    expect(shown.locator("[data-unsent-text]")).to_have_text(unsent)
    shown.locator("[data-unsent-dismiss]").click()
    expect(shown).to_be_hidden()
    assert stored("Joost") == [("speak", said)], "nothing was sent that he did not send"
    assert not joost.errors, joost.errors
    joost.close()
    steer.close()
