"""What keeps the live server from standing still (docs/performance.md): counts and settings, never times."""

from __future__ import annotations

import gc

import pytest
import sqlalchemy as sa

from flask_babel import Domain

from circle import create_app, rounds
from circle.__main__ import settle
from circle.extensions import db, socketio
from circle.method import CONTRIBUTION_MAX, Answer, RoundKind, RoundMode
from circle.models import Meeting
from tests.conftest import config_for, live_connection
from circle.views import parts
from tests.scenario import everyone_present, neighbours_present, run_round, samen_vooruit


def synchronous(tmp_path, **settings) -> int:
    """SQLite's `synchronous` on a connection of an app with these settings (1 NORMAL, 2 FULL)."""
    app = create_app({**config_for(tmp_path / "kring.sqlite3"), **settings}, instance_path=str(tmp_path / "i"))
    with app.app_context():
        try:
            return db.session.execute(sa.text("PRAGMA synchronous")).scalar()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.sqlite_only("SQLite's synchronous setting")
def test_sqlite_waits_for_the_disk_only_when_the_log_is_written_back_unless_told_to_on_every_commit(tmp_path):
    assert synchronous(tmp_path) == 1
    assert synchronous(tmp_path, SQLITE_SYNCHRONOUS="FULL") == 2
    assert synchronous(tmp_path, SQLITE_SYNCHRONOUS="full") == 2


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_what_start_up_made_is_frozen_out_of_garbage_collection(app, unfrozen):
    gc.unfreeze()
    settle(app)
    assert gc.get_freeze_count() > 50_000
    assert "meetings/parts/round.html" in {name for _, name in app.jinja_env.cache.keys()}  # compiled first


