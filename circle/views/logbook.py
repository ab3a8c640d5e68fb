"""The logbook: a circle's decisions, newest first, to filter, search and page through.

Every proposal of the circle is in it, with where it stands: adopted,
postponed, withdrawn, under review (an adopted decision back on an agenda to
look back at), or in progress (a draft, or a proposal in its rounds). Filters
are plain GET parameters, so the page works without JavaScript and every view
of it is a link:

- `status`: one of STATUSES;
- `from`, `to`: a period (dates, both included) on the date each entry shows:
  when it was decided, or, for a proposal not decided yet, when it was written;
- `q`: words to find in its titles and texts (every version) and in what was
  said about it in its rounds (circle/read/search.py);
- `page`: 25 entries a page.

The page runs the same few queries however long the record is: the reader,
the circle, one page of entries with their latest version and how many there
are in all, and for a search the best hit of each entry, its snippet and the
people's names. (A page past the last one costs a count and the last page.)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from circle.read import search
from circle.extensions import db
from circle.method import Phase
from circle.models import AgendaItem, Member, Proposal, ProposalVersion
from circle.text import NoControlCharacters, has_control_characters
from circle.views.access import record_reader

bp = Blueprint("logbook", __name__)

PER_PAGE = 25
#: A page number past this is a typing error (and a larger offset would overflow the database's integers).
MAX_PAGE = 100_000
#: Where an entry stands, as the logbook shows and filters it.
STATUSES = ("adopted", "postponed", "withdrawn", "review", "in_progress")
#: Statuses whose date is the day it was decided (the others show the day they were written).
DECIDED = ("adopted", "postponed", "withdrawn", "review")
#: Dates people can type when their phone has no date picker.
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
#: Years a period can start or end in; other "dates" are typing errors.
YEARS = range(1900, 2201)


@dataclass
class Filters:
    """What the reader asked to see; what could not be read is left out, with a message."""

    status: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = ""
    page: int = 1
    problems: list[str] = field(default_factory=list)

    def args(self, **changes) -> dict:
        """The query parameters of this view, to link to another page of it."""
        args = {"status": self.status, "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None, "q": self.q or None,
                "page": self.page if self.page > 1 else None}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", 1)}

    @property
    def active(self) -> bool:
        return bool(self.status or self.start or self.end or self.q)


def _date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if day.year in YEARS:
            return day
    return None


def read_filters(args) -> Filters:
    """The filters of the URL; nothing a visitor types can make the page fail."""
    f = Filters()
    status = args.get("status", "").strip()
    if status in STATUSES:
        f.status = status
    elif status:
        f.problems.append(_("Choose a status from the list."))
    for key, attr, label in (("from", "start", _("From")), ("to", "end", _("To"))):
        value = args.get(key, "").strip()[:20]
        if value:
            day = _date(value)
            if day is None:
                f.problems.append(_("%(field)s: please give a date like 2026-11-23.", field=label))
            setattr(f, attr, day)
    if f.start and f.end and f.start > f.end:
        f.start, f.end = f.end, f.start
    q = args.get("q", "")
    if has_control_characters(q):  # NUL and the like: searched for nowhere, said why
        f.problems.append(_("Search") + ": " + str(NoControlCharacters.MULTI_LINE))
        q = ""
    f.q = " ".join(q.split())[: search.MAX_QUERY]
    try:
        f.page = min(max(1, int(args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        f.page = 1
    return f


def _utc(day: dt.date) -> dt.datetime:
    """The start of a day in the circle's time zone, as the UTC the database holds."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam"))
    start = dt.datetime.combine(day, dt.time(0), zone)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def _entries(circle_id: int) -> sa.Subquery:
    """Every proposal of the circle with its status and the date the logbook shows for it."""
    final = (Phase.ADOPTED, Phase.POSTPONED, Phase.WITHDRAWN)
    review_open = (
        sa.select(AgendaItem.id)
        .where(AgendaItem.proposal_id == Proposal.id, AgendaItem.review.is_(True),
               AgendaItem.outcome.is_(None))
        .exists()
    )
    status = sa.case(
        (Proposal.phase.in_(final), sa.type_coerce(Proposal.phase, sa.String(32))),
        (sa.or_(Proposal.phase == Phase.REVIEW, review_open), sa.literal("review")),
        else_=sa.literal("in_progress"),
    )
    inner = (
        sa.select(Proposal.id.label("id"), status.label("status"),
                  Proposal.decided_at.label("decided_at"), Proposal.created_at.label("created_at"))
        .where(Proposal.circle_id == circle_id)
        .subquery("inner_entries")
    )
    day = sa.case(
        (sa.and_(inner.c.status.in_(DECIDED), inner.c.decided_at.is_not(None)), inner.c.decided_at),
        else_=inner.c.created_at,
    )
    return sa.select(inner.c.id, inner.c.status, day.label("day")).subquery("entries")


@dataclass
class Entry:
    """One line of the logbook."""

    proposal: Proposal
    latest: ProposalVersion
    status: str
    day: dt.datetime
    #: For a search: where the words were found, marked.
    hit: search.Hit | None = None


@bp.get("/c/<int:circle_id>/logbook/")
def index(circle_id: int):
    """The circle's decisions, newest first."""
    reader = record_reader(circle_id)
    f = read_filters(request.args)
    entries = _entries(circle_id)
    conditions = []
    if f.status:
        conditions.append(entries.c.status == f.status)
    if f.start:
        conditions.append(entries.c.day >= _utc(f.start))
    if f.end:
        conditions.append(entries.c.day < _utc(f.end + dt.timedelta(days=1)))
    matching = search.matching_proposals(circle_id, f.q) if f.q else None
    if f.q and matching is None:
        f.problems.append(_("Search for words: letters and numbers."))
    if matching is not None:
        conditions.append(entries.c.id.in_(matching))

    def one_page(number: int) -> list:
        """The entries of a page, each row with the number of entries in all (one query)."""
        return db.session.execute(
            sa.select(Proposal, ProposalVersion, entries.c.status, entries.c.day,
                      sa.func.count().over().label("total"))
            .join(entries, entries.c.id == Proposal.id)
            .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                           ProposalVersion.number == Proposal.current_version))
            .where(*conditions)
            .order_by(entries.c.day.desc(), Proposal.id.desc())
            .limit(PER_PAGE).offset((number - 1) * PER_PAGE)
        ).all()

    rows = one_page(f.page)
    if rows:
        total = rows[0].total
    else:  # no entries at all, or a page past the last: count them, show the last page
        total = db.session.scalar(sa.select(sa.func.count()).select_from(entries).where(*conditions)) or 0
        last = max(1, math.ceil(total / PER_PAGE))
        if f.page > last:
            f.page = last
            rows = one_page(last) if total else []
    pages = max(1, math.ceil(total / PER_PAGE))
    shown = [Entry(p, v, status, day) for p, v, status, day, _ in rows]

    people: dict[int, Member] = {}
    if matching is not None and shown:
        hits = search.best_hits(circle_id, f.q, [e.proposal.id for e in shown])
        for e in shown:
            e.hit = hits.get(e.proposal.id)
        people = {m.id: m for m in db.session.scalars(
            sa.select(Member).where(Member.circle_id == circle_id))}

    return render_template(
        "logbook/index.html",
        reader=reader,
        circle=reader.circle,
        filters=f,
        entries=shown,
        people=people,
        total=total,
        pages=pages,
        statuses=STATUSES,
    )
