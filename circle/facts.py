"""The facts the method's rules ask for, read from the database.

Both sides use these: the actions, to check a step before they write it, and
the pages and the live meeting, to offer exactly the steps the rules allow
(`method.available`). Nothing here writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from circle import clock, method
from circle.extensions import db, rows
from circle.method import ObjectionStatus, RoundKind
from circle.models import (
    AgendaItem, Attendance, Circle, Contribution, Meeting, Member, Objection, Person, Proposal, ProposalVersion,
    ReadyMark, Round, RoundStatus, Seat,
)


# The statements every answer runs, built once with their values as parameters: building a statement
# anew for each answer cost more Python than running it (docs/performance/statements.md).
_SEATS = (sa.select(Seat.member_id, Seat.added_late).where(Seat.round_id == sa.bindparam("round_id"))
          .order_by(Seat.position))
_ANSWERS = sa.select(Contribution.id, Contribution.member_id).where(Contribution.round_id == sa.bindparam("round_id"))
#: Who sits in a round, in speaking order, with the id of their answer where they gave one. Every answer is
#: given from a seat (method `check_turn`) and one a seat (the unique round and member), so the seats
#: joined with the answers hold them all: one statement where the two above take two.
SEATS_ANSWERED = (
    sa.select(Seat.member_id, Seat.added_late, Contribution.id)
    .outerjoin(Contribution, sa.and_(Contribution.round_id == Seat.round_id, Contribution.member_id == Seat.member_id))
    .where(Seat.round_id == sa.bindparam("round_id")).order_by(Seat.position)
)
_OPEN_ROUND = sa.select(Round).where(Round.meeting_id == sa.bindparam("meeting_id"), Round.status == RoundStatus.OPEN)
_MEMBERSHIPS = (
    sa.select(Member.id, Person.name, Member.role, Member.joined_on, Member.left_on,
              Member.member_on(sa.bindparam("today")).label("active"), Attendance.present, Attendance.late)
    .join(Person, Person.id == Member.person_id)
    .outerjoin(Attendance, sa.and_(Attendance.member_id == Member.id,
                                   Attendance.meeting_id == sa.bindparam("meeting_id")))
    .where(Member.circle_id == sa.bindparam("circle_id")).order_by(Member.position)
)


# And those of every step's checks (`meeting_facts`, `proposal_facts`), for the same reason.
_CONSENT_COMPLETE = sa.select(sa.func.max(Round.proposal_version)).where(
    Round.proposal_id == sa.bindparam("proposal_id"),
    Round.kind == RoundKind.CONSENT,
    Round.status == RoundStatus.CLOSED,
    sa.or_(Round.ended.is_(None), Round.ended == method.RoundEnd.COMPLETE, Round.silence_as_consent.is_(True)),
)
_ROUNDS_OPEN_ON = sa.select(sa.func.count(Round.id)).where(
    Round.proposal_id == sa.bindparam("proposal_id"), Round.status == RoundStatus.OPEN)
_STANDING = sa.select(sa.func.count(Objection.id)).where(
    Objection.proposal_id == sa.bindparam("proposal_id"), Objection.status == ObjectionStatus.STANDING)
#: The three counts `proposal_facts` asks of a proposal's rounds and objections, in one statement.
_PROPOSAL_STANDS = sa.select(_CONSENT_COMPLETE.scalar_subquery(), _ROUNDS_OPEN_ON.scalar_subquery(),
                             _STANDING.scalar_subquery())
_NOMINATIONS_HELD = sa.select(sa.func.count(Round.id)).where(
    Round.proposal_id == sa.bindparam("proposal_id"), Round.kind == RoundKind.NOMINATION,
    Round.status == RoundStatus.CLOSED)
_LATEST_ROUND_ON = (sa.select(Round).where(Round.proposal_id == sa.bindparam("proposal_id"))
                    .order_by(Round.id.desc()).limit(1))
_ON_AGENDA = sa.select(sa.func.count(AgendaItem.id)).where(
    AgendaItem.proposal_id == sa.bindparam("proposal_id"), AgendaItem.outcome.is_(None))
_ROUNDS_HELD = sa.select(sa.func.count(Round.id)).where(Round.meeting_id == sa.bindparam("meeting_id"))
_PROPOSAL_ROUNDS_HELD = sa.select(sa.func.count(Round.id)).where(
    Round.meeting_id == sa.bindparam("meeting_id"), Round.proposal_id.is_not(None))
_HIDING = (sa.select(Round).where(Round.circle_id == sa.bindparam("circle_id"), Round.status == RoundStatus.OPEN,
                                  Round.reveal.is_(True))
           .options(selectinload(Round.seats), selectinload(Round.contributions)))
#: Who is marked at a meeting (`meeting_id`), present or away, and whether late: the checks and the `state` ask it.
MARKED = sa.select(Attendance.member_id, Attendance.present, Attendance.late).where(
    Attendance.meeting_id == sa.bindparam("meeting_id"))
_AGENDA = (sa.select(AgendaItem.proposal_id, AgendaItem.outcome)
           .where(AgendaItem.meeting_id == sa.bindparam("meeting_id")).order_by(AgendaItem.position, AgendaItem.id))
#: A proposal's objections (`proposal_id`) in the order raised, as objects: the pages draw them with their answers.
OBJECTIONS = sa.select(Objection).where(Objection.proposal_id == sa.bindparam("proposal_id")).order_by(Objection.id)
#: The same as rows, with what the checks ask of each.
_RAISED = OBJECTIONS.with_only_columns(Objection.id, Objection.member_id, Objection.status, Objection.tested,
                                       Objection.contribution_id)
#: The proposal a step is about, as a row with what its checks ask (`proposal_facts`), its current version's
#: nominee included: no proposal object is loaded for a step that does not change it (docs/performance/rows.md).
_ABOUT = (sa.select(Proposal.id, Proposal.circle_id, Proposal.kind, Proposal.phase, Proposal.current_version,
                    Proposal.proposer_id, ProposalVersion.nominee_id)
          .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                         ProposalVersion.number == Proposal.current_version))
          .where(Proposal.id == sa.bindparam("proposal_id")))
#: What the checks ask of the meeting's circle, where it is not loaded already.
_CIRCLE_TERMS = sa.select(Circle.quorum, Circle.takeover_minutes).where(Circle.id == sa.bindparam("circle_id"))
_READY = sa.select(ReadyMark.member_id).where(ReadyMark.meeting_id == sa.bindparam("meeting_id"),
                                              ReadyMark.check == sa.bindparam("check"))


#: A round's seats, each (member id, added late), in speaking order, and its answers, each (answer id, member id):
#: what `seats_and_answers` and `ring_of` give.
Ring = tuple[list[tuple[int, bool]], list[tuple[int, int]]]


def round_facts(rnd: Round, seats: list[tuple[int, bool]] | None = None,
                answers: list[tuple[int, int]] | None = None) -> method.RoundFacts:
    """A round as the method sees it: its order, who answered, whether it is open, who answers last.

    Its seats and answers are taken from the round where they are loaded (a page draws them), else read as
    plain rows, in one statement (`seats_and_answers`): one answer's check and its message need only who
    sits where and who answered, not a seat and an answer object for every member (docs/performance/rows.md).
    `seats` and `answers`: what `seats_and_answers(rnd)` gives, where the caller has them already."""
    if seats is None or answers is None:
        seats, answers = seats_and_answers(rnd)
    return method.RoundFacts(
        kind=rnd.kind,
        mode=rnd.mode,
        seats=tuple(member_id for member_id, _ in seats),
        answered=frozenset(member_id for _, member_id in answers),
        open=rnd.status == RoundStatus.OPEN,
        reveal=rnd.reveal,
        last=nominee_of(rnd),
    )


def seats_of(rnd: Round) -> list[tuple[int, bool]]:
    """Who sits in a round in speaking order, each with whether they were added late: from the round where
    its seats are loaded, else read as rows."""
    if "seats" not in sa.inspect(rnd).unloaded:
        return [(s.member_id, s.added_late) for s in rnd.seats]
    return [(member_id, late) for member_id, late in rows(_SEATS, {"round_id": rnd.id})]


def seats_and_answers(rnd: Round) -> Ring:
    """`seats_of` and `answers_of` together: from the round where both are loaded, else in one statement
    (`SEATS_ANSWERED`)."""
    state = sa.inspect(rnd)
    if "seats" not in state.unloaded or "contributions" not in state.unloaded:
        return seats_of(rnd), answers_of(rnd)
    return ring_of(rnd.id)


def ring_of(round_id: int) -> Ring:
    """A round's seats and answers as `seats_and_answers` gives them, read as rows in one statement."""
    ring = rows(SEATS_ANSWERED, {"round_id": round_id}).all()
    return ([(member_id, late) for member_id, late, _ in ring],
            [(answer_id, member_id) for member_id, _, answer_id in ring if answer_id is not None])


