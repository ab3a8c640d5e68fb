"""Corrections: what was recorded wrongly is corrected by a new entry, never edited in place.

A correction is a row of its own (`Correction`) and a log entry, written in
one transaction; the row points at the original (a contribution, or a
meeting whose title has a typo) and at its log entry (`log_seq`); the log
entry's data points at the original too:

    {"corrects": {"contribution": 12}, "original": "...", "text": "...", "note": "..."}

The original row is not touched, so the record shows both, the correction
marked as such.

Who may correct: the secretary, and the facilitator (`Action.CORRECT` has the
same roles as recording on behalf of a member, `RECORDING_ROLES`). The issue
names the secretary; we let the facilitator correct too because (1) the
facilitator may also record contributions for members and so makes the same
typos, (2) a circle whose secretary is absent or not appointed must still be
able to fix its record, and (3) a correction cannot hide anything: the
original stays visible beside it, and the log names who corrected and why.
Members correct nothing themselves: they ask the person who keeps the record.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from circle import method
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import Action, require
from circle.models import Contribution, Correction, Meeting, Member, RoundStatus


def visible(contribution: Contribution) -> bool:
    """An answer of a simultaneous-reveal round that is still hidden cannot be corrected yet."""
    rnd = contribution.round
    if rnd.status != RoundStatus.OPEN or not rnd.reveal:
        return True
    answered = {c.member_id for c in rnd.contributions}
    return method.answers_visible(rnd.reveal, all(s.member_id in answered for s in rnd.seats))


def _check(text: str, note: str, limit: int) -> tuple[str, str]:
    """The corrected text is required and bounded; the note (why) is bounded."""
    text, note = text.strip(), note.strip()
    method.check_text(text, limit, required=True)
    method.check_text(note, method.CONTRIBUTION_MAX)
    return text, note


def _record(actor: Member, data: dict, subject: Correction) -> Done:
    """Write the log entry, then the correction row pointing at it."""
    done = log(actor.circle_id, actor, Action.CORRECT, data)
    subject.log_seq = done.entry
    db.session.add(subject)
    db.session.flush()
    return dataclasses.replace(done, subject=subject.id)


def correct_contribution(actor: Member, contribution_id: int, text: str, note: str = "") -> Done:
    """Correct what a contribution says (e.g. a typo made recording it for someone)."""
    text, note = _check(text, note, method.CONTRIBUTION_MAX)
    with unit_of_work():
        allowed(actor, Action.CORRECT)
        contribution = db.session.get(Contribution, contribution_id)
        require(contribution is not None
                and contribution.round.meeting.circle_id == actor.circle_id, "not_found")
        require(visible(contribution), "not_found")
        require(text != latest_text(contribution), "invalid")
        data = {
            "corrects": {"contribution": contribution.id},
            "round": contribution.round_id,
            "member": person(contribution.member),
            "original": contribution.text,
            "text": text,
            "note": note,
        }
        done = _record(actor, data, Correction(
            circle_id=actor.circle_id, contribution_id=contribution.id, text=text, note=note,
            recorded_by_id=actor.id, log_seq=0))
    return done


def correct_meeting_title(actor: Member, meeting_id: int, text: str, note: str = "") -> Done:
    """Correct a meeting's title as the minutes show it (e.g. a typo)."""
    text, note = _check(text, note, method.TITLE_MAX)
    with unit_of_work():
        allowed(actor, Action.CORRECT)
        meeting = db.session.get(Meeting, meeting_id)
        require(meeting is not None and meeting.circle_id == actor.circle_id, "not_found")
        require(text != latest_title(meeting), "invalid")
        data = {
            "corrects": {"meeting": meeting.id, "field": "title"},
            "original": meeting.title,
            "text": text,
            "note": note,
        }
        done = _record(actor, data, Correction(
            circle_id=actor.circle_id, meeting_id=meeting.id, text=text, note=note,
            recorded_by_id=actor.id, log_seq=0))
    return done


# --- Reading corrections (for the record pages) ---------------------------------


def _by(column, ids: Iterable[int]) -> dict[int, list[Correction]]:
    ids = sorted(set(ids))
    found: dict[int, list[Correction]] = defaultdict(list)
    if not ids:
        return found
    for c in db.session.scalars(
        sa.select(Correction).where(column.in_(ids)).order_by(Correction.log_seq)
    ):
        found[getattr(c, column.key)].append(c)
    return found


def for_contributions(ids: Iterable[int]) -> dict[int, list[Correction]]:
    """Corrections of these contributions, oldest first, by contribution id (one query)."""
    return _by(Correction.contribution_id, ids)


def for_meetings(ids: Iterable[int]) -> dict[int, list[Correction]]:
    """Corrections of these meetings' titles, oldest first, by meeting id (one query)."""
    return _by(Correction.meeting_id, ids)


def latest_text(contribution: Contribution) -> str:
    """What the contribution says after its latest correction."""
    found = for_contributions([contribution.id]).get(contribution.id)
    return found[-1].text if found else contribution.text


def latest_title(meeting: Meeting) -> str:
    """The meeting's title after its latest correction."""
    found = for_meetings([meeting.id]).get(meeting.id)
    return found[-1].text if found else meeting.title



def for_record(
    contribution_ids: Iterable[int], meeting_ids: Iterable[int]
) -> tuple[dict[int, list[Correction]], dict[int, list[Correction]]]:
    """Corrections of these contributions and of these meetings' titles, in one query."""
    contributions, meetings = sorted(set(contribution_ids)), sorted(set(meeting_ids))
    by_contribution: dict[int, list[Correction]] = defaultdict(list)
    by_meeting: dict[int, list[Correction]] = defaultdict(list)
    if not contributions and not meetings:
        return by_contribution, by_meeting
    for c in db.session.scalars(
        sa.select(Correction)
        .where(sa.or_(Correction.contribution_id.in_(contributions),
                      Correction.meeting_id.in_(meetings)))
        .order_by(Correction.log_seq)
    ):
        if c.contribution_id is not None:
            by_contribution[c.contribution_id].append(c)
        else:
            by_meeting[c.meeting_id].append(c)
    return by_contribution, by_meeting
