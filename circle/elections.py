"""Election actions: write an election for one of the circle's roles; propose a person, in a meeting or between.

An election is a proposal of the kind `election` (docs/roles-and-elections.md,
"Election"): version 1 names the role and the term; each later version,
written by `propose_person` (in a meeting) or `propose_person_between`, names
the person proposed and the term (`_person_version`, the one way both write
it). Everything else (the agenda, the rounds, objections, adoption, the
record) is the proposal's. Adopting it gives the role (circle/proposals.py,
`give_elected_role`, through circle/roles.py `give_role`), in a meeting or
when its consent round between meetings completes. The rules are the method's
(circle/method/election.py).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import format_date, gettext

from dataclasses import replace

from circle import between, clock, method, roles
from circle.actions import Done, allowed, check_step, lock_meeting, log, person, unit_of_work
from circle.extensions import db
from circle.meetings import member_of_circle
from circle.method import Action, Phase, ProposalKind, require
from circle.models import CircleRole, Member, Proposal, ProposalVersion, RoleTerm
from circle.proposals import Wording, _new_version, _proposal
from circle.words import role_word


def role_name(role: CircleRole, in_sentence: bool = False) -> str:
    """The role's name in the reader's language (circle/words.py)."""
    return role_word(role.kind, role.name, in_sentence)


def _long(day: dt.date) -> str:
    return format_date(day, "long")


def default_term(role: CircleRole, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The term an election proposes unless told otherwise: from the day after the running term ends
    (today when none runs, or it has run out), for the role's usual number of months."""
    today = today or clock.today()
    ends = db.session.scalar(sa.select(sa.func.max(RoleTerm.held_until)).where(
        RoleTerm.role_id == role.id, RoleTerm.ended_on.is_(None)))
    start = max(today, ends + dt.timedelta(days=1)) if ends is not None else today
    return start, method.months_later(start, role.term_months) - dt.timedelta(days=1)


def running_election(role_id: int) -> Proposal | None:
    """An election for the role that is neither decided nor withdrawn."""
    return db.session.scalar(sa.select(Proposal).where(
        Proposal.role_id == role_id, Proposal.kind == ProposalKind.ELECTION,
        Proposal.phase.not_in(method.FINAL_PHASES)).limit(1))


def write_election(actor: Member, role_id: int, term_from: dt.date, term_until: dt.date, note: str = "") -> Done:
    """Write an election for one of the roles the actor's circle chooses, as a draft to put on an agenda.

    Version 1 names the role and the term (from `term_from` up to and including
    `term_until`); `note` says why now, if anything. Refused when the circle does
    not choose the role (`not_a_role_here`), for a term the method does not
    allow, and while another election for the role is under way (`election_running`).
    `Done.subject` is the new proposal.
    """
    with unit_of_work():
        allowed(actor, Action.WRITE_ELECTION)
        role = db.session.get(CircleRole, role_id)
        require(role is not None and actor.circle_id in (role.circle_id, role.chosen_by_id), "not_found")
        require(role.chosen_by_id == actor.circle_id, "not_a_role_here")
        method.check_term(term_from, term_until)
        method.check_text(note, method.CONTRIBUTION_MAX)
        require(running_election(role.id) is None, "election_running")
        proposal = Proposal(circle_id=actor.circle_id, proposer_id=actor.id, kind=ProposalKind.ELECTION,
                            role_id=role.id)
        db.session.add(proposal)
        wording = Wording(
            title=gettext("Election: %(role)s", role=role_name(role, in_sentence=True)),
            text=gettext("Who holds the role of %(role)s from %(from)s until %(until)s?",
                         role=role_name(role, in_sentence=True), **{"from": _long(term_from),
                                                                     "until": _long(term_until)}),
            background=note.strip())
        _new_version(proposal, wording, actor, "", term_from=term_from, term_until=term_until)
        db.session.flush()
        done = log(actor.circle_id, actor, Action.WRITE_ELECTION, {
            "proposal": proposal.id, "version": 1, "role": roles.role_data(role),
            "term_from": term_from.isoformat(), "term_until": term_until.isoformat(), **wording.as_log(),
        }, subject=proposal.id)
    return done


