"""What keeps the server answering: limits in front of the Socket.IO endpoint.

python-engineio (4.x) refuses a long-polling `POST` larger than its message
limit, but then closes the session and waits for the client to collect the
last packets with a poll that never comes: the `POST` is never answered and
its connection never freed. `MessageLimit` answers such a post itself, at
once, before python-engineio sees it, and ends the session without waiting.
The limit is the same as python-engineio's (`MAX_MESSAGE_BYTES`, see
docs/live-protocol.md, "Sizes"); WebSocket messages over it are closed by the
WebSocket server itself.

The fix belongs in python-engineio (docs/security.md, "Keeping the server
up"); until it is there, this answers for it, and circle/serving.py closes
the connection after the 413 rather than reading the announced body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class MessageLimit:
    """WSGI middleware: a Socket.IO `POST` without a length, or over the limit, gets 413 at once."""

    def __init__(self, app: WSGIApp, engine: Any, limit: int, path: str = "/socket.io/"):
        self.app, self.engine, self.limit, self.path = app, engine, limit, path

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(self.path):
            try:
                length = int(environ.get("CONTENT_LENGTH") or "")
            except ValueError:
                length = -1
            if not 0 <= length <= self.limit:
                self._end_session(environ)
                start_response("413 Payload Too Large", [
                    ("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")])
                return [b"Too large: see MAX_MESSAGE_BYTES in docs/live-protocol.md\n"]
        return self.app(environ, start_response)

    def _end_session(self, environ: dict) -> None:
        """Close the Engine.IO session the post belongs to, without waiting for a last poll."""
        sid = (parse_qs(environ.get("QUERY_STRING", "")).get("sid") or [""])[0]
        socket = self.engine.sockets.pop(sid, None)
        if socket is not None:
            socket.close(wait=False, abort=True)
