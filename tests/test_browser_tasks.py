"""Between meetings in real Chromium against the real server: a task marked on an old small phone (320x568),
and the next meeting's agenda shaped from what was put forward.

Samen Vooruit adopted the greening of the containers, and Joost carries out
one of its tasks. On his phone he finds it on the circle's page, opens it on
the decision page, and marks it: first "stuck" without saying why (refused,
in Dutch, nothing stored), then done with a note. Everything he needs fits
the narrow screen and is big enough to tap; the record holds the mark and the
chain verifies. Anna then puts Joost's topic on the next meeting's agenda from
that meeting's page. No page breaks the Content-Security-Policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.server import KringServer, clock_code
from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    SMALL_PHONE,
    View,
    expect,
    nl,
    open_view,
    playwright_chromium,
    prepared_once,
    sign_in,
)
from tests.test_browser_csp import WATCH


def watched(browser, server: KringServer, seeded, who: str, path: str, **options) -> View:
    """Someone's screen, signed in, on `path`; every page of it records what the policy refuses."""
    view = open_view(browser, who, **options)
    view.context.add_init_script(WATCH)
    sign_in(view, server, seeded.tokens[who])
    view.page.goto(server.url + path)
    return view


def no_violations(view: View) -> None:
    assert view.page.evaluate("window.kringViolations") == [], view.name

pytestmark = pytest.mark.browser

TASK = "Plantenbakken bestellen"
TOPIC = "Fietsen op de stoep bij de school"
NOTE = "Besteld bij het tuincentrum, ze komen dinsdag."

#: Run in the server's environment before it starts: the scenario's meeting decides, and gives tasks.
DECIDE = """
import json
from circle import create_app, proposals, meetings
from circle.extensions import db
from circle.method import RoundKind
from circle.agenda import put_forward_topic
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
    nxt = meetings.plan_meeting(anna, "Kernteam december", days(14)).subject
    topic = put_forward_topic(made.member("Joost"), {topic!r}).subject
    print(json.dumps({{"task": mine, "next": nxt, "topic": topic}}))
"""


def served_after(tmp_path_factory, name: str, script: str, **values) -> Iterator[tuple[KringServer, object, dict]]:
    """The Samen Vooruit scenario, then `script` run in the server's environment (formatted with the clock,
    the scenario's ids and `values`; its last line printed JSON), then the server started."""
    template, seeded = prepared_once(tmp_path_factory)
    server = KringServer(tmp_path_factory.mktemp(name))
    server.copy_database(template)
    out = server._run("-c", script.format(clock=clock_code(server.now()), circle=seeded.circle,
                                          members=seeded.members, meeting=seeded.meeting,
                                          proposal=seeded.proposal, **values))
    made = json.loads(out.strip().splitlines()[-1])
    server.start()
    try:
        yield server, seeded, made
    finally:
        server.stop()


@pytest.fixture
def decided(tmp_path_factory) -> Iterator[tuple[KringServer, object, dict]]:
    yield from served_after(tmp_path_factory, "kring-tasks", DECIDE, task=TASK, topic=TOPIC)


def test_joost_marks_his_task_done_on_a_small_phone(playwright_chromium, decided) -> None:
    p, browser = playwright_chromium
    server, seeded, made = decided
    task = made["task"]
    home = f"/c/{seeded.circle}/"
    joost = watched(browser, server, seeded, "Joost", home, **SMALL_PHONE)
    page = joost.page
    no_violations(joost)

    tasks = page.locator("#tasks")
    expect(tasks.get_by_role("heading", name=nl("Tasks"))).to_be_visible()
    mine = page.locator(f"#open-task-{task}")
    expect(mine).to_contain_text(TASK)
    expect(mine).to_contain_text(f"({nl('you')})")
    mine.get_by_role("link", name=TASK).click()
    page.wait_for_url(re.compile(rf"/decisions/{seeded.proposal}/#task-{task}$"))
    no_violations(joost)

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
    no_violations(joost)

    page.goto(server.url + home)  # done: no longer among the open tasks
    expect(page.locator("#tasks")).not_to_contain_text(TASK)
    joost.close()
    assert "log intact" in server.verify_log()


def test_anna_puts_a_topic_put_forward_on_the_next_meetings_agenda(playwright_chromium, decided) -> None:
    _, browser = playwright_chromium
    server, seeded, made = decided
    anna = watched(browser, server, seeded, "Anna", f"/c/{seeded.circle}/meetings/{made['next']}/",
                   viewport={"width": 1280, "height": 800})
    shape = anna.page.locator("#shape-agenda")
    waiting = shape.locator(f"#waiting-{made['topic']}")
    expect(waiting).to_contain_text(TOPIC)
    expect(waiting).to_contain_text(nl("Topic"))
    waiting.get_by_role("button", name=re.compile(nl("Put on the agenda"))).click()
    expect(anna.page.locator("#meeting-agenda")).to_contain_text(TOPIC)
    expect(shape.locator(f"#shape-item-{made['topic']}")).to_be_visible()
    assert server.query("SELECT proposal_id FROM agenda_item WHERE meeting_id = ?", made["next"]) == \
        [(made["topic"],)]
    no_violations(anna)
    assert anna.errors == []
    anna.close()
    assert "log intact" in server.verify_log()