def test_telling_the_room_gives_its_database_connection_back_before_it_lets_others_run(app, monkeypatch):
    """Under eventlet a handler parked at the yield after its broadcast must not hold a connection: fifty
    meetings' handlers parked there emptied the pool and steps failed waiting for one."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    console, program = live_connection(app, made, "Anna", view="console"), live_connection(app, made, "Kees")
    at_yield: list[tuple[bool, int]] = []
    monkeypatch.setattr(socketio, "sleep", lambda seconds=0: at_yield.append(
        (db.session().in_transaction(), db.engine.pool.checkedout())))
    with app.app_context():
        version = db.session.get(Meeting, made.meeting_id).version
    assert console.emit("start_round", {"kind": "opening", "mode": "open", "based_on": version}, callback=True)["ok"]
    assert console.emit("contribute", {"answer": "speak", "text": "Goed."}, callback=True)["ok"]
    assert program.get_received() and console.get_received()  # both were told, pages and programs
    assert at_yield == [(False, 0), (False, 0)]


def test_the_kind_of_page_most_read_leaves_first_and_before_the_next_kind_is_drawn(app, monkeypatch):
    """Under eventlet nothing is sent while a handler draws, and the members' phones waited while the console's
    page, the largest, was drawn for the one facilitator. The kind most connections read is drawn and sent
    first, and the handler yields to the writers before it draws the next, holding no database connection;
    that drawing reads nothing more, so every kind shows the one reading, and programs still get the state."""
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    console = live_connection(app, made, "Anna", view="console")
    phones = [live_connection(app, made, name, view="phone") for name in ("Joost", "Aylin")]
    program = live_connection(app, made, "Kees")
    happened: list[tuple] = []
    emit = socketio.emit

    def emitting(event, data, **kwargs):
        happened.append(("emit", event, kwargs["to"]))
        return emit(event, data, **kwargs)

    monkeypatch.setattr(socketio, "emit", emitting)
    monkeypatch.setattr(socketio, "sleep", lambda seconds=0: happened.append(
        ("yield", db.session().in_transaction(), db.engine.pool.checkedout())))

    def statement(*args):
        happened.append(("statement",))

    with app.app_context():
        version = db.session.get(Meeting, made.meeting_id).version
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", statement)
    try:
        assert console.emit("start_round", {"kind": "opening", "mode": "open", "based_on": version},
                            callback=True)["ok"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
    room = f"meeting:{made.meeting_id}"
    members, consoles = happened.index(("emit", "parts", f"{room}:member:nl")), \
        happened.index(("emit", "parts", f"{room}:console:nl"))
    assert happened[members + 1:consoles] == [("yield", False, 0)]
    assert happened[-2:] == [("emit", "state", f"{room}:json"), ("yield", False, 0)]
    states = [message["args"][0] for message in program.get_received() if message["name"] == "state"]
    assert states[-1]["version"] == version + 1 and states[-1]["round"]["status"] == "open"
    for page in (console, *phones):
        assert page.get_received()[-1]["args"][0]["version"] == version + 1


#: The statements a step may build anew, with programs following: those SQLAlchemy builds itself (an object
#: looked up by its key, one read again after the commit); Kring's own are built once.
STEP_BUILDS = 4


def test_a_step_and_the_state_it_sends_build_their_statements_once(app, monkeypatch):
    """Building a statement (its columns, joins and conditions in Python) cost a step more than SQLite took to
    run it: a step's checks, its write and the programs' `state` run statements built once, with their values
    as parameters (docs/performance/statements.md, "A step's statements built once too")."""
    from sqlalchemy.sql.selectable import Select

    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    facilitator = live_connection(app, made, "Anna")
    built: list[int] = []
    init = Select.__init__

    def building(self, *args, **kwargs):
        built.append(1)
        init(self, *args, **kwargs)

    for step in ("start_round", "close_round"):
        with app.app_context():
            version = db.session.get(Meeting, made.meeting_id).version
        monkeypatch.setattr(Select, "__init__", building)
        ack = facilitator.emit(step, {"kind": "opening", "mode": "open", "based_on": version}
                               if step == "start_round" else {"based_on": version}, callback=True)
        monkeypatch.setattr(Select, "__init__", init)
        assert ack["ok"], ack
        assert facilitator.get_received()[-1]["args"][0]["version"] == version + 1
        print(f"{step}: {len(built)} statements built")
        assert len(built) <= STEP_BUILDS
        built.clear()


def test_what_the_server_sends_is_not_searched_for_bytes(app, monkeypatch):
    """Kring sends JSON text alone, so neither the state nor the acknowledgement of a step is walked value
    by value for bytes to attach, as python-socketio does by default (circle/extensions.py, TextPacket);
    what a client sends is read as before."""
    from socketio.packet import Packet

    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        version = db.session.get(Meeting, made.meeting_id).version
    facilitator = live_connection(app, made, "Anna")
    searched: list = []
    search = Packet.data_is_binary.__func__
    depth = [0]

    def searching(cls, data):
        if not depth[0]:
            searched.append(data)  # each message searched, not each value within it
        depth[0] += 1
        try:
            return search(cls, data)
        finally:
            depth[0] -= 1

    monkeypatch.setattr(Packet, "data_is_binary", classmethod(searching))
    ack = facilitator.emit("start_round", {"kind": "opening", "mode": "open", "based_on": version}, callback=True)
    monkeypatch.undo()
    assert ack["ok"], ack
    state = [m["args"][0] for m in facilitator.get_received() if m["name"] == "state"][-1]
    assert state["version"] == version + 1 and state["round"]["status"] == "open"
    # What was searched: the test client's own event as it builds it (and, empty, the packets it reads back
    # before decoding them); nothing the server sent.
    assert [message[0] for message in searched if message is not None] == ["start_round"], searched


def test_live_events_read_the_form_messages_catalogue_once_per_language(app, monkeypatch):
    """Every Socket.IO event is a request of its own, and Flask-WTF read WTForms' catalogue from disk for
    each: an answer waited on a file read. The catalogue is read once per language; the messages stay
    in the member's language."""
    from babel import support

    from circle.forms import wtforms_translations
    wtforms_translations.cache_clear()
    reads: list[list[str]] = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load", lambda *args, **kwargs: (
        reads.append([str(locale) for locale in args[1]]) or load(*args, **kwargs)))
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    console = live_connection(app, made, "Anna")
    with app.app_context():
        version = db.session.get(Meeting, made.meeting_id).version
    for based_on in (version, version, "soon", "later"):
        assert console.emit("close_round", {"based_on": based_on}, callback=True)["ok"] is False
    too_long = console.emit("contribute", {"answer": "speak", "text": "x" * (CONTRIBUTION_MAX + 1)}, callback=True)
    assert too_long["message"] == f"Jouw inbreng: Veld mag niet langer zijn dan {CONTRIBUTION_MAX} karakters."
    assert reads == [["nl"]]


def test_drawing_a_page_looks_up_translations_and_addresses_as_often_whatever_the_size_of_the_circle(
        app, monkeypatch):
    """Flask-Babel finds the translations anew at each word it translates; drawing a meeting's parts for the
    room holds them instead (`i18n.drawing_in`), the ring's words are translated once a drawing, not once a
    seat, and where a step's form posts is built once a drawing, not once a person in the list of who is
    here: a circle of 28 costs the lookups of a circle of 8. The words stay in the page's language."""
    from circle.views import meeting_view

    lookups: list[str] = []
    look_up, build = Domain.get_translations, meeting_view.url_for
    monkeypatch.setattr(Domain, "get_translations", lambda self: lookups.append("words") or look_up(self))
    monkeypatch.setattr(meeting_view, "url_for", lambda *a, **k: lookups.append("address") or build(*a, **k))
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
    marking = f'action="/c/{made.circle_id}/meetings/{made.meeting_id}/attendance"'

    def drawn(lang: str, kind: str) -> tuple[dict[str, int], str]:
        lookups.clear()
        with app.test_request_context():
            _, ops = parts.whole(made.meeting_id, kind, lang)
        return {what: lookups.count(what) for what in ("words", "address")}, "".join(op["html"] for op in ops)

    small, page = drawn("tr", "member")
    assert "Kimler burada" in page and page.count(": bekliyor</li>") == 8  # each waiting seat, in Turkish
    small_console, page = drawn("nl", "console")
    listed = page.count(marking)  # a form for each person in the list of who is here
    assert listed >= 8 and small_console["address"] > 0
    with app.app_context():
        anna = made.member("Anna")
        rounds.close_round(anna, made.meeting_id)
        neighbours_present(made, 20)
        rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
    large, page = drawn("tr", "member")
    assert large == small, (small, large)
    assert page.count(": bekliyor</li>") == 28
    large_console, page = drawn("nl", "console")
    assert large_console == small_console, (small_console, large_console)
    assert page.count(marking) == listed + 20 and page.count(": wacht</li>") == 28


