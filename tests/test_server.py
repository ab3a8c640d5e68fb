"""Whole meetings against the real server: eventlet, real sockets, a real SQLite file.

Eight phones (the Samen Vooruit circle of tests/scenario.py) each run their
own python-socketio client with reconnection on. After every step each phone
must hold the same version and the same state. The server is also killed
(SIGKILL) in the middle of a round and started again; phones drop and come
back; answers are resent; two facilitator taps race. See tests/server.py and tests/phones.py.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import socketio

from tests.phones import Phone, client, converge, phone, versioned  # noqa: F401  (phone: a fixture)
from tests.scenario import PEOPLE, REVIEW_DATE
from tests.server import (  # noqa: F401  (prepared, seeded: fixtures)
    KringServer, Seeded, prepared, seeded, serve, sign_in, wait_for,
)

pytestmark = pytest.mark.server

NAMES = [name for name, _ in PEOPLE]


# --- Fixtures ---------------------------------------------------------------------


@pytest.fixture
def server(prepared, tmp_path: Path) -> Iterator[KringServer]:
    """The real server on its own copy of the prepared database."""
    yield from serve(prepared, tmp_path)


@pytest.fixture
def phones(phone) -> dict[str, Phone]:
    """Everyone's phone, in ring order."""
    return {name: phone(name) for name in NAMES}


# --- Steps every test uses ----------------------------------------------------------


def server_state(p: Phone) -> dict:
    """The state the server gives now, asked for over the socket, without who is connected
    (that changes without a version, so `converge` leaves it out too)."""
    ack = p.call("state")
    assert ack["ok"], ack
    return versioned(ack["state"])


def settle(phones: dict[str, Phone], ack: dict, exact: bool = True) -> dict:
    """Every phone reached the version of `ack` with the same state; with `exact`,
    that state is also what the server gives when asked."""
    state = converge(list(phones.values()), ack["version"])
    if exact:
        assert state == server_state(phones["Anna"])
    return state


def all_at_once(calls: list[Callable[[], dict]]) -> list[dict]:
    """Run the calls in threads released together; return their results in order."""
    results: list[dict | BaseException | None] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        try:
            start.wait(timeout=10)
            results[i] = calls[i]()
        except BaseException as error:  # reported below, in the test's thread
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    assert all(r is not None for r in results), "a call did not finish"
    return results  # type: ignore[return-value]


def open_with_everyone(phones: dict[str, Phone]) -> dict:
    """The facilitator opens the meeting; each member says "I am here" from their phone."""
    settle(phones, phones["Anna"].step("open_meeting"))
    for p in phones.values():
        ack = p.call("mark_attendance", {"member_id": p.member_id, "present": True})
        assert ack["ok"], ack
    state = settle(phones, ack)
    assert state["meeting"]["status"] == "open"
    assert all(m["present"] for m in state["members"])
    return state


def by_member(phones: dict[str, Phone]) -> dict[int, Phone]:
    return {p.member_id: p for p in phones.values()}


def in_turn(phones: dict[str, Phone], answers: dict[str, tuple]) -> list[dict]:
    """The open round, in turn: each phone answers when every screen shows it is their turn."""
    acks = []
    order = [s["member"] for s in phones["Anna"].snapshot()["round"]["seats"]]
    for member in order:
        p = by_member(phones)[member]
        assert all(q.snapshot()["round"]["current"] == member for q in phones.values())
        answer, text, *more = answers[p.name]
        ack = p.contribute(answer, text, **(more[0] if more else {}))
        acks.append(ack)
        state = settle(phones, ack, exact=not any(a[0] == "objection" for a in answers.values()))
        assert state["round"]["seats"][order.index(member)]["answered"]
    assert state["round"]["complete"] and state["round"]["current"] is None
    return acks


def opinion_of(name: str) -> str:
    return f"{name} vindt het een goed plan, als er een rooster komt."


