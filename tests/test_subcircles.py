"""Circles within circles: Samen Vooruit starts a working group, Werkgroep Zwerfvuil, with a leader and a delegate.

The parent chooses the leader (Kees), the working group its delegate (Lotte,
who was not in Samen Vooruit); both sit in both circles, appear on both
circles' meetings and answer in both circles' rounds through the real meeting
page. A member of Samen Vooruit reads the working group's decisions and
minutes, with full names, and acts nowhere there; Bas, only in the working
group, reads nothing of Samen Vooruit's (docs/roles-and-elections.md,
"Circles within circles"). The clock stands at tests/days.py's NOW.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from circle import meetings, proposals, roles, rounds, subcircles
from circle.circles import add_member, set_public_record
from circle.extensions import db
from circle.method import Answer, NameDisplay, Role, RoleKind, RoundKind, RoundMode
from circle.models import AgendaItem, Circle, CircleRole, LogEntry, Member, Task
from circle.tasks import add_task
from tests.days import TODAY, days
from tests.pages import shown
from tests.samen_vooruit_flow import Phone, refused
from tests.scenario import samen_vooruit

AIM = "Een buurt zonder zwerfvuil: elke straat een keer per maand schoon."
DOMAIN = "De opruimochtenden, de grijpers en handschoenen, en afspraken met de vuilophaal."
DECISION = "Grijpers uitlenen vanuit het buurthuis"
TASK = "Uitleenlijst maken voor de grijpers"


@dataclass
class Group:
    """Ids of Samen Vooruit and its working group; rows are looked up fresh in each test."""

    parent: int
    sub: int
    ids: dict[str, int]  # members of Samen Vooruit by name
    sub_ids: dict[str, int]  # members of the working group by name
    meeting: int  # Samen Vooruit's meeting today

    def member(self, name: str, sub: bool = False) -> Member:
        return db.session.get(Member, (self.sub_ids if sub else self.ids)[name])


def _text(page: str) -> str:
    """What a part of a page reads: its words, without markup, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split()).replace(" :", ":")


def _membership(circle_id: int, person_id: int) -> Member | None:
    return db.session.scalar(sa.select(Member).where(Member.circle_id == circle_id, Member.person_id == person_id))


def _log(circle_id: int) -> list[tuple[str, dict]]:
    return [(e.action, json.loads(e.data)) for e in db.session.scalars(
        sa.select(LogEntry).where(LogEntry.circle_id == circle_id).order_by(LogEntry.seq))]


def _working_group() -> Group:
    """Samen Vooruit, its working group led by Kees (chosen by Samen Vooruit), Lotte its delegate, Bas in it."""
    made = samen_vooruit()
    anna = made.member("Anna")
    sub = subcircles.start_subcircle(anna, "Werkgroep Zwerfvuil", AIM, DOMAIN, made.member_ids["Kees"],
                                     days(-30), days(335)).subject
    kees = _membership(sub, made.member("Kees").person_id)
    lotte = add_member(kees, sub, "Lotte Bakker", since=days(-20)).subject
    bas = add_member(kees, sub, "Bas de Vries", since=days(-20)).subject
    roles.record_term(db.session.get(Member, kees.id), f"delegate.{sub}", lotte, days(-20), days(345))
    lotte_above = _membership(made.circle_id, db.session.get(Member, lotte).person_id)
    ids = {**made.member_ids, "Lotte Bakker": lotte_above.id}
    return Group(made.circle_id, sub, ids, {"Kees": kees.id, "Lotte Bakker": lotte, "Bas de Vries": bas},
                 made.meeting_id)


def _decide_in_working_group(group: Group) -> int:
    """Last week the working group adopted Bas's proposal, with a task for Lotte; the meeting is closed."""
    kees, bas = group.member("Kees", sub=True), group.member("Bas de Vries", sub=True)
    proposal = proposals.write_draft(bas, proposals.Wording(title=DECISION, text="Wie wil opruimen, leent er een.")).subject
    meeting = meetings.plan_meeting(kees, "Werkgroep-overleg", days(-7)).subject
    proposals.put_on_agenda(kees, proposal, meeting)
    meetings.open_meeting(kees, meeting)
    for member_id in group.sub_ids.values():
        meetings.mark_attendance(kees, meeting, member_id, True)
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING, RoundKind.CONSENT):
        rounds.start_round(kees, meeting, kind, RoundMode.OPEN, proposal_id=proposal)
        answer = Answer.CONSENT if kind == RoundKind.CONSENT else Answer.SPEAK
        for name, member_id in group.sub_ids.items():
            rounds.contribute(group.member(name, sub=True), meeting, member_id, answer, f"Zegt {name}.")
        rounds.close_round(kees, meeting)
    proposals.adopt(kees, meeting, proposal)
    add_task(kees, proposal, TASK, group.sub_ids["Lotte Bakker"], days(14))
    meetings.close_meeting(kees, meeting)
    return proposal


