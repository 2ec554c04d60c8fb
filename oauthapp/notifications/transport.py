"""Handing a message over: to the SMTP server with Flask-Mail, or to a .eml file offline."""

from __future__ import annotations

import os
import smtplib
import tempfile
from pathlib import Path

from flask import current_app
from flask_mail import Connection, Mail, Message

from oauthapp.models import OutboxMessage
from oauthapp.settings import MailSettings


class DeliveryFailed(Exception):
    """The message was not handed over; `permanent` says whether trying again can help."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class _TimedConnection(Connection):
    """Flask-Mail's connection, but a silent server cannot hold a worker forever."""

    def __init__(self, mail: Mail, timeout: int) -> None:
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=self.timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def build_message(message: OutboxMessage, sender: str) -> Message:
    """The MIME message: a text part, an HTML part if any, and a stable Message-ID."""
    mime = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html or None,
        sender=sender,
        extra_headers={"Content-Language": message.locale},
    )
    mime.msgId = f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@oauthapp>"
    return mime


def deliver(message: OutboxMessage, settings: MailSettings) -> None:
    """Hand the message over, or raise DeliveryFailed."""
    mime = build_message(message, settings.sender)
    if not settings.server:
        _write_eml(mime, message, settings.directory)
        return
    try:
        with _TimedConnection(current_app.extensions["mail"], settings.timeout) as connection:
            connection.send(mime)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise DeliveryFailed(_smtp_reason(exc), permanent=_is_permanent(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(_smtp_reason(exc), permanent=500 <= exc.smtp_code < 600) from exc
    except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and TLS
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


def _is_permanent(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPSenderRefused) and 500 <= exc.smtp_code < 600


def _smtp_reason(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address} refused: {code} {_text(reply)}"
            for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _write_eml(mime: Message, message: OutboxMessage, folder: Path) -> None:
    """Write atomically, so a reader never sees half a message."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:08d}.eml"
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(mime.as_bytes())
        os.replace(temporary, target)
    except OSError as exc:
        raise DeliveryFailed(f"cannot write to {folder}: {exc.strerror or exc}") from exc
