"""The minutes (notulen) of the Samen Vooruit meeting: the page, its exports, who may read them.

The meeting is played once per module through the pages (tests/samen_vooruit_flow.py);
each test gets its own copy of that database. Exports are parsed back (csv, json,
Markdown lines) and compared with the rows in the database, field by field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
import sqlalchemy as sa

from circle.circles import create_circle
from circle.read.exports import CSV_WRITTEN
from circle.text import isolate
from circle.extensions import db
from circle.method import Answer, NameDisplay, RoundKind, public_name
from circle.models import (
    AgendaItem,
    Attendance,
    Circle,
    Contribution,
    Meeting,
    Member,
    Objection,
    Proposal,
    Round,
    RoundStatus,
)
from tests.pages import unisolated
from tests.samen_vooruit_flow import (  # noqa: F401  (app, played_database: fixtures)
    ABSENT,
    CONCERNS,
    CORRECTED,
    CORRECTION_NOTE,
    LATE,
    OBJECTION,
    SUCCESS,
    WORKABLE,
    app,
    browser,
    played,
    played_database,
)

#: A numbered answer in the Markdown: "3. **Joost** (Consent, 2026-11-23 20:15): remark".
ANSWER_LINE = re.compile(r"(\d+)\. \*\*(.+?)\*\* \(([\w ]+), \d{4}-\d\d-\d\d \d\d:\d\d\)(?:: (.*))?$")
ANSWER_LABELS = {"speak": "Spoke", "pass": "Passed", "consent": "Consent", "objection": "Objection"}


def base(played) -> str:
    return f"/c/{played.circle_id}/meetings/{played.meeting_id}/minutes"


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def db_rounds(played) -> list[dict]:
    """Every round of the meeting as the database holds it, with full names."""
    rounds = db.session.scalars(sa.select(Round).where(Round.meeting_id == played.meeting_id)
                                .order_by(Round.number)).all()
    return [{"number": r.number, "kind": r.kind.value, "version": r.proposal_version,
             "proposal": r.proposal_id, "seats": [s.member.name for s in r.seats],
             "contributions": [{"position": c.position, "who": c.member.name, "answer": c.answer.value,
                                "text": c.text, "at": iso(c.created_at),
                                "recorded_by": c.recorded_by.name if c.on_behalf else None}
                               for c in r.contributions]}
            for r in rounds]


def db_attendance(played) -> dict:
    rows = db.session.execute(sa.select(Member, Attendance).join(Attendance, sa.and_(
        Attendance.member_id == Member.id, Attendance.meeting_id == played.meeting_id))
        .where(Attendance.present.is_(True)).order_by(Member.position)).all()
    present = [m.name for m, _ in rows]
    seated = db.session.scalars(sa.select(Member.name).where(
        Member.circle_id == played.circle_id, Member.role != "guest").order_by(Member.position)).all()
    return {"present": present, "late": [m.name for m, a in rows if a.late],
            "absent": [n for n in seated if n not in present]}


# --- The minutes page ---------------------------------------------------------------------


def test_the_minutes_page_shows_the_whole_meeting(app, played):
    page = browser(app, played.member_ids["Samira"]).get(base(played))
    assert page.status_code == 200
    html = unisolated(page.text)
    with app.app_context():
        rounds, attendance = db_rounds(played), db_attendance(played)
    assert attendance["late"] == [LATE] and attendance["absent"] == [ABSENT]
    for label, key in (("Present:", "present"), ("Late:", "late"), ("Absent:", "absent")):
        assert f"<dt>{label}</dt><dd>{', '.join(attendance[key])}</dd>" in html
    assert len(re.findall(r'<section class="round"', html)) == len(rounds) == 6
    assert len(re.findall(r'<li value="\d+">', html)) == sum(len(r["contributions"]) for r in rounds)
    for r in rounds:
        for c in r["contributions"]:
            assert c["text"] in html
    assert "Recorded by Fatima for Mohamed" in html
    # The correction and the original, both.
    assert "Vraag 8: welke planten?" in html and CORRECTED in html and CORRECTION_NOTE in html
    assert "As first recorded:" in html
    # The objection, how it was met, the adoption, the postponement, the concerns.
    assert OBJECTION in html and WORKABLE in html
    assert "Met by version 3: its maker consented to it." in html
    item1 = html[html.index('id="item-1"'):html.index('id="item-2"')]
    assert "Adopted" in item1 and SUCCESS in item1 and "version 3" in item1
    assert all(text in item1 for text in CONCERNS.values())
    assert "Postponed" in html[html.index('id="item-2"'):]
    # Readable without JavaScript, and printable.
    assert "<script" not in html
    assert '<link rel="stylesheet" href="/static/print.css" media="print">' in html
    css = browser(app).get("/static/print.css")
    assert css.status_code == 200
    assert "size: A4" in css.text and "@page" in css.text and ".top" in css.text
    css.close()


# --- Exports: they parse back to the database's facts --------------------------------------


def test_markdown_holds_every_round_and_answer(app, played):
    response = browser(app, played.member_ids["Joost"]).get(base(played) + ".md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    lines = unisolated(response.text).splitlines()
    headings = [line for line in lines if line.startswith("#")]
    assert headings[0] == "# Minutes: Kernteam"
    for h in ("## Attendance", "## Opening", "## Agenda item 1: Afvalcontainers vergroenen",
              "## Agenda item 2: Keukencollectief", "### Objections", "### Concerns given with consent",
              "## Closing"):
        assert h in headings, h
    with app.app_context():
        rounds, attendance = db_rounds(played), db_attendance(played)
    assert f"- Present: {', '.join(attendance['present'])}" in lines
    assert f"- Absent: {ABSENT}" in lines and f"- Late: {LATE}" in lines

    parsed: dict[int, list[tuple]] = {}
    current = None
    for line in lines:
        if m := re.match(r"### .+ · round (\d+)", line):
            current = int(m.group(1))
            parsed[current] = []
        elif m := ANSWER_LINE.match(line):
            parsed[current].append((int(m.group(1)), m.group(2), m.group(3), m.group(4) or ""))
    assert parsed == {r["number"]: [(c["position"], c["who"], ANSWER_LABELS[c["answer"]], c["text"])
                                    for c in r["contributions"]] for r in rounds}
    on_behalf = sum(c["recorded_by"] is not None for r in rounds for c in r["contributions"])
    assert sum(line.strip() == "- Recorded by Fatima for Mohamed" for line in lines) == on_behalf
    assert any(line.strip().startswith("- Correction by Fatima") and CORRECTED in line for line in lines)
    assert f"- **Dewi** · On version 2: {OBJECTION}" in lines
    assert any("Met by version 3" in line for line in lines)
    assert [f"- **{who}**: {text}" for who, text in CONCERNS.items()] == [
        line for line in lines if line.startswith("- **") and line.split("**")[1] in CONCERNS]


def _decision_truth(played) -> list[dict]:
    """What each agenda item of the meeting decided, straight from the rows."""
    truth = []
    meeting = db.session.get(Meeting, played.meeting_id)
    items = db.session.scalars(sa.select(AgendaItem).where(AgendaItem.meeting_id == played.meeting_id)
                               .order_by(AgendaItem.position)).all()
    for item in items:
        p = item.proposal
        objections = db.session.scalar(sa.select(sa.func.count(Objection.id)).join(
            Contribution, Contribution.id == Objection.contribution_id).join(Round).where(
            Round.meeting_id == played.meeting_id, Objection.proposal_id == p.id))
        last_consent = db.session.scalar(sa.select(Round).where(
            Round.meeting_id == played.meeting_id, Round.proposal_id == p.id,
            Round.kind == RoundKind.CONSENT, Round.status == RoundStatus.CLOSED)
            .order_by(Round.number.desc()).limit(1))
        concerns = [c for c in last_consent.contributions if c.answer == Answer.CONSENT and c.text] \
            if last_consent else []
        v = p.latest
        truth.append({
            "meeting_id": str(meeting.id), "meeting": meeting.title, "date": meeting.date.isoformat(),
            "proposal_id": str(p.id), "title": v.title, "review": "no", "outcome": item.outcome.value,
            "version": str(v.number), "decided_at": iso(p.decided_at),
            "review_date": v.review_date.isoformat() if v.review_date else "",
            "success_criteria": v.success_criteria, "carried_out_by": v.carried_out_by,
            "objections": str(objections), "concerns": str(len(concerns))})
    return truth


def test_the_csv_exports_give_one_row_per_decision(app, played):
    member = browser(app, played.member_ids["Kees"])
    response = member.get(base(played) + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    with app.app_context():
        truth = _decision_truth(played)
    # What people wrote is isolated for direction (docs/exports.md), the rest as it is.
    truth = [{k: isolate(v) if k in CSV_WRITTEN else v for k, v in row.items()} for row in truth]
    assert rows == truth
    assert (rows[0]["outcome"], rows[0]["objections"], rows[0]["concerns"]) == ("adopted", "1", "2")
    assert rows[1]["outcome"] == "postponed"

    logbook = member.get(f"/c/{played.circle_id}/decisions.csv")
    assert logbook.status_code == 200 and logbook.mimetype == "text/csv"
    assert list(csv.DictReader(io.StringIO(logbook.data.decode("utf-8-sig")))) == truth


def test_the_json_export_is_the_whole_trace(app, played):
    response = browser(app, played.member_ids["Dewi"]).get(base(played) + ".json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = json.loads(response.data)
    with app.app_context():
        rounds, attendance = db_rounds(played), db_attendance(played)
        meeting = db.session.get(Meeting, played.meeting_id)
        proposal = db.session.get(Proposal, played.proposal_id)
        objection = proposal.objections[0]
        reason = db.session.get(Contribution, objection.contribution_id).text
        assert data["meeting"] == {"id": meeting.id, "title": meeting.title,
                                   "recorded_title": meeting.title,
                                   "date": meeting.date.isoformat(), "status": "closed"}
        assert data["circle"] == {"id": played.circle_id, "name": "Samen Vooruit"}
        latest = proposal.latest
    assert data["format"] == "kring.minutes/1"
    assert data["attendance"] == {**attendance, "guests": [], "former": []}  # nobody has left

    shown = data["opening"] + [r for i in data["items"] for r in i["rounds"]] + data["closing"]
    shown.sort(key=lambda r: r["number"])
    assert [{"number": r["number"], "kind": r["kind"], "version": r["version"], "seats": r["seats"],
             "contributions": [{k: c[k] for k in ("position", "who", "answer", "text", "at", "recorded_by")}
                               for c in r["contributions"]]} for r in shown] == [
        {k: v for k, v in r.items() if k != "proposal"} for r in rounds]
    assert [r["number"] for r in data["items"][0]["rounds"]] == [
        r["number"] for r in rounds if r["proposal"] == played.proposal_id]

    fixes = [c["corrections"] for r in shown for c in r["contributions"] if c["corrections"]]
    assert len(fixes) == 1 and fixes[0][0]["text"] == CORRECTED and fixes[0][0]["note"] == CORRECTION_NOTE
    assert fixes[0][0]["by"] == "Fatima"

    item = data["items"][0]
    assert {k: item[k] for k in ("proposal_id", "title", "review", "version", "outcome", "decided_at",
                                 "review_date", "success_criteria", "carried_out_by", "text")} == {
        "proposal_id": played.proposal_id, "title": latest.title, "review": False,
        "version": latest.number, "outcome": "adopted", "decided_at": iso(proposal.decided_at),
        "review_date": latest.review_date.isoformat(), "success_criteria": latest.success_criteria,
        "carried_out_by": latest.carried_out_by, "text": latest.text}
    assert item["objections"] == [{
        "who": "Dewi", "version": objection.version, "round": 4, "reason": reason,
        "workable": objection.workable, "tested": objection.tested, "status": "met",
        "met_by_version": 3, "ended_at": iso(objection.ended_at),
        "withdrawal_recorded_by": None}]
    assert item["concerns"] == [{"who": who, "text": text} for who, text in CONCERNS.items()]
    assert data["items"][1]["outcome"] == "postponed" and data["items"][1]["rounds"] == []


# --- Who may read the minutes ------------------------------------------------------------------

RECORD_URLS = ("", ".md", ".csv", ".json")


def _record_urls(played) -> list[str]:
    return [base(played) + s for s in RECORD_URLS] + [
        f"/c/{played.circle_id}/decisions.csv", f"/c/{played.circle_id}/reviews.ics"]


def test_a_private_record_is_refused_to_strangers(app, played):
    anonymous = browser(app)
    for url in _record_urls(played):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/sign-in" in response.location, url
    with app.app_context():
        _, other = create_circle("Andere Kring", "Bert")
        other_id = other.id
    stranger = browser(app, other_id)
    for url in _record_urls(played):
        assert stranger.get(url).status_code == 404, url
    assert anonymous.get(f"/c/{played.circle_id}/meetings/{played.meeting_id}/minutes.pdf").status_code == 404
    too_big = 2**64
    for url in (f"/c/{too_big}/meetings/1/minutes", f"/c/{played.circle_id}/meetings/{too_big}/minutes.json",
                f"/c/{too_big}/decisions.csv", f"/c/{too_big}/reviews.ics?token=x"):
        assert stranger.get(url).status_code == 404, url


@pytest.mark.parametrize("display", [NameDisplay.INITIALS, NameDisplay.FIRST])
def test_a_public_record_is_readable_with_names_as_the_circle_chose(app, played, display):
    with app.app_context():
        circle = db.session.get(Circle, played.circle_id)
        circle.public_record, circle.public_names = True, display
        db.session.commit()
    anonymous = browser(app)
    for url in _record_urls(played):
        assert anonymous.get(url).status_code == 200, url
    # Only the record opens: the meeting page and the circle home stay closed.
    assert anonymous.get(f"/c/{played.circle_id}/meetings/{played.meeting_id}/").status_code == 302
    assert anonymous.get(f"/c/{played.circle_id}/").status_code == 302

    shown = public_name(ABSENT, display)
    data = anonymous.get(base(played) + ".json").get_json()
    assert data["attendance"]["absent"] == [shown]
    assert data["items"][0]["objections"][0]["who"] == public_name("Dewi", display)
    html = unisolated(anonymous.get(base(played)).text)
    markdown = unisolated(anonymous.get(base(played) + ".md").text)
    for text in (html, markdown):
        assert shown in text and "van Dijk" not in text
        fatima = public_name("Fatima", display)
        assert f"Recorded by {fatima} for {public_name('Mohamed', display)}" in text
        if display == NameDisplay.INITIALS:
            assert "Fatima" not in text and "Mohamed" not in text and "Dewi" not in text
    # A member still reads full names.
    member = browser(app, played.member_ids["Aylin"])
    assert member.get(base(played) + ".json").get_json()["attendance"]["absent"] == [ABSENT]


def test_what_people_write_cannot_change_the_markdown_around_it():
    from circle.read.exports import md_text

    assert md_text("# kop\n- punt\n12. twaalf *vet* [link](x) <b>") == (  # each line isolated, \u2068…\u2069
        "\u2068\\# kop\u2069  \n   \u2068\\- punt\u2069  \n   \u2068"
        "12\\. twaalf \\*vet\\* \\[link\\](x) \\<b\\>\u2069")
    assert md_text("Vraag 1: welke planten?") == "\u2068Vraag 1: welke planten?\u2069"