def answers_of(rnd: Round) -> list[tuple[int, int]]:
    """A round's answers, each as its id and who gave it: from the round where they are loaded, else read
    as rows."""
    if "contributions" not in sa.inspect(rnd).unloaded:
        return [(c.id, c.member_id) for c in rnd.contributions]
    return [(answer_id, member_id) for answer_id, member_id in rows(_ANSWERS, {"round_id": rnd.id})]


def nominee_of(rnd: Round) -> int | None:
    """In an election's consent round, the person it is about: they answer last (method/election.py)."""
    if rnd.kind != RoundKind.CONSENT or rnd.proposal_id is None:
        return None
    proposal = db.session.get(Proposal, rnd.proposal_id)  # mostly already in the session
    if proposal.kind != method.ProposalKind.ELECTION:
        return None
    return rows(sa.select(ProposalVersion.nominee_id).where(
        ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == rnd.proposal_version)).scalar()


def open_round(meeting: Meeting, whole: bool = True) -> Round | None:
    """The meeting's open round, with its seats and answers (`whole`) or alone; there is at most one."""
    query = _OPEN_ROUND.options(selectinload(Round.seats), selectinload(Round.contributions)) if whole else _OPEN_ROUND
    return db.session.scalar(query, {"meeting_id": meeting.id})


