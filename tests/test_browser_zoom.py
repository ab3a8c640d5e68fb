"""Every page a member sees, and the console, at 320 CSS px wide and at 200 % zoom of a 1280 px screen
(640 x 400 CSS px), with larger text on: nothing scrolls sideways, no element reaches past the screen
(docs/reading.md, "320 px wide, 200 % zoom").

Real Chromium and the real server, with a circle and proposals named with long Dutch compound
words (a heading must break them, not push the page wider). Joost (a member) and Anna (who steers)
both chose larger text. The meeting goes through its live states, steered over Anna's own socket
(`Steer`); in each, both screens load the meeting page at both sizes and are measured. An offender is
reported by a selector, with where it starts and ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.server import KringServer, Seeded, clock_code
from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Steer,
    meeting_path,
    open_view,
    playwright_chromium,
    prepared_once,
    sign_in,
)

pytestmark = pytest.mark.browser

#: The circle's name, and the titles of the proposals: long Dutch compounds, without a place to break.
CIRCLE = "Bewonerscommissie Buurtmoestuinwerkgroepvergadering"
LONG = "Beeldvormingsronde Buurtmoestuinwerkgroepvergaderingsruimteindelingsvoorstel"
BETWEEN = "Zwerfvuilopruimactiecoördinatiewerkgroepsamenstellingsbesluit"
TEXT = ("De Buurtmoestuinwerkgroepvergadering krijgt een vaste Gemeenschapsruimtereserveringsprocedure, "
        "zodat de Zwerfvuilopruimochtendvrijwilligerscoördinator weet waar hij terechtkan.")

#: The screens: 320 x 640, and 1280 x 800 at 200 % zoom (640 x 400 CSS px).
SIZES = {"320": {"width": 320, "height": 640}, "200%": {"width": 640, "height": 400}}

#: Run in the server's environment before it starts: the long names, larger text for Joost and Anna,
#: the long proposal on today's agenda, and another in a round between meetings.
SETUP = """
import datetime as dt
import json
from circle import between, clock, create_app, proposals
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Circle, Member
{clock}

app = create_app()
with app.app_context():
    anna, joost = db.session.get(Member, {anna}), db.session.get(Member, {joost})
    db.session.get(Circle, anna.circle_id).name = {circle!r}
    anna.person.larger_text = joost.person.larger_text = True
    db.session.commit()
    long = proposals.write_draft(joost, proposals.Wording(title={long!r}, text={text!r}, background={text!r})).subject
    proposals.put_on_agenda(anna, long, {meeting})
    later = proposals.write_draft(anna, proposals.Wording(title={between!r}, text={text!r})).subject
    rnd = between.start_round_between(anna, later, RoundKind.PICTURE_FORMING, clock.now() + dt.timedelta(days=2)).subject
    between.contribute_between(anna, rnd, anna.id, Answer.SPEAK, {text!r})
    print(json.dumps([long, later]))
