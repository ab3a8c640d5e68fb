"""What a meeting's minutes hold, as plain data: the rounds, answers, objections and decisions.

`circle/read/minutes.py` gathers them from the record; the minutes page, the
print view and the exports (circle/read/exports.py) only show them, so they
cannot disagree. Moments are in UTC; names are as the reader may see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from circle.models import Member

Name = Callable[[Member | None], str]
#: What an agenda item still being discussed is called in the record.
OPEN = "open"


@dataclass
class CorrectionEntry:
    """A correction: the text as it should have read; the original stays beside it."""

    text: str
    note: str
    by: str
    at: dt.datetime


@dataclass
class ContributionEntry:
    """One answer in a round, in the order it came in."""

    position: int
    who: str
    answer: str
    text: str
    at: dt.datetime
    #: Who typed it in for the member (the secretary, say); None when they gave it themselves.
    recorded_by: str | None
    corrections: list[CorrectionEntry] = field(default_factory=list)
    #: In an election's nomination rounds: whom the member nominated.
    nominee: str | None = None


@dataclass
class RoundEntry:
    """A round: who sat in it, in speaking order, and what each said."""

    number: int
    kind: str
    mode: str
    reveal: bool
    status: str
    #: The version of the proposal it was about (None for the opening and closing rounds).
    version: int | None
    started_by: str
    started_at: dt.datetime
    closed_at: dt.datetime | None
    seats: list[str]
    #: A simultaneous-reveal round still waiting for answers: they are not shown yet.
    hidden: bool
    contributions: list[ContributionEntry]
    #: Seated, but did not answer (a round closed early, or abandoned).
    unanswered: list[str]
    #: Between meetings: its deadline (UTC), how it ended, whether silence was counted as consent.
    deadline: dt.datetime | None = None
    ended: str | None = None
    silence_as_consent: bool = False


@dataclass
class ObjectionEntry:
    """An objection, its reason, and how it ended."""

    who: str
    version: int
    #: The round of this meeting that raised it; None when it was raised in an earlier meeting.
    round: int | None
    reason: str
    workable: str
    tested: bool
    status: str
    met_by_version: int | None
    ended_at: dt.datetime | None
    #: Withdrawn for its maker by someone else (the secretary): who recorded it.
    withdrawal_recorded_by: str | None = None


@dataclass
class Concern:
    """A remark given with consent: kept with the decision, shown again at its review."""

    who: str
    text: str


@dataclass
class ItemEntry:
    """An agenda item: the proposal, its rounds here, and what became of it."""

    position: int
    proposal_id: int
    title: str
    proposer: str
    #: The item reviews an adopted decision rather than deciding a new one.
    review: bool
    #: The version discussed here; when adopted, the version adopted.
    version: int
    text: str
    #: adopted, postponed, withdrawn, or open (not decided in this meeting yet).
    outcome: str
    #: When it was decided in this meeting (UTC); None while open.
    decided_at: dt.datetime | None
    review_date: dt.date | None
    success_criteria: str
    carried_out_by: str
    rounds: list[RoundEntry]
    objections: list[ObjectionEntry]
    #: Remarks given with consent in the last complete consent round here.
    concerns: list[Concern]
    #: Adopted here: the decision's tasks as they stand (read/followup.py).
    tasks: list = field(default_factory=list)
    #: An election: its role, and the person and term of the version discussed here (docs/roles-and-elections.md).
    election: ElectionEntry | None = None


@dataclass
class ElectionEntry:
    """What an election names: the role, and at the version in question the person proposed and the term."""

    role: str
    #: The circle's own name for its own role; empty for the method's, named by `role`.
    role_name: str
    nominee: str | None
    term_from: dt.date | None
    term_until: dt.date | None


@dataclass
class Minutes:
    """A meeting's minutes: attendance, the opening, every agenda item, the closing."""

    circle: dict
    #: id, title (as corrected), recorded_title (as first written), date, status.
    meeting: dict
    #: Present (late arrivals too), late, absent (expected on the meeting's date, not present),
    #: guests; and former: who of them has left the circle since (docs/membership.md).
    attendance: dict
    opening: list[RoundEntry]
    items: list[ItemEntry]
    closing: list[RoundEntry]
    #: Corrections of the meeting's title, oldest first; `meeting["title"]` is the latest.
    title_corrections: list[CorrectionEntry]
    #: What was decided or asked between meetings since the meeting before: the proposals whose rounds
    #: between meetings closed in that time, each as an item (circle/read/between.py, `reported_in`).
    between: list[ItemEntry] = field(default_factory=list)


@dataclass
class DecisionRow:
    """One decision as the CSV exports list it: an agenda item and what became of it, or (no meeting)
    a proposal adopted between meetings."""

    meeting_id: int | None
    meeting: str
    date: dt.date
    proposal_id: int
    title: str
    review: bool
    outcome: str
    version: int
    decided_at: dt.datetime | None
    review_date: dt.date | None
    success_criteria: str
    carried_out_by: str
    objections: int
    concerns: int
