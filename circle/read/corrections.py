"""Corrections as the record shows them: each beside the original it corrects, oldest first.

The corrections themselves are written by circle/corrections.py; here they are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from circle.extensions import db
from circle.models import Contribution, Correction, Meeting


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
