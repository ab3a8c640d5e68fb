"""Who is connected to a meeting right now: one `Connection` row per live Socket.IO connection.

Several server processes may serve one meeting (joined by Redis), so no
process's memory knows everyone: the table does. A row is written when a
connection is accepted and deleted when it ends, whether the client said
goodbye or Engine.IO's ping timed out (KRING_PING_INTERVAL + KRING_PING_TIMEOUT,
10 s + 10 s by default). A process that is killed says nothing: its rows stay
until a server on the same host starts again and forgets them (`forget_server`).
"""

from __future__ import annotations

import os
import socket

import sqlalchemy as sa

from circle.extensions import db
from circle.models import Connection


def this_server() -> str:
    """This server process, as "host:pid": what its rows are marked with."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def connect(sid: str, meeting_id: int, member_id: int, kind: str = "json", lang: str = "nl") -> None:
    """Note a new connection, and what it is sent (a program's state, or a page's parts), and commit."""
    db.session.merge(Connection(sid=sid, meeting_id=meeting_id, member_id=member_id, server=this_server(),
                                kind=kind, lang=lang))
    db.session.commit()


def disconnect(sid: str) -> int | None:
    """Forget a connection that ended and commit; the meeting it followed, or None if unknown."""
    row = db.session.get(Connection, sid)
    if row is None:
        return None
    meeting_id = row.meeting_id
    db.session.delete(row)
    db.session.commit()
    return meeting_id


def connected(meeting_id: int) -> list[int]:
    """The members with at least one live connection to the meeting, by id."""
    return list(db.session.scalars(
        sa.select(Connection.member_id).where(Connection.meeting_id == meeting_id)
        .distinct().order_by(Connection.member_id)
    ))


def readers(meeting_id: int) -> set[tuple[str, str]]:
    """What the meeting's connections are sent now, as (kind, language) pairs: what to draw after a change."""
    return {tuple(row) for row in db.session.execute(
        sa.select(Connection.kind, Connection.lang).where(Connection.meeting_id == meeting_id).distinct())}


def forget_server(prefix: str) -> int:
    """Delete the rows of every server whose name starts with `prefix`; commit; how many went."""
    done = db.session.execute(sa.delete(Connection).where(Connection.server.startswith(prefix, autoescape=True)))
    db.session.commit()
    return done.rowcount


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
    gone = 0
    for server in servers:
        pid = server.rpartition(":")[2]
        if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
            done = db.session.execute(sa.delete(Connection).where(Connection.server == server))
            gone += done.rowcount
    db.session.commit()
    return gone
