"""Full-text search of a circle's record: proposal titles and texts (every version),
contributions, and corrections of contributions.

The index it searches, and how migrations keep it whole, is circle/read/search_index.py: on SQLite
an FTS5 table kept in step by triggers, on PostgreSQL GIN expression indexes over the tables.

What people type is never handed to the database as search syntax: it is cut
into words (letters and digits only), each searched as a quoted prefix
("contain" finds "containers"), and every word must occur in the same text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import aliased

from circle.extensions import db
from circle.read import rounds
from circle.read.search_index import CONTRIBUTION, CORRECTION, FTS_TABLE, KIND_NAMES, VERSION
from circle.text import balanced
from circle.models import (
    Contribution,
    Correction,
    Proposal,
    ProposalVersion,
    Round,
)

#: At most this many words are searched for, each at most this long; the rest of the input is ignored.
MAX_WORDS = 8
MAX_WORD = 40
#: What the search reads of the input at all.
MAX_QUERY = 200

# --- Reading what people typed -------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def words(query: str | None) -> list[str]:
    """The words of a search: letters and digits only, lower case, at most MAX_WORDS, no repeats.

    Quotes, stars, brackets, NEAR, AND, OR: nothing is read as search syntax.
    """
    found: list[str] = []
    for word in _WORD.findall((query or "")[:MAX_QUERY]):
        word = word.lower()[:MAX_WORD]
        if word not in found:
            found.append(word)
    return found[:MAX_WORDS]


def _fts_query(ws: list[str]) -> str:
    """FTS5: each word a quoted prefix, all of them required ("a"* "b"*)."""
    return " ".join(f'"{w}"*' for w in ws)


def _ts_query(ws: list[str]) -> str:
    """PostgreSQL to_tsquery: each word a quoted prefix, all of them required ('a':* & 'b':*)."""
    return " & ".join(f"'{w}':*" for w in ws)


# --- Finding -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A text of the record that matches a search."""

    #: "version", "contribution" or "correction".
    kind: str
    #: Id of the proposal version, contribution or correction.
    ref: int
    #: The proposal it is about; None for a check-in or closing round, or a meeting's title.
    proposal_id: int | None
    #: The meeting it was said in (None for a proposal version).
    meeting_id: int | None
    #: Who wrote or said it.
    member_id: int | None
    #: The version of the proposal: the one found, or the one the round was about.
    version: int | None
    #: Lower is a better match.
    rank: float
    #: A piece of the text around the words found, the words marked with <mark>.
    snippet: Markup = field(default_factory=Markup)


@dataclass(frozen=True)
class Results:
    """One page of hits, best first."""

    hits: list[Hit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _pg_query(ws: list[str]) -> sa.ColumnElement:
    return sa.func.to_tsquery(sa.literal_column("'dutch'::regconfig"), _ts_query(ws))


#: The indexed expressions as a query must spell them, for PostgreSQL to use its GIN indexes.
_PG_VECTORS = {
    VERSION: "to_tsvector('dutch'::regconfig, proposal_version.title || ' ' || proposal_version.text"
             " || ' ' || proposal_version.background)",
    CONTRIBUTION: "to_tsvector('dutch'::regconfig, contribution.text)",
    CORRECTION: "to_tsvector('dutch'::regconfig, correction.text)",
}

_FTS = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))


def _fts_match(ws: list[str]) -> sa.ColumnElement:
    return sa.literal_column(FTS_TABLE).op("MATCH")(_fts_query(ws))


