"""The live meeting by keyboard alone, in real Chromium: Tab, Shift+Tab, Enter, Space, the arrow keys and typing.

No click and no mouse: every control is reached with Tab (`tab_to`), shows
where the focus is (an outline or ring on `:focus-visible`, read from the
computed style), and works with Enter or Space. Tab goes round the whole page
and comes back to where it started (no keyboard trap), passing every control
that can be seen. A live update never moves the focus: the control being used
keeps it, and what was typed stays (docs/live-page.md, "What a screen reader
hears").

- Aylin, a member, says she is here and answers in every kind of round: a
  picture-forming round in turn, an opinion round, a consent round with an
  objection and its reasons, and one with consent and a remark.
- In an election she nominates, keeps her nomination in the change round, and
  consents to the person proposed (the `election` fixture of
  tests/test_browser_election.py).
- Anna, the facilitator, steers a whole meeting from the console: opens it,
  marks who is here, takes up the proposal, has it explained, starts and closes
  each round, records an answer for a member, adopts it and closes the meeting.

Whoever else answers or steers does so over Anna's own socket (`Steer`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Room,
    Steer,
    View,
    draft,
    expect,
    meeting_path,
    nl,
    open_room,
    playwright_chromium,
    screen,
)
from tests.test_browser_election import NOMINATIONS, SEAT_ORDER, election  # noqa: F401  (election: a fixture)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
LAPTOP = {"width": 1280, "height": 800}

#: What the focused element is, for a message: its id, else its tag, class and first words.
FOCUSED = """() => { const el = document.activeElement;
  return el === document.body || !el ? "(body)"
    : el.id || `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent || "").trim().slice(0, 30)}`; }"""

#: Every control a person can see and reach with Tab now, in the same words as FOCUSED.
TABBABLE = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
  .filter((el) => !el.disabled && el.checkVisibility() && el.getClientRects().length)
  .map((el) => el.id || `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent || "").trim().slice(0, 30)}`)"""


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {
        "member": [("Kees", draft("Een buurtbank bij de speeltuin")), ("Joost", draft("Een kerstboom op het plein"))],
        "console": [("Kees", draft("Een buurtbank bij de speeltuin")), ("Aylin", draft("Afvalcontainers vergroenen"))],
    })


def focused(page) -> str:
    return page.evaluate(FOCUSED)