@pytest.fixture
def group(app) -> Group:
    with app.app_context():
        return _working_group()


def _browser(app, member_id: int):
    from tests.conftest import sign_in_with_link

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the checks below read the English words
    sign_in_with_link(client, member_id)
    return client


def test_the_parent_starts_a_working_group_from_its_home_with_its_leader_seated_in_both(app, sign_in, csrf_token):
    with app.app_context():
        made = samen_vooruit()
    client = app.test_client()
    sign_in(client, made.member_ids["Anna"])
    home = client.get(f"/c/{made.circle_id}/")
    response = client.post(f"/c/{made.circle_id}/subcircles", data={
        "csrf_token": csrf_token(home.text), "sub-name": "Werkgroep Zwerfvuil", "sub-aim": AIM, "sub-domain": DOMAIN,
        "sub-leader_id": made.member_ids["Kees"], "sub-held_from": TODAY.isoformat(),
        "sub-held_until": days(364).isoformat()})
    assert response.status_code == 303
    with app.app_context():
        sub = db.session.scalar(sa.select(Circle).where(Circle.parent_id == made.circle_id))
        assert (sub.name, sub.aim, sub.domain) == ("Werkgroep Zwerfvuil", AIM, DOMAIN)
        kees = made.member("Kees")
        in_sub = _membership(sub.id, kees.person_id)
        # The leader steers the new circle until it chooses its facilitator, and stays a member of the parent.
        assert (in_sub.role, in_sub.active, kees.role) == (Role.FACILITATOR, True, Role.MEMBER)
        kinds = {r.kind: r.chosen_by_id for r in db.session.scalars(
            sa.select(CircleRole).where(CircleRole.circle_id == sub.id))}
        assert kinds == {RoleKind.FACILITATOR: sub.id, RoleKind.SECRETARY: sub.id,
                         RoleKind.LEADER: made.circle_id, RoleKind.DELEGATE: sub.id}
        leader = db.session.scalar(sa.select(CircleRole).where(CircleRole.circle_id == sub.id,
                                                               CircleRole.kind == RoleKind.LEADER))
        assert [(t.person_id, t.held_until) for t in leader.terms] == [(kees.person_id, days(364))]
        parent_log, sub_log = _log(made.circle_id), _log(sub.id)
        assert parent_log[-1][0] == "start_subcircle" and parent_log[-1][1]["aim"] == AIM
        assert [a for a, _ in sub_log] == ["create_circle"]
        assert sub_log[0][1]["parent"] == {"id": made.circle_id, "name": "Samen Vooruit"}
    page = shown(client.get(f"/c/{made.circle_id}/").text)
    assert "Werkgroep Zwerfvuil" in page and AIM in page and "Kees" in page


def test_the_delegate_the_working_group_chooses_is_seated_in_the_parent_and_both_logs_say_so(app, group):
    with app.app_context():
        lotte = group.member("Lotte Bakker")
        # Lotte was only in the working group; now she sits in Samen Vooruit too, at the end of its ring.
        ring = [m.id for m in db.session.get(Circle, group.parent).seated]
        assert ring[-1] == lotte.id and lotte.role == Role.MEMBER and lotte.joined_on == days(-20)
        seated = [d for a, d in _log(group.parent) if a == roles.SEATED_FOR_ROLE]
        assert seated and seated[-1]["member"]["name"] == "Lotte Bakker"
        assert seated[-1]["role"]["kind"] == "delegate" and seated[-1]["chosen_by"] == group.sub
        recorded = [d for a, d in _log(group.sub) if a == "record_term"]
        assert recorded[-1]["person"]["name"] == "Lotte Bakker" and recorded[-1]["seated"][0]["circle"] == group.parent