def _found(circle_id: int, ws: list[str], ranked: bool = True) -> sa.Subquery:
    """Every text of the circle that matches: kind, ref, rank, proposal_id, meeting_id, member_id, version.

    SQLite: the matching rows of the FTS table (once, a CTE), joined to their
    source rows by id. PostgreSQL: the @@ condition on each table itself,
    which its GIN index answers; ranking means reading every text found, so
    `ranked=False` leaves it out (rank 0) where only the ids matter.
    """
    models = {VERSION: ProposalVersion, CONTRIBUTION: Contribution, CORRECTION: Correction}
    sources: dict[int, tuple] = {}  # kind -> (from clause, rank, condition)
    if _dialect() == "postgresql":
        query = _pg_query(ws)
        for kind, model in models.items():
            vector = sa.literal_column(_PG_VECTORS[kind])
            rank = -sa.func.ts_rank(vector, query) if ranked else sa.literal(0.0)
            sources[kind] = (model.__table__, rank, vector.op("@@")(query))
    else:
        hits = (
            sa.select(_FTS.c.rowid.label("r"),
                      sa.func.bm25(sa.literal_column(FTS_TABLE), 4.0, 1.0).label("rank"))
            .where(_fts_match(ws))
            .cte("hits")
        )
        for kind, model in models.items():
            sources[kind] = (hits.join(model.__table__, model.id == hits.c.r // 4),
                             hits.c.rank, hits.c.r % 4 == kind)

    source, rank, condition = sources[VERSION]
    versions = (
        sa.select(sa.literal(VERSION).label("kind"), ProposalVersion.id.label("ref"),
                  rank.label("rank"), ProposalVersion.proposal_id.label("proposal_id"),
                  sa.cast(sa.null(), sa.Integer).label("meeting_id"),
                  ProposalVersion.written_by_id.label("member_id"),
                  ProposalVersion.number.label("version"))
        .select_from(source)
        .join(Proposal, Proposal.id == ProposalVersion.proposal_id)
        .where(condition, Proposal.circle_id == circle_id)
    )
    source, rank, condition = sources[CONTRIBUTION]
    # Answers that may not be seen yet (a simultaneous reveal still waiting) stay hidden in search too.
    visible = rounds.shown()
    contributions = (
        sa.select(sa.literal(CONTRIBUTION), Contribution.id, rank, Round.proposal_id, Round.meeting_id,
                  Contribution.member_id, Round.proposal_version)
        .select_from(source)
        .join(Round, Round.id == Contribution.round_id)
        .where(condition, Round.circle_id == circle_id, visible)  # in a meeting or between meetings
    )
    source, rank, condition = sources[CORRECTION]
    corrected = aliased(Contribution)
    corrections = (
        sa.select(sa.literal(CORRECTION), Correction.id, rank, Round.proposal_id,
                  sa.func.coalesce(Round.meeting_id, Correction.meeting_id),
                  corrected.member_id, Round.proposal_version)
        .select_from(source)
        .outerjoin(corrected, corrected.id == Correction.contribution_id)
        .outerjoin(Round, Round.id == corrected.round_id)
        .where(condition, Correction.circle_id == circle_id)
    )
    return sa.union_all(versions, contributions, corrections).subquery("found")


def matching_proposals(circle_id: int, query: str | None) -> sa.Select | None:
    """The ids of the circle's proposals with a text that matches (to use in `Proposal.id.in_(...)`).

    None when the query holds no word to search for.
    """
    ws = words(query)
    if not ws:
        return None
    found = _found(circle_id, ws, ranked=False)
    return sa.select(found.c.proposal_id).where(found.c.proposal_id.is_not(None))


def _hit(row, snippets: dict[tuple[int, int], Markup]) -> Hit:
    return Hit(kind=KIND_NAMES[row.kind], ref=row.ref, proposal_id=row.proposal_id,
               meeting_id=row.meeting_id, member_id=row.member_id, version=row.version,
               rank=float(row.rank or 0), snippet=snippets.get((row.kind, row.ref), Markup("")))


def search(circle_id: int, query: str | None, page: int = 1, per_page: int = 25) -> Results:
    """One page of the texts of a circle's record that match, best first (three queries)."""
    ws = words(query)
    if not ws:
        return Results([], 0, 1, per_page)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(_found(circle_id, ws, ranked=False))) or 0
    found = _found(circle_id, ws)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        sa.select(found).order_by(found.c.rank, found.c.kind, found.c.ref)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    marked = snippets(ws, [(r.kind, r.ref) for r in rows])
    return Results([_hit(r, marked) for r in rows], total, page, per_page)


def best_hits(circle_id: int, query: str | None, proposal_ids: list[int]) -> dict[int, Hit]:
    """For each of these proposals, its best-matching text with a snippet (two queries).

    A text of the proposal itself wins over what was said about it when both match.
    """
    ws = words(query)
    if not ws or not proposal_ids:
        return {}
    found = _found(circle_id, ws)
    rows = db.session.execute(
        sa.select(found).where(found.c.proposal_id.in_(proposal_ids))
        .order_by(found.c.proposal_id, found.c.kind, found.c.rank, found.c.ref.desc())
    ).all()
    best: dict[int, sa.Row] = {}
    for row in rows:
        best.setdefault(row.proposal_id, row)
    marked = snippets(ws, [(r.kind, r.ref) for r in best.values()])
    return {pid: _hit(row, marked) for pid, row in best.items()}


def snippets(ws: list[str], refs: list[tuple[int, int]]) -> dict[tuple[int, int], Markup]:
    """A marked piece of text around the words, for each (kind, ref) (one query)."""
    if not ws or not refs:
        return {}
    start, stop = "\x02", "\x03"
    if _dialect() == "postgresql":
        query = _pg_query(ws)
        # One piece, as SQLite's snippet() gives: fragments (MaxFragments) cut a short text's start and end off.
        options = f"StartSel={start}, StopSel={stop}, MaxWords=24, MinWords=8"
        parts = []
        # A version's title, text and background each on their own (as SQLite's snippet picks one
        # column): a piece of one person's text, never two texts joined into one isolate.
        for kind, model, texts in (
            (VERSION, ProposalVersion, (ProposalVersion.title, ProposalVersion.text, ProposalVersion.background)),
            (CONTRIBUTION, Contribution, (Contribution.text, None, None)),
            (CORRECTION, Correction, (Correction.text, None, None)),
        ):
            ids = [ref for k, ref in refs if k == kind]
            if ids:
                dutch = sa.literal_column("'dutch'::regconfig")
                parts.append(sa.select(sa.literal(kind), model.id, *(
                    (sa.null().cast(sa.Text) if text is None else
                     sa.func.ts_headline(dutch, text, query, options)).label(f"t{i}")
                    for i, text in enumerate(texts))).where(model.id.in_(ids)))
        rows = db.session.execute(sa.union_all(*parts) if len(parts) > 1 else parts[0]).all()
        return {(kind, ref): _marked(next((t for t in texts if t and start in t), texts[0]))
                for kind, ref, *texts in rows}
    rowids = [ref * 4 + kind for kind, ref in refs]
    rows = db.session.execute(
        sa.select(_FTS.c.rowid,
                  sa.func.snippet(sa.literal_column(FTS_TABLE), -1, start, stop, "…", 16))
        .where(_fts_match(ws), _FTS.c.rowid.in_(rowids))
    ).all()
    return {(rowid % 4, rowid // 4): _marked(text) for rowid, text in rows}


def _marked(text: str | None) -> Markup:
    """Escape a snippet and turn its markers into <mark> elements (balanced, whatever the text);
    a person's isolates, which a snippet may cut in two, are balanced too (circle/text.py)."""
    out, open_ = [], False
    for part in re.split("([\x02\x03])", balanced(text or "")):
        if part == "\x02":
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == "\x03":
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(str(escape(part)))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))
