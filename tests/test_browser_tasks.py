"""Marking a task on an old small phone (320x568), in real Chromium against the real server.

Samen Vooruit adopted the greening of the containers, and Joost carries out
one of its tasks. On his phone he finds it on the circle's page, opens it on
the decision page, and marks it: first "stuck" without saying why (refused,
in Dutch, nothing stored), then done with a note. Everything he needs fits
the narrow screen and is big enough to tap; the record holds the mark and the
chain verifies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.server import KringServer, clock_code
from tests.test_browser import (  # noqa: F401  (playwright_chromium: a fixture)
    SMALL_PHONE,
    expect,
    nl,
    playwright_chromium,
    prepared_once,
    screen,
)

pytestmark = pytest.mark.browser

TASK = "Plantenbakken bestellen"
NOTE = "Besteld bij het tuincentrum, ze komen dinsdag."

#: Run in the server's environment before it starts: the scenario's meeting decides, and gives tasks.
DECIDE = """
import json
from circle import create_app, proposals, meetings
from circle.extensions import db
from circle.method import RoundKind
from circle.tasks import add_task
from tests.days import days
from tests.scenario import Circle, everyone_present, run_round
{clock}

app = create_app()
with app.app_context():
    made = Circle({circle}, {members!r}, {meeting}, {proposal})
    everyone_present(made)
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING, RoundKind.CONSENT):
        run_round(made, kind)
    anna = made.member("Anna")
    proposals.adopt(anna, made.meeting_id, made.proposal_id)
    meetings.close_meeting(anna, made.meeting_id)
    mine = add_task(anna, made.proposal_id, {task!r}, made.member_ids["Joost"], days(7)).subject
    add_task(anna, made.proposal_id, "Waterrooster maken", made.member_ids["Kees"], days(14))
    print(json.dumps({{"task": mine}}))
"""


@pytest.fixture
def decided(tmp_path_factory) -> Iterator[tuple[KringServer, object, int]]:
    template, seeded = prepared_once(tmp_path_factory)
    server = KringServer(tmp_path_factory.mktemp("kring-tasks"))
    server.copy_database(template)
    out = server._run("-c", DECIDE.format(clock=clock_code(server.now()), circle=seeded.circle,
                                          members=seeded.members, meeting=seeded.meeting,
                                          proposal=seeded.proposal, task=TASK))
    task = int(out.strip().splitlines()[-1].split(":")[1].strip(" }"))
    server.start()
    try:
        yield server, seeded, task
    finally:
        server.stop()


def test_joost_marks_his_task_done_on_a_small_phone(playwright_chromium, decided) -> None:
    p, browser = playwright_chromium
    server, seeded, task = decided
    home = f"/c/{seeded.circle}/"
    joost = screen(browser, server, seeded, "Joost", home, "Joost's small phone", **SMALL_PHONE)
    page = joost.page

    tasks = page.locator("#tasks")
    expect(tasks.get_by_role("heading", name=nl("Tasks"))).to_be_visible()
    mine = page.locator(f"#open-task-{task}")
    expect(mine).to_contain_text(TASK)
    expect(mine).to_contain_text(f"({nl('you')})")
    mine.get_by_role("link", name=TASK).click()
    page.wait_for_url(re.compile(rf"/decisions/{seeded.proposal}/#task-{task}$"))

    item = page.locator(f"#task-{task}")
    form = item.locator("form.mark-task")
    choices = [form.get_by_label(nl(word), exact=True) for word in ("Started", "Done", "Stuck")]
    for choice in choices:
        expect(choice).to_be_visible()
    save = form.get_by_role("button", name=nl("Save how it stands"))
    for control in (*(form.locator(f"label[for=mark-{task}-{v}]") for v in ("started", "done", "stuck")), save):
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box  # a finger finds it
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box  # and it is on the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # nothing runs off to the side
    # The other task is Kees's: no form for Joost there.
    assert page.locator("form.mark-task").count() == 1

    choices[2].check()  # stuck, without saying what is in the way: refused, nothing stored
    save.click()
    expect(page.locator(".flash.error")).to_contain_text(nl("Say what is in the way, so the circle can help."))
    assert server.query("SELECT status FROM task WHERE id = ?", task) == [("open",)]

    form = page.locator(f"#task-{task} form.mark-task")
    form.get_by_label(nl("Done"), exact=True).check()
    form.locator(f"#mark-note-{task}").fill(NOTE)
    form.get_by_role("button", name=nl("Save how it stands")).click()
    expect(page.locator(".flash.success")).to_contain_text(nl("Thank you, the task is marked."))
    item = page.locator(f"#task-{task}")
    expect(item.locator(".tag.task-done")).to_have_text(nl("Done"))
    expect(item.locator(".task-changes")).to_contain_text(NOTE)
    expect(item.locator(".task-changes")).to_contain_text(nl("%(name)s marked it: %(status)s.", name="Joost",
                                                             status=nl("Done")))
    assert server.query("SELECT status FROM task WHERE id = ?", task) == [("done",)]
    assert server.query("SELECT action FROM log_entry ORDER BY seq DESC LIMIT 1") == [("mark_task",)]
    assert joost.errors == []

    page.goto(server.url + home)  # done: no longer among the open tasks
    expect(page.locator("#tasks")).not_to_contain_text(TASK)
    assert "log intact" in server.verify_log()
    joost.close()
