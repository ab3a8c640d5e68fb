"""Decisions followed through: the tasks of Samen Vooruit's greening decision, through the pages.

The meeting of tests/samen_vooruit_flow.py adopts the decision; here Anna gives
it tasks, Kees marks his from his phone, Fatima marks one for Mohamed (who
has no smartphone), and the clock moves on until one is overdue: the circle
home says so, and the next meeting's page offers the decision for the agenda.
Every refusal leaves the database as it was; every change is one log entry,
shown on the decision page, to the neighbourhood too when the record is
public; the chain verifies.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from circle import meetings, record
from circle.circles import end_membership, set_public_record
from circle.extensions import db
from circle.method import NameDisplay, Phase, RuleBroken, TaskStatus
from circle.models import AgendaItem, Circle, LogEntry, Proposal, Task, TaskChange
from circle.read import followup
from circle.tasks import add_task, mark_task
from tests.conftest import find_csrf_token
from tests.days import days, shown
from tests.samen_vooruit_flow import app, browser, played, played_database, refused  # noqa: F401

#: The tasks Anna gives the decision: what, who, in how many days.
TASKS = [("Plantenbakken bestellen", "Kees", 7), ("Waterrooster maken", "Mohamed", 21)]


def stored(app, circle_id: int) -> tuple:
    """Everything a task action could change: the log's length, every task and every change."""
    with app.app_context():
        return (db.session.get(Circle, circle_id).log_length,
                db.session.execute(sa.select(Task.id, Task.what, Task.carrier_id, Task.due_on, Task.status)
                                   .order_by(Task.id)).all(),
                db.session.scalar(sa.select(sa.func.count(TaskChange.id))))


def post(client, page_url: str, action: str, **data) -> str:
    """Post a form of a page as a person does: with the page's CSRF token; return the page it leads to."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    response = client.post(action, data={"csrf_token": find_csrf_token(page.text), **data},
                           follow_redirects=True)
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture
def tasked(app, played):
    """The decision with Anna's two tasks, added through the decision page; returns the task ids."""
    anna = browser(app, played.member_ids["Anna"])
    url = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    assert "Add a task" in anna.get(url).text
    ids = []
    for what, who, due in TASKS:
        page = post(anna, url, url + "tasks", what=what, carrier_id=played.member_ids[who],
                    due_on=days(due).isoformat())
        assert not refused(page), page
        ids.append(int(re.findall(r'id="task-(\d+)"', page)[-1]))
    return ids


def test_tasks_are_added_and_marked_and_every_change_is_logged_and_shown(app, played, tasked):
    kees_task, mohamed_task = tasked
    decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    kees = browser(app, played.member_ids["Kees"])
    page = kees.get(decision).text
    assert f'action="/c/{played.circle_id}/tasks/{kees_task}/mark"' in page  # his own task: a form
    assert f'action="/c/{played.circle_id}/tasks/{mohamed_task}/mark"' not in page  # Mohamed's: none
    assert "Add a task" not in page and "Change the task" not in page  # not the proposer, not a recorder

    page = post(kees, decision, f"/c/{played.circle_id}/tasks/{kees_task}/mark", status="started",
                note="Offerte gevraagd bij het tuincentrum.")
    assert "the task is marked" in page
    page = post(kees, decision, f"/c/{played.circle_id}/tasks/{kees_task}/mark", status="done",
                note="Bezorgd op dinsdag.")
    fatima = browser(app, played.member_ids["Fatima"])
    page = post(fatima, decision, f"/c/{played.circle_id}/tasks/{mohamed_task}/mark", status="stuck",
                note="Nog geen vier vrijwilligers.")

    with app.app_context():
        entries = db.session.scalars(sa.select(LogEntry).where(
            LogEntry.action.in_(["add_task", "mark_task"])).order_by(LogEntry.seq)).all()
        assert [e.action for e in entries] == ["add_task", "add_task", "mark_task", "mark_task", "mark_task"]
        last = json.loads(entries[-1].data)
        assert last["status"] == "stuck" and last["member"]["name"] == "Mohamed"
        assert last["recorded_by"]["name"] == "Fatima"  # marked for him, and the record says so
        assert "recorded_by" not in json.loads(entries[-2].data)  # Kees marked his own
        assert db.session.get(Task, kees_task).status == TaskStatus.DONE
        changes = db.session.scalars(sa.select(TaskChange).order_by(TaskChange.id)).all()
        assert [c.log_seq for c in changes] == [e.seq for e in entries]
        assert record.verify(played.circle_id).intact

    page = kees.get(decision).text
    section = page.split('id="tasks"', 1)[1].split("</section>", 1)[0]
    assert "Plantenbakken bestellen" in section and "Offerte gevraagd bij het tuincentrum." in section
    assert "Fatima</bdi> marked it for <bdi>Mohamed</bdi>: Stuck." in section
    assert "Nog geen vier vrijwilligers." in section
    assert re.search(r"Kees</bdi> marked it: Done\.", section)


