"""An election's nominations in real Chromium: hidden on a phone and the projector until the last is in, then
read out in seat order with their reasons (docs/roles-and-elections.md, "Election").

The real server (tests/server.py) with Samen Vooruit and an election for the
facilitator's role on today's agenda, written through the application layer
before the server starts. Anna steers over her own socket (`Steer`) and
records the nominations of everyone without a phone on screen; Joost
nominates on his emulated phone (Pixel 7), with the projector on a 1920x1080
screen beside it. Neither page loads again once open: what they show arrives
live, drawn by the server. With KRING_SCREENSHOTS=1 the phone and the
projector, the nominations just revealed, are saved for the README.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.scenario import PEOPLE
from tests.server import KringServer, Seeded, clock_code
from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Steer,
    expect,
    meeting_path,
    nl,
    phone_options,
    playwright_chromium,
    prepared_once,
    screen,
    shoot,
)

pytestmark = pytest.mark.browser

#: Whom each nominates, and why (Joost's own, on his phone, last).
NOMINATIONS = {
    "Anna": ("Fatima", "Fatima houdt overzicht en laat iedereen aan het woord."),
    "Fatima": ("Joost", "Joost is rustig en eerlijk, ook als het schuurt."),
    "Aylin": ("Fatima", "Ze kent de buurt en iedereen vertrouwt haar."),
    "Kees": ("Fatima", "Fatima heeft als secretaris alle besluiten gevolgd."),
    "Samira": ("Aylin", "Aylin brengt nieuwe mensen binnen; dat hebben we nodig."),
    "Dewi": ("Fatima", "Ze vat goed samen en houdt ons bij de tijd."),
    "Mohamed": ("Fatima", "Zij luistert echt, ook naar wie weinig zegt."),
    "Joost": ("Fatima", "Fatima durft door te vragen tot iedereen het snapt."),
}
SEAT_ORDER = [name for name, _ in PEOPLE]

SETUP = """
import json
from circle import create_app, elections, proposals, roles
from circle.extensions import db
from circle.method import RoleKind
from circle.models import Circle, Member
from tests.days import days
{clock}

app = create_app()
with app.app_context():
    anna = db.session.get(Member, {anna})
    role = roles.method_role(db.session.get(Circle, anna.circle_id), RoleKind.FACILITATOR)
    db.session.commit()
    done = elections.write_election(anna, role.id, days(8), days(372), note="Anna stopt na dit jaar.")
    proposals.put_on_agenda(anna, done.subject, {meeting})
    print(json.dumps(done.subject))
"""


@pytest.fixture
def election(tmp_path_factory, tmp_path) -> Iterator[tuple[KringServer, Seeded, int]]:
    """The real server, Samen Vooruit's meeting planned with an election for the facilitator's role on it."""
    template, seeded = prepared_once(tmp_path_factory)
    server = KringServer(tmp_path)
    server.copy_database(template)
    out = server._run("-c", SETUP.format(clock=clock_code(server.now()), anna=seeded.members["Anna"],
                                         meeting=seeded.meeting))
    server.start()
    try:
        yield server, seeded, json.loads(out.strip().splitlines()[-1])
    finally:
        server.stop()


def test_nominations_show_on_a_phone_and_the_projector_only_once_all_are_in(playwright_chromium, election):
    p, browser = playwright_chromium
    server, seeded, pid = election
    ids = seeded.members
    path = meeting_path(seeded, seeded.meeting)
    steer = Steer(server, seeded, seeded.meeting)
    steer("open_meeting")
    steer.present(*SEAT_ORDER)
    steer("take_up", proposal_id=pid)
    joost = screen(browser, server, seeded, "Joost", path, **phone_options(p, "Pixel 7"))
    projector = screen(browser, server, seeded, "Anna", path + "projector", name="projector",
                       viewport={"width": 1920, "height": 1080})
    for view in (joost, projector):
        view.stay()
        expect(view.page.locator("#meeting-proposal .election")).to_contain_text(nl("Facilitator"))  # role, term, tasks
    steer.round("nomination", mode="open", proposal=pid)
    hidden = nl("The answers are hidden until everyone has answered.")
    for name in SEAT_ORDER:
        if name == "Joost":
            continue
        whom, why = NOMINATIONS[name]
        steer.answer(name, "nominate", why, nominee_id=ids[whom])
        for view in (joost, projector):
            view.at(steer.version)
            expect(view.page.locator("#meeting-contributions")).to_contain_text(hidden)
            assert why not in view.page.content(), f"{name}'s reason shows on the {view.name} before all are in"

    phone = joost.page  # Joost nominates on his phone, last
    expect(phone.locator("#nominate-whom")).to_be_visible()
    phone.locator("#nominate-whom").select_option(str(ids["Fatima"]))
    phone.locator("#nominate-text").fill(NOMINATIONS["Joost"][1])
    joost.live()
    phone.locator("#do-nominate").click()

    for view in (joost, projector):  # every nomination, with its reason, read out in seat order
        said = view.page.locator("#contributions-list > li")
        expect(said).to_have_count(len(SEAT_ORDER))
        for i, name in enumerate(SEAT_ORDER):
            whom, why = NOMINATIONS[name]
            expect(said.nth(i)).to_contain_text(name)
            expect(said.nth(i)).to_contain_text(whom)
            expect(said.nth(i)).to_contain_text(why)
        expect(view.page.locator("#meeting-proposal .tally li").first).to_contain_text("Fatima")
        assert view.stayed() and view.errors == [], (view.name, view.loads, view.errors)
    expect(phone.locator("#meeting-answer")).to_contain_text(nl("You have answered. Thank you."))
    shoot(joost, "election-phone.png", down_to="#meeting-contributions")
    shoot(projector, "election-projector.png")
    stored = server.query("SELECT p.name, c.nominee_id, c.text FROM contribution c JOIN member m ON m.id = c.member_id "
                          "JOIN person p ON p.id = m.person_id WHERE c.round_id = (SELECT max(id) FROM round)")
    assert len(stored) == len(SEAT_ORDER) and ("Joost", ids["Fatima"], NOMINATIONS["Joost"][1]) in stored
    steer.close()
    joost.close()
    projector.close()
