"""Membership over time: who was expected at a meeting follows from the membership on its date.

A member has a first day and, once they leave, a last day (docs/membership.md).
Absence, quorum and who may be marked present are worked out from those dates
on the meeting's date, never from when a row happened to be written; someone
who left stays in past records, marked as a former member. The clock stands
at tests/days.py's NOW; a test moves it on where it looks back from later.
"""

from __future__ import annotations

import json
import re

import flask_migrate
import pytest
import sqlalchemy as sa

from circle import meetings, record, rounds
from circle.circles import add_member, end_membership
from circle.extensions import db
from circle.method import RoundKind, RoundMode, RuleBroken
from circle.read.minutes import gather_minutes
from circle.models import LogEntry, Member
from circle.read.state import meeting_state
from circle.read.trace import load
from tests.days import TODAY, days
from tests.scenario import PEOPLE, samen_vooruit
from tests.pages import unisolated
from tests.test_decision_page import text


def _circle_with_history():
    """Samen Vooruit founded a year ago, today's meeting, and three people whose dates matter.

    Priya joins after the meeting's day, Kees left before it, Joost leaves after it.
    """
    made = samen_vooruit()
    founded = days(-365)
    db.session.execute(sa.update(Member).where(Member.circle_id == made.circle_id)
                       .values(joined_on=founded))  # as if they had joined a year ago
    db.session.commit()
    anna = made.member("Anna")
    made.member_ids["Priya"] = add_member(anna, made.circle_id, "Priya", since=days(43)).subject
    end_membership(anna, made.circle_id, made.member_ids["Kees"], on=days(-10))
    end_membership(anna, made.circle_id, made.member_ids["Joost"], on=days(5))
    return made


def _hold_meeting_with_only_anna(made) -> None:
    anna = made.member("Anna")
    meetings.open_meeting(anna, made.meeting_id)
    meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Anna"], True)
    rounds.start_round(anna, made.meeting_id, RoundKind.PICTURE_FORMING, proposal_id=made.proposal_id)
    rounds.close_round(anna, made.meeting_id)
    meetings.close_meeting(anna, made.meeting_id)


def test_absent_means_a_member_on_the_meetings_date_who_was_not_there(app, frozen_clock):
    with app.app_context():
        made = _circle_with_history()
        _hold_meeting_with_only_anna(made)
        with frozen_clock.later(days=60):  # looking back after everyone's dates have passed
            minutes = gather_minutes(made.circle_id, made.meeting_id, lambda m: m.name if m else "")
            [view] = load(made.circle_id, made.proposal_id).meetings
            absent_on_decision_page = [m.name for m in view.absent]
    absent = minutes.attendance["absent"]
    assert "Priya" not in absent and "Priya" not in absent_on_decision_page  # joined after the day
    assert "Kees" not in absent and "Kees" not in absent_on_decision_page  # left before the day
    assert "Joost" in absent and "Joost" in absent_on_decision_page  # left after: he was expected
    assert absent == absent_on_decision_page == ["Fatima", "Joost", "Aylin", "Samira", "Dewi", "Mohamed"]
    assert minutes.attendance["former"] == ["Joost"]  # Kees was not on this meeting's list at all


def test_a_former_member_is_marked_so_in_todays_view_of_the_meeting(app, client, sign_in, frozen_clock):
    with app.app_context():
        made = _circle_with_history()
        _hold_meeting_with_only_anna(made)
    sign_in(client, made.member_ids["Fatima"])
    minutes_url = f"/c/{made.circle_id}/meetings/{made.meeting_id}/minutes"
    decision_url = f"/c/{made.circle_id}/decisions/{made.proposal_id}/"
    english = {"Accept-Language": "en"}
    before = text(client.get(minutes_url, headers=english).text)
    assert "Joost (left the circle)" not in before  # on the meeting's day he is still a member
    with frozen_clock.later(days=30):
        minutes = text(client.get(minutes_url, headers=english).text)
        decision = text(client.get(decision_url, headers=english).text)
        markdown = unisolated(client.get(minutes_url + ".md", headers=english).text)
        exported = json.loads(client.get(minutes_url + ".json").text)
    assert re.search(r"Absent: .*Joost \(left the circle\)", minutes)
    assert "Kees" not in minutes.split("Absent:")[1].split("Guests")[0]
    assert re.search(r"Absent:.*Joost \(left the circle\)", decision)
    assert re.search(r"- Absent: .*Joost \(left the circle\)", markdown)
    assert exported["attendance"]["former"] == ["Joost"] and "Joost" in exported["attendance"]["absent"]