def hold_meeting(
    server: KringServer, seeded: Seeded, phones: dict[str, Phone],
    during_opinion_round: Callable[[list[dict]], None] | None = None,
) -> list[dict]:
    """The whole meeting over the sockets, to adoption. Returns every contribution's ack.

    `during_opinion_round(acks)` runs when half the members answered the (open)
    opinion round, and adds the acks of what it sends.
    """
    anna, proposal = phones["Anna"], seeded.proposal
    acks: list[dict] = []
    open_with_everyone(phones)

    # Picture-forming round, in turn: questions and information, one pass.
    state = settle(phones, anna.step("start_round", kind="picture_forming", mode="in_turn",
                                     proposal_id=proposal))
    assert state["proposal"]["phase"] == "picture_forming"
    assert state["round"]["current"] == seeded.members["Anna"]
    said = {name: ("speak", f"{name}: wie geeft de planten water?") for name in NAMES}
    said["Mohamed"] = ("pass", "")
    acks += in_turn(phones, said)
    settle(phones, anna.step("close_round"))

    # Opinion round, open: everyone types at once.
    state = settle(phones, anna.step("start_round", kind="opinion_forming", mode="open",
                                     proposal_id=proposal))
    assert state["round"]["mode"] == "open" and state["round"]["current"] is None
    first, second = NAMES[:4], NAMES[4:]
    opinion = {name: opinion_of(name) for name in NAMES}
    acks += all_at_once([lambda p=phones[n], t=opinion[n]: p.contribute("speak", t) for n in first])
    settle(phones, max(acks[-4:], key=lambda a: a["version"]))
    if during_opinion_round is not None:
        during_opinion_round(acks)
        answered = {s["member"] for s in server_state(anna)["round"]["seats"] if s["answered"]}
        second = [n for n in second if seeded.members[n] not in answered]
    acks += all_at_once([lambda p=phones[n], t=opinion[n]: p.contribute("speak", t) for n in second])
    state = settle(phones, {"version": server.meeting_version(seeded.meeting)})
    assert state["round"]["complete"]
    assert sorted(s["text"] for s in state["round"]["seats"]) == sorted(opinion.values())
    settle(phones, anna.step("close_round"))

    # Amend: version 2.
    state = settle(phones, anna.step(
        "amend", proposal_id=proposal, title="Afvalcontainers vergroenen",
        text="Plantenbakken rond de containers in de Javastraat, met een waterrooster.",
        review_date=REVIEW_DATE.isoformat(), note="Rooster toegevoegd na de meningsronde."))
    assert state["proposal"]["version"] == 2 and state["proposal"]["phase"] == "amending"

    # Consent round, in turn: Kees objects, with a reason.
    settle(phones, anna.step("start_round", kind="consent", mode="in_turn", proposal_id=proposal))
    consent = {name: ("consent", "") for name in NAMES}
    consent["Kees"] = ("objection", "In de zomer is er niemand om water te geven.",
                       {"workable": "Als de buurtschool de zomer overneemt."})
    acks += in_turn(phones, consent)
    state = settle(phones, anna.step("close_round"))
    assert state["proposal"]["phase"] == "integrating"
    [objection] = state["proposal"]["objections"]
    assert objection["member"] == seeded.members["Kees"] and objection["status"] == "standing"
    assert objection["workable"] == "Als de buurtschool de zomer overneemt."
    state = settle(phones, anna.step("mark_tested", objection_id=objection["id"]))
    assert state["proposal"]["objections"][0]["tested"]

    # Refused while the objection stands; the refusal changes nothing.
    refused = anna.call("adopt", {"proposal_id": proposal, "based_on": anna.version})
    assert refused["ok"] is False and refused["error"] == "objections_stand" and refused["message"]

    # Amend to meet the objection: version 3.
    state = settle(phones, anna.step(
        "amend", proposal_id=proposal, title="Afvalcontainers vergroenen",
        text="Plantenbakken rond de containers; in de zomer geeft de buurtschool water.",
        note="Bezwaar van Kees: de zomer."))
    assert state["proposal"]["version"] == 3

    # Second consent round: open, with a simultaneous reveal; everyone consents.
    settle(phones, anna.step("start_round", kind="consent", mode="open", reveal=True,
                             proposal_id=proposal))
    acks += all_at_once([lambda p=p: p.contribute("consent", "") for p in phones.values()])
    state = settle(phones, max(acks[-8:], key=lambda a: a["version"]))
    assert state["round"]["visible"] and all(s["answer"] == "consent" for s in state["round"]["seats"])
    state = settle(phones, anna.step("close_round"))
    assert state["proposal"]["objections"][0]["status"] == "met"
    assert state["proposal"]["phase"] == "consent"

    state = settle(phones, anna.step("adopt", proposal_id=proposal))
    assert state["agenda"][0]["outcome"] == "adopted"
    state = settle(phones, anna.step("close_meeting"))
    assert state["meeting"]["status"] == "closed"
    return acks


