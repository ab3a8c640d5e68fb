"""The scenes of tests/test_authorization.py: each built once, saved as a database, put back per case.

Also who visits (their cookies and a CSRF token from a page they were shown) and how a case tells
that nothing stored changed (`stored`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, gettext
from aiosmtpd.controller import Controller

from circle import between, clock, create_app, elections, facilitation, meetings, proposals, rounds
from circle.auth import revoke, sign_in_token
from circle.circles import add_member, create_circle, set_public_record
from circle.extensions import db
from circle.method import MESSAGES, Answer, NameDisplay, ProposalKind, RoleKind, Role, RoundKind, RoundMode
from circle.models import (
    CircleRole, Contribution, LogEntry, Meeting, Member, Objection, Proposal, Round, RoundStatus, Task,
)
from circle.agenda import put_forward_topic
from circle.roles import record_term
from circle.tasks import add_task
from circle.views.guests import guest_token
from circle.views.minutes import ics_token
from tests import databases
from tests.conftest import config_for, find_csrf_token, sign_in_with_link
from tests.days import TODAY, days
from tests.mailbox import Mailbox
from tests.server import free_port
from tests.authorization_table import VISITORS, WHO
from tests.scenario import PEOPLE, everyone_present, run_round, samen_vooruit

# --- The scenes -------------------------------------------------------------------------------


@dataclass
class Visitor:
    """A browser of one kind of visitor: its cookies and a CSRF token from a page it was shown."""

    name: str
    cookies: list[tuple[str, str, str, str]]  # key, value, domain, path
    csrf: str
    member_id: int | None  # its own member id in circle A (anonymous: the one it claims, Joost's; stranger: B's)
    home: str | None  # where it starts: its circle, or the list of its circles


@dataclass
class World:
    app: Flask
    live: Path
    scenes: dict[str, Path]
    ids: dict[str, dict[str, Any]]
    visitors: dict[str, Visitor]
    messages: dict[str, str]  # each refusal's message, as a page shows it (in Dutch)


def _quiet(app: Flask) -> None:
    """Close every database connection, so the file can be copied or replaced."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _save(app: Flask, live: Path, to: Path) -> Path:
    _quiet(app)
    databases.copy(live, to)
    return to


#: Which scene the live database holds, and what it stored then (docs/testing.md: on PostgreSQL a
#: copy is a CREATE DATABASE): most cases are refused and change nothing, so the next needs no copy.
_in_place: dict[Path, tuple[Path, Stored]] = {}


def restore(app: Flask, live: Path, source: Path) -> None:
    """Put a scene in place; the app starts it as a fresh server would (its event buckets full)."""
    app.extensions.pop("kring.limits", None)  # circle/limits.py: pace is not who may do what
    held = _in_place.pop(live, None)
    if held and held[0] == source and stored(app) == held[1]:
        _in_place[live] = held
        return
    _quiet(app)
    for extra in ("-wal", "-shm"):
        Path(f"{live}{extra}").unlink(missing_ok=True)
    databases.copy(source, live)
    _in_place[live] = (source, stored(app))


def _member(circle_id: int, name: str) -> Member:
    return db.session.scalar(sa.select(Member).where(Member.circle_id == circle_id, Member.name == name))


