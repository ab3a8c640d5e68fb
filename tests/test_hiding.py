"""Nothing hidden leaks before the reveal: every reader, every page, every download, every message.

In a consent round with a simultaneous reveal, the answers stay hidden until the
last one is in (method `answers_visible`, decided once in circle/read/rounds.py).
Here such a round is half answered, the answers carry words found nowhere else,
and every kind of reader (the facilitator, a member who answered, one who has
not, a guest, a neighbour reading the public record, someone of another circle)
goes through every page, download and search, while programs and every kind of
page follow the meeting live and a member answers. None of them may meet those
words. When the last answer is in, the same readers do meet them: the test
could have seen them. The same holds for a consent round between meetings
(docs/between-meetings.md), read also on the proposal page and by programs
following the proposal, and through the meeting whose agenda the proposal is on.
"""

from __future__ import annotations

import datetime as dt

import pytest

from circle import between, meetings, rounds
from circle.circles import add_member, create_circle, set_public_record
from circle.extensions import db, socketio
from circle.method import Answer, NameDisplay, Role, RoundKind, RoundMode
from tests.days import NOW
from tests.scenario import PEOPLE, everyone_present, run_round, samen_vooruit

#: Words only the hidden answers hold.
SECRETS = ("Geheimbezwaar", "Stilleopmerking", "Verborgenwerkbaar")
READERS = ("Anna", "Joost", "Kees", "Wijkteam", "public", "stranger")
#: Joost and Fatima answered (with the secrets); Kees has not.
ANSWERED = {"Joost": (Answer.OBJECTION, "Geheimbezwaar: te duur.", "Verborgenwerkbaar: kleinere bakken."),
            "Fatima": (Answer.CONSENT, "Stilleopmerking over het water.", "")}


@pytest.fixture
def hidden(app):
    """A public circle with a reveal consent round half answered; returns (made, stranger's id)."""
    with app.app_context():
        made = samen_vooruit(guest=True)
        set_public_record(made.member("Anna"), True, NameDisplay.FULL)
        everyone_present(made)
        run_round(made, RoundKind.PICTURE_FORMING)
        run_round(made, RoundKind.OPINION_FORMING)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.CONSENT, RoundMode.OPEN,
                             proposal_id=made.proposal_id, reveal=True)
        for name, (answer, text, workable) in ANSWERED.items():
            member = made.member(name)
            rounds.contribute(member, made.meeting_id, member.id, answer, text, workable)
        _, bob = create_circle("Andere Kring", "Bob")
        add_member(None, bob.circle_id, "Els")
        return made, bob.id


def reader(app, sign_in, made, name: str, stranger: int):
    client = app.test_client()
    if name == "stranger":
        sign_in(client, stranger)
    elif name != "public":
        sign_in(client, made.member_ids[name])
    return client


def surfaces(made) -> list[str]:
    c, m, p = made.circle_id, made.meeting_id, made.proposal_id
    base = f"/c/{c}/meetings/{m}"
    return [f"{base}/", f"{base}/projector", f"{base}/minutes", f"{base}/minutes.md", f"{base}/minutes.json",
            f"{base}/minutes.csv", f"/c/{c}/decisions/{p}/", f"/c/{c}/proposals/{p}/", f"/c/{c}/",
            f"/c/{c}/logbook/", f"/c/{c}/decisions.csv", f"/c/{c}/log.jsonl"]


def searches(made) -> list[str]:
    """The logbook searched for each hidden word (the page repeats the words searched for)."""
    return [f"/c/{made.circle_id}/logbook/?q={word}" for word in SECRETS]


def found(page: str) -> bool:
    """Whether a logbook search lists the proposal (its title links to its decision page)."""
    return "Afvalcontainers vergroenen" in page


def everything_read(app, sign_in, made, stranger: int) -> dict[tuple[str, str], str]:
    seen = {}
    for name in READERS:
        client = reader(app, sign_in, made, name, stranger)
        for url in surfaces(made) + searches(made):
            response = client.get(url)
            seen[name, url] = response.get_data(as_text=True)
            response.close()
    return seen


def leaks(texts) -> list[str]:
    return [word for text in texts for word in SECRETS if word in str(text)]


def test_no_reader_meets_a_hidden_answer_on_any_page_or_download(app, sign_in, hidden):
    made, stranger = hidden
    seen = everything_read(app, sign_in, made, stranger)
    assert len(seen) == len(READERS) * (len(surfaces(made)) + len(SECRETS))
    assert leaks(seen[key] for key in seen if key[1] in surfaces(made)) == []
    assert not any(found(seen[name, url]) for name in READERS for url in searches(made))
    # ...and each reader did get to read what they may: the meeting goes on, its record shows.
    assert "Afvalcontainers vergroenen" in seen["public", f"/c/{made.circle_id}/decisions/{made.proposal_id}/"]
    assert '"action":"start_round"' in seen["Anna", f"/c/{made.circle_id}/log.jsonl"]

    with app.app_context():  # the last answers: the reveal
        for name, _ in PEOPLE:
            if name not in ANSWERED:
                member = made.member(name)
                rounds.contribute(member, made.meeting_id, member.id, Answer.CONSENT, "")
    shown = everything_read(app, sign_in, made, stranger)
    for name in ("Anna", "Kees", "Wijkteam", "public"):
        for url in (f"/c/{made.circle_id}/meetings/{made.meeting_id}/minutes",
                    f"/c/{made.circle_id}/decisions/{made.proposal_id}/"):
            assert set(leaks([shown[name, url]])) >= {"Geheimbezwaar", "Stilleopmerking"}, (name, url)
    assert "Geheimbezwaar" in shown["Joost", f"/c/{made.circle_id}/meetings/{made.meeting_id}/"]
    assert found(shown["public", searches(made)[0]]) and found(shown["Kees", searches(made)[1]])
    assert "Geheimbezwaar" in shown["Anna", f"/c/{made.circle_id}/log.jsonl"]
    # Someone of another circle reads only the public record, like any neighbour: no meeting page.
    assert leaks([shown["stranger", f"/c/{made.circle_id}/meetings/{made.meeting_id}/"]]) == []