def assert_stored_once(server: KringServer, acks: list[dict], expected: int) -> None:
    """Every acknowledged contribution is in the database exactly once, and in the log once."""
    rows = server.query("SELECT id, client_id FROM contribution")
    ids = [r[0] for r in rows]
    assert len(rows) == expected
    assert {a["id"] for a in acks} == set(ids)
    assert len({r[1] for r in rows}) == len(rows), "a client id stored twice"
    logged = server.query("SELECT count(*) FROM log_entry WHERE action = 'contribute'")[0][0]
    assert logged == expected


# --- The tests ----------------------------------------------------------------------


def test_a_whole_meeting_over_real_sockets(server, seeded, phones):
    acks = hold_meeting(server, seeded, phones)
    assert_stored_once(server, acks, expected=4 * len(NAMES))
    assert all(not a["duplicate"] for a in acks)
    assert server.query("SELECT phase FROM proposal WHERE id = ?", seeded.proposal) == [("adopted",)]
    assert server.query("SELECT count(*) FROM proposal_version WHERE proposal_id = ?",
                        seeded.proposal) == [(3,)]
    # Answers travelled as small changes, not as the whole state for each one.
    assert all(p.changes_applied > 0 for p in phones.values())


def test_the_server_is_killed_mid_round_and_the_meeting_goes_on(server, seeded, phones):
    def crash(acks: list[dict]) -> None:
        # Samira's answer is stored, then the server dies (SIGKILL) before her phone
        # can be sure of it; Dewi's answer is on its way at that moment. Neither phone
        # knows whether its answer arrived.
        samira, dewi = phones["Samira"], phones["Dewi"]
        stored = samira.answer_payload("speak", opinion_of("Samira"))
        in_flight = dewi.answer_payload("speak", opinion_of("Dewi"))
        samira.sio.emit("contribute", stored)
        wait_for(lambda: server.query("SELECT id FROM contribution WHERE client_id = ?",
                                      stored["client_id"]), 5, what="Samira's answer stored")
        dewi.sio.emit("contribute", in_flight)
        server.restart()  # SIGKILL, then the same database and port

        # Every phone comes back by itself and gets the state again.
        for p in phones.values():
            wait_for(lambda p=p: p.connects >= 2 and p.connected, 20, what=f"{p.name} back")
        state = settle(phones, {"version": server.meeting_version(seeded.meeting)})
        assert state["round"]["status"] == "open"

        # Each phone resends what was not acknowledged, with the same client id.
        again = samira.call("contribute", stored)
        [(stored_id,)] = server.query("SELECT id FROM contribution WHERE client_id = ?",
                                      stored["client_id"])
        assert again["ok"] and again["duplicate"] and again["id"] == stored_id, again
        resent = dewi.call("contribute", in_flight)
        assert resent["ok"], resent
        acks += [again, resent]

    acks = hold_meeting(server, seeded, phones, during_opinion_round=crash)
    assert server.starts == 2
    assert_stored_once(server, acks, expected=4 * len(NAMES))
    assert server.query("SELECT phase FROM proposal WHERE id = ?", seeded.proposal) == [("adopted",)]
    server.stop()
    assert "log intact" in server.verify_log()