def _other_circle(a_circle: int) -> dict[str, int]:
    """Circle B, Andere Kring: Bob facilitates; Els's proposal had its consent round, and she objected."""
    circle, bob = create_circle("Andere Kring", "Bob")
    for name in ("Els", "Piet"):
        add_member(None, circle.id, name)
    els = _member(circle.id, "Els")
    bob = _member(circle.id, "Bob")
    proposal = proposals.write_draft(els, proposals.Wording(title="Fietsenrek", text="Een rek bij de flat.")).subject
    meeting = meetings.plan_meeting(bob, "Bewonersoverleg", TODAY).subject
    proposals.put_on_agenda(bob, proposal, meeting)
    meetings.open_meeting(bob, meeting)
    people = [_member(circle.id, n) for n in ("Bob", "Els", "Piet")]
    for person in people:
        meetings.mark_attendance(bob, meeting, person.id, True)
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING, RoundKind.CONSENT):
        rounds.start_round(bob, meeting, kind, RoundMode.OPEN, proposal_id=proposal)
        for person in people:
            if kind == RoundKind.CONSENT:
                answer, text = (Answer.OBJECTION, "Te weinig plek.") if person.name == "Els" else (Answer.CONSENT, "")
            else:
                answer, text = Answer.SPEAK, f"{person.name} zegt iets."
            rounds.contribute(person, meeting, person.id, answer, text)
        rounds.close_round(bob, meeting)
    objection = db.session.scalar(sa.select(Objection).where(Objection.proposal_id == proposal))
    dewi = _member(a_circle, "Dewi")  # a member of A, and from today B's second facilitator
    add_member(None, circle.id, "Dewi", Role.FACILITATOR, person_id=dewi.person_id)
    return {"B": circle.id, "BM": meeting, "BP": proposal, "BO": objection.id,
            "BC": objection.contribution_id, "Els": els.id, "Bob": bob.id}


