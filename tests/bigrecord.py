"""A large, realistic record for query-count tests and benchmarks, built in seconds.

`make_big_record(decisions, contributions)` makes one circle of twelve people
with full names (eleven seated, one guest; its record private) and a meeting
every fortnight, one per ten decisions up to a hundred, the last one still
planned. `decisions` proposals are spread over them: adopted (1 to 3 versions,
objections met or withdrawn on the way), postponed, withdrawn, some adopted
ones back on the planned meeting's agenda for their review, and a few drafts
on it still in progress. Their rounds (check-in, picture-forming, opinion,
consent; in turn, or open with a simultaneous reveal) hold exactly
`contributions` contributions (given at least 3 decisions). Attendance (some
absent, some late), agenda items with their outcomes, seats, objections, a few
corrections, and a hash-chained log with one entry per action, as the real
actions write them: `record.verify` accepts it.

Rows go in with bulk inserts (SQLAlchemy core, lists of dicts), so 1,000
decisions and 20,000 contributions take a few seconds. The same arguments
always give the same record (a seeded random generator); only the database
ids depend on what the database already holds.

Texts are Dutch, about containers, zwerfafval, the moestuin, the buurtfeest,
so full-text search has something to find. Call it inside an app context.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from circle.extensions import db
from circle.method import (
    Answer,
    MeetingStatus,
    NameDisplay,
    ObjectionStatus,
    Phase,
    Role,
    RoundKind,
    RoundMode,
)
from circle.models import (
    AgendaItem,
    Attendance,
    Circle,
    Contribution,
    Correction,
    LogEntry,
    Meeting,
    Member,
    Objection,
    Person,
    Proposal,
    ProposalVersion,
    Round,
    RoundStatus,
    Seat,
)
from circle.record import canonical, entry_hash

SEED = 20261123

#: (decisions, contributions) of the records the query-count test and the benchmark compare.
#: The small one still has a second page of decisions and of search results.
SMALL = (60, 900)
LARGE = (1000, 20_000)

#: The circle, in ring order: full names, so the public record's name display shows.
PEOPLE = [
    ("Anna de Vries", Role.FACILITATOR),
    ("Fatima El Amrani", Role.SECRETARY),
    ("Joost Bakker", Role.MEMBER),
    ("Aylin Yilmaz", Role.MEMBER),
    ("Kees van Dijk", Role.MEMBER),
    ("Samira Haddou", Role.MEMBER),
    ("Dewi Sutrisno", Role.MEMBER),
    ("Mohamed Ouali", Role.MEMBER),
    ("Priya Ramdin", Role.MEMBER),
    ("Bram Visser", Role.MEMBER),
    ("Noor Jansen", Role.MEMBER),
    ("Wijkteam Oost", Role.GUEST),
]

STREETS = ["Javastraat", "Balistraat", "Sumatrastraat", "Molukkenstraat", "Celebesstraat",
           "Borneostraat", "Madurastraat", "Lombokstraat", "Soembawastraat", "Makassarstraat"]
SQUARES = ["Javaplein", "Ambonplein", "Makassarplein", "Timorplein", "Sumatraplantsoen"]

#: (title, text, background); {s} a street, {p} a square.
TOPICS = [
    ("Plantenbakken bij de containers in de {s}",
     "We zetten plantenbakken rond de ondergrondse containers in de {s}. Bewoners kiezen samen "
     "de planten en geven om beurten water.",
     "Rond de containers ligt vaak zwerfafval. Waar het groen is, laten mensen minder rommel achter."),
    ("Zwerfafval prikken in de {s}",
     "Elke eerste zaterdag van de maand prikken we zwerfafval in de {s}. De gemeente leent ons "
     "grijpers, handschoenen en zakken.",
     "Kinderen uit de buurt vragen of de stoep schoner kan."),
    ("Een moestuin op het {p}",
     "We beginnen een moestuin op het {p}: tien bakken voor kruiden en groente. Buren kunnen "
     "een bak adopteren; de oogst is voor iedereen.",
     "Veel bewoners hebben geen tuin. Samen tuinieren brengt mensen bij elkaar."),
    ("Buurtfeest in de {s}",
     "We organiseren in juni een buurtfeest in de {s}, met muziek, eten uit de buurt en een "
     "kleedjesmarkt voor kinderen.",
     "Nieuwe bewoners kennen hun buren nog niet."),
    ("Keukencollectief in het buurthuis",
     "Een keer per week koken we samen in het buurthuis aan de {s}. Iedereen betaalt wat hij kan; "
     "wat overblijft gaat naar de voedselbank.",
     "Ouderen eten vaak alleen."),
    ("Grofvuil op vaste dagen in de {s}",
     "We vragen de gemeente om grofvuil in de {s} op vaste dagen op te halen en zetten die dagen "
     "op briefjes bij de containers.",
     "Matrassen en kasten staan soms dagenlang op straat."),
    ("Geveltuintjes in de {s}",
     "Bewoners van de {s} krijgen hulp bij het aanleggen van geveltuintjes: wij halen de tegels "
     "eruit, zij planten.",
     "Geveltuinen maken de straat koeler en groener."),
    ("Bankjes op het {p}",
     "We vragen het stadsdeel om drie bankjes op het {p}, bij de speeltuin en de moestuin.",
     "Ouderen willen kunnen uitrusten als ze boodschappen doen."),
    ("Fietswrakken weg uit de {s}",
     "We melden de fietswrakken in de {s} bij de gemeente en hangen labels aan fietsen die "
     "al maanden niet bewegen.",
     "De rekken staan vol met wrakken; er is geen plek voor gewone fietsen."),
    ("Schoonmaakochtend rond de containers",
     "Na elk buurtfeest houden we een schoonmaakochtend rond de containers en op het {p}.",
     "Na feesten blijft er veel zwerfafval liggen."),
]

QUESTIONS = [
    "Wie betaalt de plantenbakken?", "Heeft de gemeente al toestemming gegeven?",
    "Hoeveel mensen zijn er nodig op zaterdag?", "Wie houdt de sleutel van het buurthuis?",
    "Mogen de kinderen van de school meedoen?", "Wat doen we als het regent?",
    "Ik weet dat de buren in de {s} ook mee willen doen.",
    "Er staat al een container voor grofvuil bij de {s}, wist je dat?",
    "Hoe lang duurt het voordat de moestuin iets oplevert?",
    "Is er stroom op het {p} voor de muziek van het buurtfeest?",
    "Wie spreekt met de woningcorporatie over de containers?",
]
OPINIONS = [
    "Goed plan, de containers zien er nu rommelig uit.",
    "Ik ben bang dat het zwerfafval terugkomt als niemand het bijhoudt.",
    "Mooi voor de kinderen uit de buurt.",
    "Ik doe graag mee, maar niet elke week.",
    "Laten we klein beginnen, in een straat, en dan kijken.",
    "De moestuin is een goed idee als er genoeg mensen water geven.",
    "Een buurtfeest kost veel werk; wie helpt met opruimen?",
    "Ik mis de mening van de ondernemers in de {s}.",
    "Dit past bij ons doel: een schone en groene buurt.",
    "Ik twijfel, het budget is al bijna op.",
]
REMARKS = [
    "Akkoord, maar laten we het na drie maanden evalueren.",
    "Ik stem in; let op de rolstoelen op de stoep.",
    "Prima, als de buren het ook weten.",
    "Akkoord. Graag foto's voor en na.",
]
REASONS = [
    "Ik kan hier niet mee werken: er is geen geld voor onderhoud.",
    "Het raakt ons doel: de stoep wordt te smal voor rolstoelen en kinderwagens.",
    "De buren in de {s} zijn niet gevraagd; zo verliezen we hun vertrouwen.",
    "Het zwerfafval verplaatst zich alleen naar de volgende straat.",
]
WORKABLE = [
    "Als we eerst met de gemeente praten over onderhoud.",
    "Een proef van drie maanden, dan kijken we opnieuw.",
    "Als de bewoners van de straat eerst een briefje krijgen.",
    "",
]
CHECK_IN = [
    "Goed, ik heb zin in vanavond.", "Moe, maar ik ben er.", "Blij dat de zon weer schijnt.",
    "Ik moet om negen uur weg.", "Druk op het werk, fijn om hier te zijn.",
]


@dataclass
class _Log:
    """The circle's chain, continued after the entries the real actions wrote."""

    circle_id: int
    seq: int
    head: str
    next_id: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, at: dt.datetime, actor: int | None, action: str, data: dict[str, Any]) -> int:
        self.seq += 1
        stamp = at.isoformat() + "Z"
        digest = entry_hash(seq=self.seq, circle=self.circle_id, at=stamp, actor=actor,
                            action=action, data=data, prev=self.head)
        self.rows.append({
            "id": self.next_id, "circle_id": self.circle_id, "seq": self.seq, "at": stamp,
            "actor_id": actor, "action": action, "data": canonical(data),
            "prev_hash": self.head, "hash": digest,
        })
        self.next_id += 1
        self.head = digest
        return self.seq


