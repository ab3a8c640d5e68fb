"""Who is connected to a meeting right now: one `Connection` row per live Socket.IO connection.

Several server processes may serve one meeting (joined by Redis), so no
process's memory knows everyone: the table does. A row is written when a
connection is accepted and deleted when it ends, whether the client said
goodbye or Engine.IO's ping timed out (KRING_PING_INTERVAL + KRING_PING_TIMEOUT,
10 s + 10 s by default). A process that is killed says nothing: its rows stay
until a server on the same host starts again and forgets them (`forget_server`).

Each row also keeps the person's sign-in version it was made with: revoking a
sign-in closes that person's connections at once (`close_person`), through the
Socket.IO server, which passes the word on the message queue to whichever
process holds them; and before the room is told anything, connections whose
sign-in no longer holds are closed (`readers`), so even a revocation made
where no queue reaches (a command without Redis) lets nothing more through.

The same rows say whether whoever steers a meeting is connected: when their
last connection ends (or is forgotten), the meeting notes since when they are
away, and the secretary may take over once that lasts longer than the
circle's set time (`note_steerer`, docs/facilitation.md).
"""

from __future__ import annotations

import os
import socket

import sqlalchemy as sa

from circle import clock
from circle.extensions import db, rows, socketio
from circle.facts import steerer_ids
from circle.method import MeetingStatus
from circle.models import Connection, Meeting, Member, Person


def this_server() -> str:
    """This server process, as "host:pid": what its rows are marked with."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def connect(sid: str, meeting_id: int, member_id: int, kind: str = "json", lang: str = "nl",
            sign_in_version: int = 1) -> None:
    """Note a new connection, and what it is sent (a program's state, or a page's parts), and commit."""
    db.session.merge(Connection(sid=sid, meeting_id=meeting_id, member_id=member_id, server=this_server(),
                                kind=kind, lang=lang, sign_in_version=sign_in_version))
    db.session.commit()


def connect_to_proposal(sid: str, proposal_id: int, member_id: int, sign_in_version: int = 1) -> None:
    """Note a connection that follows a proposal's rounds between meetings (a program), and commit."""
    db.session.merge(Connection(sid=sid, meeting_id=None, proposal_id=proposal_id, member_id=member_id,
                                server=this_server(), kind="json", sign_in_version=sign_in_version))
    db.session.commit()


def _with_person(query: sa.Select) -> sa.Select:
    return query.join(Member, Member.id == Connection.member_id).join(Person, Person.id == Member.person_id)


#: A connection whose sign-in was revoked or whose membership ended (`today` a parameter).
_STALE = sa.or_(Connection.sign_in_version != Person.sign_in_version, ~Member.member_on(sa.bindparam("today")))
#: What the meeting's connections are sent, by how many, and which of them are stale: built once, as it runs
#: before every message to the room (docs/performance/statements.md). Grouped by the name `stale`, as PostgreSQL does
#: not see the expression with its own parameters as the same one.
_READERS = _with_person(
    sa.select(Connection.kind, Connection.lang, sa.case((_STALE, Connection.sid)).label("stale"),
              sa.func.count().label("count"))
).where(Connection.meeting_id == sa.bindparam("meeting_id")).group_by(
    Connection.kind, Connection.lang, sa.literal_column("stale"))


def close_stale_following(proposal_id: int) -> int:
    """Close the connections following a proposal whose sign-in was revoked or membership ended; how many."""
    sids = list(db.session.scalars(
        _with_person(sa.select(Connection.sid)).where(Connection.proposal_id == proposal_id, _STALE),
        {"today": clock.today()}))
    _close(sids)
    return len(sids)


def disconnect(sid: str) -> int | None:
    """Forget a connection that ended and commit; the meeting it followed, or None if unknown."""
    row = db.session.get(Connection, sid)
    if row is None:
        return None
    meeting_id = row.meeting_id
    db.session.delete(row)
    db.session.commit()
    return meeting_id


def _close(sids: list[str]) -> None:
    """Close connections wherever they are held (this process, or another on the message queue)."""
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")


