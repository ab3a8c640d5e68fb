"""Record pages run as many SQL statements on a large record as on a small one.

A page runs a bounded number of SQL statements, whatever the size of the
record. Each page in PAGES is loaded on a small record and on a large one
(1,000 decisions, 20,000 contributions: tests/bigrecord.py), by a member and by
an anonymous neighbour (the record is public), and the statements are counted.
Both records are built once per test session; each test reads a fresh copy.

Adding a page is one line in PAGES: a name, its endpoint, and its URL's values
for a record (`Sample`: the circle, a decision with versions and objections, a
meeting with a full agenda). A page whose endpoint does not exist yet is skipped.

The live meeting's actions are counted too (docs/performance.md): a step, one
answer and a page's `parts` request, with a console, members' phones and a
program connected, run at most the statements in LIVE_BUDGET, and as many in
a circle of 28 as in one of 8 (a new round's seats too: one INSERT for all).

Run with `-s` to see the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import BuildError

from circle import create_app, meetings, record, rounds
from circle.extensions import db
from circle.read.state import meeting_state
from circle.views import parts
from circle.method import Answer, Phase, RoundKind, RoundMode
from circle.models import (
    Attendance,
    Circle,
    Contribution,
    LogEntry,
    Meeting,
    Objection,
    Proposal,
    Round,
    RoundStatus,
    Seat,
)
from tests import databases
from tests.bigrecord import LARGE, SMALL, Sample, make_big_record, sample
from tests.scenario import everyone_present, neighbours_present, samen_vooruit
from tests.conftest import config_for, live_connection, sign_in_with_link


@dataclass(frozen=True)
class Built:
    """A record built once for the session, in a database file tests copy."""

    database: Path
    sample: Sample


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    values: Callable[[Sample], dict]
    #: Only members may read it, even where the record is public.
    members_only: bool = False


#: The record pages. One line a page; query parameters go in the values too.
PAGES = [
    Page("decision list", "logbook.index", lambda s: {"circle_id": s.circle_id}),
    Page("decision list, page 2", "logbook.index", lambda s: {"circle_id": s.circle_id, "page": 2}),
    Page("decision list, filtered", "logbook.index",
         lambda s: {"circle_id": s.circle_id, "status": "adopted", "from": "2022-03-01", "to": "2026-12-31"}),
    Page("search", "logbook.index", lambda s: {"circle_id": s.circle_id, "q": "containers"}),
    Page("search, page 2", "logbook.index", lambda s: {"circle_id": s.circle_id, "q": "containers", "page": 2}),
    Page("search, two words", "logbook.index", lambda s: {"circle_id": s.circle_id, "q": "zwerfafval straat"}),
    Page("search, nothing found", "logbook.index", lambda s: {"circle_id": s.circle_id, "q": "xylofoon"}),
    Page("decision list, past the last page", "logbook.index", lambda s: {"circle_id": s.circle_id, "page": 999}),
    Page("decision page", "decisions.decision",
         lambda s: {"circle_id": s.circle_id, "proposal_id": s.decision_id}),
    Page("decision page, versions compared", "decisions.decision",
         lambda s: {"circle_id": s.circle_id, "proposal_id": s.decision_id, "a": 1, "b": 2}),
    Page("minutes", "minutes.minutes", lambda s: {"circle_id": s.circle_id, "meeting_id": s.meeting_id}),
    Page("minutes as Markdown", "minutes.markdown", lambda s: {"circle_id": s.circle_id, "meeting_id": s.meeting_id}),
    Page("minutes as JSON", "minutes.json", lambda s: {"circle_id": s.circle_id, "meeting_id": s.meeting_id}),
    Page("minutes as CSV", "minutes.csv", lambda s: {"circle_id": s.circle_id, "meeting_id": s.meeting_id}),
    Page("decisions as CSV", "minutes.decisions_csv", lambda s: {"circle_id": s.circle_id}),
    Page("review calendar", "minutes.reviews_ics", lambda s: {"circle_id": s.circle_id}),
    Page("circle home", "circles.home", lambda s: {"circle_id": s.circle_id}, members_only=True),
]


@pytest.fixture(scope="session")
def records(template_database: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """The small and the large record, each built once in a database file tests copy; both public."""
    built = {}
    for size, (decisions, contributions) in (("small", SMALL), ("large", LARGE)):
        folder = tmp_path_factory.mktemp(f"record-{size}")
        database = folder / "kring.sqlite3"
        databases.copy(template_database, database)
        app = create_app(config_for(database), instance_path=str(folder / "instance"))
        with app.app_context():
            circle_id = make_big_record(decisions, contributions)
            db.session.execute(sa.update(Circle).where(Circle.id == circle_id).values(public_record=True))
            db.session.commit()
            built[size] = Built(database, sample(circle_id))
            db.session.remove()
            db.engine.dispose()
    return built


def count_statements(built: Built, page: Page, reader: str, folder: Path) -> tuple[int, list[str]]:
    """Load a page on a fresh copy of a record; the statements it ran (sign-in not counted)."""
    folder.mkdir()
    database = folder / "kring.sqlite3"
    databases.copy(built.database, database)
    sample = built.sample
    app = create_app(config_for(database), instance_path=str(folder / "instance"))
    try:
        with app.test_request_context():
            try:
                url = url_for(page.endpoint, **page.values(sample))
            except BuildError:
                pytest.skip(f"{page.name}: there is no page {page.endpoint} yet")
            engine = db.engine
        client = app.test_client()
        if reader == "member":
            sign_in_with_link(client, sample.member_id)
        client.get(url)  # the first request of an app warms its caches; count the second
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            response = client.get(url)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        assert response.status_code == 200, (url, response.status_code)
        return len(statements), statements
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


#: Every page as a member reads it, and as a neighbour reads the public record where it may.
READINGS = [(page, reader) for page in PAGES for reader in ("member", "public")
            if reader == "member" or not page.members_only]


@pytest.mark.parametrize(("page", "reader"), READINGS, ids=[f"{p.name}-{r}" for p, r in READINGS])
def test_a_record_page_runs_as_many_statements_on_a_large_record_as_on_a_small_one(
    records, tmp_path, page, reader
):
    small, small_sql = count_statements(records["small"], page, reader, tmp_path / "small")
    large, large_sql = count_statements(records["large"], page, reader, tmp_path / "large")
    print(f"\n{page.name} ({reader}): {small} statements on the small record, {large} on the large one")
    assert small == large, "\n\n".join(large_sql)


def test_the_large_record_is_as_large_as_promised_and_its_log_holds(records):
    built = records["large"]
    app = create_app(config_for(built.database), instance_path=str(built.database.parent / "instance"))
    with app.app_context():
        cid = built.sample.circle_id
        proposals = dict(db.session.execute(
            sa.select(Proposal.phase, sa.func.count()).where(Proposal.circle_id == cid).group_by(Proposal.phase)
        ).all())
        assert sum(proposals.values()) == LARGE[0]
        assert {Phase.ADOPTED, Phase.POSTPONED, Phase.WITHDRAWN, Phase.REVIEW, Phase.DRAFT} <= set(proposals)
        contributions = db.session.scalar(
            sa.select(sa.func.count(Contribution.id)).join(Round).join(Meeting).where(Meeting.circle_id == cid))
        assert contributions == LARGE[1]
        assert 90 <= db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(Meeting.circle_id == cid)) <= 101
        statuses = set(db.session.scalars(sa.select(Objection.status).join(Proposal).where(Proposal.circle_id == cid)))
        assert {"met", "withdrawn", "standing"} <= statuses
        verdict = record.verify(cid)
        assert verdict.intact, verdict.problem
        assert verdict.entries > LARGE[1]
        db.session.remove()
        db.engine.dispose()


def test_the_same_arguments_build_the_same_record(app):
    with app.app_context():
        first = make_big_record(12, 150)
        second = make_big_record(12, 150)

        def shape(cid):
            return [(e.action, e.at) for e in db.session.scalars(
                sa.select(LogEntry).where(LogEntry.circle_id == cid).order_by(LogEntry.seq))]

        assert shape(first) == shape(second)
        assert len(shape(first)) > 150
        assert record.verify(first).intact and record.verify(second).intact


#: The most statements each live action may run, broadcast included, with a console, two members'
#: phones and a program connected (docs/performance/statements.md): reading the meeting again for each kind
#: of reader, a query per seat, or reading the open round twice (for the checks and the write, for the
#: facts and the ring, for the pages and the programs) goes over.
LIVE_BUDGET = {"start_round": 39, "contribute": 25, "close_round": 38, "parts": 14}


def live_counts(app, extra_members: int) -> dict[str, list[str]]:
    """The statements of a round started, answered and closed, and of a page's `parts` request."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        neighbours_present(made, extra_members)
        engine = db.engine

    console, joost, aylin, _program = (live_connection(app, made, "Anna", view="console"),
                                       live_connection(app, made, "Joost", view="phone"),
                                       live_connection(app, made, "Aylin", view="phone"), live_connection(app, made, "Kees"))

    def version():
        with app.app_context():
            return db.session.get(Meeting, made.meeting_id).version

    counted: dict[str, list[str]] = {}

    def count(name, sock, payload):
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            ack = sock.emit(name, payload, callback=True)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        assert ack["ok"], ack
        counted[name] = statements

    count("start_round", console, {"kind": "opening", "mode": "open", "based_on": version()})
    count("contribute", joost, {"answer": "speak", "text": "Goed dat we er zijn."})
    count("parts", aylin, {"version": 0})
    count("close_round", console, {"based_on": version()})
    return counted


