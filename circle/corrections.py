"""Corrections: what was recorded wrongly is corrected by a new entry, never edited in place.

A correction is a row of its own (`Correction`) and a log entry, written in
one transaction; the row points at the original (a contribution, or a
meeting whose title has a typo) and at its log entry (`log_seq`); the log
entry's data points at the original too:

    {"corrects": {"contribution": 12}, "original": "...", "text": "...", "note": "..."}

The original row is not touched, so the record shows both, the correction
marked as such.

Who may correct: the secretary, who keeps the record, and the facilitator
(`Action.CORRECT` has the same roles as recording on behalf of a member,
`RECORDING_ROLES`). The facilitator may correct too because (1) the
facilitator may also record contributions for members and so makes the same
typos, (2) a circle whose secretary is absent or not appointed must still be
able to fix its record, and (3) a correction cannot hide anything: the
original stays visible beside it, and the log names who corrected and why.
Members correct nothing themselves: they ask the person who keeps the record.
"""

from __future__ import annotations

import dataclasses

from circle import method
from circle.actions import Done, allowed, log, person, unit_of_work
from circle.extensions import db
from circle.method import Action, require
from circle.models import Contribution, Correction, Meeting, Member
from circle.read.corrections import latest_text, latest_title
from circle.read.rounds import round_view


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
                and contribution.round.circle_id == actor.circle_id, "not_found")
        require(round_view(contribution.round).visible, "not_found")  # hidden answers: not yet
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
