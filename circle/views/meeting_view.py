"""The live meeting as the server draws it: one context, the same for a first load and for the room.

The meeting page, the console and the projector are drawn from templates
only, at first load and live (docs/live-page.md). What goes to the room is
drawn once per kind of reader (`KINDS`: the console, a secretary's phone, a
member's or guest's phone, the projector), not per phone, so nothing in it
may depend on who exactly looks. What does (your turn, your own objection,
"I am here", your draft) is marked in the markup (`data-if`, `data-for`) and
shown by the page's script from a few facts; a first load, which knows who
looks, shows the same directly, so a page without JavaScript works too.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from circle import clock, method, steps
from circle.extensions import db, rows
from circle.facts import MARKED, OBJECTIONS, meeting_facts, meeting_role, open_round, ring_of
from circle.method import Action, Answer, Role
from circle.models import AgendaItem, Meeting, Member, Objection, Proposal, Round
from circle.read.elections import ElectionView, election_view
from circle.read.rounds import RoundView, SeatView, round_view
from circle.read.state import LATEST_ROUND
from circle.read.reviews import ReviewNotes, review_notes

#: The kinds of reader the room is drawn for, and the role each stands for.
KINDS = {"console": Role.FACILITATOR, "recorder": Role.SECRETARY, "member": Role.MEMBER, "projector": None}

#: The mark on a seat of the ring for each answer; "•" too while answers are hidden.
MARKS = {"speak": "•", "pass": "–", "consent": "✓", "objection": "✗", "answered": "•", "nominate": "•"}
#: What a screen reader hears about a seat of the ring (its `state`): words looked up, not a macro imported
#: by each of the ring's seats, which a live change draws for every member (docs/performance/drawing.md).
SEAT_WORDS = {"current": _l("speaking now"), "waiting": _l("waiting"), "last": _l("answers last"),
              "nominate": _l("nominated"), "answered": _l("answered"), "speak": _l("spoke"), "pass": _l("pass"),
              "consent": _l("consent"), "objection": _l("objection")}
#: The ring's drawing area (SVG user units): its size and radius.
RING_SIZE, RING_RADIUS = 360, 120


def kind_of(member: Member | None, view: str, meeting: Meeting) -> str:
    """The kind of reader a screen is: the projector, the console (whoever steers this meeting), a recorder
    or a member; by the role the person acts in in this meeting (facts.meeting_role)."""
    if view == "projector" or member is None:
        return "projector"
    role = meeting_role(member, meeting)
    if role == Role.FACILITATOR:
        return "console"
    if role == Role.SECRETARY:
        return "recorder"
    return "member"


@dataclass(frozen=True)
class Viewer:
    """Who the meeting is drawn for: a kind of reader, and on a first load the person too."""

    kind: str
    #: The person, on a first load; None for what is drawn once for the whole room.
    member: Member | None = None

    @property
    def role(self) -> Role | None:
        return KINDS[self.kind]

    @property
    def id(self) -> int | None:
        return self.member.id if self.member is not None else None


@dataclass(frozen=True)
class PlacedSeat:
    """One seat of the ring as drawn: where, who, and how they stand in the round."""

    seat: SeatView
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    #: The seat's size (it shrinks as the ring fills).
    r: int

    @property
    def member(self) -> Member:
        return self.seat.member

    @property
    def state(self) -> str:
        return self.seat.state

    @property
    def mark(self) -> str:
        return MARKS.get(self.seat.state, "")


def first_name(name: str) -> str:
    """The short name the ring shows."""
    return (name.split() or [name])[0][:12]


def ring(rv: RoundView) -> list[PlacedSeat]:
    """Place the round's seats on a circle, in speaking order, clockwise from the top."""
    n = max(len(rv.seats), 1)
    dot = max(7, min(18, 260 // n))
    centre = RING_SIZE / 2
    placed = []
    for i, seat in enumerate(rv.seats):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        cos, sin = math.cos(angle), math.sin(angle)
        placed.append(PlacedSeat(
            seat=seat,
            x=round(centre + RING_RADIUS * cos, 1),
            y=round(centre + RING_RADIUS * sin, 1),
            label_x=round(centre + (RING_RADIUS + 30) * cos, 1),
            label_y=round(centre + (RING_RADIUS + 30) * sin + 7, 1),
            anchor="start" if cos > 0.3 else "end" if cos < -0.3 else "middle",
            r=dot + 5 if seat.state == "current" else dot,
        ))
    return placed


#: The latest round with its answers, read by one query whatever the ring's size.
_LATEST_ROUND = LATEST_ROUND.options(selectinload(Round.contributions))


def latest_round(meeting: Meeting) -> Round | None:
    """The meeting's open round, or else the one that closed last, with its answers (its seats are read as
    rows: `facts.ring_of`).

    Whoever sits in it, and whoever recorded an answer, is a member of the circle: they are found among
    `meeting.circle.members`, which the pages read anyway, not read again, nor each built a second time,
    for the round (docs/performance/statements.md, "An answer checked on the round alone")."""
    meeting.circle.members  # in the session while the caller holds the meeting (SQLAlchemy holds objects weakly)
    return db.session.scalar(_LATEST_ROUND, {"meeting_id": meeting.id})


#: The meeting with its agenda's items, their proposals and the proposals' versions, joined in one statement. An
#: agenda holds a few proposals of a few versions each, so the joined rows are few; three further statements
#: (`selectinload`, one a level) cost three times as much for a one-item agenda (docs/performance/rows.md).
_WITH_AGENDA = [joinedload(Meeting.agenda).joinedload(AgendaItem.proposal).joinedload(Proposal.versions)]


def load_meeting(meeting_id: int) -> Meeting | None:
    """The meeting with its agenda, loaded at once (who is marked is read as rows, by `read_meeting`)."""
    return db.session.get(Meeting, meeting_id, options=_WITH_AGENDA)


@dataclass(frozen=True)
class Reading:
    """What drawing the meeting reads from the database, the same for every kind of reader.

    Read once per change and shared by every kind's parts (circle/broadcast.py): a
    room with a console and members' phones reads the meeting once, not once per
    kind (docs/performance/statements.md, "What was cut").
    """

    meeting: Meeting
    facts: method.MeetingFacts
    people: dict[int, Member]
    listed: list[Member]
    focus: Proposal | None
    rv: RoundView | None
    objections: list[Objection]
    ring: list[PlacedSeat]
    review: ReviewNotes | None
    election: ElectionView | None
    #: Who is marked present or away, by member id, as rows (`present`, `late`): read once, for the facts and
    #: the list of who is here, without an attendance object built for each (docs/performance/drawing.md).
    attendance: dict[int, sa.Row]
    #: The parts every kind of reader is drawn alike, by language, drawn once for all (circle/views/parts.py).
    drawn: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)


#: The focus proposal's objections with the answers they were raised in: built once, as every change
#: the room is told reads them (docs/performance/statements.md, "A step's statements built once too").
_OBJECTIONS = OBJECTIONS.options(selectinload(Objection.contribution))


def read_meeting(meeting: Meeting) -> Reading:
    """Everything the meeting's templates draw that does not depend on who reads it.

    An open round is the latest one: it is read once, for the facts and for the ring. Its seats and who
    answered are read as rows (`ring_of`), once for both, and the seats find their members among the
    circle's, already loaded; who is marked is read as rows once too (docs/performance/drawing.md)."""
    rnd = open_round(meeting, whole=False)
    members = meeting.circle.members
    attendance = {row.member_id: row for row in rows(MARKED, {"meeting_id": meeting.id})}
    seated = ring_of(rnd.id) if rnd is not None else None
    facts = meeting_facts(meeting, rnd=rnd, people=members, ring=seated,
                          marked={member_id: row.present for member_id, row in attendance.items()})
    focus = db.session.get(Proposal, facts.proposal_id) if facts.proposal_id is not None else None
    if rnd is None:
        rnd = latest_round(meeting)
        seated = ring_of(rnd.id) if rnd is not None else None
    people = {m.id: m for m in members}
    rv = round_view(rnd, people, seated) if rnd is not None else None
    # The objections that may be seen are those the facts were checked on (the same rule hides the rest):
    # read with their answers where there are any, not read again where there are none.
    shown = {o.id for o in facts.objections}
    objections = []
    if shown and focus is not None:
        objections = [o for o in db.session.scalars(_OBJECTIONS, {"proposal_id": focus.id}) if o.id in shown]
    return Reading(meeting, facts, people, [m for m in members if m.id in facts.listed],
                   focus, rv, objections, ring(rv) if rv is not None else [],
                   review_notes(meeting, focus) if focus is not None else None,
                   election_view(focus) if focus is not None else None, attendance)


def context(meeting: Meeting, viewer: Viewer, reading: Reading | None = None) -> dict:
    """Everything the meeting's templates draw, for one kind of reader (and, on a first load, one person).

    `reading`, when given, is `read_meeting(meeting)` done once for several kinds of reader."""
    reading = reading or read_meeting(meeting)
    facts, people, listed, focus, rv = reading.facts, reading.people, reading.listed, reading.focus, reading.rv
    objections = reading.objections
    role = viewer.role
    offers = method.available(facts, role, None)  # what the kind may do, whoever holds it
    attendance = reading.attendance
    present = [m for m in listed if m.id in facts.present_seated]
    item = next((i for i in meeting.agenda if focus is not None and i.proposal_id == focus.id), None)

    def offered(action: Action, target=None) -> bool:
        """Whether this kind of reader may take the step (for `target`) now."""
        return target in offers.get(action, ())

    def offered_to(person_id: int, action: Action, target=None) -> bool:
        """Whether one person may take a step that is theirs alone (their own objection, their proposal).

        Drawn for the whole room with `data-for`, so only that person's screen shows it.
        """
        person = people.get(person_id)
        if person is None or role is None or not person.active:
            return False
        return target in method.available(facts, meeting_role(person, meeting), person_id).get(action, ())

    @functools.cache
    def step_url(name: str) -> str:
        """Where a step's form posts: looked up once a drawing, as the list of who is here has a form a person."""
        return url_for(f"meetings.step_{name}", circle_id=meeting.circle_id, meeting_id=meeting.id)

    answering = rv is not None and rv.open and facts.status == method.MeetingStatus.OPEN
    return {
        **facilitation(meeting, facts, rv, listed),
        "meeting": meeting,
        "step_url": step_url,
        "circle": meeting.circle,
        "viewer": viewer,
        "me": viewer.member,
        "facts": facts,
        "offers": offers,
        "offered": offered,
        "offered_to": offered_to,
        "people": listed,
        "attendance": attendance,
        "present": present,
        "quorum": facts.quorum,
        "focus": focus,
        "item": item,
        "outcome": item.outcome if item is not None else None,
        "objections": objections,
        "rv": rv,
        "ring": reading.ring,
        "ring_size": RING_SIZE,
        "ring_radius": RING_RADIUS,
        "answering": answering,
        "flags": flags(viewer, rv, answering, facts),
        "steps": steps,
        "Action": Action,
        "Answer": Answer,
        "method": method,
        "first_name": first_name,
        "seat_words": {state: str(words) for state, words in SEAT_WORDS.items()},  # translated once, not a seat
        "review": reading.review,
        "election": reading.election,
        "csrf": generate_csrf() if viewer.member is not None else "",
    }


def epoch_ms(moment: dt.datetime | None = None) -> int:
    """A moment (UTC, naive; default now, to the millisecond) in milliseconds since 1970: what the page's
    script counts with."""
    return int((moment or clock.instant()).replace(tzinfo=dt.UTC).timestamp() * 1000)


def facilitation(meeting: Meeting, facts: method.MeetingFacts, rv: RoundView | None, listed: list[Member]) -> dict:
    """What the facilitator's tools show (docs/facilitation.md): the speaking time, the ready check, who
    steers and from when the secretary may take over. Moments go to the page as epoch milliseconds, with
    the server's now, so the script counts from the server's clock, not the phone's."""
    ends = None
    if rv is not None and rv.open and rv.current is not None:
        ends = method.turn_ends(rv.round.turn_started_at, meeting.turn_seconds)
    takeover = method.takeover_from(facts.steerer_away_since, facts.takeover_minutes)
    return {
        "now_ms": epoch_ms(),
        "turn_ends": ends,
        "turn_ends_ms": epoch_ms(ends) if ends else None,
        "turn_left": max(0, int((ends - clock.now()).total_seconds())) if ends else None,
        "steerers": [m for m in listed if m.id in facts.steerers],
        "handed_over": meeting.steered_by_id is not None,
        "takeover_from": takeover,
        "takeover_ms": epoch_ms(takeover) if takeover else None,
        "ready_people": [m for m in listed if m.id in facts.present_seated],
        "not_ready": [m for m in listed if m.id in facts.present_seated - facts.ready],
    }


def flags(viewer: Viewer, rv: RoundView | None, answering: bool, facts: method.MeetingFacts) -> set[str]:
    """What is personal on this screen, for the person on a first load (the script works out the same).

    - `my-turn`: it is my turn in a round in turn;
    - `can-answer`: I may answer now (my turn, or an open round I have not answered yet);
    - `answered`: I have answered in the open round;
    - `wait-turn`: I am in a round in turn and it is not my turn yet;
    - `wait-last`: I am the person an election proposes, and answer once everyone else has (an open round);
    - `not-my-turn`: anyone else's screen while someone speaks (also what the room is sent);
    - `not-present`: the meeting is open, I sit in the circle and I am not marked present;
    - `not-ready`: a ready check is open, I am present and seated, and I have not said ready.
    """
    me = viewer.id
    found: set[str] = set()
    if me is None:
        return {"not-my-turn"}
    seat = next((s for s in rv.seats if s.member.id == me), None) if rv is not None else None
    if answering and seat is not None:
        in_turn = rv.round.mode == method.RoundMode.IN_TURN
        if seat.state == "current":
            found |= {"my-turn", "can-answer"}
        elif seat.state == "waiting":
            found.add("wait-turn" if in_turn else "can-answer")
        elif seat.state == "last":
            found.add("wait-last")
        else:
            found.add("answered")
    if "my-turn" not in found:
        found.add("not-my-turn")
    if (facts.status == method.MeetingStatus.OPEN and viewer.member.role in method.SEATED_ROLES
            and me not in facts.present):
        found.add("not-present")
    if facts.ready_open and me in facts.present_seated and me not in facts.ready:
        found.add("not-ready")
    return found