class _Ids:
    """The next free id of each table (explicit ids, so rows can point at each other before insert)."""

    def __init__(self, tables: list[sa.Table]):
        self._next = {
            t.name: (db.session.scalar(sa.select(sa.func.max(t.c.id))) or 0) + 1 for t in tables
        }

    def __call__(self, table: sa.Table) -> int:
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` split over `parts` unevenly but exactly."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def make_big_record(decisions: int = 1000, contributions: int = 20_000) -> int:
    """Build the circle and its whole record; return the circle's id."""
    return _Builder(decisions, contributions).build()


@dataclass(frozen=True)
class Sample:
    """A built record and the ids its pages are reached with."""

    circle_id: int
    #: The adopted decision with the most versions (then the most objections).
    decision_id: int
    #: The closed meeting with the most agenda items.
    meeting_id: int
    #: The facilitator, to read as a member.
    member_id: int


def sample(circle_id: int) -> Sample:
    """The richest decision and meeting of a record, so their pages have the most to show."""
    objections = (sa.select(sa.func.count(Objection.id)).where(Objection.proposal_id == Proposal.id)
                  .scalar_subquery())
    decision = db.session.scalar(
        sa.select(Proposal.id)
        .where(Proposal.circle_id == circle_id, Proposal.phase == Phase.ADOPTED)
        .order_by(Proposal.current_version.desc(), objections.desc(), Proposal.id)
        .limit(1))
    items = sa.select(sa.func.count(AgendaItem.id)).where(AgendaItem.meeting_id == Meeting.id).scalar_subquery()
    meeting = db.session.scalar(
        sa.select(Meeting.id)
        .where(Meeting.circle_id == circle_id, Meeting.status == MeetingStatus.CLOSED)
        .order_by(items.desc(), Meeting.id)
        .limit(1))
    member = db.session.scalar(
        sa.select(Member.id).where(Member.circle_id == circle_id, Member.role == Role.FACILITATOR))
    return Sample(circle_id, decision, meeting, member)


class _Builder:
    def __init__(self, decisions: int, contributions: int):
        self.rng = random.Random(SEED + decisions * 7919 + contributions)
        self.decisions = decisions
        self.contributions = contributions
        self.rows: dict[str, list[dict[str, Any]]] = {}

    # --- helpers ---------------------------------------------------------------

    def put(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table.name, []).append(row)
        return row

    def at(self, when: dt.datetime | None = None, step: int = 0) -> dt.datetime:
        """Move the record's clock on (never back) and return it."""
        if when is not None and when > self.now:
            self.now = when
        self.now += dt.timedelta(seconds=step)
        return self.now

    def fill(self, text: str) -> str:
        return text.format(s=self.rng.choice(STREETS), p=self.rng.choice(SQUARES))

    def person(self, member_id: int) -> dict[str, Any]:
        return {"id": member_id, "name": self.names[member_id]}

    def meeting_entry(self, meeting: dict, actor: int, action: str, data: dict, step: int = 20) -> int:
        """A meeting action: raises the meeting's version, as lock_meeting does."""
        meeting["version"] += 1
        return self.log.add(self.at(step=step), actor, action,
                            {"meeting": meeting["id"], "meeting_version": meeting["version"], **data})

    # --- the record --------------------------------------------------------------

    def build(self) -> int:
        rng = self.rng
        self.now = dt.datetime(2022, 1, 3, 9, 0)
        self.ids = _Ids([t.__table__ for t in (Circle, Person, Member, Meeting, Proposal, ProposalVersion,
                                               AgendaItem, Attendance, Round, Seat, Contribution,
                                               Objection, Correction)])
        cid = self.cid = self.ids(Circle.__table__)
        self.log = _Log(cid, 0, "", (db.session.scalar(sa.select(sa.func.max(LogEntry.id))) or 0) + 1)
        name = f"Buurtkring {self.decisions}"
        db.session.execute(sa.insert(Circle.__table__), [{
            "id": cid, "name": name, "quorum": None, "public_record": False,
            "public_names": NameDisplay.FIRST, "log_length": 0, "log_head": None, "created_at": self.now,
        }])
        self.names: dict[int, str] = {}
        self.seated: list[int] = []
        for position, (person, role) in enumerate(PEOPLE, start=1):
            who = self.put(Person.__table__, {
                "id": self.ids(Person.__table__), "name": person, "language": None, "email": None,
                "sign_in_version": 1, "created_at": self.at(step=60),
            })
            member = self.put(Member.__table__, {
                "id": self.ids(Member.__table__), "circle_id": cid, "person_id": who["id"], "role": role,
                "position": position, "joined_on": self.now.date(), "left_on": None,
                "created_at": self.now,
            })
            self.names[member["id"]] = person
            if role != Role.GUEST:
                self.seated.append(member["id"])
            if position == 1:  # as create_circle and add_member write them
                self.log.add(self.now, None, "create_circle",
                             {"name": name, "quorum": None, "facilitator": self.person(member["id"]),
                              "since": self.now.date().isoformat()})
            else:
                self.log.add(self.now, None, "add_member",
                             {"member": self.person(member["id"]), "role": role.value,
                              "since": self.now.date().isoformat()})
        self.facilitator = self.seated[0]
        self.secretary = self.seated[1]

        # Who decides what where: the last meeting is still planned.
        n_meetings = max(2, min(100, math.ceil(self.decisions / 10) + 1))
        first_day = dt.date(2022, 1, 12)
        days = [first_day + dt.timedelta(days=14 * i) for i in range(n_meetings)]
        review = max(1, self.decisions // 25) if self.decisions >= 4 else 0
        in_progress = max(1, self.decisions // 30) if self.decisions >= 3 else 0
        decided = self.decisions - in_progress
        outcomes: list[Phase] = []
        for _ in range(decided):
            roll = rng.random()
            outcomes.append(Phase.POSTPONED if roll < 0.15 else Phase.WITHDRAWN if roll < 0.23
                            else Phase.ADOPTED)
        adopted = [i for i, o in enumerate(outcomes) if o == Phase.ADOPTED]
        reviewed = set(rng.sample(adopted, min(review, len(adopted))))

        # Contributions: some for check-in rounds, the rest over the proposals decided in meetings.
        closed = n_meetings - 1
        # (At most 5 a meeting: at least 6 seated members are there on time.)
        check_in = self.contributions // 12 if self.contributions >= 24 and decided else 0
        per_meeting_check_in = [min(5, c) for c in _spread(check_in, closed, rng)]
        budgets = _spread(self.contributions - sum(per_meeting_check_in), decided, rng)

        meetings = []
        for i, day in enumerate(days):
            meetings.append({
                "id": self.ids(Meeting.__table__), "circle_id": cid,
                "title": f"Kernteam {day.strftime('%d-%m-%Y')}", "date": day,
                "status": MeetingStatus.CLOSED if i < closed else MeetingStatus.PLANNED,
                "version": 0, "current_proposal_id": None, "created_at": None,
            })
        by_meeting: list[list[int]] = [[] for _ in range(closed)]
        for k in range(decided):
            by_meeting[k * closed // max(decided, 1)].append(k)

        self.proposals: list[dict] = []
        planned = meetings[-1]
        planned_agenda: list[tuple[dict, bool]] = []  # (proposal, review)
        for i, meeting in enumerate(meetings[:closed]):
            self.hold_meeting(meeting, [(outcomes[k], budgets[k], k in reviewed) for k in by_meeting[i]],
                              per_meeting_check_in[i], planned_agenda)
        # The planned meeting: drafts still in progress, and decisions back for their review.
        start = dt.datetime.combine(planned["date"], dt.time(18, 30))
        self.plan(planned, start)
        for _ in range(in_progress):
            proposal = self.write_draft(start - dt.timedelta(days=6), planned["date"])
            planned_agenda.append((proposal, False))
        for position, (proposal, is_review) in enumerate(planned_agenda, start=1):
            if is_review:
                proposal["phase"] = Phase.REVIEW
            self.put_on_agenda(planned, proposal, position, is_review, outcome=None)
        for m in meetings:
            self.put(Meeting.__table__, m)
        self.corrections(meetings[:closed])
        self.insert()
        return cid

    def plan(self, meeting: dict, start: dt.datetime) -> None:
        meeting["created_at"] = self.at(start - dt.timedelta(days=10), step=60)
        meeting["version"] = 1
        self.log.add(self.now, self.secretary, "plan_meeting",
                     {"meeting": meeting["id"], "meeting_version": 1, "title": meeting["title"],
                      "date": meeting["date"].isoformat()})

    def wording(self, day: dt.date) -> dict[str, Any]:
        rng = self.rng
        title, text, background = rng.choice(TOPICS)
        street, square = rng.choice(STREETS), rng.choice(SQUARES)
        review = None if rng.random() < 0.15 else day + dt.timedelta(days=rng.choice([90, 180, 365]))
        return {
            "title": title.format(s=street, p=square), "text": text.format(s=street, p=square),
            "background": background, "review_date": review,
            "success_criteria": "Over drie maanden kijken we met foto's of het werkt.",
            "carried_out_by": self.names[self.rng.choice(self.seated)].split()[0],
        }

    def write_draft(self, when: dt.datetime, day: dt.date) -> dict:
        proposer = self.rng.choice(self.seated)
        created = self.at(when, step=300)
        proposal = self.put(Proposal.__table__, {
            "id": self.ids(Proposal.__table__), "circle_id": self.cid, "proposer_id": proposer,
            "phase": Phase.DRAFT, "current_version": 1, "decided_at": None, "created_at": created,
        })
        words = self.wording(day)
        version = self.put(ProposalVersion.__table__, {
            "id": self.ids(ProposalVersion.__table__), "proposal_id": proposal["id"], "number": 1,
            "note": "", "written_by_id": proposer, "created_at": created, **words,
        })
        proposal["latest"] = version
        self.proposals.append(proposal)
        self.log.add(created, proposer, "write_draft",
                     {"proposal": proposal["id"], "version": 1, **self.as_log(words)})
        return proposal

    @staticmethod
    def as_log(words: dict[str, Any]) -> dict[str, Any]:
        """A wording as the log keeps it (Wording.as_log)."""
        review = words["review_date"]
        return {**words, "review_date": review.isoformat() if review else None}

    def put_on_agenda(self, meeting: dict, proposal: dict, position: int, review: bool,
                      outcome: Phase | None) -> dict:
        item = self.put(AgendaItem.__table__, {
            "id": self.ids(AgendaItem.__table__), "meeting_id": meeting["id"],
            "proposal_id": proposal["id"], "position": position, "outcome": outcome, "review": review,
            "decided_at": None, "version": None,
        })
        self.meeting_entry(meeting, self.secretary, "put_on_agenda",
                           {"proposal": proposal["id"], "title": proposal["latest"]["title"],
                            "review": review}, step=120)
        return item

    def hold_meeting(self, meeting: dict, plans: list[tuple[Phase, int, bool]], check_in: int,
                     planned_agenda: list) -> None:
        rng = self.rng
        start = dt.datetime.combine(meeting["date"], dt.time(18, 30))
        self.plan(meeting, start)
        items = []
        for position, (outcome, budget, review) in enumerate(plans, start=1):
            proposal = self.write_draft(start - dt.timedelta(days=7), meeting["date"])
            items.append((proposal, outcome, budget, review,
                          self.put_on_agenda(meeting, proposal, position, False, outcome=None)))
        self.meeting_entry(meeting, self.facilitator, "open_meeting", {}, step=0)
        self.at(start)
        absent = set(rng.sample(self.seated[2:], rng.randint(0, 3)))
        present = [m for m in self.seated if m not in absent]
        late = set(rng.sample(present[2:], rng.randint(0, 2))) if check_in else set()
        on_time = [m for m in present if m not in late]
        self.rounds = 0
        for m in on_time:
            self.attend(meeting, m, late=False)
        if check_in:
            answers = [(m, Answer.SPEAK, rng.choice(CHECK_IN)) for m in on_time[:check_in]]
            self.hold_round(meeting, None, RoundKind.OPENING, on_time, answers)
        for m in sorted(late):
            self.attend(meeting, m, late=True)
        for proposal, outcome, budget, review, item in items:
            self.decide(meeting, proposal, outcome, budget, present)
            item.update(outcome=proposal["phase"], decided_at=proposal["decided_at"],
                        version=proposal["current_version"])
            if review and proposal["phase"] == Phase.ADOPTED:
                planned_agenda.append((proposal, True))
        self.meeting_entry(meeting, self.facilitator, "close_meeting", {})

    def attend(self, meeting: dict, member: int, late: bool) -> None:
        self.put(Attendance.__table__, {
            "id": self.ids(Attendance.__table__), "meeting_id": meeting["id"], "member_id": member,
            "present": True, "late": late, "changed_at": self.at(step=15),
        })
        self.meeting_entry(meeting, self.secretary, "mark_attendance",
                           {"member": self.person(member), "present": True, "late": late}, step=0)

    def hold_round(self, meeting: dict, proposal: dict | None, kind: RoundKind, seats: list[int],
                   answers: list[tuple[int, Answer, str]], reveal: bool = False,
                   workable: dict[int, str] | None = None) -> tuple[dict, list[dict]]:
        """A whole round: started, answered (in `answers` order), closed."""
        rng = self.rng
        self.rounds += 1
        mode = RoundMode.OPEN if reveal else RoundMode.IN_TURN
        started = self.at(step=60)
        rnd = self.put(Round.__table__, {
            "id": self.ids(Round.__table__), "circle_id": self.cid, "meeting_id": meeting["id"],
            "number": self.rounds,
            "proposal_id": proposal["id"] if proposal else None,
            "proposal_version": proposal["current_version"] if proposal else None,
            "kind": kind, "mode": mode, "reveal": reveal, "status": RoundStatus.CLOSED,
            "started_by_id": self.facilitator, "started_at": started, "closed_at": None,
        })
        for position, m in enumerate(seats, start=1):
            self.put(Seat.__table__, {"id": self.ids(Seat.__table__), "round_id": rnd["id"],
                                      "member_id": m, "position": position, "added_late": False})
        self.meeting_entry(meeting, self.facilitator, "start_round", {
            "round": rnd["id"], "number": rnd["number"], "kind": kind.value, "mode": mode.value,
            "reveal": reveal, "proposal": rnd["proposal_id"], "version": rnd["proposal_version"],
            "seats": [self.person(m) for m in seats],
        }, step=0)
        made = []
        for position, (member, answer, text) in enumerate(answers, start=1):
            text = self.fill(text)
            by = self.secretary if member != self.secretary and rng.random() < 0.05 else member
            row = self.put(Contribution.__table__, {
                "id": self.ids(Contribution.__table__), "round_id": rnd["id"], "position": position,
                "member_id": member, "recorded_by_id": by, "answer": answer, "text": text,
                "client_id": None, "created_at": self.at(step=rng.randint(20, 90)),
            })
            made.append(row)
            data = {"round": rnd["id"], "contribution": row["id"], "member": self.person(member),
                    "answer": answer.value, "text": text}
            if by != member:
                data["recorded_by"] = self.person(by)
            if answer == Answer.OBJECTION:
                data["workable"] = (workable or {}).get(member, "")
            self.meeting_entry(meeting, by, "contribute", data, step=0)
        rnd["closed_at"] = self.at(step=30)
        answered = {m for m, _, _ in answers}
        self.close_data = {"round": rnd["id"], "unanswered": [m for m in seats if m not in answered]}
        return rnd, made

    def close_round(self, meeting: dict, extra: dict | None = None) -> None:
        self.meeting_entry(meeting, self.facilitator, "close_round", {**self.close_data, **(extra or {})},
                           step=0)

    def speak_round(self, meeting: dict, proposal: dict, kind: RoundKind, present: list[int],
                    count: int) -> None:
        """A picture-forming or opinion round in turn; the first `count` seats answer."""
        rng = self.rng
        start = rng.randrange(len(present))
        order = present[start:] + present[:start]
        texts = QUESTIONS if kind == RoundKind.PICTURE_FORMING else OPINIONS
        answers = [(m, Answer.PASS, "") if rng.random() < 0.12 else (m, Answer.SPEAK, rng.choice(texts))
                   for m in order[:count]]
        self.hold_round(meeting, proposal, kind, order, answers)
        self.close_round(meeting)

    def consent_round(self, meeting: dict, proposal: dict, present: list[int], objectors: set[int],
                      standing: list[dict]) -> list[dict]:
        """A complete consent round; returns the new objections. Standing objections of makers
        who consent now are met by this version."""
        rng = self.rng
        reveal = rng.random() < 0.3
        order = list(present)
        if reveal:
            rng.shuffle(order)
        workable = {m: rng.choice(WORKABLE) for m in objectors}
        answers = []
        for m in order:
            if m in objectors:
                answers.append((m, Answer.OBJECTION, rng.choice(REASONS)))
            else:
                answers.append((m, Answer.CONSENT, rng.choice(REMARKS) if rng.random() < 0.25 else ""))
        rnd, made = self.hold_round(meeting, proposal, RoundKind.CONSENT, present, answers,
                                    reveal=reveal, workable=workable)
        version = proposal["current_version"]
        met = []
        for objection in standing:
            if objection["status"] == ObjectionStatus.STANDING and objection["member_id"] not in objectors:
                objection.update(status=ObjectionStatus.MET, met_by_version=version, ended_at=self.now)
                met.append(objection["id"])
        new = []
        for row in made:
            if row["answer"] == Answer.OBJECTION:
                new.append(self.put(Objection.__table__, {
                    "id": self.ids(Objection.__table__), "proposal_id": proposal["id"],
                    "contribution_id": row["id"], "member_id": row["member_id"], "version": version,
                    "workable": workable[row["member_id"]], "status": ObjectionStatus.STANDING,
                    "tested": False, "met_by_version": None, "ended_at": None,
                }))
        still = sum(o["status"] == ObjectionStatus.STANDING for o in standing) + len(new)
        self.close_round(meeting, {"proposal": proposal["id"], "version": version, "met": met,
                                   "standing": still,
                                   "phase": (Phase.INTEGRATING if still else Phase.CONSENT).value})
        return new

    def amend(self, meeting: dict, proposal: dict, objections: list[dict]) -> None:
        rng = self.rng
        previous = proposal["latest"]
        number = previous["number"] + 1
        maker = self.names[objections[0]["member_id"]].split()[0] if objections else ""
        note = f"Aangepast na het bezwaar van {maker}." if maker else "Aangepast na de meningsronde."
        words = {k: previous[k] for k in ("title", "text", "background", "review_date",
                                          "success_criteria", "carried_out_by")}
        words["text"] = previous["text"] + " " + rng.choice(
            ["We proberen het eerst drie maanden.", "De gemeente betaalt het onderhoud.",
             "De buren in de straat krijgen eerst een brief.", "We ruimen zelf het zwerfafval op."])
        version = self.put(ProposalVersion.__table__, {
            "id": self.ids(ProposalVersion.__table__), "proposal_id": proposal["id"], "number": number,
            "note": note, "written_by_id": self.facilitator, "created_at": self.at(step=120), **words,
        })
        proposal["latest"], proposal["current_version"] = version, number
        self.meeting_entry(meeting, self.facilitator, "amend",
                           {"proposal": proposal["id"], "version": number, "note": note,
                            **self.as_log(words)}, step=0)

    def decide(self, meeting: dict, proposal: dict, outcome: Phase, budget: int, present: list[int]) -> None:
        """The proposal's rounds in this meeting, `budget` contributions in all, then its outcome."""
        rng = self.rng
        n = len(present)
        versions = 0
        if outcome == Phase.ADOPTED:
            versions = min(rng.choices([1, 2, 3], weights=[55, 30, 15])[0], budget // n)
            if versions == 0:
                outcome = Phase.POSTPONED
        elif budget >= n and rng.random() < 0.4:
            versions = 1  # a consent round with an objection that still stands
        rest = budget - versions * n
        kind = RoundKind.PICTURE_FORMING
        while rest > 0:
            count = min(rest, n)
            self.speak_round(meeting, proposal, kind, present, count)
            rest -= count
            kind = RoundKind.OPINION_FORMING
        standing: list[dict] = []
        for v in range(1, versions + 1):
            last = v == versions and outcome == Phase.ADOPTED
            objectors = set() if last else set(rng.sample(present[1:], rng.randint(1, 2)))
            new = self.consent_round(meeting, proposal, present, objectors, standing)
            standing += new
            for objection in new:
                if rng.random() < 0.5:
                    objection["tested"] = True
                    self.meeting_entry(meeting, self.facilitator, "mark_tested",
                                       {"objection": objection["id"],
                                        "member": self.person(objection["member_id"])})
            if v < versions:
                for objection in new:
                    if rng.random() < 0.3:  # its maker withdraws it before the next version
                        objection.update(status=ObjectionStatus.WITHDRAWN, ended_at=self.at(step=60))
                        self.meeting_entry(meeting, objection["member_id"], "withdraw_objection",
                                           {"objection": objection["id"], "proposal": proposal["id"],
                                            "member": self.person(objection["member_id"])}, step=0)
                self.amend(meeting, proposal, new)
        latest = proposal["latest"]
        proposal["phase"] = outcome
        proposal["decided_at"] = self.at(step=60)
        if outcome == Phase.ADOPTED:
            review = latest["review_date"]
            self.meeting_entry(meeting, self.facilitator, "adopt",
                               {"proposal": proposal["id"], "version": proposal["current_version"],
                                "title": latest["title"],
                                "review_date": review.isoformat() if review else None}, step=0)
        elif outcome == Phase.POSTPONED:
            self.meeting_entry(meeting, self.facilitator, "postpone",
                               {"proposal": proposal["id"], "version": proposal["current_version"],
                                "abandoned_round": None}, step=0)
        else:
            proposer = proposal["proposer_id"]
            self.meeting_entry(meeting, proposer, "withdraw",
                               {"proposal": proposal["id"], "version": proposal["current_version"],
                                "proposer": self.person(proposer)}, step=0)

    def corrections(self, meetings: list[dict]) -> None:
        """A few corrections: of what someone said, and of a meeting's title."""
        rng = self.rng
        spoken = [c for c in self.rows.get(Contribution.__table__.name, []) if c["text"]]
        for c in rng.sample(spoken, min(len(spoken), max(1, self.decisions // 100))):
            text = c["text"].rstrip(".") + ", en de containers bij de school ook."
            seq = self.log.add(self.at(step=3600), self.secretary, "correct", {
                "corrects": {"contribution": c["id"]}, "round": c["round_id"],
                "member": self.person(c["member_id"]), "original": c["text"], "text": text,
                "note": "Aangevuld op verzoek.",
            })
            self.put(Correction.__table__, {
                "id": self.ids(Correction.__table__), "circle_id": self.cid, "contribution_id": c["id"],
                "meeting_id": None, "text": text, "note": "Aangevuld op verzoek.",
                "recorded_by_id": self.secretary, "log_seq": seq, "created_at": self.now,
            })
        for m in meetings[:1]:
            text = m["title"].replace("Kernteam", "Kernteamoverleg")
            seq = self.log.add(self.at(step=3600), self.secretary, "correct", {
                "corrects": {"meeting": m["id"], "field": "title"}, "original": m["title"],
                "text": text, "note": "Typefout.",
            })
            self.put(Correction.__table__, {
                "id": self.ids(Correction.__table__), "circle_id": self.cid, "contribution_id": None,
                "meeting_id": m["id"], "text": text, "note": "Typefout.",
                "recorded_by_id": self.secretary, "log_seq": seq, "created_at": self.now,
            })

    def insert(self) -> None:
        """Everything in one transaction, parents before children."""
        for p in self.proposals:
            p.pop("latest", None)
        order = [Person, Member, Meeting, Proposal, ProposalVersion, AgendaItem, Attendance, Round, Seat,
                 Contribution, Objection, Correction]
        for model in order:
            rows = self.rows.get(model.__table__.name)
            if rows:
                db.session.execute(sa.insert(model.__table__), rows)
        db.session.execute(sa.insert(LogEntry.__table__), self.log.rows)
        db.session.execute(sa.update(Circle).where(Circle.id == self.cid)
                           .values(log_length=self.log.seq, log_head=self.log.head))
        if db.session.get_bind().dialect.name == "postgresql":
            for model in order + [LogEntry]:
                name = model.__table__.name
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"))
        db.session.commit()
        db.session.expire_all()