def test_leader_and_delegate_are_on_both_circles_meetings_and_answer_in_both_rounds(app, group):
    with app.app_context():
        kees = group.member("Kees", sub=True)
        sub_meeting = meetings.plan_meeting(kees, "Werkgroep-overleg", TODAY).subject
    # Samen Vooruit's meeting: Anna opens it and starts an open check-in; Kees and Lotte answer from their phones.
    anna = Phone(app, group.parent, group.meeting, group.ids["Anna"])
    page = shown(anna.page())
    assert "Kees" in page and "Lotte Bakker" in page
    anna.post("/open")
    for name in ("Anna", "Kees", "Lotte Bakker", "Joost"):
        assert not refused(anna.post("/attendance", member_id=group.ids[name], present="y"))
    assert not refused(anna.post("/round/start", kind="opening", mode="open"))
    for name, text in (("Kees", "De werkgroep heeft er zin in."), ("Lotte Bakker", "Ik ben er voor de werkgroep.")):
        phone = Phone(app, group.parent, group.meeting, group.ids[name])
        assert not refused(phone.post("/contribute", member_id=group.ids[name], answer="speak", text=text))
    # The working group's meeting: Kees steers it; Lotte answers there too.
    steer = Phone(app, group.sub, sub_meeting, group.sub_ids["Kees"])
    assert "Lotte Bakker" in shown(steer.page()) and "Bas de Vries" in shown(steer.page())
    steer.post("/open")
    for name in ("Kees", "Lotte Bakker", "Bas de Vries"):
        assert not refused(steer.post("/attendance", member_id=group.sub_ids[name], present="y"))
    assert not refused(steer.post("/round/start", kind="opening", mode="open"))
    lotte = Phone(app, group.sub, sub_meeting, group.sub_ids["Lotte Bakker"])
    assert not refused(lotte.post("/contribute", member_id=group.sub_ids["Lotte Bakker"], answer="speak",
                                  text="Goed dat we er zijn."))
    with app.app_context():
        said = {(m.circle_id, m.person.name) for m in db.session.scalars(sa.select(Member).join(
            Member.circle)) if any(c for c in _contributions(m.id))}
    assert {(group.parent, "Kees"), (group.parent, "Lotte Bakker"), (group.sub, "Lotte Bakker")} <= said


def _contributions(member_id: int) -> list:
    from circle.models import Contribution

    return list(db.session.scalars(sa.select(Contribution.id).where(Contribution.member_id == member_id)))


def test_a_parent_member_reads_the_working_groups_decisions_with_full_names_and_acts_nowhere_there(app, group,
                                                                                                    csrf_token):
    with app.app_context():
        proposal = _decide_in_working_group(group)
        closed = db.session.scalar(sa.select(AgendaItem.meeting_id).where(AgendaItem.proposal_id == proposal))
        task_id = db.session.scalar(sa.select(Task.id).where(Task.proposal_id == proposal))
        log_length = db.session.get(Circle, group.sub).log_length
    joost = _browser(app, group.ids["Joost"])
    logbook = joost.get(f"/c/{group.sub}/logbook/")
    assert logbook.status_code == 200 and DECISION in shown(logbook.text)
    assert 'id="read-as-parent"' in logbook.text
    decision = joost.get(f"/c/{group.sub}/decisions/{proposal}/")
    assert decision.status_code == 200
    assert "Bas de Vries" in shown(decision.text)  # full names, where the public would see "Bas"
    assert TASK in shown(decision.text) and 'action="/c/%d/decisions/%d/tasks"' % (group.sub, proposal) not in decision.text
    minutes = joost.get(f"/c/{group.sub}/meetings/{closed}/minutes")
    assert minutes.status_code == 200 and "Bas de Vries" in shown(minutes.text)
    # Acting is for the working group's members: its home, its meetings, its forms are not Joost's.
    assert joost.get(f"/c/{group.sub}/").status_code == 404
    assert joost.get(f"/c/{group.sub}/meetings/{closed}/").status_code == 404
    token = csrf_token(joost.get(f"/c/{group.parent}/").text)
    for path, data in ((f"/c/{group.sub}/plan-meeting", {"title": "Eigen overleg", "date": TODAY.isoformat()}),
                       (f"/c/{group.sub}/topics/new", {"subject": "Iets anders"}),
                       (f"/c/{group.sub}/decisions/{proposal}/tasks",
                        {"what": "Nog iets", "carrier_id": group.sub_ids["Bas de Vries"], "due_on": days(3)})):
        assert joost.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert joost.post(f"/c/{group.sub}/tasks/{task_id}/mark",
                      data={"csrf_token": token, "status": "done"}).status_code == 404
    with app.app_context():
        assert db.session.get(Circle, group.sub).log_length == log_length