def test_quorum_counts_the_members_on_the_meetings_date(app):
    with app.app_context():
        made = _circle_with_history()
        anna = made.member("Anna")
        meetings.open_meeting(anna, made.meeting_id)
        # On TODAY: seven of the eight founders (Kees left), not Priya: more than half of 7 is 4.
        assert meeting_state(made.meeting_id)["meeting"]["quorum"] == 4
        for name in ("Anna", "Fatima", "Aylin"):
            meetings.mark_attendance(anna, made.meeting_id, made.member_ids[name], True)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            rounds.start_round(anna, made.meeting_id, kind, proposal_id=made.proposal_id)
            rounds.close_round(anna, made.meeting_id)
        with pytest.raises(RuleBroken) as refused:
            rounds.start_round(anna, made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                                 proposal_id=made.proposal_id)
        assert refused.value.code == "no_quorum"
        meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Samira"], True)
        rounds.start_round(anna, made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                             proposal_id=made.proposal_id)

        # The same circle a year on, after Joost left and Priya joined: still seven, quorum 4.
        later = meetings.plan_meeting(anna, "Over een jaar", days(365)).subject
        assert meeting_state(later)["meeting"]["quorum"] == 4
        assert "Priya" in [m["name"] for m in meeting_state(later)["members"]]
        assert "Joost" not in [m["name"] for m in meeting_state(later)["members"]]


def test_who_left_is_not_marked_present_and_who_has_not_joined_yet_neither(app):
    with app.app_context():
        made = _circle_with_history()
        anna = made.member("Anna")
        meetings.open_meeting(anna, made.meeting_id)
        for name in ("Kees", "Priya"):
            with pytest.raises(RuleBroken) as refused:
                meetings.mark_attendance(anna, made.meeting_id, made.member_ids[name], True)
            assert refused.value.code == "not_a_member_then", name
        meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Joost"], True)  # still a member today
        names = [m["name"] for m in meeting_state(made.meeting_id)["members"]]
        assert "Kees" not in names and "Priya" not in names and "Joost" in names


def test_who_left_can_no_longer_sign_in_or_act(app, client, sign_in, frozen_clock):
    with app.app_context():
        made = _circle_with_history()
        kees = made.member("Kees")
        assert not kees.active and made.member("Joost").active
        with pytest.raises(RuleBroken) as refused:
            meetings.mark_attendance(kees, made.meeting_id, kees.id, True)
        assert refused.value.code == "not_allowed"
    sign_in(client, made.member_ids["Joost"])
    assert client.get(f"/c/{made.circle_id}/").status_code == 200
    with frozen_clock.later(days=5):  # Joost's last day as a member has passed
        assert client.get(f"/c/{made.circle_id}/").status_code == 302  # sent to sign in


def test_joining_and_leaving_are_logged_and_the_chain_holds(app):
    with app.app_context():
        made = _circle_with_history()
        entries = db.session.scalars(sa.select(LogEntry).where(
            LogEntry.circle_id == made.circle_id,
            LogEntry.action.in_(["add_member", "end_membership"])).order_by(LogEntry.seq)).all()
        data = [(e.action, json.loads(e.data)) for e in entries]
        assert ("add_member", {"member": {"id": made.member_ids["Priya"], "name": "Priya"},
                               "role": "member", "since": days(43).isoformat()}) in data
        assert [(a, d["member"]["name"], d["on"]) for a, d in data if a == "end_membership"] == [
            ("end_membership", "Kees", days(-10).isoformat()),
            ("end_membership", "Joost", days(5).isoformat())]
        assert record.verify(made.circle_id).intact


def test_a_membership_ends_once_and_not_before_it_began(app):
    with app.app_context():
        made = _circle_with_history()
        anna, joost = made.member("Anna"), made.member("Joost")
        for member_id, on, code in ((made.member_ids["Kees"], TODAY, "already_left"),
                                    (made.member_ids["Priya"], days(42), "left_before_joined")):
            with pytest.raises(RuleBroken) as refused:
                end_membership(anna, made.circle_id, member_id, on=on)
            assert refused.value.code == code
        with pytest.raises(RuleBroken) as refused:  # only the facilitator records who left
            end_membership(joost, made.circle_id, made.member_ids["Aylin"])
        assert refused.value.code == "not_allowed"
        assert made.member("Aylin").left_on is None


