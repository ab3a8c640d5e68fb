"""Roles and a working group in real Chromium against the real server, on an old small phone (320x568).

Anna's term as facilitator of Samen Vooruit ends in three weeks, and Samen
Vooruit has started Werkgroep Zwerfvuil with Kees as its leader. On her phone
Anna finds on the circle's page who holds which role until when, her own term
marked, and the working group; she puts an election for her role on today's
agenda with one tap, and lands on the meeting, with the election on its
agenda. Joost follows the link to the working group's decisions, which he
reads as a member of Samen Vooruit. No page breaks the Content-Security-Policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.days import days, shown
from tests.server import KringServer
from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    SMALL_PHONE,
    expect,
    nl,
    playwright_chromium,
)
from tests.test_browser_tasks import no_violations, served_after, watched

pytestmark = pytest.mark.browser

GROUP = "Werkgroep Zwerfvuil"
AIM = "Geen zwerfvuil meer in de Javastraat."

#: Run in the server's environment before it starts: Anna's term, and the working group.
ROLES = """
import json
from circle import create_app, roles, subcircles
from tests.days import days
from tests.scenario import Circle
{clock}

app = create_app()
with app.app_context():
    made = Circle({circle}, {members!r}, {meeting}, {proposal})
    anna = made.member("Anna")
    roles.record_term(anna, "facilitator.{circle}", anna.id, days(-345), days(20))
    group = subcircles.start_subcircle(made.member("Anna"), {group!r}, {aim!r}, "Opruimen.",
                                       made.member_ids["Kees"], days(-5), days(359)).subject
    print(json.dumps({{"group": group}}))
"""


@pytest.fixture
def with_roles(tmp_path_factory) -> Iterator[tuple[KringServer, object, dict]]:
    yield from served_after(tmp_path_factory, "kring-roles", ROLES, group=GROUP, aim=AIM)


def test_anna_sees_her_term_ending_and_puts_an_election_on_todays_agenda(playwright_chromium, with_roles) -> None:
    _, browser = playwright_chromium
    server, seeded, made = with_roles
    anna = watched(browser, server, seeded, "Anna", f"/c/{seeded.circle}/", **SMALL_PHONE)
    page = anna.page
    no_violations(anna)

    facilitator = page.locator(f"#role-facilitator\\.{seeded.circle}")
    expect(facilitator).to_contain_text(nl("Facilitator"))
    expect(facilitator).to_contain_text(nl("until %(day)s", day=shown(days(20), "nl")))
    expect(facilitator.locator(".tag.term-near-end")).to_have_text(nl("term ends soon"))
    group = page.locator(f"#subcircle-{made['group']}")
    expect(group).to_contain_text(GROUP)
    expect(group).to_contain_text(AIM)
    expect(group).to_contain_text(f"{nl('Leader')}: Kees")

    offer = page.locator(f"#offer-facilitator\\.{seeded.circle}")
    expect(offer).to_contain_text(nl("%(name)s's term ends on %(day)s.", name="Anna", day=shown(days(20), "nl")))
    button = offer.get_by_role("button", name=re.compile(nl("Put an election on the agenda")))
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # nothing runs off to the side
    button.click()
    page.wait_for_url(re.compile(rf"/meetings/{seeded.meeting}/$"))
    [(election, title)] = server.query(
        "SELECT p.id, v.title FROM proposal p JOIN proposal_version v ON v.proposal_id = p.id "
        "WHERE p.kind = 'election'")
    assert server.query("SELECT meeting_id FROM agenda_item WHERE proposal_id = ?", election) == [(seeded.meeting,)]
    expect(page.locator("#meeting-agenda")).to_contain_text(title)
    no_violations(anna)
    assert anna.errors == []
    anna.close()
    assert "log intact" in server.verify_log()


def test_joost_reads_the_working_groups_decisions_as_a_member_of_samen_vooruit(playwright_chromium,
                                                                                with_roles) -> None:
    _, browser = playwright_chromium
    server, seeded, made = with_roles
    joost = watched(browser, server, seeded, "Joost", f"/c/{seeded.circle}/", **SMALL_PHONE)
    page = joost.page
    page.locator(f"#subcircle-{made['group']} h3").get_by_role("link", name=GROUP).click()
    page.wait_for_url(re.compile(rf"/c/{made['group']}/logbook/$"))
    expect(page.locator("#read-as-parent")).to_be_visible()
    expect(page.locator("h1")).to_have_text(nl("Logbook"))
    no_violations(joost)
    assert joost.errors == []
    joost.close()
