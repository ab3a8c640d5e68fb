"""Tamper evidence anyone can check: the log download, the standalone checker, the verified mark.

The Samen Vooruit meeting is played through the pages (once per module,
tests/samen_vooruit_flow.py); its log is downloaded
as JSON Lines and checked by docs/verify_log.py in a separate process, the
way a neighbour would, with nothing of Kring imported.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from circle import record
from circle.read import verification
from circle.extensions import db
from circle.models import Circle, LogEntry
from tests.conftest import find_csrf_token
from tests.samen_vooruit_flow import app, browser, played, played_database  # noqa: F401 (fixtures)
from tests.test_decision_page import text

CHECKER = Path(__file__).resolve().parent.parent / "docs" / "verify_log.py"


@pytest.fixture
def aylin(app, played):
    """Aylin's phone (she proposed the greening), reading in English."""
    return browser(app, played.member_ids["Aylin"])


def download(client, circle_id: int) -> bytes:
    response = client.get(f"/c/{circle_id}/log.jsonl")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def check(tmp_path: Path, content: bytes, *extra: str) -> subprocess.CompletedProcess:
    """Run the standalone checker on a file, with the venv's python, as a separate process."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(content)
    return subprocess.run([sys.executable, str(CHECKER), str(path), *extra],
                          capture_output=True, text=True, timeout=60)


def test_the_download_is_the_log_in_canonical_form_and_passes_the_checker(app, played, aylin, tmp_path):
    content = download(aylin, played.circle_id)
    lines = content.decode("utf-8").splitlines()
    with app.app_context():
        circle = db.session.get(Circle, played.circle_id)
        stored = list(db.session.scalars(
            sa.select(LogEntry).where(LogEntry.circle_id == circle.id).order_by(LogEntry.seq)))
        length, head = circle.log_length, circle.log_head
    assert len(lines) == length == len(stored)
    for line, entry in zip(lines, stored):
        parsed = json.loads(line)
        assert set(parsed) == {"seq", "circle", "at", "actor", "action", "data", "prev", "hash"}
        assert line == record.canonical(parsed)
        assert (parsed["seq"], parsed["hash"], parsed["prev"]) == (entry.seq, entry.hash, entry.prev_hash)
        assert record.canonical(parsed["data"]) == entry.data
    assert "Wie geeft water in de zomer?" in content.decode("utf-8")  # UTF-8 as is, the log reads on its own

    result = check(tmp_path, content)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert result.stdout.strip() == (
        f"OK: {length} entries of circle {played.circle_id} hold together; latest hash {head}")
    noted = check(tmp_path, content, "--head", json.loads(lines[9])["hash"])
    assert noted.returncode == 0 and noted.stdout.strip().endswith("the noted hash is entry 10")
    assert check(tmp_path, content, "--head", "0" * 64).returncode == 1


def _lines(content: bytes) -> list[bytes]:
    return content.splitlines(keepends=True)


@pytest.mark.parametrize(("line", "old", "new"), [
    (12, b'"action":"', b'"action":"x'),     # what was done
    (20, b'"at":"20', b'"at":"19'),          # when
    (30, b'"prev":"', b'"prev":"0'),         # the link to the line before
    (40, b'"hash":"', b'"hash":"f'),         # the hash itself
])
def test_one_changed_byte_is_found_naming_its_line(played, aylin, tmp_path, line, old, new):
    lines = _lines(download(aylin, played.circle_id))
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    result = check(tmp_path, b"".join(lines))
    assert result.returncode == 1
    assert result.stderr.startswith(f"BROKEN at line {line}:"), result.stderr


def test_a_changed_letter_in_what_someone_said_is_found(played, aylin, tmp_path):
    content = download(aylin, played.circle_id)
    lines = _lines(content)
    number = next(i for i, raw in enumerate(lines, 1) if "Wie geeft water".encode() in raw)
    lines[number - 1] = lines[number - 1].replace(b"Wie geeft", b"Wie gaf", 1)
    result = check(tmp_path, b"".join(lines))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"BROKEN at line {number}: its hash does not match its content (the entry was changed)")


def test_a_removed_line_is_found_naming_the_gap(played, aylin, tmp_path):
    lines = _lines(download(aylin, played.circle_id))
    del lines[24]  # entry 25
    result = check(tmp_path, b"".join(lines))
    assert result.returncode == 1
    assert result.stderr.startswith("BROKEN at line 25: entry 26 where entry 25 belongs"), result.stderr


def test_two_swapped_lines_are_found(played, aylin, tmp_path):
    lines = _lines(download(aylin, played.circle_id))
    lines[30], lines[31] = lines[31], lines[30]
    result = check(tmp_path, b"".join(lines))
    assert result.returncode == 1
    assert result.stderr.startswith("BROKEN at line 31:"), result.stderr


def test_an_empty_or_foreign_file_is_refused(tmp_path):
    assert check(tmp_path, b"").returncode == 1
    result = check(tmp_path, b'{"hello": "world"}\n')
    assert result.returncode == 1 and result.stderr.startswith("BROKEN at line 1: not a log entry")


def test_the_checker_needs_nothing_but_the_standard_library():
    tree = ast.parse(CHECKER.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported and imported <= set(sys.stdlib_module_names)


# --- The verified mark --------------------------------------------------------------


def decision_page(client, played) -> str:
    response = client.get(f"/c/{played.circle_id}/decisions/{played.proposal_id}/")
    assert response.status_code == 200
    return text(response.text)


def check_now(client, played) -> str:
    url = f"/c/{played.circle_id}/decisions/{played.proposal_id}/"
    response = client.post(f"/c/{played.circle_id}/record/check",
                           data={"csrf_token": find_csrf_token(client.get(url).text), "next": url})
    assert response.status_code == 200
    assert f'href="{url}"' in response.text  # back to where the button was
    return text(response.text)


def test_the_decision_page_shows_the_verified_mark(app, played, aylin):
    seen = decision_page(aylin, played)
    with app.app_context():
        circle = db.session.get(Circle, played.circle_id)
        length, head = circle.log_length, circle.log_head
    assert "✓ Verified: the record has not been changed." in seen
    assert f"All {length} entries of this circle's log hold together" in seen
    assert head in seen
    assert "Download the log (JSON Lines)" in seen


def test_check_now_finds_an_old_entry_changed_in_the_database(app, played, aylin):
    assert "✓ Verified" in decision_page(aylin, played)  # the full check ran and was kept
    with app.app_context():
        db.session.execute(sa.text(
            "UPDATE log_entry SET data = replace(data, 'welke planten', 'welke bomen') "
            "WHERE circle_id = :c AND seq = (SELECT min(seq) FROM log_entry WHERE circle_id = :c "
            "AND data LIKE '%welke planten%')"), {"c": played.circle_id})
        db.session.commit()
        bad = db.session.scalar(sa.select(sa.func.min(LogEntry.seq)).where(
            LogEntry.circle_id == played.circle_id, LogEntry.data.like("%welke bomen%")))
    # The head did not change, so the page still shows the last full check (verification.py says so)...
    assert "✓ Verified" in decision_page(aylin, played)
    # ...and "Check now" always checks everything.
    result = check_now(aylin, played)
    assert "✗ Not verified: the record does not hold together." in result
    assert f"The check fails at entry {bad} of this circle's log." in result
    seen = decision_page(aylin, played)  # the page now shows the result of that full check
    assert "✗ Not verified" in seen and f"fails at entry {bad}" in seen


def test_a_growing_log_is_checked_entry_by_entry_not_from_the_start(app, played, aylin, monkeypatch):
    decision_page(aylin, played)
    full_checks = []
    real = record.verify
    monkeypatch.setattr(record, "verify", lambda cid: full_checks.append(cid) or real(cid))
    from circle.circles import add_member

    with app.app_context():
        add_member(None, played.circle_id, "Nieuwe buur")
        length = db.session.get(Circle, played.circle_id).log_length
    seen = decision_page(aylin, played)
    assert "✓ Verified" in seen and f"All {length} entries" in seen
    assert full_checks == []
    with app.app_context():  # a new entry that does not hold sends the page to a full check
        add_member(None, played.circle_id, "Nog een buur")
        db.session.execute(sa.text("UPDATE log_entry SET action = 'x' WHERE circle_id = :c AND seq = :s"),
                           {"c": played.circle_id, "s": length + 1})
        db.session.commit()
    seen = decision_page(aylin, played)
    assert full_checks == [played.circle_id]
    assert "✗ Not verified" in seen and f"fails at entry {length + 1}" in seen


def test_a_full_check_runs_again_when_the_last_one_is_old(app, played, aylin, monkeypatch):
    decision_page(aylin, played)
    app.config["RECORD_FULL_CHECK_SECONDS"] = 60
    with app.app_context():
        lock, known = app.extensions["kring.verification"]
        old = known[played.circle_id]
        known[played.circle_id] = dataclasses.replace(old, full_at=old.full_at.replace(year=2000))
    full_checks = []
    real = record.verify
    monkeypatch.setattr(record, "verify", lambda cid: full_checks.append(cid) or real(cid))
    decision_page(aylin, played)
    assert full_checks == [played.circle_id]
    with app.app_context():
        assert verification.status(db.session.get(Circle, played.circle_id)).full_at.year > 2000


def test_the_circle_page_shows_the_latest_hash_to_note_down(app, played, aylin):
    page = aylin.get(f"/c/{played.circle_id}/").text
    with app.app_context():
        circle = db.session.get(Circle, played.circle_id)
        length, head = circle.log_length, circle.log_head
    assert '<code id="log-head"' in page
    shown = page.split('id="log-head"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert shown == head
    assert f"Latest entry: {length}. Its hash:" in text(page)
    assert f'href="/c/{played.circle_id}/log.jsonl"' in page


def test_others_cannot_download_a_private_log(app, played, sign_in):
    from circle.circles import create_circle

    assert app.test_client().get(f"/c/{played.circle_id}/log.jsonl").status_code == 302
    with app.app_context():
        _, bram = create_circle("Andere Kring", "Bram")
        bram_id = bram.id
    stranger = app.test_client()
    sign_in(stranger, bram_id)
    assert stranger.get(f"/c/{played.circle_id}/log.jsonl").status_code == 404