def test_the_facilitator_records_a_leaving_on_the_circle_page(app, client, sign_in, csrf_token):
    with app.app_context():
        made = samen_vooruit()
    sign_in(client, made.member_ids["Anna"])
    home = client.get(f"/c/{made.circle_id}/", headers={"Accept-Language": "en"})
    assert "Leaves the circle" in home.text
    response = client.post(f"/c/{made.circle_id}/members/{made.member_ids['Dewi']}/leave",
                           data={"csrf_token": csrf_token(home.text), "on": TODAY.isoformat()})
    assert response.status_code == 303
    page = text(client.get(f"/c/{made.circle_id}/", headers={"Accept-Language": "en"}).text)
    assert "1 former member Dewi · member from" in page
    with app.app_context():
        assert made.member("Dewi").left_on == TODAY


def test_a_member_cannot_record_a_leaving(app, client, sign_in, csrf_token):
    with app.app_context():
        made = samen_vooruit()
    sign_in(client, made.member_ids["Joost"])
    home = client.get(f"/c/{made.circle_id}/")
    assert "Gaat uit de kring" not in home.text and "Lid sinds" not in home.text
    client.post(f"/c/{made.circle_id}/members/{made.member_ids['Dewi']}/leave",
                data={"csrf_token": csrf_token(home.text)})
    with app.app_context():
        assert made.member("Dewi").left_on is None


def test_the_commands_set_the_dates(app, runner):
    assert runner.invoke(args=["create-circle", "Groen Dapper", "--facilitator", "Ilse",
                               "--since", days(-200).isoformat()]).exit_code == 0
    added = runner.invoke(args=["add-member", "1", "Bram", "--since", days(-100).isoformat()])
    assert added.exit_code == 0 and f"since {days(-100).isoformat()}" in added.output
    left = runner.invoke(args=["end-membership", "1", "Bram", "--on", days(-3).isoformat()])
    assert left.exit_code == 0 and f"Bram left circle 1 on {days(-3).isoformat()}" in left.output
    again = runner.invoke(args=["end-membership", "1", "Bram"])
    assert again.exit_code != 0 and "already left" in again.output
    assert runner.invoke(args=["end-membership", "1", "Nobody"]).exit_code != 0
    assert runner.invoke(args=["add-member", "1", "Cor", "--since", "gisteren"]).exit_code != 0
    with app.app_context():
        ilse, bram = db.session.scalars(sa.select(Member).order_by(Member.id)).all()
        assert (ilse.joined_on, ilse.left_on) == (days(-200), None)
        assert (bram.joined_on, bram.left_on) == (days(-100), days(-3))
    assert runner.invoke(args=["verify-log"]).exit_code == 0


def test_the_demo_members_joined_over_the_past_year(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        joined = dict(db.session.execute(sa.select(Member.name, Member.joined_on)).all())
    assert joined["Anna"] == days(-365) and joined["Mohamed"] == days(-30)
    assert all(day <= TODAY for day in joined.values())


def test_existing_members_get_their_dates_from_the_migration(app):
    """A database from before membership dates: who was active stays a member since the row's day."""
    with app.app_context():
        flask_migrate.downgrade(revision="67f1c84162e7")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO circle (id, name, public_record, public_names, log_length, "
                                 "created_at) VALUES (1, 'Oud', false, 'first', 0, '2025-02-03 10:00:00')")
            for i, (name, active) in enumerate((("Anna", "true"), ("Bep", "false")), start=1):
                conn.exec_driver_sql(
                    "INSERT INTO member (id, circle_id, name, role, position, sign_in_version, active, "
                    f"created_at) VALUES ({i}, 1, '{name}', 'member', {i}, 1, {active}, "
                    "'2025-02-03 23:30:00')")
        flask_migrate.upgrade()
        db.session.expire_all()
        anna, bep = db.session.get(Member, 1), db.session.get(Member, 2)
        assert (anna.joined_on.isoformat(), anna.left_on, anna.active) == ("2025-02-03", None, True)
        assert (bep.joined_on.isoformat(), bep.left_on, bep.active) == ("2025-02-03", TODAY, False)


def test_people_of_the_scenario_are_expected_on_its_day(app):
    """The scenario's circle starts on the meeting's day: everyone is expected, nobody absent yet."""
    with app.app_context():
        made = samen_vooruit()
        meeting = db.session.get(meetings.Meeting, made.meeting_id)
        assert [m.name for m in meeting.circle.seated_on(meeting.date)] == [n for n, _ in PEOPLE]
        assert meeting.quorum == 5
