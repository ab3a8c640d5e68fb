"""Each meeting's minutes keep what became of an item there, even after a later meeting decided again."""

from __future__ import annotations

import datetime as dt

from circle import meetings, proposals
from circle.extensions import db
from circle.method import RoundKind
from circle.minutes import gather_minutes
from tests.scenario import everyone_present, run_round, samen_vooruit


def test_a_postponement_stays_in_its_meetings_minutes_after_a_later_adoption(app):
    with app.app_context():
        made = samen_vooruit()
        anna = made.member("Anna")
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        proposals.postpone(anna, made.meeting_id, made.proposal_id)
        first = made.meeting_id

        made.meeting_id = meetings.plan_meeting(anna, "December", dt.date(2026, 12, 14)).subject
        proposals.put_on_agenda(anna, made.proposal_id, made.meeting_id)
        everyone_present(made)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            run_round(made, kind)
        proposals.amend(anna, made.meeting_id, made.proposal_id,
                        proposals.Wording(title="Afvalcontainers vergroenen", text="Met waterploeg."), "")
        run_round(made, RoundKind.CONSENT)
        proposals.adopt(anna, made.meeting_id, made.proposal_id)
        db.session.expire_all()

        then = gather_minutes(made.circle_id, first, lambda m: m.name if m else "")
        later = gather_minutes(made.circle_id, made.meeting_id, lambda m: m.name if m else "")
    [postponed] = then.items
    [adopted] = later.items
    assert (postponed.outcome, postponed.version) == ("postponed", 1)
    assert postponed.decided_at is not None
    assert (adopted.outcome, adopted.version) == ("adopted", 2)
    assert adopted.decided_at >= postponed.decided_at


def test_who_joined_the_circle_later_was_not_absent_from_an_earlier_meeting(app):
    """The minutes and the decision page agree on who was absent."""
    from circle.circles import add_member
    from circle.minutes import gather_minutes
    from circle.models import Member
    from circle.views.trace import load

    with app.app_context():
        made = samen_vooruit()
        anna = made.member("Anna")
        meetings.open_meeting(anna, made.meeting_id)
        meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Anna"], True)
        meetings.start_round(anna, made.meeting_id, RoundKind.PICTURE_FORMING,
                             proposal_id=made.proposal_id)  # only Anna is there
        meetings.close_round(anna, made.meeting_id)
        newcomer = add_member(anna, made.circle_id, "Priya van Dijk").subject
        db.session.query(Member).filter_by(id=newcomer).update(
            {"created_at": dt.datetime(2027, 1, 5, 12, 0)})  # she joined after the meeting's day
        db.session.commit()
        minutes = gather_minutes(made.circle_id, made.meeting_id, lambda m: m.name if m else "")
        trace = load(made.circle_id, made.proposal_id)
        [view] = trace.meetings
        assert "Priya van Dijk" not in minutes.attendance["absent"]
        assert "Priya van Dijk" not in [m.name for m in view.absent]
        assert "Joost" in minutes.attendance["absent"] and "Joost" in [m.name for m in view.absent]