def close_person(person_id: int) -> int:
    """Close every live connection of a person, in all their circles; how many there were."""
    sids = list(db.session.scalars(
        sa.select(Connection.sid).join(Member, Member.id == Connection.member_id)
        .where(Member.person_id == person_id)))
    _close(sids)
    return len(sids)


_CONNECTED = (sa.select(Connection.member_id).where(Connection.meeting_id == sa.bindparam("meeting_id"))
              .distinct().order_by(Connection.member_id))


def connected(meeting_id: int) -> list[int]:
    """The members with at least one live connection to the meeting, by id (a statement built once: every
    `state` asks it)."""
    return list(rows(_CONNECTED, {"meeting_id": meeting_id}).scalars())


def readers(meeting_id: int) -> dict[tuple[str, str], int]:
    """What the meeting's connections are sent now, as (kind, language) pairs, each with how many connections
    read it: what to draw after a change, and in which order (circle/broadcast.py).

    Connections whose sign-in was revoked or whose membership ended are closed first and count for nothing:
    one statement finds both, since every message to the room asks it (docs/performance/statements.md)."""
    found = rows(_READERS, {"meeting_id": meeting_id, "today": clock.today()}).all()
    _close([row.stale for row in found if row.stale is not None])
    return {(row.kind, row.lang): row.count for row in found if row.stale is None}


def forget_server(prefix: str) -> int:
    """Delete the rows of every server whose name starts with `prefix`; commit; how many went."""
    gone = Connection.server.startswith(prefix, autoescape=True)
    meetings = set(db.session.scalars(sa.select(Connection.meeting_id).where(gone)))
    done = db.session.execute(sa.delete(Connection).where(gone))
    db.session.commit()
    steerer_came_or_went(meetings)  # whoever steered there only through those is away from now on
    return done.rowcount


def steering_connected(meeting_id: int, steerers: frozenset[int]) -> bool:
    """Whether one of `steerers` has a live connection to the meeting from which they can steer: a
    page or a program, not the projector, which only shows."""
    return bool(steerers) and db.session.scalar(sa.select(sa.func.count()).select_from(Connection).where(
        Connection.meeting_id == meeting_id, Connection.member_id.in_(list(steerers)),
        Connection.kind != "projector")) > 0


def note_steerer(meeting: Meeting) -> bool:
    """Keep `Meeting.steerer_away_since` true to the connections: None while whoever steers is connected,
    else the moment Kring saw them go. Does not commit; whether it changed. docs/facilitation.md."""
    here = steering_connected(meeting.id, steerer_ids(meeting))
    if here == (meeting.steerer_away_since is None):
        return False
    meeting.steerer_away_since = None if here else clock.now()
    return True


def steerer_came_or_went(meeting_ids) -> list[int]:
    """After connections came or went: note, for each open meeting among `meeting_ids`, whether whoever
    steers it is connected, and commit; the meetings where that changed (their room is told)."""
    changed = []
    for meeting_id in sorted({m for m in meeting_ids if m is not None}):
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is not None and meeting.status == MeetingStatus.OPEN and note_steerer(meeting):
            changed.append(meeting_id)
    db.session.commit()
    return changed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but running
    return True


def forget_dead_servers() -> int:
    """At start: delete the rows of this host's server processes that are gone; commit; how many went.

    A killed process never said goodbye, so its rows would claim phones are
    connected forever. On this host we can tell which processes still run,
    so a sibling process serving the same meeting keeps its rows; this very
    pid counts as gone (a container restarts with the same pid). The limit:
    rows of a crashed process on another host stay until a server on that
    host starts again.
    """
    host = socket.gethostname()
    servers = db.session.scalars(
        sa.select(Connection.server).where(Connection.server.startswith(f"{host}:", autoescape=True)).distinct()
    ).all()
    gone, meetings = 0, set()
    for server in servers:
        pid = server.rpartition(":")[2]
        if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
            meetings |= set(db.session.scalars(sa.select(Connection.meeting_id).where(Connection.server == server)))
            done = db.session.execute(sa.delete(Connection).where(Connection.server == server))
            gone += done.rowcount
    db.session.commit()
    steerer_came_or_went(meetings)  # away from the restart on, not from whenever that process died
    return gone
