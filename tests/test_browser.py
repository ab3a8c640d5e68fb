"""A whole proposal in real Chromium: a laptop, three phones and a projector, live, no reloads.

The real Kring server runs in a subprocess (tests/server.py: eventlet, a fresh
SQLite file, a free loopback port, the Samen Vooruit circle). Chromium from
the Debian package is driven through Playwright:

- Anna, the facilitator, steers from the console on a laptop (1280x800);
- Joost (iPhone SE), Aylin and Samira (Pixel 7) take part on emulated phones;
- the projector view runs on a 1920x1080 screen.

Each is its own browser context, signed in through its own personal link.
The phones join through the projector's join link (what its QR code holds),
then answer when it is their turn; Anna records for herself and for Fatima,
who has no phone. The proposal goes picture-forming round → opinion round
(in which Samira's phone goes offline, answers, and comes back) → consent
round with an objection → amended version 2 → consent round → adopted.
After joining, the phones and the projector never load a page again:
everything they show arrives over the live connection, drawn by the server
(`parts`), and every screen shows the meeting's version in `#kring[data-version]`.

What is seen is checked through the pages (Playwright `expect`, every wait
bounded); what is stored, by reading the SQLite file. The words looked for
are the catalogue's (`nl()`), never written out here. With KRING_SCREENSHOTS=1
the three views and the decision page are saved to docs/screenshots/ for the README.

What every browser test shares (the browser, screens, signing in) is in
tests/browser.py.
"""
from __future__ import annotations

import re

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium, kring: fixtures)
    TIMEOUT, View, expect, kring, meeting_path, nl, open_view, phone_options, playwright_chromium, screen, shoot,
    sign_in)
from tests.server import wait_for

pytestmark = pytest.mark.browser


# --- The meeting --------------------------------------------------------------------