"""

#: Every element wider than the screen, or reaching past either edge, as `tag#id.class` under two of its
#: ancestors; not inside a box that scrolls or clips sideways itself (a labelled table scroller), not a
#: visually hidden text for screen readers.
OFFENDERS = """() => {
    const width = document.documentElement.clientWidth;
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + [...el.classList].map((c) => '.' + c).join('');
    const path = (el) => [el.parentElement?.parentElement, el.parentElement, el]
        .filter((e) => e && e !== document.body).map(name).join(' > ');
    const contained = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return true;
        }
        return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || contained(el)) continue;
        if (box.left < -0.5 || box.right > width + 0.5) {
            out.push(path(el) + ' (' + Math.round(box.left) + ' to ' + Math.round(box.right) + ')');
        }
    }
    return out;
}"""
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def zoomed(tmp_path_factory, tmp_path) -> Iterator[tuple[KringServer, Seeded, list[int]]]:
    """The real server with the long names, and the ids of the two long proposals."""
    template, seeded = prepared_once(tmp_path_factory)
    server = KringServer(tmp_path)
    server.copy_database(template)
    out = server._run("-c", SETUP.format(
        clock=clock_code(server.now()), anna=seeded.members["Anna"], joost=seeded.members["Joost"],
        meeting=seeded.meeting, circle=CIRCLE, long=LONG, between=BETWEEN, text=TEXT))
    server.start()
    try:
        yield server, seeded, json.loads(out.strip().splitlines()[-1])
    finally:
        server.stop()


class Screens:
    """Joost's and Anna's screens at each size, signed in; `check` loads a page on each and measures it."""

    def __init__(self, browser, server: KringServer, seeded: Seeded):
        self.server, self.views, self.found = server, {}, []
        for who in ("Joost", "Anna"):
            for size, viewport in SIZES.items():
                view = open_view(browser, f"{who} {size}", viewport=viewport)
                sign_in(view, server, seeded.tokens[who])
                self.views[who, size] = view

    def check(self, path: str, state: str, who: tuple[str, ...] = ("Joost", "Anna")) -> None:
        for (name, size), view in self.views.items():
            if name not in who:
                continue
            view.page.goto(self.server.url + path)
            assert view.page.evaluate("document.documentElement.className") == "larger-text"
            where = f"{state}, {name} at {size}"
            sideways = view.page.evaluate(SIDEWAYS)
            offenders = view.page.evaluate(OFFENDERS)
            if sideways > 0 or offenders:
                self.found.append(f"{where}: {sideways} px sideways; " + "; ".join(offenders[:6]))

    def close(self) -> None:
        errors = [(view.name, view.errors) for view in self.views.values() if view.errors]
        for view in self.views.values():
            view.close()
        assert errors == []


def test_every_page_fits_at_320_px_and_at_200_percent_zoom_with_larger_text(playwright_chromium, zoomed):
    _, browser = playwright_chromium
    server, seeded, (long, later) = zoomed
    c, ids, path = seeded.circle, seeded.members, meeting_path(seeded, seeded.meeting)
    screens = Screens(browser, server, seeded)
    steer = Steer(server, seeded, seeded.meeting)

    for page, state in ((f"/c/{c}/", "circle home"), (f"/c/{c}/proposals/{long}/", "proposal"),
                        (f"/c/{c}/proposals/{later}/", "answering between meetings"), ("/you", "you"),
                        ("/you/data", "your data"), (f"{path}handout", "meeting handout"),
                        (f"{path}handout?print=large", "meeting handout, large print")):
        screens.check(page, state)
    screens.check(path, "meeting planned")
    steer("open_meeting")
    screens.check(path + "join", "join", who=("Joost",))
    screens.check(path, "meeting open, nobody marked")
    steer.present(*ids)
    steer("take_up", proposal_id=long)
    screens.check(path, "proposal taken up")
    steer.round("picture_forming", proposal=long)
    steer.answer("Anna", "speak", TEXT)
    screens.check(path, "picture-forming round in turn")
    for name in list(ids)[1:]:
        steer.answer(name, "speak", f"{name}: {TEXT}")
    steer("close_round")
    steer("ask_ready")
    screens.check(path, "ready check")
    steer.round("opinion_forming", mode="open", proposal=long)
    steer.answer("Aylin", "speak", TEXT)
    screens.check(path, "opinion round, open")
    for name in ids:
        if name != "Aylin":
            steer.answer(name, "speak", TEXT)
    steer("close_round")
    steer.round("consent", mode="open", proposal=long)
    screens.check(path, "consent round")
    for name in ids:
        steer.answer(name, "objection" if name == "Kees" else "consent", TEXT,
                     **({"workable": TEXT} if name == "Kees" else {}))
    steer("close_round")
    screens.check(path, "an objection stands")
    [objection] = steer.phone.snapshot()["proposal"]["objections"]
    fatima = Steer(server, seeded, seeded.meeting, name="Fatima")  # Kees has no phone: she records it
    fatima("withdraw_objection", objection_id=objection["id"])
    fatima.close()
    steer("adopt", proposal_id=long)
    screens.check(path, "adopted")
    steer("close_meeting")
    screens.check(path, "meeting closed")
    for page, state in ((f"/c/{c}/decisions/{long}/", "decision page"), (f"{path}minutes", "minutes"),
                        (f"/c/{c}/logbook/", "logbook"), (f"/c/{c}/", "circle home afterwards")):
        screens.check(page, state)
    steer.close()
    screens.close()
    assert screens.found == [], "wider than the screen:\n" + "\n".join(screens.found)


def test_a_member_chooses_larger_text_and_every_page_grows(playwright_chromium, zoomed):
    """Aylin ticks "Larger text" on her page: the root font size goes from 18 px to 22.5 px there and on
    her circle's pages; unticked, back to 18 px. Nothing else of hers changes."""
    _, browser = playwright_chromium
    server, seeded, _ = zoomed
    view = open_view(browser, "Aylin", viewport=SIZES["320"])
    sign_in(view, server, seeded.tokens["Aylin"])
    page = view.page
    root = "getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(root) == "18px"
    page.goto(server.url + "/you")
    box = page.locator("#reading input[type=checkbox]")
    assert not box.is_checked()
    box.check()
    page.locator("#reading button[type=submit]").click()
    page.wait_for_url("**/you#reading")
    assert page.locator("#reading input[type=checkbox]").is_checked()
    for path in ("/you", f"/c/{seeded.circle}/", meeting_path(seeded, seeded.meeting)):
        page.goto(server.url + path)
        assert page.evaluate(root) == "22.5px", path
        assert page.evaluate(SIDEWAYS) <= 0, path
    page.goto(server.url + "/you")
    page.locator("#reading input[type=checkbox]").uncheck()
    page.locator("#reading button[type=submit]").click()
    page.wait_for_url("**/you#reading")
    assert page.evaluate(root) == "18px"
    assert server.query("SELECT name, language, larger_text FROM person WHERE id = "
                        "(SELECT person_id FROM member WHERE id = ?)", seeded.members["Aylin"]) == [
        ("Aylin", None, 0)]
    assert view.errors == []
    view.close()