def test_a_working_group_member_reads_nothing_of_the_parents_own_record(app, group):
    bas = _browser(app, group.sub_ids["Bas de Vries"])
    assert bas.get(f"/c/{group.sub}/").status_code == 200
    for path in (f"/c/{group.parent}/", f"/c/{group.parent}/logbook/", f"/c/{group.parent}/log.jsonl",
                 f"/c/{group.parent}/decisions.csv", f"/c/{group.parent}/meetings/{group.meeting}/"):
        assert bas.get(path).status_code == 404, path


def test_a_guest_of_the_parent_or_the_public_reads_no_more_than_the_public_record(app, group):
    with app.app_context():
        proposal = _decide_in_working_group(group)
        set_public_record(group.member("Anna"), True, NameDisplay.FULL)  # the parent's record, not the group's
        guest = add_member(None, group.parent, "Wijkteam", Role.GUEST).subject
    assert app.test_client().get(f"/c/{group.sub}/decisions/{proposal}/").status_code == 302  # to sign in
    assert _browser(app, guest).get(f"/c/{group.sub}/decisions/{proposal}/").status_code == 404


def test_leader_and_delegate_act_in_both_circles_by_their_role_there(app, group, csrf_token):
    kees = _browser(app, group.ids["Kees"])
    assert kees.get(f"/c/{group.sub}/").status_code == 200 and kees.get(f"/c/{group.parent}/").status_code == 200
    token = csrf_token(kees.get(f"/c/{group.sub}/").text)
    # In the working group Kees steers: he plans its meeting. In Samen Vooruit he is a member: he puts a topic forward.
    planned = kees.post(f"/c/{group.sub}/plan-meeting", data={"csrf_token": token, "title": "Werkgroep",
                                                            "date": days(7).isoformat()})
    assert planned.status_code == 303
    topic = kees.post(f"/c/{group.parent}/topics/new", data={"csrf_token": token, "subject": "Nieuws van de werkgroep"})
    assert topic.status_code == 303
    lotte = _browser(app, group.ids["Lotte Bakker"])
    token = csrf_token(lotte.get(f"/c/{group.parent}/").text)
    assert lotte.post(f"/c/{group.parent}/topics/new",
                      data={"csrf_token": token, "subject": "Verslag van de werkgroep"}).status_code == 303
    # As a member of Samen Vooruit Kees does not plan its meetings: refused with the method's message, nothing stored.
    with app.app_context():
        before = db.session.get(Circle, group.parent).log_length
    token = csrf_token(kees.get(f"/c/{group.parent}/").text)
    refused_page = kees.post(f"/c/{group.parent}/plan-meeting", data={"csrf_token": token, "title": "X",
                                                                     "date": days(7).isoformat()},
                             headers={"Accept-Language": "en"})
    assert refused_page.status_code == 422 and "Your role in this circle does not allow this." in refused_page.text
    with app.app_context():
        assert db.session.get(Circle, group.parent).log_length == before


def test_the_parents_home_shows_its_working_group_with_decisions_open_tasks_leader_and_delegate(app, group):
    with app.app_context():
        proposal = _decide_in_working_group(group)
    anna = _browser(app, group.ids["Anna"])
    home = anna.get(f"/c/{group.parent}/").text
    start = home.index(f'id="subcircle-{group.sub}"')
    part = _text(home[start:home.index("</article>", start)])
    assert "Werkgroep Zwerfvuil" in part and AIM in part
    assert "Leader: Kees" in part and "Delegate: Lotte Bakker" in part
    assert DECISION in part and f'/c/{group.sub}/decisions/{proposal}/' in home[start:]
    assert TASK in part and "Lotte Bakker" in part
    # The working group's home names its parent, linked for who is in both, plain for who is not.
    kees_page = _browser(app, group.sub_ids["Kees"]).get(f"/c/{group.sub}/").text
    assert f'href="/c/{group.parent}/"' in kees_page and "A circle within" in shown(kees_page)
    bas_page = _browser(app, group.sub_ids["Bas de Vries"]).get(f"/c/{group.sub}/").text
    assert "Samen Vooruit" in shown(bas_page) and f'href="/c/{group.parent}/"' not in bas_page