def proposal_facts(proposal: Proposal | sa.Row, round_open: bool) -> method.ProposalFacts:
    """A proposal as the method sees it (a few queries, whatever the size of the record).

    `round_open`: a round is open where the step is taken (the meeting's); a
    round open about the proposal anywhere, a meeting's or one between
    meetings, counts too. A consent round counts as complete when it closed
    in a meeting, or between meetings with every answer in, or with silence
    counted as consent (method `closing`). `proposal`: the object, or a row of `_ABOUT`.
    """
    complete, rounds_open, standing = rows(_PROPOSAL_STANDS, {"proposal_id": proposal.id}).one()
    round_open = round_open or bool(rounds_open)
    election = proposal.kind == method.ProposalKind.ELECTION
    waits = proposal.phase == method.back_to_meeting(election) and waits_for_meeting(proposal)
    return method.ProposalFacts(
        phase=proposal.phase,
        version=proposal.current_version,
        round_open=round_open,
        consent_complete_version=complete,
        standing_objections=standing,
        waits_for_meeting=waits,
        topic=proposal.kind == method.ProposalKind.TOPIC,
        election=election,
        nominee=(proposal.nominee_id if isinstance(proposal, sa.Row) else proposal.latest.nominee_id)
        if election else None,
        nominations_held=election and nominations_held(proposal),
    )


def earlier_nomination(rnd: Round, member_id: int) -> int | None:
    """Whom a member nominated last in the election's rounds before `rnd`: what "keep" keeps in a change round."""
    return db.session.scalar(
        sa.select(Contribution.nominee_id).join(Round, Round.id == Contribution.round_id)
        .where(Round.proposal_id == rnd.proposal_id, Round.id != rnd.id, Round.kind.in_(method.ELECTION_ROUNDS),
               Contribution.member_id == member_id, Contribution.nominee_id.is_not(None))
        .order_by(Round.id.desc()).limit(1))


def nomination(rnd: Round, member_id: int, answer: method.Answer, named: int | None) -> int | None:
    """Whom an answer nominates: the person it names; in a change round naming nobody, the member's earlier
    nomination (they keep it). None for any other answer."""
    if answer != method.Answer.NOMINATE:
        return None
    if named is None and rnd.kind == RoundKind.CHANGE_NOMINATION:
        return earlier_nomination(rnd, member_id)
    return named


def rounds_held(meeting: Meeting) -> int:
    """How many rounds the meeting has had: counted, not each read (a long meeting has many)."""
    return rows(_ROUNDS_HELD, {"meeting_id": meeting.id}).scalar()


def nominations_held(proposal: Proposal) -> bool:
    """An election whose nomination round has closed: the facilitator may propose a person."""
    return bool(rows(_NOMINATIONS_HELD, {"proposal_id": proposal.id}).scalar())


