"""One person, several circles: one sign-in, a role in each circle, on the pages and over sockets.

Joost is a member of Samen Vooruit and the facilitator of Groen Dapper; Anna
facilitates Samen Vooruit and is a plain member of Groen Dapper; Ilse is only
in Groen Dapper. Each signs in once, with one personal link.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from circle import meetings
from circle.circles import add_member, create_circle, end_membership
from circle.extensions import db, socketio
from circle.method import Role
from circle.models import Meeting, Member, Person
from tests.days import TODAY, days
from tests.pages import unisolated
from tests.scenario import samen_vooruit


@pytest.fixture
def two(app) -> SimpleNamespace:
    with app.app_context():
        made = samen_vooruit()
        joost, anna = made.member("Joost"), made.member("Anna")
        green, joost_there = create_circle("Groen Dapper", "Joost", person_id=joost.person_id)
        anna_there = add_member(None, green.id, "Anna", person_id=anna.person_id).subject
        ilse = add_member(None, green.id, "Ilse").subject
        green_meeting = meetings.plan_meeting(joost_there, "Plantjesdag", TODAY).subject
        meetings.open_meeting(joost_there, green_meeting)
        meetings.open_meeting(anna, made.meeting_id)
        return SimpleNamespace(
            ours=made.circle_id, green=green.id, our_meeting=made.meeting_id, green_meeting=green_meeting,
            joost=made.member_ids["Joost"], joost_there=joost_there.id, anna=made.member_ids["Anna"],
            anna_there=anna_there, ilse=ilse)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unisolated(html)))


def test_one_person_two_memberships_one_name(app, two):
    with app.app_context():
        joost = db.session.get(Member, two.joost)
        assert joost.person is db.session.get(Member, two.joost_there).person
        assert [(m.circle.name, m.role) for m in joost.person.current] == [
            ("Samen Vooruit", Role.MEMBER), ("Groen Dapper", Role.FACILITATOR)]
        assert db.session.scalar(sa.select(sa.func.count(Person.id)).where(Person.name == "Joost")) == 1
        # The read side asks members for their name, in Python and in SQL alike.
        assert db.session.scalars(sa.select(Member.id).where(Member.name == "Joost").order_by(Member.id)).all() == [
            two.joost, two.joost_there]


def test_one_sign_in_opens_both_circles_with_a_role_in_each(client, two, sign_in, csrf_token):
    response = sign_in(client, two.joost)
    assert response.location == "/you"  # two circles: he chooses
    assert client.get("/").location == "/you"
    you = text(client.get("/you").text)
    assert "Samen Vooruit · Lid" in you and "Groen Dapper · Gespreksleider" in you

    ours, green = client.get(f"/c/{two.ours}/"), client.get(f"/c/{two.green}/")
    assert "Je bent Joost: Lid." in text(ours.text)
    assert "Je bent Joost: Gespreksleider." in text(green.text)
    assert "Plan een overleg" not in ours.text and "Plan een overleg" in green.text

    # Facilitator there: he plans a meeting. A member here: refused, in Dutch, and nothing is stored.
    planned = client.post(f"/c/{two.green}/plan-meeting", data={
        "csrf_token": csrf_token(green.text), "title": "Zaaien", "date": days(7).isoformat()})
    assert planned.status_code == 303
    refused = client.post(f"/c/{two.ours}/plan-meeting", data={
        "csrf_token": csrf_token(ours.text), "title": "Stiekem", "date": days(7).isoformat()})
    assert refused.status_code == 422
    assert "Dit mag niet met jouw rol in deze kring." in text(refused.text)
    with client.application.app_context():
        titles = db.session.scalars(sa.select(Meeting.title).order_by(Meeting.id)).all()
    assert "Zaaien" in titles and "Stiekem" not in titles


def test_someone_in_one_circle_does_not_see_the_other(client, two, sign_in):
    assert sign_in(client, two.ilse).location == f"/c/{two.green}/"  # one circle: straight there
    assert client.get(f"/c/{two.ours}/").status_code == 404
    assert client.get(f"/c/{two.ours}/meetings/{two.our_meeting}/").status_code == 404


def connect(app, client, meeting_id: int):
    return socketio.test_client(app, flask_test_client=client, auth={"meeting": meeting_id})


def test_over_sockets_the_role_is_the_one_in_the_meetings_circle(app, client, two, sign_in):
    sign_in(client, two.joost)
    there, here = connect(app, client, two.green_meeting), connect(app, client, two.our_meeting)
    assert there.is_connected() and here.is_connected()

    ack = there.emit("mark_attendance", {"member_id": two.ilse, "present": True}, callback=True)
    assert ack["ok"], ack  # facilitator of Groen Dapper: he marks Ilse present
    ack = here.emit("mark_attendance", {"member_id": two.anna, "present": True}, callback=True)
    assert ack == {"ok": False, "error": "not_allowed", "message": "Dit mag niet met jouw rol in deze kring."}
    ack = here.emit("mark_attendance", {"member_id": two.joost, "present": True}, callback=True)
    assert ack["ok"], ack  # "I am here" as a member of Samen Vooruit: as himself there
    ack = there.emit("state", callback=True)
    assert ack["you"] == two.joost_there
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT actor_id, circle_id FROM log_entry WHERE action = 'mark_attendance' ORDER BY id")).all()
    assert [tuple(r) for r in rows][-2:] == [(two.joost_there, two.green), (two.joost, two.ours)]
    there.disconnect(), here.disconnect()


def test_a_socket_to_a_circle_you_are_not_in_is_refused(app, client, two, sign_in):
    sign_in(client, two.ilse)
    assert not connect(app, client, two.our_meeting).is_connected()
    assert connect(app, client, two.green_meeting).is_connected()


def test_leaving_one_circle_keeps_the_other(app, client, two, sign_in):
    sign_in(client, two.joost)
    with app.app_context():
        end_membership(None, two.ours, two.joost)
    assert client.get(f"/c/{two.ours}/").status_code == 404
    assert client.get(f"/c/{two.green}/").status_code == 200
    assert client.get("/").location == f"/c/{two.green}/"
    assert not connect(app, client, two.our_meeting).is_connected()


def test_the_language_goes_with_the_person(app, two, sign_in, csrf_token):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, two.anna)
    page = phone.get(f"/c/{two.ours}/")
    phone.post("/lang", data={"lang": "en", "csrf_token": csrf_token(page.text)})
    with app.app_context():
        assert db.session.get(Member, two.anna).person.language == "en"
    sign_in(laptop, two.anna)
    assert "You are Anna: Facilitator." in text(laptop.get(f"/c/{two.ours}/").text)
    assert "You are Anna: Member." in text(laptop.get(f"/c/{two.green}/").text)


def test_only_an_administrator_adds_someone_from_another_circle(app, two):
    from circle.method import RuleBroken

    with app.app_context():
        joost_there = db.session.get(Member, two.joost_there)
        ilse = db.session.get(Member, two.ilse)
        with pytest.raises(RuleBroken) as refused:  # a facilitator does not pick other circles' people
            add_member(joost_there, two.green, "Aylin", person_id=ilse.person_id)
        assert refused.value.code == "not_allowed"
        with pytest.raises(RuleBroken) as refused:  # already a member there
            add_member(None, two.green, "Anna", person_id=db.session.get(Member, two.anna).person_id)
        assert refused.value.code == "name_taken"
        with pytest.raises(RuleBroken) as refused:
            add_member(None, two.green, "Niemand", person_id=999)
        assert refused.value.code == "not_found"


def test_the_commands_add_a_person_to_a_second_circle(app, runner, two):
    with app.app_context():
        ilse = db.session.get(Member, two.ilse).person_id
    added = runner.invoke(args=["add-member", str(two.ours), "Ilse", "--person", str(ilse)])
    assert added.exit_code == 0, added.output
    wrong = runner.invoke(args=["add-member", str(two.ours), "Kees de Tweede", "--person", str(ilse)])
    assert wrong.exit_code != 0 and "Person" in wrong.output and "'Ilse'" in wrong.output
    unknown = runner.invoke(args=["create-circle", "Nieuw", "--facilitator", "Wie", "--person", "999"])
    assert unknown.exit_code != 0 and "No person 999" in unknown.output
    links = runner.invoke(args=["links", str(two.ours)])
    assert f"Ilse (member, person {ilse})" in links.output
    with app.app_context():
        assert len(db.session.scalars(sa.select(Member).where(Member.person_id == ilse)).all()) == 2
    assert runner.invoke(args=["verify-log"]).exit_code == 0
