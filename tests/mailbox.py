"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd): Kring's mail goes there, never out.

The `mailbox` fixture starts one on a free port, points the app's settings at
it and gives the list of messages it received, parsed.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.server import free_port, wait_for


class Mailbox:
    """aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 5) -> list[EmailMessage]:
        """The messages once at least `count` have arrived."""
        wait_for(lambda: len(self.messages) >= count, timeout, what=f"{count} message(s)")
        return self.messages

    @staticmethod
    def text(msg: EmailMessage) -> str:
        """A message's plain-text part."""
        return msg.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server: its mailbox and port."""
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(app, smtp) -> Mailbox:
    """The app's mail goes to a local SMTP server; the messages it received."""
    box, port = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="Kring <kring@example.org>")
    return box