def waits_for_meeting(proposal: Proposal) -> bool:
    """Its latest round was a consent round between meetings that ended without the answers it needed,
    and it is on no agenda yet: it waits for the next meeting (method `closing`)."""
    latest = db.session.scalar(_LATEST_ROUND_ON, {"proposal_id": proposal.id})
    on_agenda = rows(_ON_AGENDA, {"proposal_id": proposal.id}).scalar()
    return (latest is not None and latest.meeting_id is None and latest.kind == RoundKind.CONSENT
            and latest.status == RoundStatus.CLOSED and latest.ended != method.RoundEnd.COMPLETE
            and not latest.silence_as_consent and not on_agenda)


def focus_id(meeting: Meeting, waiting: list[int]) -> int | None:
    """The proposal the meeting is about: the one it took up last, else the first waiting on its agenda."""
    if meeting.current_proposal_id is not None:
        return meeting.current_proposal_id
    return waiting[0] if waiting else None


def hidden_contributions(rnd: Round | None, facts: method.RoundFacts | None = None) -> set[int]:
    """The answers of a round that may not be seen yet (a simultaneous reveal still waiting); `facts`: the
    round's, where the caller has them."""
    if rnd is None or (facts or round_facts(rnd)).visible:
        return set()
    return {answer_id for answer_id, _ in answers_of(rnd)}


def hidden_now(circle_id: int) -> set[int]:
    """Every answer in the circle that may not be seen yet: those of its open simultaneous-reveal rounds still
    waiting for answers, in a meeting or between meetings (an objection raised there stays out of sight too)."""
    return hidden_contribution_ids(db.session.scalars(_HIDING, {"circle_id": circle_id}))


def hidden_contribution_ids(rounds: list[Round]) -> set[int]:
    """The answers of these rounds that nobody may see yet."""
    return set().union(*(hidden_contributions(r) for r in rounds))


#: `meeting_facts` reads the open round itself unless given it.
UNREAD = object()


def meeting_facts(meeting: Meeting, proposal_id: int | None = None, rnd: Round | None | object = UNREAD,
                  people: list[Member] | None = None, round_only: bool = False,
                  marked: dict[int, bool] | None = None,
                  ring: Ring | None = None) -> method.MeetingFacts:
    """Everything the method asks about a meeting now.

    `proposal_id` names the proposal a step is about; without it, the
    meeting's own focus (`focus_id`). `rnd`: the open round (`open_round`), when
    the caller read it already to write to it or draw it: it is not read twice
    (docs/performance/statements.md). `people`: the circle's members, where the caller
    loaded them to draw them; else they are read as rows (`memberships`), and
    with them who is marked present or away. `marked`: who is marked
    (`MARKED`, present or not), where the caller with `people` read that too;
    `ring`: the open round's seats and answers (`ring_of`), where it has them. A
    handful of queries, whatever the size of the circle's record.
    `round_only`: only the method's ROUND_FACTS, for a step in ROUND_STEPS; the
    others keep their defaults, which its rule does not read.
    """
    if people is None:
        people = memberships(meeting)
        marked = {m.id: m.present for m in people if m.present is not None}
    elif marked is None:
        marked = {row.member_id: row.present for row in rows(MARKED, {"meeting_id": meeting.id})}
    listed = frozenset(m.id for m in people if on_the_list(m, meeting, marked))
    seated = frozenset(m.id for m in people if m.id in listed and m.role in method.SEATED_ROLES)
    present = frozenset(m for m, here in marked.items() if here)
    rnd = open_round(meeting, whole=False) if rnd is UNREAD else rnd
    rf = round_facts(rnd, *(ring or (None, None))) if rnd is not None else None
    if round_only:
        return method.MeetingFacts(status=meeting.status, listed=listed, seated=seated, present=present,
                                   round=rf, now=clock.now())
    items = rows(_AGENDA, {"meeting_id": meeting.id}).all()
    waiting = [pid for pid, outcome in items if outcome is None]
    target = proposal_id if proposal_id is not None else focus_id(meeting, waiting)
    proposal = about(target) if target is not None else None
    if proposal is not None and proposal.circle_id != meeting.circle_id:
        proposal = None
    objections: tuple[method.ObjectionFacts, ...] = ()
    if proposal is not None:
        raised = rows(_RAISED, {"proposal_id": proposal.id}).all()
        # Which answers are still hidden is asked only of a proposal with objections (most have none).
        hidden = (hidden_contributions(rnd, rf) | hidden_now(meeting.circle_id)) if raised else set()
        objections = tuple(method.ObjectionFacts(o.id, o.member_id, o.status, o.tested)
                           for o in raised if o.contribution_id not in hidden)
    quorum, takeover_minutes = circle_terms(meeting)
    return method.MeetingFacts(
        status=meeting.status,
        listed=listed,
        seated=seated,
        present=present,
        quorum=method.quorum_on(people, meeting.date, quorum),
        round=rf,
        proposal_id=proposal.id if proposal is not None else target,
        proposal=proposal_facts(proposal, rnd is not None) if proposal is not None else None,
        proposer=proposal.proposer_id if proposal is not None else None,
        on_agenda=proposal is not None and proposal.id in waiting,
        objections=objections,
        waiting=tuple(waiting),
        steerers=steerer_ids(meeting, people),
        steerer_away_since=meeting.steerer_away_since,
        takeover_minutes=takeover_minutes,
        now=clock.now(),
        ready_open=meeting.ready_open,
        ready=ready_now(meeting),
        proposal_rounds_held=bool(rows(_PROPOSAL_ROUNDS_HELD, {"meeting_id": meeting.id}).scalar()),
    )


