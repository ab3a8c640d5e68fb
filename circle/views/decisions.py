"""The record's pages: a decision's whole trace, the chain check, and the log to download.

The decision page is the record a resident reads back (and prints as
minutes): the final text, a timeline of every step with a permalink each,
every version with a word-level comparison of any two, every round with every
answer and its corrections, every objection and how it ended, who was there,
and a mark saying whether the circle's hash chain holds. Readable without
JavaScript; a fixed number of queries however long the history (trace.py).

Members read their own circle's record; when the circle made it public,
anyone may, with names as the circle chose (access.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from circle.read import rounds, verification
from circle.extensions import db
from circle.i18n import local_path
from circle.method import Action, MeetingStatus, NameDisplay, Phase, may
from circle.models import LogEntry
from circle.record import canonical
from circle.read import trace as traces
from circle.read.elections import election_view
from circle.views.access import Reader, record_reader
from circle.views.tasks import task_context

bp = Blueprint("decisions", __name__)

#: Version numbers in the query string, like ids in URLs, stay within what the database holds.
VERSION_MAX = 2**31 - 1
#: Anonymous readers of a public record get the last full check if it is younger than this.
PUBLIC_CHECK_SECONDS = 10
#: Log entries read and sent at a time by the download.
BATCH = 500


def _version_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= VERSION_MAX else None


@bp.get("/c/<int:circle_id>/decisions/<int:proposal_id>/")
def decision(circle_id: int, proposal_id: int):
    """The whole trace of one proposal, adopted or not."""
    reader = record_reader(circle_id)
    trace = traces.load(circle_id, proposal_id)
    if trace is None:
        abort(404)
    versions = trace.proposal.versions
    a, b = traces.choose(versions, _version_arg("a"), _version_arg("b"))
    proposal = trace.proposal
    return render_template(
        "decisions/show.html",
        reader=reader,
        me=reader.member,
        t=trace,
        proposal=proposal,
        latest=proposal.latest,
        proposer=trace.people[proposal.proposer_id],
        compare_a=a,
        compare_b=b,
        diff=traces.compare(versions, a, b),
        check=verification.status(reader.circle),
        may_correct=reader.member is not None and may(reader.member.role, Action.CORRECT),
        final=proposal.phase in (Phase.ADOPTED, Phase.POSTPONED, Phase.WITHDRAWN),
        election=election_view(proposal),
        meeting_planned=MeetingStatus.PLANNED,
        **task_context(reader, proposal),
    )


@bp.post("/c/<int:circle_id>/record/check")
def check(circle_id: int):
    """Check the circle's whole chain now, from entry 1 to the head, and show the result.

    A full check (see verification.py), for anyone who may read the record;
    for anonymous readers at most one per PUBLIC_CHECK_SECONDS, else they get
    the last one, with its time. The result is shown on this page, not after a redirect, so it is
    the result of this check even with several server processes.
    """
    reader = record_reader(circle_id)
    status = verification.check_now(circle_id, PUBLIC_CHECK_SECONDS if reader.public else 0)
    back = local_path(request.form.get("next")) or None
    return render_template("decisions/check.html", reader=reader, circle=reader.circle,
                           check=status, back=back)


def _may_download(reader: Reader) -> bool:
    """The log holds members' full names: the public may have it only where the circle shows them."""
    return not reader.public or reader.circle.public_names == NameDisplay.FULL


@bp.get("/c/<int:circle_id>/log.jsonl")
def log_jsonl(circle_id: int):
    """The circle's log as JSON Lines: one entry per line, in canonical form (docs/record-format.md).

    Streamed in batches, so memory stays bounded however long the log. While a
    simultaneous reveal still hides its answers, the log ends just before that
    round started: the answers are in the entries after it, and a chain checks
    just as well up to any entry.
    """
    reader = record_reader(circle_id)
    if not _may_download(reader):
        return render_template(
            "error.html", code=403, title=_("Only for members"),
            message=_("This circle shows shortened names in its public record. The log holds "
                      "full names, so only members can download it."),
        ), 403

    app = current_app._get_current_object()
    until = rounds.log_hidden_from(circle_id)

    def lines() -> Iterator[str]:
        # Its own app context (and so its own session), opened and closed while the body is sent:
        # the request's context may be gone by then, and must not be torn down by this generator.
        with app.app_context():
            rows = db.session.execute(
                sa.select(LogEntry.seq, LogEntry.at, LogEntry.actor_id, LogEntry.action,
                          LogEntry.data, LogEntry.prev_hash, LogEntry.hash)
                .where(LogEntry.circle_id == circle_id, LogEntry.seq < until)
                .order_by(LogEntry.seq)
                .execution_options(yield_per=BATCH)
            )
            batch: list[str] = []
            for seq, at, actor, action, data_text, prev, stored in rows:
                try:
                    data = json.loads(data_text)
                except ValueError:
                    data = data_text  # sent as stored; the checker will say this line does not hold
                batch.append(canonical({"seq": seq, "circle": circle_id, "at": at, "actor": actor,
                                        "action": action, "data": data, "prev": prev,
                                        "hash": stored}) + "\n")
                if len(batch) >= BATCH:
                    yield "".join(batch)
                    batch = []
            if batch:
                yield "".join(batch)

    response = Response(lines(), content_type="application/x-ndjson; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="kring-circle-{circle_id}-log.jsonl"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
