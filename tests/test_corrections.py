"""Corrections: a new entry that points at the original; both stay visible, the correction marked.

Fatima (the secretary) recorded Mohamed's opinion in the meeting and got it
wrong; she corrects it afterwards from the decision page. (The played
meeting already holds one correction, of Mohamed's question.)
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from circle import corrections, record
from circle.read import corrections as recorded
from circle.extensions import db
from circle.method import CONTRIBUTION_MAX, TITLE_MAX, RuleBroken
from circle.models import Circle, Contribution, Correction, LogEntry, Meeting
from tests.conftest import find_csrf_token
from tests.samen_vooruit_flow import app, browser, played, played_database  # noqa: F401 (fixtures)
from tests.test_decision_page import between, text

SAID = "Mening 8: goed voor de straat."
FIXED = "Mening 8: goed voor de straat, als er ook bankjes komen."
WHY = "Mohamed zei meer dan ik eerst opschreef."


@pytest.fixture
def mohamed_said(app, played) -> int:
    """The id of Mohamed's opinion, recorded by Fatima."""
    with app.app_context():
        return db.session.scalar(sa.select(Contribution.id).where(
            Contribution.member_id == played.member_ids["Mohamed"], Contribution.text == SAID))


def phone(app, played, name: str):
    """A signed-in browser reading English."""
    return browser(app, played.member_ids[name])


def correction_page(played, contribution_id: int) -> str:
    return f"/c/{played.circle_id}/corrections/contribution/{contribution_id}"


def post_correction(client, url: str, **data):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": find_csrf_token(page.text), **data})


def snapshot(app, circle_id: int):
    """What is stored: corrections, the log's length and head, every contribution's text."""
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        return (db.session.scalar(sa.select(sa.func.count(Correction.id))), circle.log_length,
                circle.log_head, db.session.execute(sa.select(Contribution.id, Contribution.text)).all())


def test_the_secretary_corrects_a_contribution_from_the_decision_page(app, played, mohamed_said):
    fatima = phone(app, played, "Fatima")
    decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    page = fatima.get(decision).text
    url = correction_page(played, mohamed_said)
    assert f'href="{url}"' in page  # linked beside the contribution, for the secretary

    form = fatima.get(url)
    assert SAID in text(form.text)
    response = post_correction(fatima, url, text=FIXED, note=WHY)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{decision}#contribution-{mohamed_said}")

    seen = text(fatima.get(decision).text)
    said = between(between(seen, "Opinion round · round 3"), "Mohamed : Spoke", "Consent round")
    assert f"As first recorded {SAID}" in said  # the original stays
    assert "Correction by Fatima" in said and FIXED in said and f"Why: {WHY}" in said
    assert "Fatima corrected what was recorded" in between(seen, "Timeline", "Versions")

    with app.app_context():
        correction = db.session.scalar(sa.select(Correction).order_by(Correction.id.desc()))
        entry = db.session.scalar(sa.select(LogEntry).where(
            LogEntry.circle_id == played.circle_id, LogEntry.seq == correction.log_seq))
        data = json.loads(entry.data)
        assert entry.action == "correct" and entry.actor_id == played.member_ids["Fatima"]
        assert data["corrects"] == {"contribution": mohamed_said}
        assert (data["original"], data["text"], data["note"]) == (SAID, FIXED, WHY)
        assert (correction.contribution_id, correction.text, correction.note) == (mohamed_said, FIXED, WHY)
        assert db.session.get(Contribution, mohamed_said).text == SAID  # not edited
        assert record.verify(played.circle_id).intact


def test_a_correction_can_be_corrected_again_and_all_stay(app, played, mohamed_said):
    with app.app_context():
        from circle.models import Member

        secretary = db.session.get(Member, played.member_ids["Fatima"])
        corrections.correct_contribution(secretary, mohamed_said, "Mening 8: goed, met bankjes?")
        corrections.correct_contribution(secretary, mohamed_said, FIXED, WHY)
        with pytest.raises(RuleBroken):  # the same text again changes nothing: refused
            corrections.correct_contribution(secretary, mohamed_said, FIXED)
    seen = text(phone(app, played, "Fatima").get(f"/c/{played.circle_id}/decisions/{played.proposal_id}/").text)
    said = between(between(seen, "Opinion round · round 3"), "Mohamed : Spoke", "Consent round")
    assert said.count("Correction by Fatima") == 2
    assert said.index("met bankjes?") < said.index(FIXED)


