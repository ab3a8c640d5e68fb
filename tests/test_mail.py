"""circle/mail.py against a real SMTP server on 127.0.0.1 (tests/mailbox.py)."""

from __future__ import annotations

import pytest

from circle import mail
from tests.mailbox import Mailbox, mailbox, smtp  # noqa: F401  (fixtures)
from tests.server import free_port


def test_mail_is_off_without_a_server(app):
    with app.app_context():
        assert not mail.enabled()


def test_a_message_reaches_the_server_with_its_text_and_attachment(app, mailbox: Mailbox):
    with app.app_context():
        assert mail.enabled()
        ics = mail.Attachment("meeting.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text", "calendar")
        mail.send(mail.message("aylin@example.org", "Vergadering", "Tot dinsdag.\n",
                               html="<p>Tot dinsdag.</p>", attachments=(ics,)))
    (msg,) = mailbox.wait(1)
    assert msg["To"] == "aylin@example.org"
    assert msg["From"] == "Kring <kring@example.org>"
    assert msg["Subject"] == "Vergadering"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert Mailbox.text(msg).strip() == "Tot dinsdag."
    assert "Tot dinsdag." in msg.get_body(preferencelist=("html",)).get_content()
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "meeting.ics"
    assert part.get_content_type() == "text/calendar"


def test_an_unreachable_server_is_a_clear_failure(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    with app.app_context(), pytest.raises(mail.MailFailed):
        mail.send(mail.message("aylin@example.org", "x", "y"))
