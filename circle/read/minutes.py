"""Reading the record back: a meeting's minutes (notulen) and the circle's decisions.

Everything here only reads. `gather_minutes` collects one meeting as plain
data (circle/read/minutes_entries.py), which the minutes page, the print
view and the exports (circle/read/exports.py) all show, so they cannot
disagree. Names come from the caller's `name(member)` (a `Reader.name`), so
a public reader sees them as the circle chose. Each function runs a fixed number of queries, however
large the record.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from circle import method
from circle.extensions import db
from circle.facts import hidden_contribution_ids, hidden_now
from circle.method import Answer, ObjectionStatus, RoundKind
from circle.read import corrections
from circle.read.followup import task_entries
from circle.read.minutes_entries import (
    OPEN,
    Concern,
    ContributionEntry,
    CorrectionEntry,
    DecisionRow,
    ElectionEntry,
    ItemEntry,
    Minutes,
    Name,
    ObjectionEntry,
    RoundEntry,
)
from circle.read.rounds import round_view, withdrawals_recorded
from circle.models import (
    AgendaItem,
    Attendance,
    Contribution,
    Correction,
    Meeting,
    Member,
    Objection,
    Proposal,
    ProposalVersion,
    Round,
    RoundStatus,
)

# --- Shared rules ------------------------------------------------------------------


def _item_version(item: AgendaItem, proposal: Proposal) -> int:
    """The version an agenda item was about: the one decided, or the latest while it is open."""
    return item.version if item.version is not None else proposal.current_version


def _outcome(item: AgendaItem) -> str:
    return item.outcome.value if item.outcome else OPEN


# --- A meeting's minutes --------------------------------------------------------------


def _correction(c: Correction, people: dict[int, Member], name: Name) -> CorrectionEntry:
    return CorrectionEntry(c.text, c.note, name(people.get(c.recorded_by_id)), c.created_at)


def _round_entry(rnd: Round, people: dict[int, Member], name: Name,
                 fixed: dict[int, list[CorrectionEntry]]) -> RoundEntry:
    """A round as the minutes show it (`round_view`: answers stay out while they are hidden)."""
    rv = round_view(rnd)
    contributions = [
        ContributionEntry(
            c.position, name(people[c.member_id]), c.answer.value, c.text, c.created_at,
            name(people[c.recorded_by_id]) if c.on_behalf else None, fixed.get(c.id, []),
            name(people[c.nominee_id]) if c.nominee_id is not None else None)
        for c in rv.contributions]
    return RoundEntry(
        rnd.number, rnd.kind.value, rnd.mode.value, rnd.reveal, rnd.status.value,
        rnd.proposal_version, name(people.get(rnd.started_by_id)), rnd.started_at, rnd.closed_at,
        [name(s.member) for s in rv.seats], rv.hidden, contributions,
        [name(m) for m in rv.unanswered], rnd.deadline, rnd.ended.value if rnd.ended else None,
        rnd.silence_as_consent)


def _election(proposal: Proposal, version: ProposalVersion, people: dict[int, Member], name: Name
              ) -> ElectionEntry | None:
    """An election item's role, person and term, at the version in question; None for any other proposal."""
    if proposal.kind != method.ProposalKind.ELECTION or proposal.role is None:
        return None
    nominee = name(people[version.nominee_id]) if version.nominee_id is not None else None
    return ElectionEntry(proposal.role.kind.value, proposal.role.name, nominee, version.term_from,
                         version.term_until)


def _objections(proposal: Proposal, rounds: list[Round], people: dict[int, Member], name: Name,
                earlier: dict[int, Contribution]) -> list[ObjectionEntry]:
    """Objections raised here, and earlier ones still standing when this meeting took them up."""
    here = {c.id: (r, c) for r in rounds for c in r.contributions}
    hidden = hidden_contribution_ids(rounds)
    start = min((r.started_at for r in rounds), default=None)
    recorders = withdrawals_recorded(proposal.circle_id, [o.id for o in proposal.objections
                                                          if o.status == ObjectionStatus.WITHDRAWN])
    shown = []
    for o in proposal.objections:
        if o.contribution_id in here:
            if o.contribution_id in hidden:
                continue
            rnd, raised = here[o.contribution_id]
            number = rnd.number
        else:
            raised, number = earlier.get(o.contribution_id), None
            if raised is None or start is None or raised.created_at > start or (
                    o.ended_at is not None and o.ended_at < start):
                continue
        shown.append(ObjectionEntry(
            name(people[o.member_id]), o.version, number, raised.text, o.workable, o.tested,
            o.status.value, o.met_by_version, o.ended_at,
            name(people.get(recorders[o.id])) if o.id in recorders else None))
    return shown


