"""What a screen reader hears of the live meeting, in real Chromium: one polite region, once per change.

docs/live-page.md, "What a screen reader hears": the page's one live region,
`#kring-notice`, says who speaks now when that changes ("your turn" on that
person's own phone instead), how a round came out when it ends, and what became
of the proposal; the server draws each text (`data-say`), translated. Nothing is
said for a redraw of the same state, and no part the room is sent is a live
region of its own. The ring has a text equivalent: a list of who sits where and
how they stand.

Aylin follows on her phone (Pixel 7) and Anna on the console; every text the
region takes is recorded by a MutationObserver, so a message said twice, or
said where nothing changed, shows as a list longer than expected. Anna's own
socket (`Steer`) steers; the pages follow live.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    _CATALOGUE,
    Room,
    View,
    draft,
    expect,
    nl,
    open_room,
    phone_options,
    playwright_chromium,
    screen,
)
from tests.test_browser_parts import PARTS

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
#: In turn from Joost, clockwise.
FROM_JOOST = ("Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed", "Anna", "Fatima")
BAKKEN, BANK = "Afvalcontainers vergroenen", "Een buurtbank bij de speeltuin"

#: Records each text the live region takes, from the moment it is installed.
LISTEN = """() => {
  window.kringHeard = [];
  const notice = document.getElementById("kring-notice");
  new MutationObserver((records) => { for (const _ of records) window.kringHeard.push(notice.textContent); })
    .observe(notice, { childList: true, characterData: true, subtree: true });
}"""


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {"announce": [("Aylin", draft(BAKKEN)), ("Kees", draft(BANK))]})


def isolated(text: str) -> str:
    """Text from people as the server puts it beside its own words in plain text (circle/text.py)."""
    return f"\u2068{text}\u2069"


def listen(view: View) -> View:
    view.page.evaluate(LISTEN)
    return view


def heard(view: View) -> list[str]:
    return view.page.evaluate("window.kringHeard")


def no_live_region_in_parts(view: View) -> None:
    """The parts are drawn anew with every change: none may be (or hold) a live region; the page's own
    regions (connection, error, notice) stay in its head."""
    for part in PARTS:
        inside = view.page.locator(f"#{part}, #{part} *").and_(
            view.page.locator("[role=status], [role=alert], [role=log], [aria-live]"))
        assert inside.count() == 0, f"a live region in #{part} on {view.name}"
    regions = view.page.locator("[role=status], [role=alert], [aria-live]")
    assert regions.evaluate_all("(els) => els.map((el) => el.id)") == ["kring-conn", "kring-error", "kring-notice"]


def test_the_live_region_says_each_change_once_and_a_redraw_of_the_same_says_nothing(
        playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    server, seeded = room.server, room.seeded
    bakken, bank = room.meetings["announce"].proposals
    steer = room.steer("announce")
    steer("open_meeting")
    steer.present(*EVERYONE)
    aylin = listen(screen(browser, server, seeded, "Aylin", room.path("announce"), "Aylin's phone",
                          **phone_options(p, "Pixel 7")))
    aylin.stay()
    screens = [aylin]
    said = {"Aylin's phone": [], "console": []}

    def hears(*texts: str) -> None:
        """Every screen shows the latest version, and its region has said exactly `texts` more."""
        for view in screens:
            view.at(room.version("announce"))
            said[view.name] += texts
            assert heard(view) == said[view.name], view.name

    now_speaking = lambda name: nl("Now speaking: %(name)s", name=isolated(name))  # noqa: E731

    steer.round("picture_forming", starter="Joost", proposal=bakken)
    hears(now_speaking("Joost"))
    expect(aylin.page.locator("#kring-notice")).to_have_text(now_speaking("Joost"))
    no_live_region_in_parts(aylin)

    # Whoever steers goes and comes back: each time every page is sent its whole parts again, the same
    # state drawn anew. Nothing is said.
    for again in ("went", "came"):
        aylin.page.evaluate("document.getElementById('meeting-round').dataset.before = ''")
        if again == "went":
            steer.close()
        else:
            steer = room.steer("announce")
        expect(aylin.page.locator("#meeting-round[data-before]"), "the round part was drawn anew").to_have_count(0)
        hears()

    anna = listen(screen(browser, server, seeded, "Anna", room.path("announce"), "console",
                         viewport={"width": 1366, "height": 768}))
    anna.stay()
    screens.append(anna)
    hears()  # a first load says nothing: it is all new

    # Aylin's turn: her phone says so, once (not also her name); the console says who speaks.
    steer.answer("Joost", "speak", "Eerst weten wie water geeft.")
    said["Aylin's phone"].append(nl("Your turn!"))
    said["console"].append(now_speaking("Aylin"))
    hears()
    expect(aylin.page.locator("#kring-notice")).to_have_text(nl("Your turn!"))
    no_live_region_in_parts(anna)

    # The ring in words: who sits where, who speaks, who answered how.
    for view in screens:
        ring = view.page.get_by_role("list", name=nl("Speaking order"))
        expect(ring.get_by_role("listitem")).to_have_count(len(FROM_JOOST))
        for i, name in enumerate(FROM_JOOST):
            state = {"Joost": "spoke", "Aylin": "speaking now"}.get(name, "waiting")
            expect(ring.get_by_role("listitem").nth(i)).to_have_text(f"{name}: {nl(state)}")
        expect(view.page.locator("#ring-text li[aria-current=true]")).to_have_text(f"Aylin: {nl('speaking now')}")
        snapshot = view.page.locator("#meeting-round").aria_snapshot()
        assert f"listitem: \"Aylin: {nl('speaking now')}\"" in snapshot or f"listitem: Aylin: {nl('speaking now')}" \
            in snapshot, snapshot  # the list is what assistive technology gets; the drawing is hidden from it
        assert view.page.locator("#ring svg").get_attribute("aria-hidden") == "true"

    steer.answer("Aylin", "pass")
    hears(now_speaking("Kees"))
    steer("close_round")
    hears(nl("Round closed."))

    # An open round: no speaker to announce; another's answer redraws the ring and says nothing.
    steer.round("opinion_forming", mode="open", proposal=bakken)
    hears()
    steer.answer("Joost", "speak", "Goed plan.")
    steer.answer("Kees", "pass")
    hears()
    steer("close_round")
    hears(nl("Round closed."))

    # A consent round with an objection: the round says how many; then the proposal is postponed.
    steer.round("consent", mode="open", proposal=bakken)
    for name in EVERYONE:
        if name == "Joost":
            steer.answer(name, "objection", "De bakken staan de vuilniswagen in de weg.")
        else:
            steer.answer(name, "consent")
    hears()
    for view in screens:
        ring = view.page.get_by_role("list", name=nl("Who is in this round"))
        expect(ring.get_by_role("listitem").filter(has_text="Joost")).to_have_text(f"Joost: {nl('objection')}")
        expect(ring.get_by_role("listitem").filter(has_text="Kees")).to_have_text(f"Kees: {nl('consent')}")
    steer("close_round")
    hears(_CATALOGUE.ngettext("Round closed: %(num)s objection", "Round closed: %(num)s objections", 1) % {"num": 1})
    steer("postpone", proposal_id=bakken)
    hears(nl("Postponed: %(title)s", title=isolated(BAKKEN)))

    # The next proposal: taking it up says nothing; everyone consents; it is decided.
    steer("take_up", proposal_id=bank)
    hears()
    for kind in ("picture_forming", "opinion_forming"):
        steer.round(kind, mode="open", proposal=bank)
        steer("close_round")
    steer.round("consent", mode="open", proposal=bank)
    for name in EVERYONE:
        steer.answer(name, "consent")
    said = {name: said[name] + [nl("Round closed.")] * 2 for name in said}  # the two rounds just closed
    hears()
    steer("close_round")
    hears(nl("Round closed: everyone consents"))
    steer("adopt", proposal_id=bank)
    hears(nl("Decided: %(title)s", title=isolated(BANK)))
    expect(anna.page.locator("#kring-notice")).to_have_text(nl("Decided: %(title)s", title=isolated(BANK)))

    steer.close()
    for view in screens:
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
        view.close()
