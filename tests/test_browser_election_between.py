"""An election between meetings in real Chromium, on an old small phone (320 px wide), under the CSP.

Seven of the eight have nominated Fatima for facilitator between meetings;
Joost reads the role, its term and its tasks on the election's page, nominates
her with a reason from the page's form, and his nomination, the last, shows
every nomination read out in the circle's order. Once Anna has proposed
Fatima and opened the consent round, Fatima's phone offers no answer of her
own yet (as secretary, only for others) and says she answers last, once
everyone else has.
"""

from __future__ import annotations

import pytest

from tests.scenario import PEOPLE
from tests.server import clock_code
from tests.browser import SMALL_PHONE, expect, kring, nl, open_view, playwright_chromium, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

#: Run in the server's environment: an election for the facilitator's role, and a nomination round between
#: meetings in which everyone but Joost nominated Fatima. Prints the election's id and the round's.
NOMINATING = """
import datetime as dt, sqlalchemy as sa
from circle import between, clock, create_app, elections, roles
from circle.extensions import db
from circle.method import Answer, RoleKind, RoundKind
from circle.models import Circle, Member
{clock}
with create_app().app_context():
    role = roles.method_role(db.session.get(Circle, {circle}), RoleKind.FACILITATOR)
    people = db.session.scalars(sa.select(Member).where(Member.circle_id == {circle}).order_by(Member.position)).all()
    db.session.commit()
    fatima = next(m for m in people if m.name == "Fatima")
    pid = elections.write_election(people[0], role.id, clock.today() + dt.timedelta(days=8),
                                   clock.today() + dt.timedelta(days=372)).subject
    rnd = between.start_round_between(people[0], pid, RoundKind.NOMINATION, clock.now() + dt.timedelta(days=3)).subject
    for m in people:
        if m.name != "Joost":
            between.contribute_between(m, rnd, m.id, Answer.NOMINATE, m.name + " vindt haar rustig.",
                                       nominee_id=fatima.id)
    print(pid)
"""

#: Then Anna proposes Fatima and opens the consent round; Kees consents.
CONSENT = """
import datetime as dt, sqlalchemy as sa
from circle import between, clock, create_app, elections
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Member
{clock}
with create_app().app_context():
    people = {{m.name: m for m in db.session.scalars(sa.select(Member).where(Member.circle_id == {circle}))}}
    elections.propose_person_between(people["Anna"], {proposal}, people["Fatima"].id)
    rnd = between.start_round_between(people["Anna"], {proposal}, RoundKind.CONSENT,
                                      clock.now() + dt.timedelta(days=3)).subject
    between.contribute_between(people["Kees"], rnd, people["Kees"].id, Answer.CONSENT)
"""


def test_joost_nominates_last_from_a_small_phone_and_fatima_waits_to_answer_last(playwright_chromium, kring):
    _, browser = playwright_chromium
    server, seeded = kring
    out = server._run("-c", NOMINATING.format(clock=clock_code(server.now()), circle=seeded.circle))
    pid = int(out.strip().splitlines()[-1])
    path = f"/c/{seeded.circle}/proposals/{pid}/"

    phone = open_view(browser, "Joost's small phone", **SMALL_PHONE)
    sign_in(phone, server, seeded.tokens["Joost"])
    page = phone.page
    page.goto(server.url + path)
    expect(page.locator("dl.facts.election")).to_contain_text("Leidt het overleg van de kring")
    expect(page.locator("#between-progress")).to_contain_text(nl("%(answered)s of %(total)s have answered.",
                                                                 answered=7, total=8))
    assert "vindt haar rustig" not in page.content()  # hidden until all have nominated
    page.locator("#nominate-whom").select_option(label="Fatima")
    page.locator("#nominate-text").fill("Zij luistert goed en houdt de tijd in de gaten.")
    page.locator("#do-nominate").click()
    expect(page.locator(".flash")).to_contain_text(nl("Thank you, the answer is in."))
    said = page.locator("ol.nominations li").all_inner_texts()
    assert len(said) == 8 and any("Zij luistert goed" in s for s in said), said
    assert [s.split(":")[0].strip() for s in said] == [n for n, _ in PEOPLE], said  # in the circle's order
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the page scrolls sideways on 320 px"

    server._run("-c", CONSENT.format(clock=clock_code(server.now()), circle=seeded.circle, proposal=pid))
    fatima = open_view(browser, "Fatima's small phone", **SMALL_PHONE)
    sign_in(fatima, server, seeded.tokens["Fatima"])
    fatima.page.goto(server.url + path)
    expect(fatima.page.locator("#answer-last")).to_have_text(
        nl("You are the person proposed: you answer last, once everyone else has answered."))
    # As secretary she may still record for those without a phone who are waiting, never for herself yet.
    offered = fatima.page.locator("#consent-member option").evaluate_all("(os) => os.map((o) => o.value)")
    assert len(offered) == 6 and str(seeded.members["Fatima"]) not in offered, offered
    expect(fatima.page.locator(f"#seat-{seeded.members['Fatima']}")).to_contain_text(nl("answers last"))
    for view in (phone, fatima):
        assert view.errors == [], view.errors
        view.close()