def about(proposal_id: int) -> Proposal | sa.Row | None:
    """The proposal a step is about: the object where the session holds it loaded (a page read the agenda
    with its proposals), else a row of `_ABOUT` with what the checks ask of it."""
    held = db.session.identity_map.get(identity_key(Proposal, proposal_id))
    if held is not None and "current_version" not in sa.inspect(held).unloaded:
        return held
    return rows(_ABOUT, {"proposal_id": proposal_id}).one_or_none()


def circle_terms(meeting: Meeting) -> tuple[int | None, int]:
    """The meeting's circle's quorum and takeover minutes: from the circle where the session holds it (a page
    drew its members), else as one row, not a circle object loaded for two numbers."""
    if "circle" not in sa.inspect(meeting).unloaded:
        return meeting.circle.quorum, meeting.circle.takeover_minutes
    return tuple(rows(_CIRCLE_TERMS, {"circle_id": meeting.circle_id}).one())


def on_the_list(member: Member | sa.Row, meeting: Meeting, marked: set[int] | dict[int, bool]) -> bool:
    """Whether someone belongs on a meeting's list: a member on its date, or anyone marked there."""
    return method.membership_covers(member.joined_on, member.left_on, meeting.date) or member.id in marked


def memberships(meeting: Meeting) -> list[sa.Row]:
    """The meeting's circle's memberships as rows, in the circle's order (`id`, `name`, `role`, `joined_on`,
    `left_on`, `active`, and `present` and `late`: marked present or away at the meeting, and late, None
    where unmarked): what the rules and the meeting state ask of them, in one statement, without a member
    and a person object built for each (docs/performance/rows.md). Only members of the circle are ever marked
    (circle/meetings.py, circle/guests.py)."""
    return rows(_MEMBERSHIPS, {"meeting_id": meeting.id, "circle_id": meeting.circle_id,
                               "today": clock.today()}).all()


def steerer_ids(meeting: Meeting, people: list[Member] | list[sa.Row] | None = None) -> frozenset[int]:
    """Who steers the meeting now: whom the steering went to, else the circle's facilitator
    (docs/facilitation.md)."""
    if meeting.steered_by_id is not None:
        return frozenset({meeting.steered_by_id})
    if people is None:
        people = meeting.circle.members  # read once per session: the facts, the state and the pages use them too
    today = clock.today()  # once, not once a member (`Member.active` asks the clock each time)
    return frozenset(m.id for m in people
                     if m.role == method.Role.FACILITATOR and method.membership_covers(m.joined_on, m.left_on, today))


def ready_now(meeting: Meeting) -> frozenset[int]:
    """Who said "ready" in the meeting's open ready check (nobody while none is open)."""
    if not meeting.ready_open:
        return frozenset()
    return frozenset(rows(_READY, {"meeting_id": meeting.id, "check": meeting.ready_check}).scalars())


def actor_role(member: Member) -> method.Role | None:
    """The role someone acts in now; None once they have left the circle."""
    return member.role if member.active else None


def meeting_role(member: Member, meeting: Meeting) -> method.Role | None:
    """The role someone acts in in this meeting: whoever the steering went to is its facilitator
    (method `role_in_meeting`); None once they have left the circle. Every check and offer of a
    meeting step asks this, never the circle's role alone."""
    return method.role_in_meeting(actor_role(member), member.id, meeting.steered_by_id)

