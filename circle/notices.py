"""Notices that reach people: made with the action that caused them, mailed at once, in a digest, or not.

Making. An action others should hear of calls `notify(kind, subject, people,
circle_id=...)` inside its unit of work (circle/actions.py), so its notices
are committed with it: a notice exists exactly when what it tells of
happened, and a process that stops right after the commit leaves it owed,
for tick to send. Each notice has a key (kind, subject, occasion, person),
unique in the database, and is inserted "or nothing": a second tick, or two
processes at once, add nothing. How it goes out is fixed when it is made:
the person's choice for that kind then (`preferences`), and none for a
person without an e-mail address.

Sending. When a transaction that made notices to send at once commits, a
background task sends them (`send_owed`), so neither the page nor the socket
event that acted waits for the mail server; tick runs the same function,
which sends again what failed. A digest gathers a person's waiting notices
once a day, at `NOTICE_DIGEST_HOUR` (`send_digests`). Before anything is
sent its row is claimed by a conditional update, committed before the mail
server is spoken to, so no two processes send the same mail; `sent_at` is
set once the server took it. A process that dies between the two leaves a
claim that a later tick takes over after `CLAIM_FOR`: the only way a mail
can go twice, and then with the same Message-ID, which mail programs treat
as one message. Why and how: docs/notices.md.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from circle import clock, mail
from circle.extensions import db, socketio
from circle.models import Circle, Delivery, Member, Notice, NoticeDigest, NoticeKind, NoticePreference, Person

#: The kinds a person chooses for; a reminder about a round goes the way its round's notice does.
CHOSEN = (NoticeKind.MEETING_PLANNED, NoticeKind.ROUND_OPEN, NoticeKind.DECISION_MADE,
          NoticeKind.REVIEW_DUE, NoticeKind.TASK_OVERDUE)
#: Kinds that follow another kind's choice.
FOLLOWS = {NoticeKind.ROUND_REMINDER: NoticeKind.ROUND_OPEN}
#: Until a person chooses: at once what asks something of them or a date in their calendar, the
#: rest gathered once a day.
DEFAULTS = {
    NoticeKind.MEETING_PLANNED: Delivery.EACH,
    NoticeKind.ROUND_OPEN: Delivery.EACH,
    NoticeKind.DECISION_MADE: Delivery.DIGEST,
    NoticeKind.REVIEW_DUE: Delivery.DIGEST,
    NoticeKind.TASK_OVERDUE: Delivery.EACH,
}
#: A claim older than this was lost with the process that made it: the mail is tried again.
CLAIM_FOR = dt.timedelta(minutes=30)
#: A notice not delivered within this long is not sent any more: the meeting may be over by then,
#: and mail switched on later does not pour out a backlog.
FRESH_FOR = dt.timedelta(days=3)
#: After this many failed tries a mail is left (the server refuses it, say).
MAX_ATTEMPTS = 12
#: The hour (where the circles live) from which tick sends the day's digests, unless set.
DIGEST_HOUR = 8


# --- Preferences ------------------------------------------------------------------------------


def preferences(person: Person) -> dict[NoticeKind, Delivery]:
    """How the person wants each kind they choose for: their choice, else the default."""
    chosen = dict(db.session.execute(
        sa.select(NoticePreference.kind, NoticePreference.delivery)
        .where(NoticePreference.person_id == person.id)).all())
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in CHOSEN}


def set_preferences(person: Person, choices: dict[NoticeKind, Delivery]) -> None:
    """Store the person's choices (kinds left out keep theirs) and commit."""
    rows = {p.kind: p for p in db.session.scalars(
        sa.select(NoticePreference).where(NoticePreference.person_id == person.id))}
    for kind, delivery in choices.items():
        if kind not in CHOSEN:
            raise ValueError(kind)
        if kind in rows:
            rows[kind].delivery = delivery
        else:
            db.session.add(NoticePreference(person_id=person.id, kind=kind, delivery=delivery))
    db.session.commit()


# --- Making notices ---------------------------------------------------------------------------


