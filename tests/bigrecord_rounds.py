"""A proposal's way through one meeting of the big record (tests/bigrecord.py), up to its decision.

Picture-forming and opinion rounds, consent rounds (in turn, or open with a
simultaneous reveal) with their objections (tested, withdrawn, met by the
next version), amended versions, and the outcome: adopted, postponed or
withdrawn. Each as its rows and as the log entries the real actions write.
`Rounds` also holds the helpers the whole builder (tests/bigrecord_builder.py)
writes rows and log entries with; it works on the builder's random generator,
clock, ids, rows and log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from circle.method import Answer, ObjectionStatus, Phase, RoundKind, RoundMode
from circle.models import Contribution, Objection, ProposalVersion, Round, RoundStatus, Seat
from tests.bigrecord_words import OPINIONS, QUESTIONS, REASONS, REMARKS, SQUARES, STREETS, WORKABLE


class Rounds:
    """A meeting's rounds and decisions, and the helpers every row and log entry is written with."""

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

    @staticmethod
    def as_log(words: dict[str, Any]) -> dict[str, Any]:
        """A wording as the log keeps it (Wording.as_log)."""
        review = words["review_date"]
        return {**words, "review_date": review.isoformat() if review else None}

    # --- a proposal's rounds ------------------------------------------------------

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