def test_who_may_mark_and_add_and_refusals_store_nothing(app, played, tasked):
    kees_task, mohamed_task = tasked
    circle, decision = played.circle_id, f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    before = stored(app, circle)
    joost = browser(app, played.member_ids["Joost"])
    page = post(joost, decision, f"/c/{circle}/tasks/{kees_task}/mark", status="done")
    assert "Only the person who carries out this task" in page
    page = post(joost, decision, decision + "tasks", what="Iets", carrier_id=played.member_ids["Joost"],
                due_on=days(3).isoformat())
    assert "Your role in this circle does not allow this." in page  # not the proposer, not a recorder
    kees = browser(app, played.member_ids["Kees"])
    page = post(kees, decision, f"/c/{circle}/tasks/{kees_task}/mark", status="stuck", note="")
    assert "Say what is in the way" in page
    page = post(kees, decision, f"/c/{circle}/tasks/{kees_task}/mark", status="finished")
    assert refused(page)
    anna = browser(app, played.member_ids["Anna"])
    page = post(anna, decision, decision + "tasks", what="Te laat", carrier_id=played.member_ids["Kees"],
                due_on=days(-1).isoformat())
    assert "Choose a day that has not passed yet." in page
    page = post(anna, decision, decision + "tasks", what="", carrier_id=played.member_ids["Kees"],
                due_on=days(3).isoformat())
    assert refused(page)
    postponed = f"/c/{circle}/decisions/{played.postponed_id}/"
    page = post(anna, postponed, postponed + "tasks", what="Koken", carrier_id=played.member_ids["Joost"],
                due_on=days(3).isoformat())
    assert "Only an adopted decision gets tasks." in page
    assert stored(app, circle) == before

    with app.app_context():  # someone who left gets no task; a repeated mark without a note writes nothing
        anna_m = db.session.get(Circle, circle).members[0]
        end_membership(anna_m, circle, played.member_ids["Dewi"], on=days(0))
        before = stored(app, circle)
        with pytest.raises(RuleBroken, match="not_a_member_now"):
            add_task(anna_m, played.proposal_id, "Iets", played.member_ids["Dewi"], days(3))
        kees_m = db.session.get(Task, kees_task).carrier
        done = mark_task(kees_m, kees_task, TaskStatus.STARTED, "")
        assert not done.unchanged
        again = mark_task(kees_m, kees_task, TaskStatus.STARTED, "")
        assert again.unchanged
        assert stored(app, circle)[0] == before[0] + 1  # one mark logged, the second tap nothing


def test_open_and_overdue_tasks_on_the_home_as_the_clock_moves(app, played, tasked, frozen_clock):
    kees_task, mohamed_task = tasked
    joost = browser(app, played.member_ids["Joost"])
    home = joost.get(f"/c/{played.circle_id}/").text
    section = home.split('id="tasks"', 1)[1].split("</section>", 1)[0]
    assert "Plantenbakken bestellen" in section and "Waterrooster maken" in section
    assert "Overdue" not in section and "overdue" not in section
    with app.app_context():
        assert followup.overdue_tasks(days(7)) == []

    with frozen_clock.later(days=7):  # its own day: not overdue yet
        assert "Overdue" not in joost.get(f"/c/{played.circle_id}/").text.split('id="tasks"', 1)[1]
    with frozen_clock.later(days=8):
        section = joost.get(f"/c/{played.circle_id}/").text.split('id="tasks"', 1)[1].split("</section>", 1)[0]
        assert "1 task is overdue." in section
        kees_line = section.split(f'id="open-task-{kees_task}"', 1)[1].split("</li>", 1)[0]
        assert "Overdue" in kees_line and shown(days(7)) in kees_line
        assert "Overdue" not in section.split(f'id="open-task-{mohamed_task}"', 1)[1].split("</li>", 1)[0]
        with app.app_context():
            assert [t.id for t in followup.overdue_tasks(days(8))] == [kees_task]
            assert [t.id for t in followup.overdue_tasks(days(8), played.circle_id)] == [kees_task]
        kees = browser(app, played.member_ids["Kees"])
        decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
        post(kees, decision, f"/c/{played.circle_id}/tasks/{kees_task}/mark", status="done")
        section = joost.get(f"/c/{played.circle_id}/").text.split('id="tasks"', 1)[1].split("</section>", 1)[0]
        assert "Plantenbakken bestellen" not in section and "overdue" not in section  # done: no longer open
        with app.app_context():
            assert followup.overdue_tasks(days(8)) == []


