"""The big record's builder (tests/bigrecord.py): the circle, its meetings, one bulk insert.

The circle's people and the start of its log, the meetings a fortnight apart
with the decisions and contributions spread over them, each meeting held
(attendance, a check-in round, its agenda; a proposal's rounds are
tests/bigrecord_rounds.py), the planned meeting's agenda, a few corrections,
and every row inserted in one transaction. Ids are explicit, so rows point
at each other before they are inserted.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from circle.extensions import db
from circle.method import Answer, MeetingStatus, NameDisplay, Phase, Role, RoundKind
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
    Seat,
)
from circle.record import canonical, entry_hash
from tests.bigrecord_rounds import Rounds
from tests.bigrecord_words import CHECK_IN, PEOPLE, SQUARES, STREETS, TOPICS

SEED = 20261123


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


class Builder(Rounds):
    """One circle's whole record, from the seed its size gives."""

    def __init__(self, decisions: int, contributions: int):
        self.rng = random.Random(SEED + decisions * 7919 + contributions)
        self.decisions = decisions
        self.contributions = contributions
        self.rows: dict[str, list[dict[str, Any]]] = {}

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