def _concerns(rounds: list[Round], people: dict[int, Member], name: Name) -> list[Concern]:
    """Remarks given with consent in the last complete consent round."""
    closed = [r for r in rounds if r.kind == RoundKind.CONSENT and r.status == RoundStatus.CLOSED]
    if not closed:
        return []
    return [Concern(name(people[c.member_id]), c.text) for c in closed[-1].contributions
            if c.answer == Answer.CONSENT and c.text]


def gather_minutes(circle_id: int, meeting_id: int, name: Name) -> Minutes | None:
    """A meeting's minutes as plain data, or None when the circle has no such meeting."""
    from circle.read.between import reported_in  # it builds its items with the helpers above
    meeting = db.session.scalar(sa.select(Meeting).where(
        Meeting.id == meeting_id, Meeting.circle_id == circle_id).options(joinedload(Meeting.circle)))
    if meeting is None:
        return None
    people = {m.id: m for m in db.session.scalars(
        sa.select(Member).where(Member.circle_id == circle_id).order_by(Member.position, Member.id))}
    here = {a.member_id: a for a in db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id == meeting.id))}
    items = db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
        .options(joinedload(AgendaItem.proposal).options(
            selectinload(Proposal.versions), selectinload(Proposal.objections)))).all()
    rounds = db.session.scalars(
        sa.select(Round).where(Round.meeting_id == meeting.id).order_by(Round.number)
        .options(selectinload(Round.seats), selectinload(Round.contributions))).all()
    given = {c.id for r in rounds for c in r.contributions}
    fixes, title_fixes = corrections.for_record(given, [meeting.id])
    fixed = {cid: [_correction(c, people, name) for c in found] for cid, found in fixes.items()}
    withheld = hidden_now(circle_id)  # raised in a round (between meetings, say) whose answers are hidden
    wanted = [o.contribution_id for i in items for o in i.proposal.objections
              if o.contribution_id not in given and o.contribution_id not in withheld]
    earlier = {c.id: c for c in db.session.scalars(
        sa.select(Contribution).where(Contribution.id.in_(wanted)))} if wanted else {}

    by_proposal: dict[int, list[Round]] = defaultdict(list)
    for r in rounds:
        by_proposal[r.proposal_id].append(r)
    tasks = task_entries([i.proposal_id for i in items if i.outcome == method.Phase.ADOPTED], name)
    entries = []
    for item in items:
        p, mine = item.proposal, by_proposal.get(item.proposal_id, [])
        number = _item_version(item, p)
        v = next(v for v in p.versions if v.number == number)
        entries.append(ItemEntry(
            item.position, p.id, v.title, name(people.get(p.proposer_id)), item.review, number, v.text,
            _outcome(item), item.decided_at,
            v.review_date, v.success_criteria, v.carried_out_by,
            [_round_entry(r, people, name, fixed) for r in mine],
            _objections(p, mine, people, name, earlier), _concerns(mine, people, name),
            tasks.get(p.id, []) if item.outcome == method.Phase.ADOPTED else [],
            _election(p, v, people, name)))

    titles = [_correction(c, people, name) for c in title_fixes.get(meeting.id, [])]
    present = [m for m in people.values() if m.id in here and here[m.id].present]
    seated = [m for m in present if m.role in method.SEATED_ROLES]
    absent = [m for m in people.values()
              if m.expected_on(meeting.date) and not (m.id in here and here[m.id].present)]

    def meeting_rounds(kind: RoundKind) -> list[RoundEntry]:
        return [_round_entry(r, people, name, fixed)
                for r in by_proposal.get(None, []) if r.kind == kind]

    return Minutes(
        circle={"id": meeting.circle.id, "name": meeting.circle.name},
        meeting={"id": meeting.id, "title": titles[-1].text if titles else meeting.title,
                 "recorded_title": meeting.title, "date": meeting.date,
                 "status": meeting.status.value},
        attendance={"present": [name(m) for m in seated],
                    "late": [name(m) for m in seated if here[m.id].late],
                    "absent": [name(m) for m in absent],
                    "guests": [name(m) for m in present if m.role not in method.SEATED_ROLES],
                    "former": [name(m) for m in [*present, *absent]
                               if not m.active and m.role in method.SEATED_ROLES]},  # a guest's day ends
        opening=meeting_rounds(RoundKind.OPENING),
        items=entries,
        closing=meeting_rounds(RoundKind.CLOSING),
        title_corrections=titles,
        between=reported_in(meeting, people, name),
    )