def test_a_live_action_runs_a_bounded_number_of_statements_whatever_the_size_of_the_circle(app):
    small = live_counts(app, 0)
    large = live_counts(app, 20)
    for name, budget in LIVE_BUDGET.items():
        print(f"\n{name}: {len(small[name])} statements in a circle of 8, {len(large[name])} in one of 28")
        assert len(small[name]) <= budget, "\n\n".join(small[name])
        assert len(large[name]) == len(small[name]), "\n\n".join(large[name])


def test_a_long_meeting_costs_a_new_round_and_a_late_arrival_no_reading_of_its_earlier_rounds(app):
    """A round's number and whether someone arrives late count the meeting's rounds; reading every round
    held (forty in a long meeting) made each start and each arrival slower as the evening went on."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        anna = made.member("Anna")
        for _ in range(6):
            rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
            rounds.close_round(anna, made.meeting_id)
        loaded: list[Round] = []

        def on_load(target, context):
            if isinstance(target, Round):
                loaded.append(target)

        sa.event.listen(Round, "load", on_load)
        try:
            db.session.expire_all()
            done = rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
            assert db.session.get(Round, done.subject).number == 7
            meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Kees"], False)
            db.session.expire_all()
            meetings.mark_attendance(anna, made.meeting_id, made.member_ids["Kees"], True)
        finally:
            sa.event.remove(Round, "load", on_load)
        assert {r.number for r in loaded} <= {7}, sorted(r.number for r in loaded)  # the open round at most
        assert db.session.scalar(sa.select(Attendance.late).where(
            Attendance.meeting_id == made.meeting_id, Attendance.member_id == made.member_ids["Kees"]))


#: The most statements one answer may run where only programs listen: its check on the round's facts
#: alone (method ROUND_STEPS), the memberships with their attendance in one statement, its write and log
#: entry, and its `answer` message: the answer with its member, round and meeting in one statement, the
#: seats with their answers as rows in one more (`facts.SEATS_ANSWERED`), for the check as for the message.
PROGRAMS_ANSWER_BUDGET = 14


def open_round_of_28(*answered: str):
    """Samen Vooruit grown to 28, all present, in an open round where Anna recorded "Ja." for `answered`."""
    made = samen_vooruit()
    everyone_present(made)
    neighbours_present(made, 20)
    anna = made.member("Anna")
    rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
    for name in answered:
        rounds.contribute(anna, made.meeting_id, made.member_ids[name], Answer.SPEAK, "Ja.")
    return made


def test_one_answer_heard_by_programs_builds_no_object(app):
    """The check of one answer and the `answer` sent for it need who sits where and who answered, and the
    message the answer's words with a few facts of its round: read as rows, not as a seat and an answer
    object for each member of the ring, nor as the answer, its round and its meeting, each of which cost
    more Python than its statement (docs/performance/rows.md)."""
    with app.app_context():
        made = open_round_of_28("Anna", "Kees", "Aylin")
    joost, program = live_connection(app, made, "Joost"), live_connection(app, made, "Kees")
    loaded: list[object] = []

    def on_load(target, context):
        loaded.append(target)

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    answering = (Seat, Contribution, Round, Meeting)
    for model in answering:
        sa.event.listen(model, "load", on_load)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        ack = joost.emit("contribute", {"answer": "speak", "text": "Goed dat we er zijn."}, callback=True)
    finally:
        for model in answering:
            sa.event.remove(model, "load", on_load)
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert ack["ok"], ack
    print(f"\nprograms answer: {len(statements)} statements")
    assert len(statements) <= PROGRAMS_ANSWER_BUDGET, "\n\n".join(statements)
    heard = [m["args"][0] for m in program.get_received() if m["name"] == "answer"]
    assert [h["seat"]["text"] for h in heard] == ["Goed dat we er zijn."]
    assert heard[0]["seat"]["member"] == made.member_ids["Joost"] and heard[0]["complete"] is False
    # The meeting the answer locks and its open round, for the check; nothing for the message.
    assert [type(o).__name__ for o in loaded] == ["Meeting", "Round"]


def test_the_meeting_state_is_read_as_rows_and_builds_no_object(app):
    """The state a program is sent holds ids and words: the meeting with its circle's quorum, its members,
    its agenda, the proposal in focus at its current version and its round's seats and answers are read as
    rows, not as a meeting, circle, member, person, proposal, version, round, seat or answer object, each of
    which cost more Python than its statement (docs/performance/rows.md)."""
    with app.app_context():
        made = open_round_of_28("Kees", "Aylin")
        db.session.expire_all()
        loaded: list[object] = []

        def on_load(target, context):
            loaded.append(target)

        models = [mapper.class_ for mapper in db.Model.registry.mappers]
        for model in models:
            sa.event.listen(model, "load", on_load)
        try:
            state = meeting_state(made.meeting_id)
        finally:
            for model in models:
                sa.event.remove(model, "load", on_load)
        focus = db.session.get(Proposal, state["proposal"]["id"])
        expected_title, expected_version = focus.latest.title, focus.current_version
    assert loaded == []
    assert state["proposal"]["title"] == expected_title and state["proposal"]["version"] == expected_version
    assert state["proposal"]["objections"] == [] and state["proposal"]["election"] is None
    assert state["round"]["kind"] == "opening" and state["round"]["status"] == "open"
    assert len(state["members"]) == 28 and all(m["present"] for m in state["members"])
    assert state["meeting"]["quorum"] == 15 and state["meeting"]["steerers"] == [made.member_ids["Anna"]]
    seats = state["round"]["seats"]
    assert len(seats) == 28
    assert sorted((s["member"], s["text"], s["recorded_by"]) for s in seats if s["answered"]) == sorted([
        (made.member_ids["Kees"], "Ja.", made.member_ids["Anna"]),
        (made.member_ids["Aylin"], "Ja.", made.member_ids["Anna"])])


@pytest.mark.parametrize("round_open", [True, False], ids=["open round", "closed round"])
def test_the_pages_reading_builds_no_seat_or_attendance_object(app, round_open):
    """What the pages are drawn from after every change: the round's seats and who is marked are read as
    rows, each once for the method's facts and the drawing alike, and a seat finds its member among the
    circle's, already loaded. A seat and an attendance object for each of twenty-eight members cost more
    Python than the statements that read them (docs/performance/drawing.md). The ring and the list of who is here
    are drawn from them all the same."""
    with app.app_context():
        made = open_round_of_28("Kees", "Aylin")
        if not round_open:
            rounds.close_round(made.member("Anna"), made.meeting_id)
        db.session.expire_all()
        loaded: list[str] = []

        def on_load(target, context):
            loaded.append(type(target).__name__)

        models = [mapper.class_ for mapper in db.Model.registry.mappers]
        for model in models:
            sa.event.listen(model, "load", on_load)
        try:
            with app.test_request_context():
                reading = parts.read(made.meeting_id)
                page = "".join(op["html"] for op in parts.whole(made.meeting_id, "member", "nl", reading)[1])
        finally:
            for model in models:
                sa.event.remove(model, "load", on_load)
    assert "Seat" not in loaded and "Attendance" not in loaded, sorted(set(loaded))
    assert loaded.count("Member") == 28 and loaded.count("Contribution") == 2
    assert len(reading.rv.seats) == 28 and len(reading.attendance) == 28
    assert page.count('class="seat ') == 28 and page.count('<li class="present"') == 28


def test_a_step_heard_by_programs_runs_through_the_orm_only_what_builds_objects(app):
    """What a step and an answer run for the checks, the write, the log entry and the message, beyond loading
    the objects they change, is statements of columns, counts and plain writes: they run on the session's
    connection (`extensions.rows`), where the ORM's execution layer cost each half again and raising the
    meeting's version seven times over. A new answer, round and seats, and a round closing, are such plain
    writes too: no object is built or changed for them and flushed by the unit of work (docs/performance/rows.md)."""
    with app.app_context():
        made = open_round_of_28("Kees", "Aylin")
        engine = db.engine
    anna, joost = live_connection(app, made, "Anna"), live_connection(app, made, "Joost")
    through_orm: list[str] = []
    statements: list[str] = []
    added: list[str] = []

    def pending(session, instance):
        added.append(type(instance).__name__)

    def flushing(session, context, instances):
        added.extend(f"changed {type(instance).__name__}" for instance in session.dirty)

    def orm(state):
        described = state.statement.column_descriptions if state.is_select else []
        if not state.is_select or not all(d["entity"] is not None and d["type"] is d["entity"] for d in described):
            through_orm.append(f"{type(state.statement).__name__} {[d['name'] for d in described]}")

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def version():
        with app.app_context():
            return db.session.get(Meeting, made.meeting_id).version

    steps = [(joost, "contribute", {"answer": "speak", "text": "Goed dat we er zijn."}),
             (anna, "close_round", None), (anna, "start_round", {"kind": "opening", "mode": "open"})]
    sa.event.listen(sa.orm.Session, "do_orm_execute", orm)
    sa.event.listen(sa.orm.Session, "transient_to_pending", pending)
    sa.event.listen(sa.orm.Session, "before_flush", flushing)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        for sock, name, payload in steps:
            ack = sock.emit(name, payload or {"based_on": version()}, callback=True)
            assert ack["ok"], (name, ack)
    finally:
        sa.event.remove(sa.orm.Session, "do_orm_execute", orm)
        sa.event.remove(sa.orm.Session, "transient_to_pending", pending)
        sa.event.remove(sa.orm.Session, "before_flush", flushing)
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert through_orm == []
    assert added == []
    with app.app_context():
        closed, started = db.session.scalars(sa.select(Round).where(Round.meeting_id == made.meeting_id)
                                             .order_by(Round.number))
        assert closed.status == RoundStatus.CLOSED and closed.closed_at is not None
        assert started.status == RoundStatus.OPEN and len(started.seats) == 28 and started.started_at is not None
        answer = db.session.scalar(sa.select(Contribution).where(Contribution.member_id == made.member_ids["Joost"])
                                   .order_by(Contribution.id.desc()).limit(1))
        assert answer.text == "Goed dat we er zijn." and answer.recorded_by_id == answer.member_id
    assert len(statements) > 30  # the steps ran their statements, on the connection