def test_an_overdue_task_is_offered_for_the_next_agenda(app, played, tasked, frozen_clock):
    with frozen_clock.later(days=8):
        with app.app_context():
            anna_m = db.session.get(Circle, played.circle_id).members[0]
            next_id = meetings.plan_meeting(anna_m, "Kernteam december", days(20)).subject
        anna = browser(app, played.member_ids["Anna"])
        url, agenda = f"/c/{played.circle_id}/meetings/{next_id}/", f"/c/{played.circle_id}/agenda/{next_id}/"
        page = anna.get(url).text
        offered = page.split("Decisions with overdue tasks", 1)[1].split("</ul>\n", 1)[0]
        assert f'id="overdue-{played.proposal_id}"' in page and "Plantenbakken bestellen" in offered
        assert "Waterrooster maken" not in offered  # not overdue
        joost_page = browser(app, played.member_ids["Joost"]).get(url).text
        assert "Shape the agenda" not in joost_page  # members see the agenda, not the shaping
        page = post(anna, url, agenda + "place", proposal_id=played.proposal_id,
                    based_on=re.search(r'name="based_on" value="(\d+)"', page).group(1))
        assert not refused(page)
        assert f'id="overdue-{played.proposal_id}"' not in page  # on the agenda now: offered no more
        with app.app_context():
            item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.meeting_id == next_id))
            assert item.proposal_id == played.proposal_id and item.review
            assert db.session.get(Proposal, played.proposal_id).phase == Phase.REVIEW
        joost_page = browser(app, played.member_ids["Joost"]).get(url).text
        review = joost_page.split('class="review-tasks"', 1)[1].split("</ul>", 1)[0]  # the meeting looks back
        assert "Plantenbakken bestellen" in review and "Overdue" in review and "Waterrooster maken" in review
        home = browser(app, played.member_ids["Joost"]).get(f"/c/{played.circle_id}/").text
        preview = home.split('id="next-meeting"', 1)[1].split("</section>", 1)[0]
        assert "Kernteam december" in preview and "Afvalcontainers vergroenen" in preview
        assert "Decision, for its review" in preview


@pytest.mark.parametrize(("names", "kees"), [(NameDisplay.FIRST, "Kees"), (NameDisplay.INITIALS, "K.")])
def test_tasks_are_public_when_the_record_is_and_hidden_when_not(app, played, tasked, names, kees):
    decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    kees_phone = browser(app, played.member_ids["Kees"])
    post(kees_phone, decision, f"/c/{played.circle_id}/tasks/{tasked[0]}/mark", status="started",
         note="Offerte gevraagd.")
    neighbour = browser(app)
    assert neighbour.get(decision).status_code == 302  # private: sent to sign in
    with app.app_context():
        set_public_record(db.session.get(Circle, played.circle_id).members[0], True, names)
    page = neighbour.get(decision)
    assert page.status_code == 200
    section = page.text.split('id="tasks"', 1)[1].split("</section>", 1)[0]
    assert "Plantenbakken bestellen" in section and "Offerte gevraagd." in section
    assert f"<bdi>{kees}</bdi> marked it: Started." in section
    assert "<form" not in section  # the public reads; it marks nothing
    assert neighbour.post(f"/c/{played.circle_id}/tasks/{tasked[0]}/mark",
                          data={"status": "done"}).status_code == 400  # no form, no token



def test_the_minutes_and_their_files_show_the_tasks_of_what_was_adopted(app, played, tasked):
    kees = browser(app, played.member_ids["Kees"])
    decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    post(kees, decision, f"/c/{played.circle_id}/tasks/{tasked[0]}/mark", status="done")
    base = f"/c/{played.circle_id}/meetings/{played.meeting_id}/minutes"
    items = json.loads(kees.get(base + ".json").text)["items"]
    adopted = next(i for i in items if i["proposal_id"] == played.proposal_id)
    assert adopted["tasks"] == [
        {"what": "Plantenbakken bestellen", "who": "Kees", "due_on": days(7).isoformat(), "status": "done"},
        {"what": "Waterrooster maken", "who": "Mohamed", "due_on": days(21).isoformat(), "status": "open"}]
    assert next(i for i in items if i["proposal_id"] == played.postponed_id)["tasks"] == []
    markdown = kees.get(base + ".md").text
    tasks = markdown.split("### Tasks", 1)[1]
    assert "Plantenbakken bestellen" in tasks and "Kees" in tasks and "Done" in tasks
    page = kees.get(base).text
    assert "Waterrooster maken" in page.split('class="minutes-tasks"', 1)[1].split("</ul>", 1)[0]


def test_whoever_carries_a_task_finds_it_and_their_notes_in_what_kring_holds_about_them(app, played, tasked):
    kees = browser(app, played.member_ids["Kees"])
    decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    post(kees, decision, f"/c/{played.circle_id}/tasks/{tasked[0]}/mark", status="started", note="Offerte gevraagd.")
    data = json.loads(kees.get("/you/data.json").data)
    assert [(t["what"], t["status"]) for t in data["tasks"]] == [("Plantenbakken bestellen", "started")]
    assert [n["note"] for n in data["task_notes"]] == ["Offerte gevraagd."]
    named = [e["action"] for e in data["log_entries"] if e["action"] in ("add_task", "mark_task")]
    assert named == ["add_task", "mark_task"]  # Anna's entry gives it to him: it names him
    assert "Offerte gevraagd." in kees.get("/you/data").text
    joost = json.loads(browser(app, played.member_ids["Joost"]).get("/you/data.json").data)
    assert joost["tasks"] == [] and joost["task_notes"] == []
