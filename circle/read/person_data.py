"""Everything Kring holds about one person, for them to see and download (docs/security.md, "Privacy").

Gathered from every table that points at the person or at one of their
memberships: the person row, their memberships, attendance, the proposals
and versions they wrote, their answers and objections (also those a
secretary recorded for them), what they recorded for others, corrections,
the log entries they made or that name them, their open connections, and
the notices owed or sent to them with their choices (docs/notices.md),
and the tasks they carry out with every note they wrote on one
(docs/agenda-and-tasks.md).
Their own answers are theirs to see, also in a round whose answers are still
hidden from the others. Log entries stay in the record (the chain would break
without them); this is where a person reads which ones name them.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from circle.extensions import db
from circle.models import (
    Attendance,
    Connection,
    Contribution,
    Correction,
    LogEntry,
    Meeting,
    Notice,
    NoticePreference,
    Objection,
    Person,
    Proposal,
    ProposalVersion,
    Task,
    TaskChange,
)


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


#: Keys under which a log entry names people ({"id", "name"} of a membership, circle/actions.py `person`).
PEOPLE_KEYS = {"member", "facilitator", "proposer", "recorded_by", "seats", "member_id",
               "steerer", "steerers_before", "not_ready"}  # who steers a meeting, a ready check (facilitation.py)


def _ids(value: Any) -> set[int]:
    """The membership ids a value names: an id, a person ({"id", "name"}), or a list of them."""
    if isinstance(value, list):
        return set().union(*(_ids(v) for v in value)) if value else set()
    if isinstance(value, dict):
        value = value.get("id")
    return {value} if isinstance(value, int) and not isinstance(value, bool) else set()


def _names(value: Any, ids: set[int]) -> bool:
    """Whether a log entry's data names one of the memberships `ids`."""
    if isinstance(value, dict):
        return any((key in PEOPLE_KEYS and bool(_ids(v) & ids)) or _names(v, ids) for key, v in value.items())
    if isinstance(value, list):
        return any(_names(v, ids) for v in value)
    return False


def everything_about(person: Person) -> dict[str, Any]:
    """The person's data as plain JSON-ready values, grouped by kind."""
    members = list(person.memberships)
    ids = {m.id for m in members}
    circle_of = {m.id: m.circle.name for m in members}

    def rows(query):
        return db.session.scalars(query).all() if ids else []

    attendance = rows(sa.select(Attendance).where(Attendance.member_id.in_(ids)).order_by(Attendance.id))
    proposals = rows(sa.select(Proposal).where(Proposal.proposer_id.in_(ids)).order_by(Proposal.id))
    versions = rows(sa.select(ProposalVersion).where(ProposalVersion.written_by_id.in_(ids))
                    .order_by(ProposalVersion.id))
    answers = rows(sa.select(Contribution).where(
        sa.or_(Contribution.member_id.in_(ids), Contribution.recorded_by_id.in_(ids))).order_by(Contribution.id))
    objections = rows(sa.select(Objection).where(Objection.member_id.in_(ids)).order_by(Objection.id))
    corrections = rows(sa.select(Correction).where(Correction.recorded_by_id.in_(ids)).order_by(Correction.id))
    connections = rows(sa.select(Connection).where(Connection.member_id.in_(ids)))
    choices = rows(sa.select(NoticePreference).where(NoticePreference.person_id == person.id)
                   .order_by(NoticePreference.kind))
    notices = rows(sa.select(Notice).where(Notice.person_id == person.id).order_by(Notice.id))
    tasks = rows(sa.select(Task).where(Task.carrier_id.in_(ids)).order_by(Task.id))
    task_notes = rows(sa.select(TaskChange).where(TaskChange.by_id.in_(ids), TaskChange.note != "")
                      .order_by(TaskChange.id))
    circles = {m.circle_id for m in members}
    log = [e for e in (db.session.scalars(sa.select(LogEntry).where(LogEntry.circle_id.in_(circles))
                                          .order_by(LogEntry.circle_id, LogEntry.seq)).all() if circles else [])
           if e.actor_id in ids or _names(json.loads(e.data), ids)]
    meetings = {a.meeting_id: db.session.get(Meeting, a.meeting_id) for a in attendance}
    return {
        "person": {"id": person.id, "name": person.name, "language": person.language,
                   "larger_text": person.larger_text,
                   "email": person.email, "sign_in_version": person.sign_in_version,
                   "created_at": _when(person.created_at)},
        "memberships": [{"id": m.id, "circle": m.circle.name, "circle_id": m.circle_id,
                         "role": m.role.value, "joined_on": _when(m.joined_on),
                         "left_on": _when(m.left_on), "created_at": _when(m.created_at)} for m in members],
        "attendance": [{"circle": circle_of[a.member_id], "meeting_id": a.meeting_id,
                        "meeting": meetings[a.meeting_id].title, "present": a.present, "late": a.late,
                        "changed_at": _when(a.changed_at)} for a in attendance],
        "proposals": [{"id": p.id, "circle": circle_of[p.proposer_id], "title": p.versions[-1].title,
                       "phase": p.phase.value, "created_at": _when(p.created_at)} for p in proposals],
        "proposal_versions": [{"proposal_id": v.proposal_id, "number": v.number, "title": v.title,
                               "text": v.text, "background": v.background, "note": v.note,
                               "created_at": _when(v.created_at)} for v in versions],
        "answers": [{"round_id": c.round_id, "proposal_id": c.round.proposal_id,
                     "round": c.round.kind.value, "answer": c.answer.value, "text": c.text,
                     "yours": c.member_id in ids, "recorded_by_you": c.recorded_by_id in ids
                     and c.member_id not in ids, "created_at": _when(c.created_at)} for c in answers],
        "objections": [{"proposal_id": o.proposal_id, "version": o.version, "workable": o.workable,
                        "status": o.status.value, "ended_at": _when(o.ended_at)} for o in objections],
        "corrections": [{"circle_id": c.circle_id, "text": c.text, "note": c.note,
                         "created_at": _when(c.created_at)} for c in corrections],
        "log_entries": [{"circle_id": e.circle_id, "seq": e.seq, "at": e.at, "action": e.action,
                         "by_you": e.actor_id in ids, "data": json.loads(e.data)} for e in log],
        "connections_now": [{"meeting_id": c.meeting_id, "kind": c.kind} for c in connections],
        "notice_choices": [{"kind": c.kind.value, "delivery": c.delivery.value} for c in choices],
        "notices": [{"kind": n.kind.value, "about": n.subject, "circle_id": n.circle_id,
                     "delivery": n.delivery.value, "made_at": _when(n.made_at), "sent_at": _when(n.sent_at),
                     "dropped_at": _when(n.dropped_at)} for n in notices],
        "tasks": [{"id": t.id, "circle_id": t.circle_id, "proposal_id": t.proposal_id, "what": t.what,
                   "due_on": _when(t.due_on), "status": t.status.value} for t in tasks],
        "task_notes": [{"task_id": c.task_id, "status": c.status.value, "note": c.note,
                        "created_at": _when(c.created_at)} for c in task_notes],
    }