def tab_to(page, selector: str, most: int = 150) -> None:
    """Press Tab until the element `selector` has the focus; fail with the way Tab went if it never gets it.

    Once there, the focus must show: `:focus-visible` matches, with an outline or a ring in its computed style.
    """
    target = page.locator(selector)
    expect(target, f"{selector} to tab to").to_be_visible()
    went = []
    for _ in range(most):
        if target.evaluate("(el) => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
        went.append(focused(page))
    else:
        pytest.fail(f"Tab never reached {selector} in {most} presses; it went: {went}")
    style = target.evaluate("""(el) => { const c = getComputedStyle(el);
        return {visible: el.matches(":focus-visible"), outline: c.outlineStyle, width: parseFloat(c.outlineWidth),
                shadow: c.boxShadow}; }""")
    assert style["visible"], f"{selector} has the focus but not :focus-visible"
    assert (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none", \
        f"the focus on {selector} does not show: {style}"


def press(page, selector: str, key: str = "Enter") -> None:
    """Tab to a control and use it with a key."""
    tab_to(page, selector)
    page.keyboard.press(key)


def choose(page, selector: str, value: str) -> None:
    """Tab to a select and move its choice with the arrow keys until it holds `value`."""
    tab_to(page, selector)
    select = page.locator(selector)
    values = select.evaluate("(el) => [...el.options].map((o) => o.value)")
    assert value in values, (selector, value, values)
    key = "ArrowDown" if values.index(value) > values.index(select.input_value()) else "ArrowUp"
    for _ in range(len(values)):
        if select.input_value() == value:
            return
        page.keyboard.press(key)
    assert select.input_value() == value, f"the arrow keys did not choose {value} in {selector}"


def round_trip(view: View) -> None:
    """Tab goes round the whole page: past every control that can be seen, and back to where it started
    (no trap). Shift+Tab goes back from there too."""
    page = view.page
    start = focused(page)
    went = []
    for _ in range(300):
        page.keyboard.press("Tab")
        went.append(focused(page))
        if went[-1] == start:
            break
    else:
        pytest.fail(f"{view.name}: Tab never came back to {start}: {went}")
    missed = [el for el in page.evaluate(TABBABLE) if el not in went]
    assert not missed, f"{view.name}: Tab never reached {missed}; it went {went}"
    page.keyboard.press("Shift+Tab")
    assert focused(page) == (went[-2] if len(went) > 1 else start), f"{view.name}: Shift+Tab does not go back"
    page.keyboard.press("Tab")


def kept_across(view: View, part: str, change, selector: str, typed: str = "") -> None:
    """While `selector` has the focus (and, when given, holds `typed`), another person's step (`change`)
    redraws `part`: the same control keeps the focus and the text, and nothing scrolled."""
    page = view.page
    page.evaluate(f"document.getElementById('{part}').dataset.before = ''")
    at = page.evaluate("window.scrollY")
    change()
    expect(page.locator(f"#{part}[data-before]"), f"#{part} drawn anew").to_have_count(0)
    assert page.locator(selector).evaluate("(el) => el === document.activeElement"), \
        f"{view.name}: the focus went from {selector} to {focused(page)}"
    if typed:
        expect(page.locator(selector)).to_have_value(typed)
    assert page.evaluate("window.scrollY") == at, "a live update scrolled the page"


def done(*views: View) -> None:
    for view in views:
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
        view.close()


def test_a_member_answers_every_kind_of_round_by_keyboard(playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    server, ids = room.server, room.seeded.members
    bench, tree = room.meetings["member"].proposals
    steer = room.steer("member")
    steer("open_meeting")
    steer.present(*(name for name in EVERYONE if name != "Aylin"))
    aylin = screen(browser, server, room.seeded, "Aylin", room.path("member"), "Aylin's laptop", viewport=LAPTOP)
    aylin.stay()
    page = aylin.page

    def answer(key: str = "Enter", button: str = "#do-speak") -> None:
        """Use the answer's button with `key`; wait until the page shows the answer stored."""
        before = room.version("member")
        press(page, button, key)
        expect(page.locator("#meeting-answer [data-if=answered]")).to_be_visible()
        assert room.version("member") > before

    def everyone_else(answer: str, but: tuple[str, ...] = ("Aylin",)) -> None:
        for name in EVERYONE:
            if name not in but:
                steer.answer(name, answer)

    press(page, "#do-mark_attendance")  # "I am here"
    expect(page.locator("#meeting-answer .i-am-here")).to_be_hidden()
    assert server.query("SELECT present FROM attendance WHERE meeting_id = ? AND member_id = ?",
                        room.meetings["member"].meeting, ids["Aylin"]) == [(1,)]

    # A picture-forming round in turn, from Aylin (Send with Enter); an opinion round, all at once (with Space).
    for kind, mode, said, key in (("picture_forming", "in_turn", "Waar komt de bank precies?", "Enter"),
                                  ("opinion_forming", "open", "Goed idee, met een prullenbak erbij.", "Space")):
        steer.round(kind, mode=mode, starter="Aylin", proposal=bench)
        aylin.at(steer.version)
        tab_to(page, "#speak-text")
        page.keyboard.type(said)
        answer(key)
        steer("close_round")

    # A consent round: Aylin objects, with her reasons. While she types, Joost's objection redraws the page.
    steer.round("consent", mode="open", proposal=bench)
    aylin.at(steer.version)
    press(page, "#meeting-answer details.objection-box > summary")
    expect(page.locator("#objection-text")).to_be_visible()
    tab_to(page, "#objection-text")
    page.keyboard.type("De bank komt op het pad van de brandweer.")
    kept_across(aylin, "meeting-answer", lambda: steer.answer("Joost", "objection", "Te duur."), "#objection-text",
                "De bank komt op het pad van de brandweer.")
    tab_to(page, "#objection-workable")
    page.keyboard.type("Zet hem tien meter verder.")
    answer("Enter", "#do-objection")
    stored = server.query("SELECT c.answer, c.text, o.workable FROM contribution c JOIN objection o "
                          "ON o.contribution_id = c.id WHERE c.member_id = ?", ids["Aylin"])
    assert stored == [("objection", "De bank komt op het pad van de brandweer.", "Zet hem tien meter verder.")]
    everyone_else("consent", but=("Aylin", "Joost"))
    steer("close_round")
    steer("postpone", proposal_id=bench)

    # The next proposal: a consent round, with consent and a remark. A control without an id (the
    # remark's disclosure) keeps the focus across a redraw too.
    steer("take_up", proposal_id=tree)
    for kind in ("picture_forming", "opinion_forming"):
        steer.round(kind, mode="open", proposal=tree)
        steer("close_round")
    steer.round("consent", mode="open", proposal=tree)
    aylin.at(steer.version)
    press(page, "#meeting-answer details.remark > summary")
    kept_across(aylin, "meeting-answer", lambda: steer("mark_attendance", member_id=ids["Mohamed"], present=False),
                "#meeting-answer details.remark > summary")
    expect(page.locator("#consent-text"), "the remark Aylin opened stays open").to_be_visible()
    round_trip(aylin)
    tab_to(page, "#consent-text")
    page.keyboard.type("Graag een echte spar.")
    answer("Space", "#do-consent")
    assert server.query("SELECT answer, text FROM contribution WHERE member_id = ? ORDER BY id DESC LIMIT 1",
                        ids["Aylin"]) == [("consent", "Graag een echte spar.")]
    steer.close()
    done(aylin)


def test_a_member_nominates_keeps_and_consents_in_an_election_by_keyboard(playwright_chromium, election) -> None:
    _, browser = playwright_chromium
    server, seeded, pid = election
    ids = seeded.members
    steer = Steer(server, seeded, seeded.meeting)
    steer("open_meeting")
    steer.present(*SEAT_ORDER)
    steer("take_up", proposal_id=pid)
    aylin = screen(browser, server, seeded, "Aylin", meeting_path(seeded, seeded.meeting), "Aylin's laptop",
                   viewport=LAPTOP)
    aylin.stay()
    page = aylin.page

    steer.round("nomination", mode="open", proposal=pid)
    for name in SEAT_ORDER:
        if name != "Aylin":
            whom, why = NOMINATIONS[name]
            steer.answer(name, "nominate", why, nominee_id=ids[whom])
    aylin.at(steer.version)
    choose(page, "#nominate-whom", str(ids["Fatima"]))
    tab_to(page, "#nominate-text")
    page.keyboard.type(NOMINATIONS["Aylin"][1])
    press(page, "#do-nominate")
    expect(page.locator("#meeting-answer [data-if=answered]")).to_be_visible()
    expect(page.locator("#contributions-list > li")).to_have_count(len(SEAT_ORDER))
    steer("close_round")

    # The change round: Aylin keeps her nomination (stored again), by sending the form as it is.
    steer.round("change_nomination", mode="open", proposal=pid)
    for name in SEAT_ORDER:
        if name != "Aylin":
            steer.answer(name, "nominate")
    aylin.at(steer.version)
    tab_to(page, "#nominate-whom")
    expect(page.locator("#nominate-whom")).to_have_value("")  # "I keep my nomination"
    press(page, "#do-nominate", "Space")
    expect(page.locator("#meeting-answer [data-if=answered]")).to_be_visible()
    steer("close_round")

    # The consent round about Fatima.
    steer("propose_person", proposal_id=pid, nominee_id=ids["Fatima"])
    steer.round("consent", mode="open", proposal=pid)
    aylin.at(steer.version)
    press(page, "#do-consent")
    expect(page.locator("#meeting-answer [data-if=answered]")).to_be_visible()
    rows = server.query("SELECT r.kind, c.answer, c.nominee_id FROM contribution c JOIN round r ON r.id = c.round_id "
                        "WHERE c.member_id = ? ORDER BY c.id", ids["Aylin"])
    assert rows == [("nomination", "nominate", ids["Fatima"]), ("change_nomination", "nominate", ids["Fatima"]),
                    ("consent", "consent", None)], rows
    steer.close()
    done(aylin)


def test_the_facilitator_steers_a_whole_meeting_by_keyboard(playwright_chromium, room: Room) -> None:
    _, browser = playwright_chromium
    server, ids = room.server, room.seeded.members
    _, greening = room.meetings["console"].proposals  # the second on the agenda, taken up first
    steer = room.steer("console")
    anna = screen(browser, server, room.seeded, "Anna", room.path("console"), "console", viewport=LAPTOP)
    anna.stay()
    page = anna.page

    def step(selector: str, key: str = "Enter") -> None:
        """Use a control with a key; the meeting moves on and the console shows it. A control that is still
        there keeps the focus (sending it is no reason to lose it); one that is gone leaves it in its part."""
        before = room.version("console")
        anna.live()
        press(page, selector, key)
        anna.at(before + 1)
        if page.locator(selector).count():
            assert page.locator(selector).evaluate("(el) => el === document.activeElement"), \
                f"after {selector} the focus is on {focused(page)}"
        else:  # its step done, the control is gone: the focus stays in its part, not back at the page's top
            assert page.evaluate("document.activeElement !== document.body"), f"after {selector}: {focused(page)}"

    def phase() -> str:
        return server.query("SELECT phase FROM proposal WHERE id = ?", greening)[0][0]

    def start(kind: str, mode: str) -> None:
        choose(page, "#p-kind", kind)
        choose(page, "#p-mode", mode)
        choose(page, "#p-starter", str(ids["Joost"]))
        step("#do-start_round-p")
        assert server.query("SELECT kind, mode, status FROM round WHERE meeting_id = ? ORDER BY id DESC LIMIT 1",
                            room.meetings["console"].meeting) == [(kind, mode, "open")]

    step("#do-open_meeting")
    for name in EVERYONE:  # Anna marks everyone present, each with the keyboard
        step(f"#do-mark_attendance-{ids[name]}", "Space" if name == "Kees" else "Enter")
    step(f"#do-take_up-{greening}")
    step("#do-start_explanation")
    assert phase() == "explanation"

    start("picture_forming", "in_turn")
    # Anna records Joost's answer (his turn): who, the text, Send.
    choose(page, "#speak-member", str(ids["Joost"]))
    tab_to(page, "#speak-text")
    page.keyboard.type("Joost vraagt wie de planten water geeft.")
    kept_across(anna, "meeting-answer", lambda: steer("set_turn_time", seconds=120), "#speak-text",
                "Joost vraagt wie de planten water geeft.")
    step("#do-speak")
    assert server.query("SELECT c.text FROM contribution c JOIN round r ON r.id = c.round_id "
                        "WHERE c.member_id = ? AND r.meeting_id = ?", ids["Joost"], room.meetings["console"].meeting) \
        == [("Joost vraagt wie de planten water geeft.",)]
    round_trip(anna)
    step("#do-close_round")

    start("opinion_forming", "open")
    tab_to(page, "#do-close_round")
    kept_across(anna, "meeting-steer", lambda: steer.answer("Kees", "speak", "Mooi."), "#do-close_round")
    step("#do-close_round", "Space")

    start("consent", "open")
    for name in EVERYONE:
        steer.answer(name, "consent")
    step("#do-close_round")
    step("#do-adopt")
    assert phase() == "adopted"
    expect(page.locator("#meeting-outcome .outcome-adopted")).to_be_visible()

    press(page, "#do-close_meeting-ask")  # asks first, in the page
    expect(page.locator("#do-close_meeting")).to_be_visible()
    step("#do-close_meeting")
    assert server.query("SELECT status FROM meeting WHERE id = ?", room.meetings["console"].meeting) == [("closed",)]
    steer.close()
    done(anna)