def test_a_member_cannot_correct_and_nothing_is_stored(app, played, mohamed_said):
    before = snapshot(app, played.circle_id)
    joost = phone(app, played, "Joost")
    page = joost.get(f"/c/{played.circle_id}/decisions/{played.proposal_id}/").text
    assert "/corrections/" not in page  # no link for members
    url = correction_page(played, mohamed_said)
    assert joost.get(url).status_code == 403
    token = find_csrf_token(page)
    assert joost.post(url, data={"csrf_token": token, "text": FIXED}).status_code == 403
    with app.app_context():
        from circle.models import Member

        with pytest.raises(RuleBroken) as refused:
            corrections.correct_contribution(db.session.get(Member, played.member_ids["Joost"]),
                                             mohamed_said, FIXED)
        assert refused.value.code == "not_allowed"
    assert snapshot(app, played.circle_id) == before


@pytest.mark.parametrize("wrong", ["", "   ", "x" * (CONTRIBUTION_MAX + 1)])
def test_empty_or_oversized_corrections_are_refused(app, played, mohamed_said, wrong):
    before = snapshot(app, played.circle_id)
    fatima = phone(app, played, "Fatima")
    response = post_correction(fatima, correction_page(played, mohamed_said), text=wrong, note="")
    assert response.status_code == 422
    assert 'class="field-error"' in response.text or 'class="flash error"' in response.text
    with app.app_context():
        from circle.models import Member

        secretary = db.session.get(Member, played.member_ids["Fatima"])
        with pytest.raises(RuleBroken):
            corrections.correct_contribution(secretary, mohamed_said, wrong)
        with pytest.raises(RuleBroken):  # an oversized note too
            corrections.correct_contribution(secretary, mohamed_said, FIXED, "x" * (CONTRIBUTION_MAX + 1))
    assert snapshot(app, played.circle_id) == before


def test_another_circle_cannot_correct_this_one(app, played, mohamed_said, sign_in):
    from circle.circles import add_member, create_circle
    from circle.method import Role

    with app.app_context():
        other, _ = create_circle("Andere Kring", "Bram")
        clerk = add_member(None, other.id, "Els", Role.SECRETARY).subject
        with pytest.raises(RuleBroken) as refused:
            from circle.models import Member

            corrections.correct_contribution(db.session.get(Member, clerk), mohamed_said, FIXED)
        assert refused.value.code == "not_found"
    stranger = app.test_client()
    sign_in(stranger, clerk)
    assert stranger.get(correction_page(played, mohamed_said)).status_code == 404


def test_the_secretary_corrects_a_typo_in_a_meeting_title(app, played):
    fatima = phone(app, played, "Fatima")
    url = f"/c/{played.circle_id}/corrections/meeting/{played.meeting_id}"
    decision = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    assert f'href="{url}"' in fatima.get(decision).text
    assert post_correction(fatima, url, text="Kernteam november", note="Maand vergeten.").status_code == 303
    seen = text(fatima.get(decision).text)
    assert "Kernteam november (corrected; first recorded as “Kernteam”)" in seen
    with app.app_context():
        assert db.session.get(Meeting, played.meeting_id).title == "Kernteam"
        entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.action == "correct")
                                  .order_by(LogEntry.seq.desc()))
        assert json.loads(entry.data)["corrects"] == {"meeting": played.meeting_id, "field": "title"}
    assert post_correction(fatima, url, text="x" * (TITLE_MAX + 1)).status_code == 422


def test_the_macro_shows_both_without_a_reader(app, played, mohamed_said):
    with app.app_context(), app.test_request_context():
        from flask import render_template_string

        from circle.models import Member

        corrections.correct_contribution(db.session.get(Member, played.member_ids["Fatima"]),
                                         mohamed_said, FIXED, WHY)
        found = recorded.for_contributions([mohamed_said])[mohamed_said]
        html = render_template_string(
            '{% from "_record.html" import contribution_text %}{{ contribution_text(c, found) }}',
            c=db.session.get(Contribution, mohamed_said), found=found)
    seen = text(html)
    assert SAID in seen and FIXED in seen and "Fatima" not in seen
