"""A member's phone, built around the moment: real Chromium on an old small phone (320x568) and a Pixel 7.

- When it is your turn, "your turn", the question and the answers are on the
  first screen, without scrolling; the proposal opens in place in the answer box.
- What became of a proposal (adopted, postponed, withdrawn) is announced large
  on every phone and on the projector.
- A step that cannot be undone (postpone, withdraw, close the meeting) asks
  first, in the page; the proposer's withdraw is quiet, at the foot of the proposal.
- An answer that could not be sent before its round closed is kept and shown;
  an error goes once the meeting moves on.

One server and one browser for the module (tests/browser.py: the
harness); each test has a meeting of its own. The facilitator's own socket
(`Steer`) sets each moment up quickly; the pages follow it live.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    SMALL_PHONE,
    Room,
    View,
    draft,
    expect,
    nl,
    on_first_screen,
    open_room,
    phone_options,
    playwright_chromium,
    screen,
)

pytestmark = pytest.mark.browser

EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
GREENING = ("Plantenbakken rond de vier ondergrondse containers in de Javastraat. Bewoners kiezen samen "
            "de planten en geven om beurten water, ook in de zomervakantie.")


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {
        "turns": [("Aylin", draft("Afvalcontainers vergroenen", GREENING))],
        "outcomes": [("Aylin", draft("Afvalcontainers vergroenen", GREENING)),
                     ("Kees", draft("Een buurtbank bij de speeltuin")),
                     ("Joost", draft("Een kerstboom op het plein"))],
        "too late": [("Aylin", draft("Afvalcontainers vergroenen", GREENING))],
    })


def phones(p, browser, room: Room, meeting: str, **who: str) -> dict[str, View]:
    """Each person's phone on the meeting page, live: `small` (320x568) or a device's name."""
    made = {}
    for name, device in who.items():
        options = SMALL_PHONE if device == "small" else phone_options(p, device)
        made[name] = screen(browser, room.server, room.seeded, name, room.path(meeting),
                            f"{name}'s phone ({device})", **options)
        made[name].stay()
    return made


def font_px(view: View, selector: str) -> float:
    return view.page.locator(selector).evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")


def test_your_turn_the_question_and_the_answers_fill_the_first_screen(playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    seeded = room.seeded
    steer = room.steer("turns")
    greening = room.meetings["turns"].proposals[0]
    screens = phones(p, browser, room, "turns", Joost="small", Samira="Pixel 7")
    joost, samira = screens["Joost"], screens["Samira"]

    def everywhere() -> None:
        for view in screens.values():
            view.at(steer.version)

    steer("open_meeting")
    steer.present(*EVERYONE)
    # In turn from Joost: Joost, Aylin, Kees, Samira, Dewi, Mohamed, Anna, Fatima.
    steer.round("picture_forming", starter="Joost", proposal=greening)
    everywhere()
    expect(joost.page.locator("#answer-title")).to_have_text(nl("Your turn!"))
    on_first_screen(joost, "#answer-title", "#meeting-answer .question")
    on_first_screen(joost, "#do-speak", "#do-pass", tap=True)
    expect(samira.page.locator("#meeting-answer [data-if=wait-turn]")).to_be_visible()
    expect(samira.page.locator("#meeting-answer .my-answer")).to_be_hidden()

    # Samira reads further down while she waits; when her turn comes, the page brings her answer box up.
    samira.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    for name in ("Joost", "Aylin", "Kees"):
        steer.answer(name, "speak", f"{name} zegt iets.")
    everywhere()
    expect(samira.page.locator("#answer-title")).to_be_in_viewport()
    on_first_screen(samira, "#answer-title", "#meeting-answer .question")
    on_first_screen(samira, "#do-speak", "#do-pass", tap=True)
    expect(joost.page.locator("#meeting-answer [data-if=answered]")).to_have_text(nl("You have answered. Thank you."))
    steer("close_round")

    # An open round: everyone answers at once. Samira stepped out and comes back late: not in this round,
    # and her phone shows no empty answer box.
    steer("mark_attendance", member_id=seeded.members["Samira"], present=False)
    steer.round("opinion_forming", mode="open", proposal=greening)
    everywhere()
    expect(joost.page.locator("#answer-title")).to_have_text(nl("Your answer"))
    on_first_screen(joost, "#answer-title", "#meeting-answer .question", "#do-speak", "#do-pass")
    on_first_screen(samira, "#meeting-answer .i-am-here button", tap=True)
    expect(samira.page.locator("#meeting-answer .answer")).to_be_hidden()
    steer.present("Samira")
    everywhere()
    expect(samira.page.locator("#meeting-answer .i-am-here")).to_be_hidden()
    expect(samira.page.locator("#meeting-answer .answer")).to_be_hidden()
    steer("close_round")

    # The consent round: consent and objection first; the proposal opens in place, in the answer box.
    steer.round("consent", starter="Joost", proposal=greening)
    everywhere()
    for view in (joost,):
        on_first_screen(view, "#answer-title", "#meeting-answer .question")
        on_first_screen(view, "#meeting-answer details.read-proposal > summary", "#do-consent",
                        "#meeting-answer details.objection-box > summary", tap=True)
    url = joost.page.url
    joost.page.locator("#meeting-answer details.read-proposal > summary").click()
    text = joost.page.locator("#meeting-answer details.read-proposal .proposal-text")
    expect(text).to_be_visible()
    expect(text).to_have_text(GREENING)
    assert joost.page.url == url
    steer.answer("Joost", "consent")
    steer.answer("Aylin", "consent")
    steer.answer("Kees", "consent")
    everywhere()
    on_first_screen(samira, "#answer-title", "#meeting-answer .question")
    on_first_screen(samira, "#meeting-answer details.read-proposal > summary", "#do-consent",
                    "#meeting-answer details.objection-box > summary", tap=True)
    # A remark with consent is there when wanted.
    samira.page.locator("#meeting-answer details.remark > summary").click()
    expect(samira.page.locator("#consent-text")).to_be_visible()

    steer.close()
    for view in screens.values():
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
        view.close()


def test_every_screen_announces_the_outcome_and_what_cannot_be_undone_asks_first(
        playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    seeded, server = room.seeded, room.server
    meeting = room.meetings["outcomes"]
    greening, bench, tree = meeting.proposals
    steer = room.steer("outcomes")
    screens = phones(p, browser, room, "outcomes", Joost="small", Samira="Pixel 7")
    joost, samira = screens["Joost"], screens["Samira"]
    anna = screen(browser, server, seeded, "Anna", room.path("outcomes"), "console",
                  viewport={"width": 1366, "height": 768})
    projector = screen(browser, server, seeded, "Anna", room.path("outcomes") + "projector", "projector",
                       viewport={"width": 1920, "height": 1080})
    anna.stay()
    projector.stay()
    screens |= {"Anna": anna, "projector": projector}

    def everywhere() -> None:
        for view in screens.values():
            view.at(room.version("outcomes"))

    def announced(outcome: str, heading: str, title: str) -> None:
        """Every screen shows the outcome at its top, large."""
        everywhere()
        for view in screens.values():
            box = view.page.locator(f"#meeting-outcome .outcome-{outcome}")
            expect(box, f"{view.name} announces it").to_be_in_viewport()
            expect(box.locator("h2")).to_have_text(heading)
            expect(box.locator(".outcome-what")).to_have_text(title)
            body = font_px(view, "#meeting-round")
            assert font_px(view, f"#meeting-outcome .outcome-{outcome} h2") >= 1.5 * body, view.name

    def asks_first(view: View, step: str, question: str) -> None:
        """The summary opens the question in the page; nothing is stored until its button; Cancel folds it."""
        before = room.version("outcomes")
        view.live()
        view.page.locator(f"#{step}-ask").click()
        expect(view.page.locator(f"#{step}-confirm > p")).to_have_text(question)
        expect(view.page.locator(f"#{step}")).to_be_visible()
        view.page.locator(f"#{step}-confirm [data-cancel]").click()
        expect(view.page.locator(f"#{step}")).to_be_hidden()
        view.page.locator(f"#{step}-ask").click()
        view.page.wait_for_timeout(200)  # room for a stray event to arrive: none may
        assert room.version("outcomes") == before, "opening the question changed the meeting"
        view.page.locator(f"#{step}").click()

    steer("open_meeting")
    steer.present(*EVERYONE)
    # Adopted: the rounds, quickly; everyone consents.
    steer.round("picture_forming", mode="open", proposal=greening)
    steer("close_round")
    steer.round("opinion_forming", mode="open", proposal=greening)
    steer("close_round")
    steer.round("consent", mode="open", proposal=greening)
    for name in EVERYONE:
        steer.answer(name, "consent")
    steer("close_round")
    steer("adopt", proposal_id=greening)
    announced("adopted", "✓ " + nl("Decision made: adopted"), "Afvalcontainers vergroenen")

    # The facilitator takes up the next item: the announcement goes; she postpones it, after a question.
    anna.page.locator(f"#do-take_up-{bench}").click()
    everywhere()
    for view in screens.values():
        expect(view.page.locator("#meeting-outcome .outcome")).to_have_count(0)
        expect(view.page.locator("#ring")).to_have_count(0)  # the last item's round is in the record now
    asks_first(anna, "do-postpone", nl("The proposal goes back to wait for a later meeting; an open round about it "
                                       "ends. Postpone it?"))
    announced("postponed", nl("Postponed"), "Een buurtbank bij de speeltuin")

    # Joost's own proposal: only he withdraws it, with a quiet button at the foot of the proposal.
    anna.page.locator(f"#do-take_up-{tree}").click()
    everywhere()
    ask = joost.page.locator(f"#do-withdraw-{tree}-ask")
    expect(ask).to_be_visible()
    for view in (samira, anna, projector):
        expect(view.page.locator(f"#do-withdraw-{tree}-ask")).not_to_be_visible()
    assert joost.page.evaluate(f"""() => {{
        const ask = document.getElementById("do-withdraw-{tree}-ask");
        const proposal = document.getElementById("meeting-proposal");
        return proposal.lastElementChild.contains(ask) && !ask.closest("#meeting-answer, #meeting-round");
    }}"""), "the withdraw button belongs at the foot of the proposal"
    style = ask.evaluate("(el) => { const c = getComputedStyle(el); return [c.backgroundColor, c.fontSize]; }")
    assert style[0] == "rgb(255, 255, 255)", f"a quiet button, not a big red one: {style}"
    assert float(style[1].removesuffix("px")) <= font_px(joost, "#meeting-proposal .proposal-text")
    assert ask.bounding_box()["y"] > joost.page.locator("#meeting-proposal .proposal-text").bounding_box()["y"]
    asks_first(joost, f"do-withdraw-{tree}", nl("A withdrawn proposal cannot come back. Withdraw it?"))
    announced("withdrawn", nl("Withdrawn"), "Een kerstboom op het plein")

    # Closing the meeting asks too.
    asks_first(anna, "do-close_meeting", nl("After closing, nothing more can be added to this meeting. Close it?"))
    everywhere()
    for view in screens.values():
        expect(view.page.locator("#meeting-status")).to_have_text(nl("Closed"))
    assert server.query("SELECT status FROM meeting WHERE id = ?", meeting.meeting) == [("closed",)]

    steer.close()
    for view in screens.values():
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
        view.close()


def test_an_answer_too_late_is_kept_and_shown_and_an_error_goes_when_the_meeting_moves_on(
        playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    server = room.server
    meeting = room.meetings["too late"]
    greening = meeting.proposals[0]
    steer = room.steer("too late")
    screens = phones(p, browser, room, "too late", Joost="small", Samira="Pixel 7")
    joost, samira = screens["Joost"], screens["Samira"]

    def everywhere() -> None:
        for view in screens.values():
            view.at(room.version("too late"))

    def stored(name: str, rnd: int) -> list[tuple]:
        return server.query("SELECT answer, text FROM contribution WHERE round_id = ? AND member_id = ?",
                            rnd, room.seeded.members[name])

    def latest_round() -> int:
        return server.query("SELECT max(id) FROM round WHERE meeting_id = ?", meeting.meeting)[0][0]

    steer("open_meeting")
    steer.present(*EVERYONE)
    steer.round("picture_forming", mode="open", proposal=greening)
    rnd = latest_round()
    everywhere()

    # Joost's phone loses its connection; he answers anyway; the facilitator closes the round meanwhile.
    said = "Ik zou graag weten wie de bakken betaalt."
    joost.context.set_offline(True)
    expect(joost.page.locator("#kring-conn")).to_have_attribute("data-state", re.compile("reconnecting|offline"))
    joost.page.locator("#speak-text").fill(said)
    joost.page.locator("#do-speak").click()
    expect(joost.page.locator("#do-speak")).to_have_text(nl("Not sent yet. It goes as soon as the connection is back."))
    steer("close_round")
    joost.context.set_offline(False)
    joost.live()
    unsent = joost.page.locator("#kring-unsent")
    expect(unsent).to_be_visible()
    expect(unsent.locator("[data-unsent-text]")).to_have_text(said)
    expect(unsent.locator("[data-unsent-why]")).to_have_text(nl("The round closed before your answer arrived."))
    expect(unsent).to_be_in_viewport()
    assert stored("Joost", rnd) == []
    assert joost.page.evaluate(f"localStorage.getItem('kring:{meeting.meeting}:outbox')") is None
    unsent.locator("[data-unsent-dismiss]").click()
    expect(unsent).to_be_hidden()

    # Samira's phone is away while the secretary records a pass for her: her own words are not lost.
    steer.round("opinion_forming", mode="open", proposal=greening)
    rnd = latest_round()
    everywhere()
    samira.context.set_offline(True)
    expect(samira.page.locator("#kring-conn")).to_have_attribute("data-state", re.compile("reconnecting|offline"))
    mine = "Ik help mee met water geven."
    samira.page.locator("#speak-text").fill(mine)
    samira.page.locator("#do-speak").click()
    steer.answer("Samira", "pass")
    samira.context.set_offline(False)
    samira.live()
    expect(samira.page.locator("#kring-unsent [data-unsent-text]")).to_have_text(mine)
    expect(samira.page.locator("#kring-unsent")).to_be_visible()
    assert stored("Samira", rnd) == [("pass", "")]
    steer("close_round")

    # An objection without a reason (only spaces) is refused: the phone says so, until the meeting moves on.
    steer.round("consent", mode="open", proposal=greening)
    everywhere()
    joost.page.locator("#meeting-answer details.objection-box > summary").click()
    joost.page.locator("#objection-text").fill("   ")
    joost.page.locator("#do-objection").click()
    error = joost.page.locator("#kring-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(error, "the refusal shows where Joost is, down at the objection").to_be_in_viewport()
    assert stored("Joost", latest_round()) == []
    steer.answer("Kees", "consent")
    everywhere()
    expect(error).to_be_hidden()

    steer.close()
    for view in screens.values():
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
        view.close()
