"""Hostile text through every form and socket, into every page, the projector, the live parts and every export.

The corpus (tests/hostile.py: script tags, event handlers, `javascript:`, a
right-to-left override, a stray isolate close, zero-width joiners, spreadsheet
formulas, Markdown and template syntax, entities) becomes names, meeting
titles, proposals, answers, objections, remarks, corrections and a guest's
name. Then every surface is read back: no markup or script comes through,
every person's text is isolated for direction, CSV formulas are neutralised,
the files parse. NUL, other control characters and a megabyte are refused at
every way in, with the message, and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from circle.auth import sign_in_url
from circle.extensions import db
from circle.models import (
    Contribution,
    LogEntry,
    Meeting,
    Member,
    Proposal,
    ProposalVersion,
)
from circle.read.exports import CSV_WRITTEN
from circle.text import FSI, PDI, isolate
from tests.conftest import app_on_copy
from tests.hostile import (
    CORPUS,
    GUEST,
    MARK,
    REFUSED,
    build,
    check_html,
    lines,
    plainly_isolated,
    post,
    sock,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def hostile(template_database, tmp_path_factory):
    """The circle of hostile text, made once for the module (tests that try to store more change nothing)."""
    made = app_on_copy(template_database, tmp_path_factory.mktemp("hostile"))
    app = next(made)
    scene = build(app)
    yield app, scene
    next(made, None)


def pages(app, scene) -> dict[str, tuple[str, str]]:
    """Every kind of page, as (whose browser, address)."""
    c, m, meeting = scene.circle, scene.members, f"/c/{scene.circle}/meetings/{scene.meeting}"
    with app.test_request_context():
        link = sign_in_url(db.session.get(Member, m["rlo"]), external=False)
    return {
        "circle home (facilitator)": ("Anna", f"/c/{c}/"),
        "circle home (member)": ("zero_width", f"/c/{c}/"),
        "proposal": ("rlo", f"/c/{c}/proposals/{scene.objected}/"),
        "draft": ("markdown", f"/c/{c}/proposals/{scene.draft}/"),
        "draft, to edit": ("markdown", f"/c/{c}/proposals/{scene.draft}/edit"),
        "new proposal": ("img", f"/c/{c}/proposals/new"),
        "meeting (member)": ("img", f"{meeting}/"),
        "meeting (facilitator)": ("Anna", f"{meeting}/"),
        "meeting (secretary)": ("script", f"{meeting}/"),
        "meeting (guest)": ("guest", f"{meeting}/"),
        "another meeting (planned)": ("Anna", f"/c/{c}/meetings/{scene.other_meetings[-1]}/"),
        "projector": ("Anna", f"{meeting}/projector"),
        "join": ("img", f"{meeting}/join"),
        "amend": ("Anna", f"{meeting}/amend/{scene.objected}"),
        "guest link": ("Anna", f"{meeting}/guests"),
        "decision (adopted)": ("img", f"/c/{c}/decisions/{scene.adopted}/"),
        "decision (objected), compared": ("img", f"/c/{c}/decisions/{scene.objected}/?a=1&b=2"),
        "minutes": ("img", f"{meeting}/minutes"),
        "logbook": ("img", f"/c/{c}/logbook/"),
        "logbook, searched": ("img", f"/c/{c}/logbook/?q=vet"),
        "correct an answer": ("Anna", f"/c/{c}/corrections/contribution/{scene.contribution}"),
        "correct a title": ("Anna", f"/c/{c}/corrections/meeting/{scene.meeting}"),
        "handout": ("Anna", f"/c/{c}/members/{m['pdi']}/handout"),
        "your circles": ("pdi", "/you"),
        "your data": ("pdi", "/you/data"),
        "sign-in link": ("nobody", link),
        "not found": ("img", f"/c/{c}/proposals/{2**31 - 1}/"),
    }


def browser(app, scene, who: str):
    return app.test_client() if who == "nobody" else scene.browsers[who]


SURFACES = ["circle home (facilitator)", "circle home (member)", "proposal", "draft", "draft, to edit",
            "new proposal", "meeting (member)", "meeting (facilitator)", "meeting (secretary)", "meeting (guest)",
            "another meeting (planned)", "projector", "join", "amend", "guest link", "decision (adopted)",
            "decision (objected), compared", "minutes", "logbook", "logbook, searched", "correct an answer",
            "correct a title", "handout", "your circles", "your data", "sign-in link", "not found"]


@pytest.mark.parametrize("surface", SURFACES)
def test_every_page_shows_hostile_text_escaped_and_isolated(hostile, surface):
    app, scene = hostile
    who, url = pages(app, scene)[surface]
    response = browser(app, scene, who).get(url)
    assert response.status_code == (404 if surface == "not found" else 200), (surface, response.status_code)
    assert check_html(response.text, scene.stored) == []
    assert response.text.count(MARK) >= 1, "the page shows the corpus (else this checks nothing)"


def test_the_checks_find_what_they_look_for():
    """Each check fails on what it is there to find, so the tests above cannot pass by finding nothing."""
    stored = ["Ⓚ1<b>", "Ⓚ2\u202e"]
    assert check_html("<p>Ⓚ1&lt;b&gt;</p>", stored)  # beside nothing, but not isolated
    assert check_html("<p>Hallo <b>Ⓚ1</b></p>", stored)  # escaped, but not isolated
    assert check_html("<p dir=auto>Hallo Ⓚ2\u202e</p>", stored)  # isolated together with Kring's words
    assert check_html("<p>Hallo <span dir=auto>Ⓚ2\u2069\u202e</span></p>", stored)  # a stray close
    assert check_html("<p>Ⓚ1<b></p>", stored)  # unescaped
    assert check_html('<p><a href="javascript:x">x</a></p>', stored)
    assert check_html('<p onclick="x">x</p>', stored) and check_html('<p style="x">x</p>', stored)
    assert check_html("<script>alert(1)</script>", stored)
    assert check_html('<a title="Ⓚ1&lt;b&gt;">x</a>', stored)
    assert check_html('<input value="Ⓚ2">', stored)
    fine = ('<p>Hallo <bdi>Ⓚ1&lt;b&gt;</bdi>, <span dir="auto">Ⓚ2\u202e</span></p><title>\u2068Ⓚ2\u2069 – Kring</title>'
            '<p dir="auto">Ⓚ2\u2069\u202e</p><input dir="auto" value="Ⓚ1&lt;b&gt;"><script src="/static/x.js"></script>')
    assert check_html(fine, stored) == []


def test_the_page_list_is_every_surface(hostile):
    assert list(pages(*hostile)) == SURFACES


@pytest.mark.parametrize("view", ["phone", "console", "projector"])
def test_the_live_parts_show_it_escaped_and_isolated(hostile, view):
    app, scene = hostile
    who = {"phone": "img", "console": "Anna", "projector": "Anna"}[view]
    connection = sock(app, scene.browsers[who], scene.meeting, view)
    ack = connection.emit("parts", {"version": 0}, callback=True)
    connection.disconnect()
    assert ack["ok"] and ack["full"] and ack["ops"]
    html = "".join(op["html"] for op in ack["ops"])
    assert html.count(MARK) >= 20
    for op in ack["ops"]:
        assert check_html(op["html"], scene.stored) == [], op["id"]


def test_a_program_reads_the_texts_exactly_as_written(hostile):
    app, scene = hostile
    connection = sock(app, scene.browsers["Anna"], scene.meeting)
    [state] = [m["args"][0] for m in connection.get_received() if m["name"] == "state"]
    connection.disconnect()
    names = {m["name"] for m in state["members"]}
    assert set(CORPUS.values()) <= names and GUEST in names
    assert FSI not in json.dumps(state, ensure_ascii=False)


# --- The files ----------------------------------------------------------------------------------


def download(hostile, path: str) -> str:
    _, scene = hostile
    response = scene.browsers["img"].get(path.format(c=scene.circle, m=scene.meeting))
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_json_minutes_hold_every_text_exactly(hostile):
    minutes = json.loads(download(hostile, "/c/{c}/meetings/{m}/minutes.json"))
    flat = json.dumps(minutes, ensure_ascii=False)
    assert FSI not in flat and PDI not in flat.replace(CORPUS["pdi"], "")
    assert set(CORPUS.values()) <= set(minutes["attendance"]["present"])
    said = [c["text"] for r in minutes["opening"] for c in r["contributions"]]
    assert sorted(said) == sorted(map(lines, CORPUS.values()))


def test_the_markdown_escapes_and_isolates_every_text(hostile):
    markdown = download(hostile, "/c/{c}/meetings/{m}/minutes.md")
    assert markdown.count(MARK) > 100
    for line in markdown.splitlines():
        if MARK in line:
            assert plainly_isolated(line), line
        for piece in line.split(FSI)[1:]:  # every person's text: nothing of Markdown's own in it
            text = piece.split(PDI)[0]
            assert not any(c in text.replace("\\" + c, "") for c in "<>[]`*_#|"), line


@pytest.mark.parametrize("path", ["/c/{c}/meetings/{m}/minutes.csv", "/c/{c}/decisions.csv"])
def test_the_csv_neutralises_formulas_and_isolates_texts(hostile, path):
    rows = list(csv.DictReader(io.StringIO(download(hostile, path).lstrip("\ufeff"))))
    assert rows and any(MARK in row["title"] for row in rows)
    neutralised = 0
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
            if column in CSV_WRITTEN and cell:
                raw = cell.removeprefix("'")
                assert raw.startswith(FSI) and raw.endswith(PDI) and plainly_isolated(raw), (column, cell)
                neutralised += cell.startswith("'")
    assert neutralised >= 1  # the formulas were there, and each got its quote


def test_the_calendar_stays_valid_and_isolates_titles(hostile):
    app, scene = hostile
    body = download(hostile, "/c/{c}/reviews.ics")
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    physical = body.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in physical)
    assert not any(ord(c) < 32 and c != "\t" or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 for c in body.replace("\r\n", ""))
    unfolded = body.replace("\r\n ", "").split("\r\n")
    with app.app_context():
        title = db.session.get(Proposal, scene.adopted).latest.title
    summaries = [line for line in unfolded if line.startswith("SUMMARY:")]
    assert len(summaries) == 1 and summaries[0].endswith(isolate(title).replace(",", "\\,"))
    assert [line for line in unfolded if line.startswith("X-WR-CALNAME:")][0].count(FSI) == 1


def test_the_downloaded_log_holds_the_texts_and_verifies(hostile, tmp_path):
    body = download(hostile, "/c/{c}/log.jsonl")
    entries = [json.loads(line) for line in body.splitlines()]
    assert len(entries) > 100 and MARK in body
    (tmp_path / "log.jsonl").write_text(body, encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "verify_log.py"), str(tmp_path / "log.jsonl")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_person_downloads_their_data_exactly(hostile):
    data = json.loads(download(hostile, "/you/data.json"))
    assert CORPUS["img"] in json.dumps(data, ensure_ascii=False)


# --- What is refused ------------------------------------------------------------------------------

MESSAGE = {"one_line": "Dit moet één regel zijn", "text": "Hier stond een onzichtbaar stuurteken in",
           "huge": "Te lang"}


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in
                     (Member, Meeting, Proposal, ProposalVersion, Contribution, LogEntry))


def ways_in(scene) -> dict[str, tuple]:
    """Each form a refused text may come through: (whose browser, page, form address, fields, one line?)."""
    c, meeting = scene.circle, f"/c/{scene.circle}/meetings/{scene.meeting}"
    new = f"/c/{c}/proposals/new"
    fix = f"/c/{c}/corrections/contribution/{scene.contribution}"
    return {
        "a member's name": ("Anna", f"/c/{c}/", f"/c/{c}/members", lambda t: {"name": t, "role": "member"}, True),
        "a meeting's title": ("Anna", f"/c/{c}/", f"/c/{c}/plan-meeting",
                              lambda t: {"title": t, "date": "2030-01-01"}, True),
        "a proposal's title": ("img", new, new, lambda t: {"title": t, "text": "Tekst."}, True),
        "a proposal's text": ("img", new, new, lambda t: {"title": "Titel", "text": t}, False),
        "a correction": ("Anna", fix, fix, lambda t: {"text": t}, False),
        "an amendment": ("Anna", f"{meeting}/amend/{scene.objected}", f"{meeting}/amend",
                         lambda t: {"proposal_id": scene.objected, "title": "Titel", "text": t}, False),
    }


@pytest.mark.parametrize("kind", list(REFUSED))
@pytest.mark.parametrize("way", ["a member's name", "a meeting's title", "a proposal's title",
                                 "a proposal's text", "a correction", "an amendment"])
def test_a_form_refuses_control_characters_and_a_megabyte(hostile, way, kind):
    app, scene = hostile
    who, page, url, fields, one_line = ways_in(scene)[way]
    before = counts(app)
    response = post(scene.browsers[who], page, url, **fields(REFUSED[kind]))
    after = counts(app)
    assert after == before, (way, kind)
    if kind == "huge":
        assert response.status_code == 413 and MESSAGE["huge"] in response.text
    else:
        text = response.get_data(as_text=True) if response.status_code != 303 else \
            scene.browsers[who].get(response.location).text
        assert MESSAGE["one_line" if one_line else "text"] in text, (way, kind)
        assert "\x00" not in text and "\x1b" not in text


@pytest.mark.parametrize("kind", list(REFUSED))
@pytest.mark.parametrize("event", ["contribute", "amend"])
def test_a_socket_refuses_them_with_the_message(hostile, event, kind):
    app, scene = hostile
    connection = sock(app, scene.browsers["Anna"], scene.meeting)
    payload = {"contribute": {"answer": "speak", "text": REFUSED[kind]},
               "amend": {"proposal_id": scene.objected, "title": REFUSED[kind], "text": "Tekst."}}[event]
    before = counts(app)
    ack = connection.emit(event, payload, callback=True)
    connection.disconnect()
    assert counts(app) == before
    assert not ack["ok"]
    if kind == "huge":
        assert ack["error"] == "invalid" and "te lang" in ack["message"]
    else:
        assert ack["error"] == "control_characters", ack
        assert MESSAGE["text" if event == "contribute" else "one_line"] in ack["message"]


def test_a_guest_name_with_a_control_character_is_refused(hostile):
    app, scene = hostile
    from tests.hostile import guest_url

    with app.test_request_context():
        link = guest_url(db.session.get(Meeting, scene.meeting), external=False)
    before = counts(app)
    response = post(app.test_client(), link, link, name="Gast\x00")
    assert response.status_code == 422 and MESSAGE["one_line"] in response.text
    assert counts(app) == before
