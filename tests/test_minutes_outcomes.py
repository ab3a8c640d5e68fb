"""Each meeting's minutes keep what became of an item there, even after a later meeting decided again."""

from __future__ import annotations

from circle import meetings, proposals
from circle.extensions import db
from circle.method import RoundKind
from circle.read.minutes import gather_minutes
from tests.days import days
from tests.scenario import everyone_present, run_round, samen_vooruit


def test_a_postponement_stays_in_its_meetings_minutes_after_a_later_adoption(app):
    with app.app_context():
        made = samen_vooruit()
        anna = made.member("Anna")
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        proposals.postpone(anna, made.meeting_id, made.proposal_id)
        first = made.meeting_id

        made.meeting_id = meetings.plan_meeting(anna, "December", days(21)).subject
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