def test_a_phone_that_drops_out_mid_round_gets_the_current_state(server, seeded, phones):
    anna, joost, dewi = phones["Anna"], phones["Joost"], phones["Dewi"]
    open_with_everyone(phones)
    settle(phones, anna.step("start_round", kind="picture_forming", mode="in_turn",
                             proposal_id=seeded.proposal))
    joost.sio.disconnect()  # Joost puts his phone away
    dewi.cut()  # Dewi's connection dies without a goodbye; her client reconnects by itself
    wait_for(lambda: not joost.connected, 5, what="Joost gone")
    stayed = {n: p for n, p in phones.items() if n != "Joost"}
    for name in ("Anna", "Fatima"):
        ack = phones[name].contribute("speak", f"{name} vraagt iets.")
    wait_for(lambda: dewi.connects >= 2 and dewi.connected, 10, what="Dewi back")
    settle(stayed, ack)
    assert joost.version < ack["version"]

    joost.connect()  # back: the server sends the state on connect
    state = settle(phones, ack)
    assert state["round"]["current"] == joost.member_id
    assert [s["answered"] for s in state["round"]["seats"]][:3] == [True, True, False]
    settle(phones, joost.contribute("speak", "Joost is er weer."))

    # A phone that missed a change sees the gap at the next one and asks for the state.
    mohamed = phones["Mohamed"]
    mohamed.miss_next_answer, before = True, mohamed.version
    ack = phones["Aylin"].contribute("speak", "Aylin vraagt iets.")
    settle({n: p for n, p in phones.items() if n != "Mohamed"}, ack)
    assert mohamed.version == before and mohamed.resyncs == 0  # behind, and cannot know it yet
    settle(phones, phones["Kees"].contribute("pass"))
    assert mohamed.resyncs == 1


def test_a_resent_answer_is_stored_once(server, seeded, phones):
    anna, joost = phones["Anna"], phones["Joost"]
    open_with_everyone(phones)
    settle(phones, anna.step("start_round", kind="opening", mode="open"))
    payload = joost.answer_payload("speak", "Fijn dat iedereen er is.")
    first = joost.call("contribute", payload)
    assert first["ok"] and not first["duplicate"]
    settle(phones, first)

    joost.cut()  # the connection drops; the phone does not know the answer arrived
    wait_for(lambda: joost.connects >= 2 and joost.connected, 10, what="Joost back")
    again = joost.call("contribute", payload)
    assert again == {**first, "duplicate": True}  # same id, same version: nothing changed

    settle(phones, phones["Fatima"].contribute("speak", "Goedenavond."))
    assert server.query("SELECT count(*) FROM contribution WHERE member_id = ?",
                        joost.member_id) == [(1,)]
    for p in phones.values():
        assert [c["seat"]["member"] for c in p.answers_heard].count(joost.member_id) == 1


