"""Kring's languages in a real Chromium on an old, small phone (320 px): the switch with all four
languages fits the header, and in Arabic every page reads right to left without sideways scrolling,
the ring and the projector included (docs/accessibility.md)."""

from __future__ import annotations

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium, kring: fixtures)
    SMALL_PHONE,
    Steer,
    expect,
    kring,
    meeting_path,
    on_first_screen,
    open_view,
    phone_options,
    playwright_chromium,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser

#: How far the page reaches sideways beyond the screen, in CSS pixels (0: no sideways scrolling).
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def header_fits(page) -> None:
    """The header stays one line (as with two languages), and the switch, opened, lists every
    language whole on the screen, each big enough to tap."""
    width = page.viewport_size["width"]
    assert page.locator("header.top").bounding_box()["height"] <= 70
    summary = page.locator(".lang-menu > summary")
    summary.click()
    for button in page.locator("form.lang button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, button.inner_text()
        assert box["height"] >= 44
    assert page.evaluate(OVERFLOW) <= 0
    summary.click()
    expect(page.locator("form.lang")).to_be_hidden()


def choose(page, lang: str) -> None:
    """Open the language switch and pick a language."""
    page.locator(".lang-menu > summary").click()
    page.locator(f'form.lang button[value="{lang}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("lang", ["nl", "ar"])
def test_a_small_phone_in_each_direction(playwright_chromium, kring, lang) -> None:
    _, browser = playwright_chromium
    server, seeded = kring
    view = open_view(browser, "Aylin", **SMALL_PHONE)
    sign_in(view, server, seeded.tokens["Aylin"])
    page = view.page
    choose(page, lang)
    direction = "rtl" if lang == "ar" else "ltr"
    path = meeting_path(seeded, seeded.meeting)
    for url in (f"/c/{seeded.circle}/", path):
        page.goto(server.url + url)
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == direction
        assert page.evaluate(OVERFLOW) <= 0, url
        header_fits(page)
    assert view.errors == []
    view.close()


def ring_labels(view) -> list[tuple[str, float]]:
    """Each name on the ring, with where its label starts across the ring (0: left edge, 1: right)."""
    return view.page.evaluate("""() => {
        const ring = document.querySelector('.ring svg').getBoundingClientRect();
        return [...document.querySelectorAll('.ring svg text.name')].map(t => {
            const box = t.getBoundingClientRect();
            return [t.textContent.trim(), Math.round(100 * (box.left - ring.left) / ring.width) / 100];
        });
    }""")


def test_the_ring_and_the_projector_in_arabic(playwright_chromium, kring) -> None:
    """Arabic mirrors the page around the ring, not the ring: each name sits where it does in Dutch."""
    _, browser = playwright_chromium
    server, seeded = kring
    steer = Steer(server, seeded, seeded.meeting)
    steer("open_meeting")
    steer.present(*seeded.members)
    steer.round("picture_forming", starter="Joost", proposal=seeded.proposal)
    path = meeting_path(seeded, seeded.meeting)
    seen = {}
    for lang, who, where, options in (
        ("nl", "Aylin", path, SMALL_PHONE), ("ar", "Kees", path, SMALL_PHONE),
        ("nl", "Anna", path + "projector", {"viewport": {"width": 1280, "height": 720}}),
        ("ar", "Fatima", path + "projector", {"viewport": {"width": 1280, "height": 720}}),
    ):
        view = open_view(browser, who, **options)
        sign_in(view, server, seeded.tokens[who])
        choose(view.page, lang)
        view.page.goto(server.url + where)
        expect(view.page.locator(".ring svg text.name").first).to_be_visible()
        assert view.page.evaluate("getComputedStyle(document.documentElement).direction") == (
            "rtl" if lang == "ar" else "ltr")
        assert view.page.evaluate(OVERFLOW) <= 0, (lang, where)
        seen[lang, where] = ring_labels(view)
        assert view.errors == []
        view.close()
    steer.close()
    for where in (path, path + "projector"):
        assert len(seen["ar", where]) >= 8
        assert seen["ar", where] == seen["nl", where]


def test_a_members_phone_in_dutch_and_in_arabic(playwright_chromium, kring) -> None:
    """The consent round on a member's phone in Dutch and in Arabic: the same screen mirrored, the two
    answers on the first screen in both. The README's pictures of a member's screen come from here."""
    p, browser = playwright_chromium
    server, seeded = kring
    steer = Steer(server, seeded, seeded.meeting)
    steer("open_meeting")
    steer.present(*seeded.members)
    for kind in ("picture_forming", "opinion_forming"):
        steer.round(kind, mode="open", proposal=seeded.proposal)
        steer("close_round")
    steer.round("consent", mode="open", proposal=seeded.proposal)
    steer.answer("Aylin", "consent")
    steer.answer("Joost", "objection", "De bakken staan in de looproute van de rolstoelen.")
    for lang, who in (("nl", "Kees"), ("ar", "Samira")):
        view = open_view(browser, who, **phone_options(p, "Pixel 7"))
        sign_in(view, server, seeded.tokens[who])
        choose(view.page, lang)
        view.page.goto(server.url + meeting_path(seeded, seeded.meeting))
        view.live()
        assert view.page.evaluate("getComputedStyle(document.documentElement).direction") == (
            "rtl" if lang == "ar" else "ltr")
        on_first_screen(view, "#do-consent", "#meeting-answer details.objection-box > summary", tap=True)
        assert view.page.evaluate(OVERFLOW) <= 0, lang
        shoot(view, f"member-{lang}.png", down_to="#meeting-answer")
        assert view.errors == []
        view.close()
    steer.close()
