"""Reviews of adopted decisions, and the review calendar (ICS) of the Samen Vooruit circle.

A decision due for review shows on the circle home; the facilitator puts it on
a meeting's agenda, where its concerns and success criteria come back; rounds
and a consent round adopt it again. The calendar feed is checked against
RFC 5545's framing and against the database.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from circle.read.exports import ics_fold, ics_text
from circle.extensions import db
from circle.method import Phase
from circle.models import AgendaItem, Circle, Meeting, Proposal
from circle.text import isolate
from tests.conftest import find_csrf_token
from tests.samen_vooruit_flow import (  # noqa: F401  (app, played_database: fixtures)
    CONCERNS,
    SUCCESS,
    Phone,
    app,
    browser,
    hold_round,
    played,
    played_database,
    refused,
)


# --- The review calendar ----------------------------------------------------------------------


def parse_ics(raw: bytes) -> list[str]:
    """Check the iCalendar framing (CRLF, folded at 75 octets) and return the unfolded lines."""
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    assert b"\r" not in raw.replace(b"\r\n", b"")
    physical = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical), "lines folded at 75 octets"
    lines = raw.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]
    stack = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert not stack and lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    return lines


def test_the_review_calendar_is_valid_icalendar(app, played):
    home = browser(app, played.member_ids["Kees"]).get(f"/c/{played.circle_id}/").text
    link = re.search(r'href="(http://kring\.test/c/\d+/reviews\.ics\?token=[^"]+)"', home).group(1)
    calendar = browser(app)  # a calendar app: no session
    response = calendar.get(link)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    lines = parse_ics(response.data)
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert any(len(line.encode()) > 75 for line in lines), "the description needed folding"
    with app.app_context():
        adopted = db.session.scalars(sa.select(Proposal).where(
            Proposal.circle_id == played.circle_id, Proposal.phase == Phase.ADOPTED)).all()
        expected = {(p.latest.review_date.strftime("%Y%m%d"), isolate(p.latest.title))  # isolated: docs/exports.md
                    for p in adopted if p.latest.review_date}
    events = [lines[i:lines.index("END:VEVENT", i)] for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    assert len(events) == len(expected) == 1
    fields = dict(line.split(":", 1) for line in events[0])
    assert {(fields["DTSTART;VALUE=DATE"], fields["SUMMARY"].removeprefix("Review: "))} == expected
    assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTSTAMP"])
    assert fields["URL"].endswith(f"/c/{played.circle_id}/decisions/{played.proposal_id}/")
    again = dict(line.split(":", 1) for line in parse_ics(calendar.get(link).data) if ":" in line)
    assert again["UID"] == fields["UID"], "the UID stays the same"

    # A wrong token, or one for another circle, opens nothing.
    assert calendar.get(f"/c/{played.circle_id}/reviews.ics?token=forged").status_code == 302
    other = link.replace(f"/c/{played.circle_id}/", f"/c/{played.circle_id + 1}/")
    assert calendar.get(other).status_code in (302, 404)


def test_ics_text_is_escaped_and_folded_without_breaking_characters():
    assert ics_text("Groen, schoon; veilig\\ja\nnee") == "Groen\\, schoon\\; veilig\\\\ja\\nnee"
    line = "SUMMARY:" + ics_text("Één straat, groen; " * 12)
    folded = ics_fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 2 and all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert folded.replace("\r\n ", "") == line


# --- Reviews -------------------------------------------------------------------------------------


def _home(client, played) -> str:
    response = client.get(f"/c/{played.circle_id}/")
    assert response.status_code == 200
    return response.text


def _post_home(client, played, path: str, **data) -> str:
    form = {"csrf_token": find_csrf_token(_home(client, played)), **data}
    response = client.post(f"/c/{played.circle_id}/{path}", data=form, follow_redirects=True)
    assert response.status_code == 200
    return response.text


def test_a_due_decision_is_reviewed_and_adopted_again(app, played):
    anna = browser(app, played.member_ids["Anna"])
    joost = browser(app, played.member_ids["Joost"])
    pid, due_id = played.proposal_id, f'id="review-{played.proposal_id}"'
    home = _home(anna, played)
    assert due_id in home and "Plan a meeting to review it in." in home
    _post_home(anna, played, "plan-meeting", title="Evaluatie", date=played.review_date.isoformat())
    with app.app_context():
        meeting2 = db.session.scalar(sa.select(Meeting.id).where(Meeting.title == "Evaluatie"))
    agenda_url = f"/c/{played.circle_id}/proposals/{pid}/agenda"
    assert f'action="{agenda_url}"' in _home(anna, played)

    # A member sees the decision is due but has no button; trying anyway changes nothing.
    home = _home(joost, played)
    assert due_id in home and f'action="{agenda_url}"' not in home
    with app.app_context():
        log_length = db.session.get(Circle, played.circle_id).log_length
    assert refused(_post_home(joost, played, f"proposals/{pid}/agenda", meeting_id=meeting2))
    with app.app_context():
        assert db.session.get(Proposal, pid).phase == Phase.ADOPTED
        assert db.session.scalar(sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting2)) is None
        assert db.session.get(Circle, played.circle_id).log_length == log_length

    # The facilitator puts it on the agenda: a review.
    assert not refused(_post_home(anna, played, f"proposals/{pid}/agenda", meeting_id=meeting2))
    with app.app_context():
        assert db.session.get(Proposal, pid).phase == Phase.REVIEW
        item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting2))
        assert (item.proposal_id, item.review) == (pid, True)
    assert due_id not in _home(anna, played)

    # The meeting page brings back the success criteria and the concerns.
    names = ["Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed"]
    phones = {n: Phone(app, played.circle_id, meeting2, played.member_ids[n]) for n in names}
    page = phones["Samira"].page()
    assert "Evaluatie van een genomen besluit" in page and SUCCESS in page
    for who, text in CONCERNS.items():
        assert f'<strong><bdi>{who}</bdi></strong>: <span dir="auto">{text}</span>' in page

    # Rounds, an amended review date, consent: adopted again.
    phones["Anna"].post("/open")
    for n in names:
        phones["Anna"].post("/attendance", member_id=played.member_ids[n], present="y")
    hold_round(phones, "picture_forming",
               {n: ("speak", "Het werkt, er ligt minder afval.") for n in names}, pid)
    hold_round(phones, "opinion_forming", {n: ("speak", "Doorgaan.") for n in names}, pid)
    later = played.review_date + dt.timedelta(days=180)
    assert not refused(phones["Anna"].post(
        "/amend", proposal_id=pid, title="Afvalcontainers vergroenen", text="Doorgaan met de plantenbakken.",
        success_criteria=SUCCESS, carried_out_by="Aylin", review_date=later.isoformat(),
        note="Evaluatie: het werkt; over een half jaar weer."))
    hold_round(phones, "consent", {n: ("consent", "") for n in names}, pid)
    assert not refused(phones["Anna"].post("/adopt", proposal_id=pid))
    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        assert (proposal.phase, proposal.current_version) == (Phase.ADOPTED, 4)
        assert proposal.latest.review_date == later
    assert due_id not in _home(anna, played)
    minutes = anna.get(f"/c/{played.circle_id}/meetings/{meeting2}/minutes.json").get_json()
    assert (minutes["items"][0]["review"], minutes["items"][0]["outcome"]) == (True, "adopted")
    assert "## Review: \u2068Afvalcontainers vergroenen\u2069" in anna.get(
        f"/c/{played.circle_id}/meetings/{meeting2}/minutes.md").text