def test_the_ring_and_what_was_said_are_drawn_by_as_many_templates_whatever_the_size_of_the_circle(
        app, monkeypatch):
    """Each seat of the ring, its line for a screen reader and each answer in what was said were a template
    included once apiece, and an include copies the whole context each time: with fifty members that was
    a third of drawing the round. One macro now draws all of them (templates/meetings/parts/seats.html and
    said.html), so a member's page in a circle of 28, every one of them answered, loads the templates of a
    circle of 8 (docs/performance/drawing.md, "One macro a list")."""
    environment = type(app.jinja_env)
    loads: list[str] = []
    load = environment.get_template
    monkeypatch.setattr(environment, "get_template", lambda self, name, *a, **k: loads.append(name) or load(
        self, name, *a, **k))

    def drawn_after_everyone_answered(made, seated: list[int]) -> tuple[int, str]:
        with app.app_context():
            anna = made.member("Anna")
            rounds.start_round(anna, made.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
            for member_id in seated:
                rounds.contribute(anna, made.meeting_id, member_id, Answer.SPEAK, "Ja.")
        loads.clear()
        with app.test_request_context():
            _, ops = parts.whole(made.meeting_id, "member", "nl")
        return len(loads), "".join(op["html"] for op in ops)

    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
    small, page = drawn_after_everyone_answered(made, list(made.member_ids.values()))
    assert page.count('class="seat speak"') == 8 and page.count('<li class="answer-speak"') == 8
    with app.app_context():
        rounds.close_round(made.member("Anna"), made.meeting_id)
        grown = neighbours_present(made, 20)
    large, page = drawn_after_everyone_answered(made, [*made.member_ids.values(), *grown])
    assert page.count('class="seat speak"') == 28 and page.count('<li class="answer-speak"') == 28
    assert page.count(": gesproken</li>") == 28
    assert large == small, (small, large)


def test_the_parts_every_kind_is_drawn_alike_are_drawn_once_for_all_kinds_a_change_is_sent_to(app, monkeypatch):
    """Whether the meeting is open, what was said and what became of the proposal look the same on every
    kind of page: drawn once a language for all the kinds a change is sent to (parts.ALIKE), the console is
    not kept waiting while the answers it shares with the phones are drawn again (docs/performance/drawing.md). Each
    kind drawing them alone, from its own reading, gives what the shared drawing gives, whatever the state."""
    from circle import proposals

    drawing = parts._draw
    drawn: list[str] = []
    monkeypatch.setattr(parts, "_draw", lambda template, ctx, **more: drawn.append(template) or drawing(
        template, ctx, **more))
    kinds = list(parts.KIND_PARTS)

    def each_alike(made) -> None:
        with app.test_request_context():
            for lang in ("nl", "en"):
                drawn.clear()
                reading = parts.read(made.meeting_id)
                shared = {kind: dict((op["id"], op["html"]) for op in parts.whole(made.meeting_id, kind, lang,
                                                                                   reading)[1])
                          for kind in kinds}
                for name in parts.ALIKE:
                    assert drawn.count(parts.PARTS[name]) == 1, name
                for kind in kinds:
                    alone = dict((op["id"], op["html"]) for op in parts.whole(made.meeting_id, kind, lang)[1])
                    for name in parts.ALIKE:
                        assert alone[f"meeting-{name}"] == shared[kind][f"meeting-{name}"], (kind, name)

    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
    each_alike(made)  # what was said
    with app.app_context():
        anna = made.member("Anna")
        rounds.start_round(anna, made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                             proposal_id=made.proposal_id, reveal=True)
        seated = list(made.member_ids.values())
        rounds.contribute(anna, made.meeting_id, seated[0], Answer.CONSENT, "")
    each_alike(made)  # the answers hidden until everyone has answered
    with app.app_context():
        anna = made.member("Anna")
        for member_id in seated[1:]:
            rounds.contribute(anna, made.meeting_id, member_id, Answer.CONSENT, "")
        rounds.close_round(anna, made.meeting_id)
        proposals.adopt(anna, made.meeting_id, made.proposal_id)
    each_alike(made)  # decided
    with app.test_request_context():
        page = dict((op["id"], op["html"]) for op in parts.whole(made.meeting_id, "member", "nl")[1])
    assert "outcome-adopted" in page["meeting-outcome"]