def test_a_proposal_from_first_round_to_decision_live_on_phones(playwright_chromium, kring) -> None:
    p, browser = playwright_chromium
    server, seeded = kring
    ids = seeded.members
    meeting, proposal = seeded.meeting, seeded.proposal
    page_path = meeting_path(seeded, meeting)
    page_url = re.compile(re.escape(page_path) + r"$")

    def db(sql: str, *params) -> list[tuple]:
        return server.query(sql, *params)

    # --- Everyone opens their screen ---

    anna = screen(browser, server, seeded, "Anna", page_path, "console", viewport={"width": 1280, "height": 800})
    expect(anna.page.locator("#kring.console #meeting-steer")).to_be_visible()

    # the facilitator's link, on the beamer's laptop
    projector = screen(browser, server, seeded, "Anna", page_path + "projector", "projector",
                       viewport={"width": 1920, "height": 1080})
    projector.stay()
    expect(projector.page.locator(".pj-join svg.qr")).to_be_visible()
    join_url = projector.page.locator(".pj-join .short-link").inner_text().strip()
    assert join_url == f"{server.url}{page_path}join", join_url

    screens = [anna, projector]  # every screen that follows the meeting live

    def settle(before: int, among: list[View] | None = None) -> int:
        """Wait for the change after `before` to be stored, then for every screen to show it."""
        version = wait_for(lambda: (v := server.meeting_version(meeting)) > before and v, TIMEOUT / 1000,
                           what=f"the meeting's version to pass {before}")
        for view in among or screens:
            view.at(version)
        return version

    def step(view: View, selector: str, among: list[View] | None = None) -> int:
        """Press a button that acts over the live connection; every screen follows."""
        before = server.meeting_version(meeting)
        view.live()
        view.page.locator(selector).click()
        return settle(before, among)

    # --- Anna opens the meeting and says she is here; Fatima has no phone, Anna marks her ---

    step(anna, "#do-open_meeting")
    expect(projector.page.locator("#meeting-status")).to_have_text(nl("Open"))
    step(anna, "#meeting-answer .i-am-here #do-mark_attendance")
    step(anna, f"#do-mark_attendance-{ids['Fatima']}")

    # --- Three phones sign in and scan the QR code: "I am here" ---

    phones: dict[str, View] = {}
    for name, device in [("Joost", "iPhone SE"), ("Aylin", "Pixel 7"), ("Samira", "Pixel 7")]:
        phone = open_view(browser, f"{name}'s phone", **phone_options(p, device))
        sign_in(phone, server, seeded.tokens[name])
        phone.page.goto(join_url)
        phone.page.locator("form.join button[type=submit]").click()
        phone.page.wait_for_url(page_url)
        phone.live()
        phone.stay()
        expect(phone.page.locator("#kring.phone")).to_be_visible()
        expect(phone.page.locator("#meeting-steer")).to_have_count(0)
        phones[name] = phone
        screens.append(phone)
    joost, aylin, samira = phones["Joost"], phones["Aylin"], phones["Samira"]
    settle(0)
    present = {row[0] for row in db("SELECT member_id FROM attendance WHERE meeting_id = ? AND present",
                                    meeting)}
    assert present == {ids[n] for n in ("Anna", "Fatima", "Joost", "Aylin", "Samira")}
    expect(anna.page.locator("#meeting-attendance li.present")).to_have_count(5)
    for view in phones.values():
        expect(view.page.locator("#meeting-attendance [data-if=not-present]")).to_be_hidden()

    def seat(view: View, name: str):
        return view.page.locator(f"#meeting-round #seat-{ids[name]}")

    def start_round(kind: str, mode: str, starter: str = "Joost") -> list[str]:
        """Start a round from the console; returns its speaking order (names) as stored."""
        anna.live()
        form = anna.page.locator("#meeting-steer form.start-round").first
        form.locator("#p-kind").select_option(kind)
        form.locator("#p-mode").select_option(mode)
        form.locator("#p-starter").select_option(str(ids[starter]))
        form.locator("#p-way").select_option("1")
        step(anna, "#do-start_round-p")
        names = {v: k for k, v in ids.items()}
        rows = db("SELECT s.member_id FROM seat s JOIN round r ON r.id = s.round_id "
                  "WHERE r.meeting_id = ? AND r.status = 'open' ORDER BY s.position", meeting)
        return [names[r[0]] for r in rows]

    def round_id() -> int:
        return db("SELECT max(id) FROM round WHERE meeting_id = ?", meeting)[0][0]

    def answer_on_phone(name: str, answer: str, text: str = "", workable: str = "") -> None:
        """The member answers on their own phone."""
        page = phones[name].page
        box = page.locator("#meeting-answer")
        if answer == "objection":
            box.locator("details.objection-box > summary").click()
            box.locator("#objection-text").fill(text)
            box.locator("#objection-workable").fill(workable)
        elif answer == "consent" and text:  # a remark with consent: folded away until wanted
            box.locator("details.remark > summary").click()
            box.locator("#consent-text").fill(text)
        elif answer == "speak":
            box.locator("#speak-text").fill(text)
        step(phones[name], f"#meeting-answer button[name=answer][value={answer}]")

    def record_on_console(name: str, answer: str, text: str = "") -> None:
        """Anna records an answer: her own, or one for a member without a phone."""
        box = anna.page.locator("#meeting-answer")
        form = "consent" if answer == "consent" else "speak"
        chooser = box.locator(f"#{form}-member")
        if chooser.count():
            chooser.select_option(str(ids[name]))
        if text:
            if form == "consent":
                box.locator("details.remark > summary").click()
            box.locator(f"#{form}-text").fill(text)
        step(anna, f"#meeting-answer button[name=answer][value={answer}]")

    def in_turn(order: list[str], answers: dict[str, tuple], before_each=None) -> None:
        """Hold an in-turn round: the ring lights up for whoever's turn it is, on every screen."""
        for name in order:
            for view in screens:
                expect(seat(view, name), f"{name}'s seat lit on {view.name}").to_have_class(
                    re.compile(r"\bcurrent\b"))
            if before_each:
                before_each(name)
            if name in phones:
                page = phones[name].page
                expect(page.locator("#round-speaker [data-if=my-turn]")).to_have_text(nl("Your turn!"))
                expect(page.locator("#meeting-answer .my-answer")).to_be_visible()
                for other, view in phones.items():
                    if other != name:
                        expect(view.page.locator("#round-speaker [data-if=not-my-turn]")).to_contain_text(name)
                        expect(view.page.locator("#round-speaker [data-if=my-turn]")).to_be_hidden()
                        expect(view.page.locator("#meeting-answer .my-answer")).to_be_hidden()
                answer_on_phone(name, *answers[name])
            else:
                record_on_console(name, *answers[name])
            expect(seat(projector, name)).not_to_have_class(re.compile(r"\bcurrent\b"))

    # --- Picture-forming round, in turn from Joost; the proposer explains nothing first ---

    order = start_round("picture_forming", "in_turn")
    assert order == ["Joost", "Aylin", "Samira", "Anna", "Fatima"]
    for view in screens:
        expect(view.page.locator("#round-title")).to_contain_text(nl("Picture-forming round"))
    in_turn(order, {
        "Joost": ("speak", "Welke planten kunnen tegen hondenplas?"),
        "Aylin": ("speak", "De stadsdeelgroenbeheerder levert de bakken gratis."),
        "Samira": ("pass",),
        "Anna": ("speak", "Wie geeft er water in de zomervakantie?"),
        "Fatima": ("speak", "Stadsdeel Oost heeft een budget voor groen."),
    })
    expect(projector.page.locator("#meeting-contributions li")).to_have_count(5)
    expect(projector.page.locator("#meeting-contributions li").last).to_contain_text(
        nl("recorded by %(name)s", name="Anna"))
    step(anna, "#do-close_round")

    # --- Opinion round, open: everyone at once. Samira's phone goes offline and answers anyway ---

    start_round("opinion_forming", "open")
    rnd = round_id()
    for view in phones.values():
        expect(view.page.locator("#meeting-answer #speak-text")).to_be_visible()
    samira.context.set_offline(True)
    expect(samira.page.locator("#kring-conn")).to_have_attribute("data-state", re.compile("reconnecting|offline"))
    online = [v for v in screens if v is not samira]
    before = server.meeting_version(meeting)
    joost.page.locator("#speak-text").fill("Goed plan, als de bakken stevig zijn.")
    joost.page.locator("#do-speak").click()
    before = settle(before, online)
    said = "Ik doe mee met water geven op woensdag."
    samira.page.locator("#speak-text").fill(said)
    samira.page.locator("#do-speak").click()
    expect(samira.page.locator("#do-speak")).to_have_text(
        nl("Not sent yet. It goes as soon as the connection is back."))
    waiting = samira.page.evaluate(f"JSON.parse(localStorage.getItem('kring:{meeting}:outbox'))")
    assert [item["payload"]["text"] for item in waiting] == [said]
    aylin.page.locator("#speak-text").fill("Heel blij mee, het wordt een mooiere straat.")
    aylin.page.locator("#do-speak").click()
    before = settle(before, online)
    assert db("SELECT count(*) FROM contribution WHERE round_id = ? AND member_id = ?",
              rnd, ids["Samira"]) == [(0,)]
    samira.context.set_offline(False)
    samira.live()
    stored = wait_for(lambda: db("SELECT text, recorded_by_id, client_id FROM contribution "
                                 "WHERE round_id = ? AND member_id = ?", rnd, ids["Samira"]),
                      15, what="Samira's answer, sent while offline, to be stored")
    assert len(stored) == 1 and stored[0][:2] == (said, ids["Samira"]) and stored[0][2], stored
    before = settle(before)
    expect(samira.page.locator("#meeting-contributions")).to_contain_text(said)
    expect(samira.page.locator("#meeting-contributions")).to_contain_text("mooiere straat")  # said while away
    expect(samira.page.locator("#meeting-answer [data-if=answered]")).to_have_text(
        nl("You have answered. Thank you."))
    expect(samira.page.locator("#meeting-answer .my-answer")).to_be_hidden()
    expect(samira.page.locator("#kring-unsent")).to_be_hidden()
    assert samira.page.evaluate(f"localStorage.getItem('kring:{meeting}:outbox')") is None
    record_on_console("Anna", "speak", "Ik steun het; laten we het over drie maanden bekijken.")
    record_on_console("Fatima", "speak", "Prima, ik zet het in het logboek.")
    for view in screens:
        expect(view.page.locator("#meeting-contributions li")).to_have_count(5)
    assert db("SELECT count(*) FROM contribution WHERE round_id = ?", rnd) == [(5,)]
    step(anna, "#do-close_round")

    # --- Consent round, in turn: Joost objects, with a reason ---

    def picture(name: str) -> None:
        if name == "Samira":  # Joost has objected, Aylin consented; Samira's turn: the same moment, three screens
            expect(samira.page.locator("#do-consent")).to_be_in_viewport()
            shoot(samira, "phone.png", down_to="#ring")
            shoot(anna, "console.png")
            shoot(projector, "projector.png")

    order = start_round("consent", "in_turn")
    harm = "Zonder vaste waterploeg verdrogen de planten in de zomer."
    in_turn(order, {
        "Joost": ("objection", harm, "Een rooster voor water geven, ook in de vakanties."),
        "Aylin": ("consent", "Ik wil wel graag dat we het na de zomer bekijken."),
        "Samira": ("consent",),
        "Anna": ("consent",),
        "Fatima": ("consent",),
    }, before_each=picture)
    for view in screens:
        expect(seat(view, "Joost")).to_have_class(re.compile(r"\bobjection\b"))
        expect(seat(view, "Aylin")).to_have_class(re.compile(r"\bconsent\b"))
    step(anna, "#do-close_round")
    objections = db("SELECT id, member_id, version, status FROM objection WHERE proposal_id = ?", proposal)
    assert [o[1:] for o in objections] == [(ids["Joost"], 1, "standing")]
    objection = objections[0][0]
    for view in screens:
        expect(view.page.locator("#meeting-proposal li.objection.standing")).to_contain_text("Joost")
        expect(view.page.locator("#meeting-proposal li.objection.standing")).to_contain_text(harm)
    # only its maker ends an objection: the control is on Joost's phone alone
    expect(joost.page.locator(f"#do-withdraw_objection-{objection}-ask")).to_be_visible()
    for view in (aylin, samira, projector):
        expect(view.page.locator(f"#do-withdraw_objection-{objection}-ask")).not_to_be_visible()
    expect(anna.page.locator("#do-adopt")).to_have_count(0)

    # --- Anna amends the proposal on her laptop (a page of her own; the rest stays live) ---

    before = server.meeting_version(meeting)
    anna.page.locator("#do-amend").click()
    expect(anna.page.locator(".amend-objections")).to_contain_text(harm)
    new_text = ("Plantenbakken rond de containers in de Javastraat. Een waterrooster van vier "
                "buren, ook in de vakanties; Joost maakt het rooster.")
    anna.page.locator("form.wording #text").fill(new_text)
    anna.page.locator("form.wording #note").fill("Waterrooster toegevoegd (bezwaar van Joost).")
    anna.page.locator("form.wording button[type=submit]").click()
    anna.page.wait_for_url(page_url)
    anna.live()
    settle(before)
    for view in [projector, *phones.values()]:
        expect(view.page.locator("#meeting-proposal .proposal-text")).to_have_text(new_text)
        expect(view.page.locator("#meeting-proposal .note").first).to_contain_text(
            nl("Version %(number)s", number=2))

    # --- Second consent round, open: everyone consents, Joost too; his objection is met ---

    start_round("consent", "open")
    for name in phones:
        answer_on_phone(name, "consent", "Nu kan ik ermee werken." if name == "Joost" else "")
    record_on_console("Anna", "consent")
    record_on_console("Fatima", "consent")
    for view in screens:
        expect(view.page.locator("#meeting-round g.seat.consent")).to_have_count(5)
    step(anna, "#do-close_round")
    assert db("SELECT status FROM objection WHERE proposal_id = ?", proposal) == [("met",)]

    # --- Adopted: every screen announces it, without loading a page ---

    step(anna, "#do-adopt")
    assert db("SELECT phase, current_version FROM proposal WHERE id = ?", proposal) == [("adopted", 2)]
    assert db("SELECT outcome FROM agenda_item WHERE proposal_id = ?", proposal) == [("adopted",)]
    for view in screens:
        outcome = view.page.locator("#meeting-outcome .outcome-adopted")
        expect(outcome, f"{view.name} announces the decision").to_be_in_viewport()
        expect(outcome.locator("h2")).to_contain_text(nl("Decision made: adopted"))
        expect(outcome).to_contain_text("Afvalcontainers vergroenen")
    for view in [projector, *phones.values()]:
        expect(view.page.locator("#meeting-proposal .note").first).to_contain_text(nl("Adopted"))
        expect(view.page.locator("#meeting-proposal .proposal-text")).to_have_text(new_text)
    for view in phones.values():
        expect(view.page.locator("#meeting-agenda")).to_contain_text(nl("Adopted"))
        expect(view.page.locator(f"#meeting-agenda a[href$='/decisions/{proposal}/']")).to_have_count(1)

    # Nothing was doubled, nothing reloaded, no script failed, and the record's chain holds.
    rows = db("SELECT r.kind, count(c.id) FROM round r LEFT JOIN contribution c ON c.round_id = r.id "
              "WHERE r.meeting_id = ? GROUP BY r.id ORDER BY r.number", meeting)
    assert rows == [("picture_forming", 5), ("opinion_forming", 5), ("consent", 5), ("consent", 5)]
    recorded: dict[str, set[str]] = {}  # whose answers who recorded (plain SQL, on SQLite and PostgreSQL)
    for person, recorder in db("SELECT DISTINCT pm.name, pr.name FROM contribution c "
                               "JOIN member m ON m.id = c.member_id JOIN person pm ON pm.id = m.person_id "
                               "JOIN member r ON r.id = c.recorded_by_id JOIN person pr ON pr.id = r.person_id"):
        recorded.setdefault(person, set()).add(recorder)
    assert recorded == {"Anna": {"Anna"}, "Fatima": {"Anna"}, "Joost": {"Joost"}, "Aylin": {"Aylin"},
                        "Samira": {"Samira"}}
    for view in [projector, *phones.values()]:
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
    for view in screens:
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
    server.verify_log()

    # Reading back how it came about: the decision page.
    reader = anna
    circle = db("SELECT circle_id FROM proposal WHERE id = ?", proposal)[0][0]
    reader.page.goto(f"{server.url}/c/{circle}/decisions/{proposal}/")
    expect(reader.page.locator("h1")).to_contain_text("Afvalcontainers vergroenen")
    expect(reader.page.locator("body")).to_contain_text(new_text)
    shoot(reader, "decision.png")
