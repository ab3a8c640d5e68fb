"""A consent round between meetings in real Chromium: the facilitator opens it on a laptop, a member answers on
an old small phone (320 px wide), without horizontal scrolling, under the Content-Security-Policy.

The round opens from the proposal page's form (its deadline filled in a week
ahead, eight in the evening); Joost finds it on the circle's page ("your
answer is awaited"), reads the question and objects with a reason on his
phone; the page then shows that he answered, and the facilitator's page who
has and who has not.
"""

from __future__ import annotations

import pytest

from tests.server import clock_code
from tests.browser import (  # noqa: F401  (playwright_chromium, kring: fixtures)
    SMALL_PHONE,
    expect,
    kring,
    nl,
    open_view,
    playwright_chromium,
    sign_in,
)

pytestmark = pytest.mark.browser

#: Run in the server's environment: the scenario's proposal through its picture-forming and opinion rounds
#: between meetings, everyone answering, so a consent round may open.
READY = """
import datetime as dt
import sqlalchemy as sa
from circle import between, clock, create_app
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Member
{clock}

app = create_app()
with app.app_context():
    people = db.session.scalars(sa.select(Member).where(Member.circle_id == {circle}).order_by(Member.position)).all()
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
        rnd = between.start_round_between(people[0], {proposal}, kind, clock.now() + dt.timedelta(days=2)).subject
        for m in people:
            between.contribute_between(m, rnd, m.id, Answer.SPEAK, m.name + " zegt iets.")
"""


def test_a_member_objects_from_a_small_phone_in_a_round_between_meetings(playwright_chromium, kring) -> None:
    _, browser = playwright_chromium
    server, seeded = kring
    server._run("-c", READY.format(clock=clock_code(server.now()), circle=seeded.circle, proposal=seeded.proposal))
    proposal_path = f"/c/{seeded.circle}/proposals/{seeded.proposal}/"

    laptop = open_view(browser, "Anna's laptop", viewport={"width": 1280, "height": 800})
    sign_in(laptop, server, seeded.tokens["Anna"])
    laptop.page.goto(server.url + proposal_path)
    start = laptop.page.locator("#start-between")
    start.locator("summary").click()  # folded once the proposal had rounds
    kinds = start.locator("select[name=kind] option").evaluate_all("(os) => os.map((o) => o.value)")
    assert kinds == ["opinion_forming", "consent"]  # what the method allows after an opinion round
    start.locator("select[name=kind]").select_option("consent")
    assert start.locator("input[name=deadline]").input_value().endswith("T20:00")
    start.locator("#do-start-between").click()
    expect(laptop.page.locator(".flash")).to_contain_text(
        nl("The round is open. Everyone in it can answer until the deadline."))

    phone = open_view(browser, "Joost's small phone", **SMALL_PHONE)
    sign_in(phone, server, seeded.tokens["Joost"])
    waiting = phone.page.locator("#rounds-between")
    expect(waiting).to_contain_text(nl("We are waiting for your answer."))
    waiting.locator("a").first.click()
    page = phone.page
    expect(page.locator("#answer-title")).to_have_text(nl("Your answer"))
    expect(page.locator("#do-consent")).to_be_visible()
    page.locator(".objection-box summary").click()
    page.locator("#objection-text").fill("In de zomer geeft niemand water.")
    page.locator("#objection-workable").fill("Als de buurtschool de zomer overneemt.")
    page.locator("#do-objection").click()
    expect(page.locator(".flash")).to_contain_text(nl("Thank you, the answer is in."))
    expect(page.locator(f"#seat-{seeded.members['Joost']}")).to_contain_text(nl("Objection"))
    expect(page.locator("#between-progress")).to_contain_text(nl("%(answered)s of %(total)s have answered.",
                                                                 answered=1, total=8))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the page scrolls sideways on 320 px"
    assert page.locator("#answer-title").count() == 0  # no second answer offered

    laptop.page.reload()
    expect(laptop.page.locator(f"#seat-{seeded.members['Kees']}")).to_contain_text(nl("not yet"))
    expect(laptop.page.locator("#close-between")).to_be_visible()
    assert server.query("SELECT answer, text FROM contribution ORDER BY id DESC LIMIT 1") == [
        ("objection", "In de zomer geeft niemand water.")]
    for view in (laptop, phone):
        assert view.errors == [], view.errors
        view.close()