def notify(kind: NoticeKind, subject: int, people: Iterable[Person | Member], *, circle_id: int,
           occasion: str = "") -> int:
    """Owe each of `people` (persons or memberships) a notice of `kind` about `subject`, once.

    Called inside the action's transaction. `occasion` tells apart notices about the same thing
    that may rightly come again (a review date moved on). Returns how many were new.
    """
    persons = {p.id: p for p in ((x.person if isinstance(x, Member) else x) for x in people)}
    if not persons:
        return 0
    choices = {row.person_id: row.delivery for row in db.session.scalars(
        sa.select(NoticePreference).where(NoticePreference.person_id.in_(persons),
                                          NoticePreference.kind == FOLLOWS.get(kind, kind)))}
    rows = []
    for pid, person in sorted(persons.items()):
        delivery = choices.get(pid, DEFAULTS[FOLLOWS.get(kind, kind)]) if person.email else Delivery.NONE
        rows.append({"person_id": pid, "circle_id": circle_id, "kind": kind, "subject": subject,
                     "key": f"{kind.value}:{subject}:{occasion}:{pid}", "delivery": delivery,
                     "made_at": clock.now()})
    made = _insert_new(rows)
    if made and any(r["delivery"] == Delivery.EACH for r in rows) and mail.enabled():
        db.session.info["notices_to_send"] = True
    return made