def _build(app: Flask, live: Path, folder: Path, frozen_clock) -> tuple[dict[str, Path], dict[str, dict]]:
    """Every scene once, each saved as a database file, with its public twin and its ids."""
    scenes: dict[str, Path] = {}
    ids: dict[str, dict] = {}

    def save(name: str, extra: dict | None = None) -> None:
        with app.app_context():
            found = dict(base)
            found.update(extra or {})
            rows = db.session.execute(
                sa.select(Contribution.id, Contribution.member_id, Round.kind)
                .join(Round, Round.id == Contribution.round_id).where(Round.meeting_id == base["M"])
            ).all()
            found["C"] = next((c for c, m, k in rows if m == base["Joost"] and k == RoundKind.PICTURE_FORMING), 0)
            between = dict(db.session.execute(sa.select(Round.status, Round.proposal_id).where(
                Round.meeting_id.is_(None))).all())  # scene "between": R's round open, S's closed
            found["S"] = between.get(RoundStatus.CLOSED, 0)
            found["BR"] = db.session.scalar(sa.select(Round.id).where(
                Round.meeting_id.is_(None), Round.status == RoundStatus.OPEN)) or 0
            tasks = dict(db.session.execute(sa.select(Task.circle_id, Task.id)).all())
            found["TK"], found["BT"] = tasks.get(base["A"], 0), tasks.get(base["B"], 0)
            found["E"] = db.session.scalar(sa.select(Proposal.id).where(
                Proposal.kind == ProposalKind.ELECTION, Proposal.circle_id == base["A"])) or 0
            for objection in db.session.scalars(sa.select(Objection).where(Objection.proposal_id == base["P"])):
                found["OJ" if objection.member_id == base["Joost"] else "OK2"] = objection.id
            ids[name] = found
        scenes[name] = _save(app, live, folder / f"{name}.sqlite3")

    with app.app_context():
        made = samen_vooruit(guest=True)
        anna = made.member("Anna")
        q = proposals.write_draft(made.member("Joost"), proposals.Wording(
            title="Bankjes bij de speeltuin", text="Twee bankjes aan de rand van de speeltuin.")).subject
        proposals.put_on_agenda(anna, q, made.meeting_id)
        r = proposals.write_draft(made.member("Aylin"), proposals.Wording(
            title="Een buurtbibliotheek", text="Een kastje met boeken bij de ingang.")).subject
        base = {"A": made.circle_id, "M": made.meeting_id, "P": made.proposal_id, "Q": q, "R": r,
                **made.member_ids, **_other_circle(made.circle_id)}
        base["T"] = put_forward_topic(made.member("Joost"), "Fietsenstalling", "Bij de school.").subject
        base["facilitator role"], base["secretary role"] = (f"{kind}.{made.circle_id}" for kind in ("facilitator", "secretary"))
        record_term(anna, base["facilitator role"], anna.id, days(-300), days(20))  # near its end: offered
        base["link"] = sign_in_token(made.member("Joost"))
        with frozen_clock.later(days=-91):  # older than a link works (90 days)
            base["expired"] = sign_in_token(made.member("Joost"))
        base["revoked"] = sign_in_token(made.member("Aylin"))
        revoke(made.member("Aylin").person)
        base["forged"] = base["link"][:-4] + ("AAAA" if not base["link"].endswith("AAAA") else "BBBB")
        base["guest link"] = guest_token(db.session.get(Meeting, made.meeting_id))
        base["guest link forged"] = base["guest link"][:-4] + (
            "AAAA" if not base["guest link"].endswith("AAAA") else "BBBB")
        base["ics"] = ics_token(made.circle_id)
        base["ics_B"] = ics_token(base["B"])
    save("planned")

    def scene(name: str, start: str, build) -> None:
        restore(app, live, scenes[start])
        with app.app_context():
            build(made)
        save(name)

    scene("opened", "planned", lambda m: meetings.open_meeting(m.member("Anna"), m.meeting_id))
    scene("present", "planned", everyone_present)
    scene("ready", "present", lambda m: facilitation.ask_ready(m.member("Anna"), m.meeting_id))

    def away(m):
        """Anna opened the meeting five minutes ago and has had no connection to it since."""
        with frozen_clock.later(minutes=-5):
            everyone_present(m)

    scene("away", "planned", away)

    def round_with_a_late_arrival(m):
        anna = m.member("Anna")
        meetings.open_meeting(anna, m.meeting_id)
        for name, _ in PEOPLE:
            if name != "Kees":
                meetings.mark_attendance(anna, m.meeting_id, m.member_ids[name], True)
        rounds.start_round(anna, m.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
        meetings.mark_attendance(anna, m.meeting_id, m.member_ids["Kees"], True)

    scene("round", "planned", round_with_a_late_arrival)
    scene("in_turn", "present",
          lambda m: rounds.start_round(m.member("Anna"), m.meeting_id, RoundKind.OPENING, RoundMode.IN_TURN))

    def to_consent(objections: dict):
        def build(m):
            run_round(m, RoundKind.PICTURE_FORMING)
            run_round(m, RoundKind.OPINION_FORMING)
            run_round(m, RoundKind.CONSENT, objections)
        return build

    scene("objection", "present", to_consent({
        "Joost": (Answer.OBJECTION, "In de zomer geeft niemand water."),
        "Kees": (Answer.OBJECTION, "De bakken staan in de weg voor de vuilniswagen.")}))
    scene("consented", "present", to_consent({}))

    def decide(m):
        anna = m.member("Anna")
        proposals.adopt(anna, m.meeting_id, m.proposal_id)
        meetings.close_meeting(anna, m.meeting_id)

    scene("decided", "consented", decide)

    def election(m) -> int:
        """An election for the facilitator's role, after Anna's term."""
        role = db.session.scalar(sa.select(CircleRole).where(
            CircleRole.circle_id == m.circle_id, CircleRole.kind == RoleKind.FACILITATOR))
        return elections.write_election(m.member("Anna"), role.id, days(21), days(385)).subject

    def nominated(m):
        """An election for the facilitator's role on M's agenda: taken up, everyone nominated, the round closed."""
        anna = m.member("Anna")
        e = election(m)
        proposals.put_on_agenda(anna, e, m.meeting_id)
        rounds.start_round(anna, m.meeting_id, RoundKind.NOMINATION, RoundMode.OPEN, proposal_id=e)
        for name, _ in PEOPLE:
            member = m.member(name)
            rounds.contribute(member, m.meeting_id, member.id, Answer.NOMINATE, "Zij kan het.",
                                nominee_id=m.member_ids["Fatima"])
        rounds.close_round(anna, m.meeting_id)

    scene("nominated", "present", nominated)

    def nominated_between(m):
        """The same election between meetings: its nomination round closed when the last one nominated."""
        rnd = between.start_round_between(m.member("Anna"), election(m), RoundKind.NOMINATION,
                                          clock.at_local(days(3), 20, 0)).subject
        for name, _ in PEOPLE:
            member = m.member(name)
            between.contribute_between(member, rnd, member.id, Answer.NOMINATE, "Zij kan het.",
                                       nominee_id=m.member_ids["Fatima"])

    scene("nominated_between", "planned", nominated_between)

    def give_tasks(m):
        """Joost carries out a task of the decision; in B, Els withdraws her objection, and Piet gets a task."""
        add_task(m.member("Anna"), m.proposal_id, "Plantenbakken bestellen", m.member_ids["Joost"], days(7))
        bob = _member(base["B"], "Bob")
        proposals.withdraw_objection(_member(base["B"], "Els"), base["BM"], base["BO"])
        proposals.adopt(bob, base["BM"], base["BP"])
        add_task(bob, base["BP"], "Fietsenrek bestellen", _member(base["B"], "Piet").id, days(7))

    scene("tasked", "decided", give_tasks)

    def rounds_between(m):
        """S had a picture-forming round between meetings, everyone answered; R's is open until days(3)."""
        anna = m.member("Anna")
        s = proposals.write_draft(m.member("Joost"), proposals.Wording(
            title="Een fietsenstalling", text="Overdekt, bij de flat.")).subject
        done = between.start_round_between(anna, s, RoundKind.PICTURE_FORMING, clock.at_local(days(3), 20, 0))
        for name, _ in PEOPLE:
            member = m.member(name)
            between.contribute_between(member, done.subject, member.id, Answer.SPEAK, f"{name} vraagt iets.")
        between.start_round_between(anna, base["R"], RoundKind.PICTURE_FORMING, clock.at_local(days(3), 20, 0))

    scene("between", "planned", rounds_between)

    for name in list(scenes):  # each scene's twin, with the record public
        restore(app, live, scenes[name])
        with app.app_context():
            set_public_record(_member(base["A"], "Anna"), True, NameDisplay.FIRST)
        ids[f"{name}+public"] = ids[name]
        scenes[f"{name}+public"] = _save(app, live, folder / f"{name}+public.sqlite3")
    return scenes, ids


def _visitors(app: Flask, live: Path, scenes: dict[str, Path], ids: dict) -> dict[str, Visitor]:
    """Sign each visitor in once, through their personal link, and keep their cookies and a CSRF token."""
    restore(app, live, scenes["planned"])
    base = ids["planned"]
    found = {}
    for visitor in VISITORS:
        client = app.test_client()
        if visitor in WHO:
            member_id = base[WHO[visitor]]
            circle_id = base["B"] if visitor == "stranger" else base["A"]
            sign_in_with_link(client, member_id)
            shown = client.get(f"/c/{circle_id}/")
            home = "/you" if visitor == "dual" else f"/c/{circle_id}/"
        else:
            member_id, home = base["Joost"], None
            shown = client.get("/sign-in")
        assert shown.status_code == 200, (visitor, shown.status_code)
        cookies = [(c.key, c.value, c.domain, c.path) for c in client._cookies.values()]
        found[visitor] = Visitor(visitor, cookies, find_csrf_token(shown.text), member_id, home)
    return found


@contextmanager
def built_world(template_database: Path, folder: Path, frozen_clock) -> Iterator[World]:
    """Every scene and visitor, with mail on and going nowhere; afterwards, no mail must have gone."""
    live = folder / "kring.sqlite3"
    databases.copy(template_database, live)
    mailbox, port = Mailbox(), free_port()  # mail is on, and goes nowhere but here
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    app = create_app({**config_for(live), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                      "MAIL_FROM": "Kring <kring@example.org>"}, instance_path=str(folder / "instance"))
    scenes, ids = _build(app, live, folder, frozen_clock)
    visitors = _visitors(app, live, scenes, ids)
    with app.test_request_context(), force_locale("nl"):
        messages = {code: gettext(text) for code, text in MESSAGES.items()}
    yield World(app, live, scenes, ids, visitors, messages)
    _quiet(app)
    smtp.stop()
    assert mailbox.messages == [], "a link went to an address nobody has"


@dataclass(frozen=True)
class Stored:
    """What the database holds: the log's length and a digest of every table."""

    log: int
    digest: str


def stored(app: Flask) -> Stored:
    with app.app_context():
        digest = hashlib.sha256()
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{rows!r}".encode())
        log = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))
        db.session.remove()
    return Stored(log, digest.hexdigest())