def test_no_live_message_or_acknowledgement_carries_a_hidden_answer(app, sign_in, hidden):
    made, _ = hidden
    followers = []
    for name in ("Anna", "Fatima", "Joost", "Wijkteam"):
        client = app.test_client()
        sign_in(client, made.member_ids[name])
        for view in (None, "phone", "console", "projector"):
            auth = {"meeting": made.meeting_id, **({"view": view} if view else {})}
            followers.append(socketio.test_client(app, flask_test_client=client, auth=auth))
    assert all(f.is_connected() for f in followers)
    kees = followers[0]  # any socket may ask; Kees answers through his own below
    client = app.test_client()
    sign_in(client, made.member_ids["Kees"])
    kees = socketio.test_client(app, flask_test_client=client, auth={"meeting": made.meeting_id})
    acks = [kees.emit("contribute", {"answer": "consent", "text": "Kees stemt in."}, callback=True)]
    for follower in followers:
        acks.append(follower.emit("state", {}, callback=True))
        acks.append(follower.emit("parts", {"version": 0}, callback=True))
    acks.append(kees.emit("adopt", {"proposal_id": made.proposal_id}, callback=True))  # refused: not his
    received = [m for f in [*followers, kees] for m in f.get_received()]
    assert any(m["name"] == "parts" for m in received) and any(m["name"] == "answer" for m in received)
    assert acks[0]["ok"] and leaks(received) == [] and leaks(acks) == []

    with app.app_context():  # the reveal reaches everyone live
        for name, _ in PEOPLE:
            if name not in ANSWERED and name != "Kees":
                member = made.member(name)
                rounds.contribute(member, made.meeting_id, member.id, Answer.CONSENT, "")
    ack = kees.emit("state", {}, callback=True)
    assert "Geheimbezwaar" in str(ack)
    for f in [*followers, kees]:
        f.disconnect()



# --- Between meetings ---------------------------------------------------------------------------


@pytest.fixture
def hidden_between(app):
    """The same, in a consent round between meetings (a simultaneous reveal, until a deadline) on P."""
    with app.app_context():
        made = samen_vooruit(guest=True)
        set_public_record(made.member("Anna"), True, NameDisplay.FULL)
        anna = made.member("Anna")
        until = NOW + dt.timedelta(days=3)
        for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING):
            rnd = between.start_round_between(anna, made.proposal_id, kind, until).subject
            for name, _ in PEOPLE:
                member = made.member(name)
                between.contribute_between(member, rnd, member.id, Answer.PASS)
        made.round_id = between.start_round_between(anna, made.proposal_id, RoundKind.CONSENT, until,
                                                    reveal=True).subject
        for name, (answer, text, workable) in ANSWERED.items():
            member = made.member(name)
            between.contribute_between(member, made.round_id, member.id, answer, text, workable)
        _, bob = create_circle("Andere Kring", "Bob")
        return made, bob.id


def test_no_reader_meets_a_hidden_answer_between_meetings_on_any_page_download_or_socket(app, sign_in, hidden_between):
    made, stranger = hidden_between
    seen = everything_read(app, sign_in, made, stranger)
    assert leaks(seen[key] for key in seen if key[1] in surfaces(made)) == []
    assert not any(found(seen[name, url]) for name in READERS for url in searches(made))
    assert "2 van de 8 hebben geantwoord" in seen["Anna", f"/c/{made.circle_id}/proposals/{made.proposal_id}/"]
    followers = []
    for name in ("Anna", "Joost", "Kees", "Wijkteam"):
        client = app.test_client()
        sign_in(client, made.member_ids[name])
        followers.append(socketio.test_client(app, flask_test_client=client, auth={"proposal": made.proposal_id}))
    kees = followers[2]
    acks = [kees.emit("contribute_between", {"round_id": made.round_id, "answer": "consent", "text": "Kees."},
                      callback=True)]
    acks += [f.emit("between", {}, callback=True) for f in followers]
    received = [m for f in followers for m in f.get_received()]
    assert acks[0]["ok"] and sum(m["name"] == "between" for m in received) >= 8
    assert leaks(received) == [] and leaks(acks) == []

    with app.app_context():  # the last answers: the reveal, as in a meeting
        for name, _ in PEOPLE:
            if name not in ANSWERED and name != "Kees":
                member = made.member(name)
                between.contribute_between(member, made.round_id, member.id, Answer.CONSENT, "")
    shown = everything_read(app, sign_in, made, stranger)
    for name in ("Anna", "Kees", "Wijkteam", "public"):
        url = f"/c/{made.circle_id}/decisions/{made.proposal_id}/"
        assert set(leaks([shown[name, url]])) >= {"Geheimbezwaar", "Stilleopmerking"}, name
    assert "Geheimbezwaar" in shown["Anna", f"/c/{made.circle_id}/log.jsonl"]
    assert "Geheimbezwaar" in str(followers[1].emit("between", {}, callback=True))
    for f in followers:
        f.disconnect()
