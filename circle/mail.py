"""Sending e-mail, when the installation has an SMTP server; Kring works fully without one.

Only the standard library: `email.message.EmailMessage` builds the message
(a plain-text part always, an HTML part and attachments such as an ICS
invitation when given) and `smtplib` hands it to the configured server.
Under eventlet the socket is green, so a slow mail server holds up only the
request that sends. Settings (docs/security.md, "Signing in"):

- `MAIL_SERVER`: host of the SMTP server; empty (the default) turns mail off;
- `MAIL_PORT` (default 25), `MAIL_SECURITY`: `none`, `starttls` or `tls`;
- `MAIL_USERNAME`, `MAIL_PASSWORD`: only when the server asks for a login;
- `MAIL_FROM`: the sender, e.g. `Kring Samen Vooruit <kring@example.org>`;
- `MAIL_TIMEOUT`: seconds before giving up on the server (default 10).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class MailFailed(Exception):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, such as a meeting's ICS invitation."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    #: More Content-Type parameters, e.g. (("method", "REQUEST"),) for a calendar invitation.
    params: tuple[tuple[str, str], ...] = ()


def enabled() -> bool:
    """Whether this installation can send e-mail (an SMTP server is configured)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def message(to: str, subject: str, text: str, html: str | None = None,
            attachments: tuple[Attachment, ...] = (), message_id: str | None = None) -> EmailMessage:
    """One message: the plain text always (every mail program reads it), HTML and files when given.

    `message_id`, when given, is the same each time this message is made: a copy sent again after
    a crash carries the same Message-ID, which mail programs recognise as the same message.
    """
    msg = EmailMessage()
    msg["From"] = current_app.config.get("MAIL_FROM") or "Kring <kring@localhost>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="kring")
    msg["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for a in attachments:
        msg.add_attachment(a.content, maintype=a.maintype, subtype=a.subtype, filename=a.filename,
                           params=dict(a.params))
    return msg


def send(msg: EmailMessage) -> None:
    """Hand a message to the SMTP server; MailFailed when that does not work."""
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    security = (config.get("MAIL_SECURITY") or "none").lower()
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    try:
        if security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("mail to %s not sent: %s", msg["To"], error)
        raise MailFailed(str(error)) from error
