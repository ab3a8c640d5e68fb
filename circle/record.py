"""The circle's log: append-only, hash-chained, verifiable by anyone.

Every action writes one entry in the same transaction as its rows. An entry's
hash is SHA-256 over its canonical form, which holds the previous entry's
hash, so changing, removing, inserting or reordering any entry breaks the
chain from there on. The canonical form is documented in docs/record-format.md:

    {"action":..,"actor":..,"at":..,"circle":..,"data":{..},"prev":..,"seq":..}

JSON with keys sorted, no spaces, UTF-8 (not ASCII-escaped), hashed as bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from circle.extensions import db, rows
from circle.method import N_
from circle.models import Circle, LogEntry, Member, utcnow


def canonical(value: Any) -> str:
    """The one JSON spelling of a value that the record hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *, seq: int, circle: int, at: str, actor: int | None, action: str, data: Any, prev: str
) -> str:
    """SHA-256 (hex) over an entry's canonical form."""
    form = canonical(
        {"seq": seq, "circle": circle, "at": at, "actor": actor, "action": action,
         "data": data, "prev": prev}
    )
    return hashlib.sha256(form.encode("utf-8")).hexdigest()


# Built once, with their values as parameters: every action runs them. The chain's head is read as a row
# and the entry and the new head written as plain statements, not as objects the session flushes: the
# unit of work's bookkeeping for them cost an answer more than the statements themselves
# (docs/performance/statements.md, "Building less for each event").
_HEAD_LOCKED = (sa.select(Circle.log_length, Circle.log_head).where(Circle.id == sa.bindparam("circle"))
                .with_for_update())
_NEW_HEAD = (sa.update(Circle.__table__).where(Circle.__table__.c.id == sa.bindparam("circle"))
             .values(log_length=sa.bindparam("seq"), log_head=sa.bindparam("head")))
_NEW_ENTRY = sa.insert(LogEntry.__table__)


@dataclass(frozen=True)
class Appended:
    """An entry just added to a circle's log: its place in the chain and its hash."""

    seq: int
    hash: str


def append(circle_id: int, actor: Member | None, action: str, data: dict[str, Any]) -> Appended:
    """Add the next entry to a circle's log, inside the caller's transaction.

    The circle row is locked so two writers can never fork the chain. A circle object the session holds
    forgets its head, so it reads the new one when asked.
    """
    length, head = rows(_HEAD_LOCKED, {"circle": circle_id}).one()
    seq = length + 1
    prev = head or ""
    at = utcnow().isoformat() + "Z"
    actor_id = actor.id if actor is not None else None
    digest = entry_hash(seq=seq, circle=circle_id, at=at, actor=actor_id, action=action, data=data, prev=prev)
    rows(_NEW_ENTRY, {"circle_id": circle_id, "seq": seq, "at": at, "actor_id": actor_id, "action": action,
                      "data": canonical(data), "prev_hash": prev, "hash": digest})
    rows(_NEW_HEAD, {"circle": circle_id, "seq": seq, "head": digest})
    held = db.session.identity_map.get(identity_key(Circle, circle_id))
    if held is not None:
        db.session.expire(held, ["log_length", "log_head"])
    return Appended(seq, digest)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one circle's chain."""

    circle_id: int
    entries: int
    head: str | None
    #: The sequence number of the first entry that does not hold, None when intact.
    bad_seq: int | None = None
    #: Why it does not hold: an English message (translated where shown) and its values.
    reason: str = ""
    values: tuple[tuple[str, int], ...] = ()

    @property
    def intact(self) -> bool:
        """The whole chain holds."""
        return self.bad_seq is None

    @property
    def problem(self) -> str:
        """Why it does not hold, in English (for the command line)."""
        return self.reason % dict(self.values)


#: Why an entry does not hold; N_ marks them for translation where a page shows them.
MISSING = N_("entry %(seq)s is missing or out of place")
INVALID = N_("entry %(seq)s does not hold valid data")
CHANGED = N_("entry %(seq)s was changed")
UNLINKED = N_("entry %(seq)s does not follow entry %(previous)s")
CUT = N_("the log ends at entry %(count)s but the circle recorded %(recorded)s entries")


def _broken(circle_id: int, read: int, prev: str, seq: int, reason: str, **values: int) -> Verdict:
    """The verdict on a chain that breaks at entry `seq`, after `read` entries."""
    return Verdict(circle_id, read, prev or None, seq, reason, tuple(sorted({"seq": seq, **values}.items())))


def verify(circle_id: int, session: sa.orm.Session | None = None) -> Verdict:
    """Recompute a circle's chain from the first entry; name the first that does not hold.

    `session`: another database than the app's, such as a backup (circle/backup.py).
    """
    session = session if session is not None else db.session
    circle = session.get(Circle, circle_id)
    rows = session.execute(
        sa.select(
            LogEntry.seq, LogEntry.at, LogEntry.actor_id, LogEntry.action,
            LogEntry.data, LogEntry.prev_hash, LogEntry.hash,
        )
        .where(LogEntry.circle_id == circle_id)
        .order_by(LogEntry.seq)
        .execution_options(yield_per=1000)
    )
    prev, count = "", 0
    for seq, at, actor, action, data_text, prev_hash, stored_hash in rows:
        count += 1
        if seq != count:
            missing = count if seq > count else seq
            return _broken(circle_id, count, prev, missing, MISSING)
        try:
            data = json.loads(data_text)
        except ValueError:
            return _broken(circle_id, count, prev, seq, INVALID)
        if canonical(data) != data_text:
            return _broken(circle_id, count, prev, seq, CHANGED)
        if prev_hash != prev:
            return _broken(circle_id, count, prev, seq, UNLINKED, previous=seq - 1)
        expected = entry_hash(
            seq=seq, circle=circle_id, at=at, actor=actor, action=action, data=data, prev=prev
        )
        if stored_hash != expected:
            return _broken(circle_id, count, prev, seq, CHANGED)
        prev = stored_hash
    if count != circle.log_length or (prev or None) != circle.log_head:
        bad = min(count, circle.log_length) + 1
        return _broken(circle_id, count, prev, bad, CUT, count=count, recorded=circle.log_length)
    return Verdict(circle_id, count, prev or None)


def verify_all(session: sa.orm.Session | None = None) -> list[Verdict]:
    """Verify every circle's chain, in the order of their ids."""
    session = session if session is not None else db.session
    return [verify(cid, session) for cid in session.scalars(sa.select(Circle.id).order_by(Circle.id))]