def test_two_facilitator_steps_on_one_version_advance_once(server, seeded, phone):
    anna, anna_laptop, joost = phone("Anna"), phone("Anna"), phone("Joost")
    everyone = {"Anna": anna, "laptop": anna_laptop, "Joost": joost}
    settle(everyone, anna.step("open_meeting"))
    ack = joost.call("mark_attendance", {"member_id": joost.member_id, "present": True})
    settle(everyone, ack)
    v = ack["version"]

    # Two facilitators (one person, two screens) start a round on the same version.
    step = {"kind": "opening", "mode": "open", "based_on": v}
    acks = all_at_once([lambda: anna.call("start_round", step),
                        lambda: anna_laptop.call("start_round", step)])
    won = [a for a in acks if a["ok"]]
    lost = [a for a in acks if not a["ok"]]
    assert len(won) == 1 and len(lost) == 1
    assert won[0]["version"] == v + 1
    assert lost[0]["error"] == "stale" and lost[0]["message"]
    assert lost[0]["state"]["version"] == v + 1
    settle(everyone, won[0])
    assert server.query("SELECT count(*) FROM round") == [(1,)]

    # Two quick taps on one phone: close the round twice on the same version.
    heard: list[dict] = []
    step = {"based_on": v + 1}
    anna.sio.emit("close_round", step, callback=heard.append)
    anna.sio.emit("close_round", step, callback=heard.append)
    wait_for(lambda: len(heard) == 2, 5, what="both acks")
    assert sorted(a["ok"] for a in heard) == [False, True]
    assert [a["error"] for a in heard if not a["ok"]] == ["stale"]
    state = settle(everyone, next(a for a in heard if a["ok"]))
    assert state["version"] == v + 2 and state["round"]["status"] == "closed"
    assert server.meeting_version(seeded.meeting) == v + 2


def test_a_connection_without_sign_in_is_refused(server, seeded):
    def attempt(headers: dict, auth) -> tuple[bool, list]:
        sio = client(reconnection=False)
        errors: list = []
        got: list = []
        sio.on("connect_error", errors.append)
        sio.on("state", got.append)
        try:
            sio.connect(server.url, headers=headers, auth=auth, transports=["websocket"],
                        wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            assert not got
            return False, errors
        finally:
            sio.shutdown()
        return True, errors

    meeting = {"meeting": seeded.meeting}
    assert attempt({}, meeting) == (False, [{"message": "not_allowed"}])
    forged = {"Cookie": "session=eyJfdXNlcl9pZCI6IjE6MSJ9.forged.signature"}
    assert attempt(forged, meeting) == (False, [{"message": "not_allowed"}])

    # Signed in, but no meeting, or one that does not exist: refused too.
    cookie = {"Cookie": sign_in(server.port, seeded.tokens["Joost"])}
    assert attempt(cookie, None) == (False, [{"message": "not_allowed"}])
    assert attempt(cookie, {"meeting": 999}) == (False, [{"message": "not_found"}])
    assert attempt(cookie, meeting) == (True, [])


def test_the_documented_example_runs_a_round(server, seeded, tmp_path):
    doc = (Path(__file__).resolve().parent.parent / "docs" / "live-protocol.md").read_text()
    example = doc.split("## 9.", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "example.py"
    script.write_text(example)
    link = f"{server.url}/s/{seeded.tokens['Anna']}"
    done = subprocess.run([sys.executable, str(script), link, str(seeded.meeting)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "closed:" in done.stdout
    assert server.query("SELECT kind, status FROM round") == [("opening", "closed")]
    assert server.query("SELECT text FROM contribution") == [("Welkom allemaal!",)]


def test_the_state_built_from_changes_is_the_servers_state_after_an_objection(server, seeded, phones):
    anna = phones["Anna"]
    open_with_everyone(phones)
    for kind in ("picture_forming", "opinion_forming"):  # closed early: allowed outside consent
        settle(phones, anna.step("start_round", kind=kind, mode="open", proposal_id=seeded.proposal))
        settle(phones, anna.step("close_round"))
    settle(phones, anna.step("start_round", kind="consent", mode="open", proposal_id=seeded.proposal))
    ack = phones["Kees"].contribute("objection", "In de zomer geeft niemand water.",
                                    workable="Als de buurtschool helpt.")
    state = converge(list(phones.values()), ack["version"])
    truth = server_state(anna)
    assert state["round"] == truth["round"]  # the seat with the objection and its reason arrived
    assert state["proposal"]["objections"] == truth["proposal"]["objections"]  # but not the objection
    assert state == truth