def role_to_elect(actor: Member, key: str) -> CircleRole:
    """The role a form names by its key (circle/roles.py, `role_for_key`), one this circle chooses; a method
    role's row is made where it is missing, as the roles' own pages do."""
    with unit_of_work():
        allowed(actor, Action.WRITE_ELECTION)
        role = roles.role_for_key(actor.circle_id, key)
    return role


def propose_person(actor: Member, meeting_id: int, proposal_id: int, nominee_id: int,
                   term_from: dt.date | None = None, term_until: dt.date | None = None, note: str = "",
                   based_on: int | None = None) -> Done:
    """The facilitator proposes a person for the role and a term: version n+1 of the election.

    The term stays the previous version's unless given: a shorter term, or
    another person, is how an objection is integrated. Never while a round is
    open, and only after a nomination round (method/election.py).
    """
    with unit_of_work():
        meeting = lock_meeting(actor, meeting_id, based_on)
        proposal = _proposal(actor, proposal_id)
        nominee = member_of_circle(meeting.circle_id, nominee_id)
        check_step(actor, meeting, Action.PROPOSE_PERSON, proposal.id, proposal_id=proposal.id,
                   nominee=nominee.id)
        version, data = _person_version(actor, proposal, nominee, term_from, term_until, note)
        meeting.current_proposal_id = proposal.id
        done = log(meeting.circle_id, actor, Action.PROPOSE_PERSON, data, meeting, subject=version.id)
    return done


def propose_person_between(actor: Member, proposal_id: int, nominee_id: int, term_from: dt.date | None = None,
                           term_until: dt.date | None = None, note: str = "", based_on: int | None = None) -> Done:
    """The same between meetings (docs/between-meetings.md, "Elections"): after the nomination round, or to
    integrate objections; a consent round between meetings or in a meeting follows.

    The facilitator proposes, or the proposer where the circle lets proposers
    steer, never themselves (`propose_self`). With `based_on`, only when the
    election is still at that version.
    """
    with unit_of_work():
        proposal = between._lock_proposal(actor.circle_id, proposal_id)
        require(based_on is None or based_on == proposal.current_version, "stale")
        nominee = member_of_circle(actor.circle_id, nominee_id)
        between.check_step(actor, proposal, Action.PROPOSE_PERSON_BETWEEN, proposal.id, nominee=nominee.id)
        version, data = _person_version(actor, proposal, nominee, term_from, term_until, note)
        done = log(actor.circle_id, actor, Action.PROPOSE_PERSON_BETWEEN, data, subject=version.id)
    return replace(done, proposal_id=proposal.id)


def _person_version(actor: Member, proposal: Proposal, nominee: Member, term_from: dt.date | None,
                    term_until: dt.date | None, note: str) -> tuple[ProposalVersion, dict]:
    """Write the version naming the person and the term (the previous version's unless given); the election
    is then being amended, waiting for its consent round. The version, and what the log entry says of it."""
    previous = proposal.latest
    term_from, term_until = term_from or previous.term_from, term_until or previous.term_until
    method.check_term(term_from, term_until)
    role = proposal.role
    wording = Wording(
        title=previous.title,
        text=gettext("%(name)s is proposed as %(role)s from %(from)s until %(until)s.", name=nominee.name,
                     role=role_name(role, in_sentence=True), **{"from": _long(term_from),
                                                                 "until": _long(term_until)}),
        background=previous.background)
    version = _new_version(proposal, wording, actor, note, nominee_id=nominee.id, term_from=term_from,
                           term_until=term_until)
    proposal.phase = Phase.AMENDING
    db.session.flush()
    return version, {
        "proposal": proposal.id, "version": version.number, "role": roles.role_data(role),
        "nominee": person(nominee), "term_from": term_from.isoformat(), "term_until": term_until.isoformat(),
        "note": version.note, "title": wording.title, "text": wording.text,
    }
