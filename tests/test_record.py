"""The log is tamper-evident: `flask verify-log` finds any changed, removed, inserted or swapped entry."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from circle import record
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Circle, LogEntry
from tests.scenario import everyone_present, run_round, samen_vooruit


@pytest.fixture
def logged(app):
    """A circle whose log holds a whole opinion-forming meeting."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING, {"Kees": (Answer.PASS, "")})
        run_round(made, RoundKind.OPINION_FORMING)
        return made


def entries(circle_id: int) -> list[LogEntry]:
    return list(db.session.scalars(sa.select(LogEntry).where(LogEntry.circle_id == circle_id).order_by(LogEntry.seq)))


def test_intact_log_verifies(app, runner, logged):
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        count = len(entries(logged.circle_id))
    assert result.output.strip() == f"log intact: 1 circle(s), {count} entries checked"


def test_every_action_chains_onto_the_one_before(app, logged):
    with app.app_context():
        log = entries(logged.circle_id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        assert log[0].prev_hash == ""
        assert all(b.prev_hash == a.hash for a, b in zip(log, log[1:]))
        circle = db.session.get(Circle, logged.circle_id)
        assert (circle.log_length, circle.log_head) == (len(log), log[-1].hash)


def test_two_entries_in_one_transaction_chain_and_the_circle_held_reads_the_new_head(app, logged):
    """The head is written as a plain statement, not through the circle object the session may hold:
    that object reads the new head when asked, and a second entry in the same transaction chains onto
    the first."""
    with app.app_context():
        circle = db.session.get(Circle, logged.circle_id)
        length = circle.log_length
        first = record.append(circle.id, None, "note", {"n": 1})
        assert (circle.log_length, circle.log_head) == (length + 1, first.hash)
        second = record.append(circle.id, None, "note", {"n": 2})
        db.session.commit()
        log = entries(logged.circle_id)
        assert [e.hash for e in log[-2:]] == [first.hash, second.hash] and log[-1].prev_hash == first.hash
        assert (circle.log_length, circle.log_head) == (length + 2, second.hash)


def _sql(app, statement: str, **params) -> None:
    """Tamper with the database directly, as someone with file access could."""
    with app.app_context():
        db.session.execute(sa.text(statement), params)
        db.session.commit()


def _broken_at(runner) -> str:
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    return result.output


@pytest.mark.parametrize("column", ["data", "at", "action", "hash", "prev_hash"])
def test_one_changed_byte_is_found(app, runner, logged, column):
    with app.app_context():
        victim = entries(logged.circle_id)[9]
        value = getattr(victim, column)
        i = len(value) // 2
        changed = value[:i] + ("1" if value[i] != "1" else "2") + value[i + 1:]
    _sql(app, f"UPDATE log_entry SET {column} = :v WHERE id = :id", v=changed, id=victim.id)
    assert "BROKEN at entry 10" in _broken_at(runner)


def test_a_changed_contribution_text_is_found(app, runner, logged):
    with app.app_context():
        victim = next(e for e in entries(logged.circle_id) if e.action == "contribute")
        changed = victim.data.replace("zegt iets", "zegt niets")
        seq = victim.seq
    _sql(app, "UPDATE log_entry SET data = :v WHERE id = :id", v=changed, id=victim.id)
    assert f"BROKEN at entry {seq}: entry {seq} was changed" in _broken_at(runner)


def test_a_deleted_entry_is_found(app, runner, logged):
    with app.app_context():
        victim = entries(logged.circle_id)[4]
    _sql(app, "DELETE FROM log_entry WHERE id = :id", id=victim.id)
    assert "BROKEN at entry 5" in _broken_at(runner)


def test_a_deleted_last_entry_is_found(app, runner, logged):
    with app.app_context():
        victim = entries(logged.circle_id)[-1]
    _sql(app, "DELETE FROM log_entry WHERE id = :id", id=victim.id)
    assert f"BROKEN at entry {victim.seq}" in _broken_at(runner)


def test_two_swapped_entries_are_found(app, runner, logged):
    with app.app_context():
        a, b = entries(logged.circle_id)[6:8]
    _sql(app, "UPDATE log_entry SET seq = -1 WHERE id = :id", id=a.id)
    _sql(app, "UPDATE log_entry SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    _sql(app, "UPDATE log_entry SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    assert "BROKEN at entry 7" in _broken_at(runner)


def test_an_inserted_entry_is_found(app, runner, logged):
    """A forged entry, even with a correct hash of its own, breaks the next entry's link."""
    with app.app_context():
        log = entries(logged.circle_id)
        before = log[2]
        data = {"forged": True}
        forged_hash = record.entry_hash(seq=4, circle=logged.circle_id, at=before.at, actor=None,
                                        action="forged", data=data, prev=before.hash)
    _sql(app, "UPDATE log_entry SET seq = seq + 1000 WHERE circle_id = :c AND seq > 3", c=logged.circle_id)
    _sql(app, "UPDATE log_entry SET seq = seq - 999 WHERE circle_id = :c AND seq > 1000", c=logged.circle_id)
    _sql(app, "INSERT INTO log_entry (circle_id, seq, at, actor_id, action, data, prev_hash, hash) "
              "VALUES (:c, 4, :at, NULL, 'forged', :d, :p, :h)",
         c=logged.circle_id, at=before.at, d=record.canonical(data), p=before.hash, h=forged_hash)
    assert "BROKEN at entry 5" in _broken_at(runner)


def test_canonical_form_is_documented_and_stable():
    """The canonical form is sorted, compact, UTF-8 JSON: other programs can recompute it."""
    assert record.canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    h = record.entry_hash(seq=1, circle=1, at="2026-11-23T19:00:00Z", actor=None,
                          action="create_circle", data={}, prev="")
    import hashlib
    form = '{"action":"create_circle","actor":null,"at":"2026-11-23T19:00:00Z","circle":1,"data":{},"prev":"","seq":1}'
    assert h == hashlib.sha256(form.encode()).hexdigest()
