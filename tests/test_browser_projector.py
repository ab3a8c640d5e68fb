"""The projector in real Chromium: one screenful for the room, never a scrollbar, the way to join always there.

A 1920x1080 beamer (and a 1280x720 one) follows a meeting through its states:
planned, open before the first round (the join code large on the left), a
round in turn, an open round with eight long answers, a consent round whose
answers show at the end, an objection standing, the decision, the next item.
In each the page fits the screen without scrolling, nothing in it scrolls,
and the QR code and the join link are wholly on screen.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Room,
    View,
    draft,
    expect,
    nl,
    open_room,
    playwright_chromium,
    screen,
)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
TEXT = ("We zetten plantenbakken rond de vier ondergrondse afvalcontainers aan de Javastraat. Bewoners van de "
        "straat kiezen samen de planten en geven om beurten water, ook in de zomervakantie. De gemeente levert "
        "de bakken; de groencommissie zorgt voor aarde en planten.")


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {"Kernteam-overleg van november": [
        ("Aylin", draft("Afvalcontainers in de Javastraat vergroenen met plantenbakken", TEXT,
                        background="Rond de containers ligt vaak zwerfafval. Waar het groen is, laten mensen "
                                   "minder rommel achter.",
                        success_criteria="Na drie maanden ligt er minder afval rond de containers.",
                        carried_out_by="Aylin en Kees, met de groencommissie")),
        ("Kees", draft("Een buurtbank bij de speeltuin")),
    ]})


def fits(view: View, state: str, join_large: bool) -> None:
    """One screenful: no scrolling, nothing scrolls, the join code and link wholly on screen."""
    page = view.page
    size = page.evaluate("""() => {
        const d = document.documentElement, b = document.body;
        const scrolling = [...document.querySelectorAll("*")].filter((el) => {
            const c = getComputedStyle(el);
            return (/(auto|scroll)/.test(c.overflowY) && el.scrollHeight > el.clientHeight + 1)
                || (/(auto|scroll)/.test(c.overflowX) && el.scrollWidth > el.clientWidth + 1);
        }).map((el) => el.id || el.className || el.tagName);
        return {width: innerWidth, height: innerHeight, scrollWidth: Math.max(d.scrollWidth, b.scrollWidth),
                scrollHeight: Math.max(d.scrollHeight, b.scrollHeight), scrolling};
    }""")
    where = f"{view.name}, {state}"
    assert size["scrollHeight"] <= size["height"], f"{where}: the page scrolls ({size})"
    assert size["scrollWidth"] <= size["width"], f"{where}: the page scrolls sideways ({size})"
    assert size["scrolling"] == [], f"{where}: these scroll: {size['scrolling']}"
    for selector in ("svg.qr", ".pj-join .short-link", "#join-title"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, f"{where}: {selector} at {box}"
        assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"], \
            f"{where}: {selector} runs off the screen: {box}"
    qr = page.locator("svg.qr").bounding_box()
    if join_large:  # before the first round people are still joining: the code takes the left side, large
        assert qr["height"] >= 0.4 * size["height"], f"{where}: the QR code is {qr['height']:.0f}px high"
        assert qr["x"] + qr["width"] <= size["width"] / 2, f"{where}: the QR code belongs on the left: {qr}"
    else:
        assert qr["height"] >= 0.1 * size["height"], f"{where}: the QR code is {qr['height']:.0f}px high"
    for selector in ("#ring svg", "#round-speaker .speaker", "#meeting-outcome .outcome", "#meeting-round .question"):
        element = page.locator(selector)
        if element.count():
            box = element.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5, \
                f"{where}: {selector} is cut off: {box}"


def test_the_projector_fits_its_screen_in_every_state(playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    server, seeded = room.server, room.seeded
    meeting = room.meetings["Kernteam-overleg van november"]
    greening, bench = meeting.proposals
    path = room.path("Kernteam-overleg van november") + "projector"
    beamers = [screen(browser, server, seeded, "Anna", path, f"projector {w}x{h}", viewport={"width": w, "height": h})
               for w, h in ((1920, 1080), (1280, 720))]
    steer = room.steer("Kernteam-overleg van november")

    def look(state: str, join_large: bool = False) -> None:
        version = room.version("Kernteam-overleg van november")
        for view in beamers:
            view.at(version)
            fits(view, state, join_large)

    for view in beamers:
        view.stay()
        expect(view.page.locator("#meeting-round")).to_contain_text(nl("The meeting has not started yet."))
    look("planned", join_large=True)

    steer("open_meeting")
    steer.present(*EVERYONE[:5])
    for view in beamers:
        expect(view.page.locator("#meeting-round .now-about")).to_be_visible()
    look("open, before the first round", join_large=True)

    steer.present(*EVERYONE[5:])
    steer.round("picture_forming", starter="Joost", proposal=greening)
    for name in ("Joost", "Aylin", "Kees"):
        steer.answer(name, "speak", f"{name} vraagt wie er water geeft in de zomer, en wat de bakken kosten.")
    for view in beamers:
        expect(view.page.locator("#round-speaker")).to_contain_text("Samira")
    look("a round in turn, Samira's turn")
    for name in ("Samira", "Dewi", "Mohamed", "Anna", "Fatima"):
        steer.answer(name, "speak", f"{name} vraagt wie er water geeft in de zomer, en wat de bakken kosten.")
    steer("close_round")

    steer.round("opinion_forming", mode="open", proposal=greening)
    for name in EVERYONE:
        steer.answer(name, "speak", f"{name}: een goed plan, als er een waterrooster komt voor de zomer en de "
                                    "bakken stevig genoeg zijn voor de vuilniswagen die er elke week langs moet.")
    for view in beamers:
        expect(view.page.locator("#meeting-contributions li")).to_have_count(8)
    look("an open round with eight long answers")
    steer("close_round")

    steer.round("consent", mode="open", reveal=True, proposal=greening)
    for name in EVERYONE[:5]:
        steer.answer(name, "consent")
    look("a consent round, answers shown at the end")
    steer.answer("Samira", "objection", "Zonder vaste waterploeg verdrogen de planten in de zomer; dan is de "
                                        "straat lelijker dan nu.", workable="Een waterrooster van vier buren.")
    steer.answer("Dewi", "objection", "De bakken staan in de weg van de vuilniswagen.", workable="Kleinere bakken.")
    steer.answer("Mohamed", "consent", "Ik doe mee met water geven.")
    steer("close_round")
    for view in beamers:
        expect(view.page.locator("#meeting-proposal li.objection")).to_have_count(2)
    look("two objections standing")

    steer("amend", proposal_id=greening, title="Afvalcontainers in de Javastraat vergroenen met plantenbakken",
          text=TEXT + " Vier buren maken een waterrooster; de bakken zijn smal genoeg voor de vuilniswagen.",
          note="Waterrooster en smallere bakken (bezwaren van Samira en Dewi).")
    steer.round("consent", mode="open", proposal=greening)
    for name in EVERYONE:
        steer.answer(name, "consent")
    steer("close_round")
    steer("adopt", proposal_id=greening)
    for view in beamers:
        expect(view.page.locator("#meeting-outcome .outcome-adopted")).to_be_visible()
    look("adopted")

    steer("take_up", proposal_id=bench)
    for view in beamers:
        expect(view.page.locator("#meeting-outcome .outcome")).to_have_count(0)
    look("the next item", join_large=True)

    steer.close()
    for view in beamers:
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
        view.close()