def minutes_rows(minutes: Minutes) -> list[DecisionRow]:
    """The meeting's agenda items as decision rows, for its CSV."""
    m = minutes.meeting
    return [DecisionRow(
        m["id"], m["title"], m["date"], i.proposal_id, i.title, i.review, i.outcome, i.version,
        i.decided_at, i.review_date, i.success_criteria, i.carried_out_by,
        sum(o.round is not None for o in i.objections), len(i.concerns)) for i in minutes.items]


# --- The circle's decisions, for the logbook's CSV ---------------------------------------


def circle_decisions(circle_id: int) -> list[DecisionRow]:
    """Every decision the circle took (an agenda item with an outcome, or adopted between meetings), oldest first.

    The same columns and rules as a meeting's CSV, in seven queries for the whole record.
    """
    rows = db.session.execute(
        sa.select(AgendaItem, Meeting, Proposal)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Proposal, Proposal.id == AgendaItem.proposal_id)
        .where(Meeting.circle_id == circle_id, AgendaItem.outcome.is_not(None))
        .order_by(Meeting.date, Meeting.id, AgendaItem.position, AgendaItem.id)).all()
    versions: dict[int, list[ProposalVersion]] = defaultdict(list)
    for v in db.session.scalars(sa.select(ProposalVersion).join(Proposal).where(
            Proposal.circle_id == circle_id).order_by(ProposalVersion.number)):
        versions[v.proposal_id].append(v)
    in_circle = sa.select(Meeting.id).where(Meeting.circle_id == circle_id)
    last_consent: dict[tuple[int, int], int] = {}
    for rid, mid, pid in db.session.execute(
            sa.select(Round.id, Round.meeting_id, Round.proposal_id)
            .where(Round.meeting_id.in_(in_circle), Round.proposal_id.is_not(None),
                   Round.kind == RoundKind.CONSENT, Round.status == RoundStatus.CLOSED)
            .order_by(Round.number)):
        last_consent[mid, pid] = rid
    objections = {(mid, pid): n for mid, pid, n in db.session.execute(
        sa.select(Round.meeting_id, Round.proposal_id, sa.func.count(Objection.id))
        .join(Contribution, Contribution.id == Objection.contribution_id)
        .join(Round, Round.id == Contribution.round_id)
        .where(Round.meeting_id.in_(in_circle))
        .group_by(Round.meeting_id, Round.proposal_id))}
    concerns = dict(db.session.execute(
        sa.select(Contribution.round_id, sa.func.count(Contribution.id))
        .join(Round, Round.id == Contribution.round_id)
        .where(Round.meeting_id.in_(in_circle), Round.kind == RoundKind.CONSENT,
               Contribution.answer == Answer.CONSENT, Contribution.text != "")
        .group_by(Contribution.round_id)).all())
    titles = corrections.for_meetings(m.id for _, m, _ in rows)
    result = []
    for item, meeting, p in rows:
        key = (meeting.id, p.id)
        number = _item_version(item, p)
        v = next(v for v in versions[p.id] if v.number == number)
        title = titles[meeting.id][-1].text if titles.get(meeting.id) else meeting.title
        result.append(DecisionRow(
            meeting.id, title, meeting.date, p.id, v.title, item.review, _outcome(item),
            number, item.decided_at, v.review_date, v.success_criteria,
            v.carried_out_by, objections.get(key, 0), concerns.get(last_consent.get(key), 0)))
    from circle.read.between import decided_between

    result += decided_between(circle_id)  # no meeting: each on the day it was decided
    return sorted(result, key=lambda row: row.date)  # stable: a meeting's rows keep their order