def _insert_new(rows: list[dict[str, Any]]) -> int:
    """Insert the notices whose key is not there yet; the others are left as they are."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    result = db.session.execute(dialect.insert(Notice).values(rows).on_conflict_do_nothing(
        index_elements=["key"]))
    return max(result.rowcount, 0)


# --- Sending at once, after the commit ---------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """A transaction that made notices to send at once is committed: send them, in the background."""
    global _busy
    if session.info.pop("notices_to_send", False):
        app = current_app._get_current_object()
        with _busy_lock:
            _busy += 1
        socketio.start_background_task(_send_in_background, app)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    """Notices rolled back with their action are owed to nobody."""
    session.info.pop("notices_to_send", None)


#: Background sends under way in this process, so a test (or anyone) can wait for them (`settle`).
_busy = 0
_busy_lock = threading.Condition()


def _send_in_background(app: Flask) -> None:
    """Send what is owed at once, in its own app context; a failure is left for tick."""
    global _busy
    try:
        with app.app_context():
            try:
                send_owed()
            except Exception:  # tick sends it later; the action that made it is done
                app.logger.exception("notices not sent at once; tick tries again")
            finally:
                db.session.remove()
    finally:
        with _busy_lock:
            _busy -= 1
            _busy_lock.notify_all()


def settle(timeout: float = 10) -> bool:
    """Wait until no notice is being sent in the background; False when `timeout` passed first."""
    with _busy_lock:
        return _busy_lock.wait_for(lambda: _busy == 0, timeout)


# --- Claims ------------------------------------------------------------------------------------


def _claim(model: type[Notice] | type[NoticeDigest], row_id: int) -> bool:
    """Take a row to send it, unless it is sent, or another process holds a fresh claim; commit."""
    now = clock.now()
    result = db.session.execute(
        sa.update(model).where(model.id == row_id, model.sent_at.is_(None),
                               sa.or_(model.claimed_at.is_(None), model.claimed_at < now - CLAIM_FOR))
        .values(claimed_at=now, attempts=model.attempts + 1))
    db.session.commit()
    return result.rowcount == 1


def _release(model: type[Notice] | type[NoticeDigest], row_id: int, sent: bool) -> None:
    """Mark a claimed row sent, or give it back for the next try; commit."""
    values = {"sent_at": clock.now()} if sent else {"claimed_at": None}
    db.session.execute(sa.update(model).where(model.id == row_id).values(**values))
    if sent and model is NoticeDigest:
        db.session.execute(sa.update(Notice).where(Notice.digest_id == row_id).values(sent_at=clock.now()))
    db.session.commit()


def _drop(notice_ids: Iterable[int]) -> None:
    """Notices with nothing left to tell: never sent."""
    ids = list(notice_ids)
    if ids:
        db.session.execute(sa.update(Notice).where(Notice.id.in_(ids)).values(dropped_at=clock.now()))
    db.session.commit()


def _waiting(model: type[Notice] | type[NoticeDigest]) -> list[sa.ColumnElement[bool]]:
    """Conditions of a row still to send: not sent, fresh, tried fewer than MAX_ATTEMPTS times."""
    return [model.sent_at.is_(None), model.made_at >= clock.now() - FRESH_FOR,
            model.attempts < MAX_ATTEMPTS]


def _send(msg) -> bool:
    try:
        mail.send(msg)
    except mail.MailFailed:
        return False  # logged by mail.send; the next tick tries again
    return True


# --- Delivering --------------------------------------------------------------------------------


def send_owed() -> int:
    """Send every notice owed at once that is not sent yet (tick, and after each action); how many went."""
    if not mail.enabled():
        return 0
    from circle import letters

    ids = db.session.scalars(
        sa.select(Notice.id).where(Notice.delivery == Delivery.EACH, Notice.dropped_at.is_(None),
                                   *_waiting(Notice)).order_by(Notice.id)).all()
    db.session.commit()
    sent = 0
    for notice_id in ids:
        if not _claim(Notice, notice_id):
            continue
        notice = db.session.get(Notice, notice_id)
        try:
            msg = letters.one(notice)
        except Exception:
            current_app.logger.exception("notice %s could not be written", notice_id)
            _release(Notice, notice_id, sent=False)
            continue
        if msg is None:
            _drop([notice_id])
            continue
        ok = _send(msg)
        _release(Notice, notice_id, sent=ok)
        sent += ok
    return sent


def digest_hour() -> int:
    return int(current_app.config.get("NOTICE_DIGEST_HOUR", DIGEST_HOUR))


def gather_digests() -> int:
    """From the digest hour on, gather each person's waiting digest notices into today's digest.

    Only a digest made by this call takes notices, in the transaction that makes it, so notices
    never join a digest that another process is already sending. Returns how many were made.
    """
    now = clock.now()
    if clock.local(now).hour < digest_hour():
        return 0
    from circle import letters

    today, made = clock.today(), 0
    waiting = (Notice.delivery == Delivery.DIGEST, Notice.digest_id.is_(None), Notice.dropped_at.is_(None),
               *_waiting(Notice))
    people = db.session.scalars(sa.select(Notice.person_id).where(*waiting).distinct()).all()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for person_id in people:
        try:
            moot = [n.id for n in db.session.scalars(sa.select(Notice).where(Notice.person_id == person_id,
                                                                              *waiting))
                    if not letters.still_to_tell(n)]
        except Exception:  # one person's notice that cannot be written holds up nobody else's digest
            db.session.rollback()
            current_app.logger.exception("the digest of person %s could not be gathered", person_id)
            continue
        _drop(moot)
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Notice)
                                 .where(Notice.person_id == person_id, *waiting)):
            continue
        result = db.session.execute(dialect.insert(NoticeDigest).values(
            person_id=person_id, day=today, made_at=now, attempts=0)
            .on_conflict_do_nothing(index_elements=["person_id", "day"]))
        if result.rowcount != 1:  # today's digest is made already: what came after goes tomorrow
            db.session.rollback()
            continue
        digest_id = db.session.scalar(sa.select(NoticeDigest.id).where(
            NoticeDigest.person_id == person_id, NoticeDigest.day == today))
        db.session.execute(sa.update(Notice).where(Notice.person_id == person_id, *waiting)
                           .values(digest_id=digest_id))
        db.session.commit()
        made += 1
    return made


def send_digests() -> int:
    """Gather today's digests when it is time, then send every digest not yet sent; how many went."""
    if not mail.enabled():
        return 0
    from circle import letters

    gather_digests()
    ids = db.session.scalars(sa.select(NoticeDigest.id).where(*_waiting(NoticeDigest))
                             .order_by(NoticeDigest.id)).all()
    db.session.commit()
    sent = 0
    for digest_id in ids:
        if not _claim(NoticeDigest, digest_id):
            continue
        try:
            msg = letters.digest(db.session.get(NoticeDigest, digest_id))
        except Exception:
            current_app.logger.exception("digest %s could not be written", digest_id)
            _release(NoticeDigest, digest_id, sent=False)
            continue
        if msg is None:  # all it gathered has passed: nothing was sent, so a later digest may come today
            _drop(db.session.scalars(sa.select(Notice.id).where(Notice.digest_id == digest_id)))
            db.session.execute(sa.update(Notice).where(Notice.digest_id == digest_id).values(digest_id=None))
            db.session.execute(sa.delete(NoticeDigest).where(NoticeDigest.id == digest_id))
            db.session.commit()
            continue
        ok = _send(msg)
        _release(NoticeDigest, digest_id, sent=ok)
        sent += ok
    return sent


# --- Who hears of what -------------------------------------------------------------------------


def meeting_planned(meeting) -> int:
    """Everyone expected at a planned meeting hears of it (its planner too: the invitation is theirs)."""
    return notify(NoticeKind.MEETING_PLANNED, meeting.id, meeting.circle.seated_on(meeting.date),
                  circle_id=meeting.circle_id)


def decision_made(proposal) -> int:
    """Everyone seated in the circle today hears of an adopted proposal, once per time it is adopted."""
    circle = db.session.get(Circle, proposal.circle_id)
    return notify(NoticeKind.DECISION_MADE, proposal.id, circle.seated, circle_id=proposal.circle_id,
                  occasion=proposal.decided_at.isoformat() if proposal.decided_at else "")
