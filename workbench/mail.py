"""Sending email through the configured SMTP server, reporting what happened instead of raising.

Mail is a side effect that can fail for reasons outside our control (server down, address refused),
and the caller must record the outcome either way, so ``send`` returns a ``Delivery`` for every
message. smtplib blocks, so it runs in a worker thread with a timeout; several messages share one
connection. The password is never logged: only ``SmtpConfig.describe()`` is.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import anyio.to_thread

from workbench.settings import SmtpConfig, get_settings

__all__ = ["Attachment", "Delivery", "Email", "send", "send_one"]

log = logging.getLogger("workbench.mail")

DEFAULT_TIMEOUT = 20.0  # seconds, for connecting and for each SMTP command


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Email:
    to_address: str
    subject: str
    body: str
    to_name: str = ""
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """What became of one message: ``sent``, ``failed`` (with the reason) or ``not_configured``."""

    status: str
    detail: str = ""
    message_id: str = field(default="", compare=False)

    @property
    def sent(self) -> bool:
        return self.status == "sent"


def build_message(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((email.to_name, email.to_address)) if email.to_name else email.to_address
    message["Subject"] = email.subject
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(email.body)
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.filename)
    return message


def _connect(config: SmtpConfig, timeout: float) -> smtplib.SMTP:
    if config.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout,
                                               context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=timeout)
    client.ehlo()
    if config.starttls:
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    if config.username:
        client.login(config.username, config.password)
    return client


def _reason(exc: BaseException) -> str:
    """A short, password-free reason for the delivery record."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                 for code, text in exc.recipients.values()]
        return "recipient refused: " + "; ".join(codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{type(exc).__name__}: {exc.smtp_code} {text}"[:500]
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out talking to the mail server"
    if isinstance(exc, ConnectionRefusedError):
        return "the mail server refused the connection"
    return f"{type(exc).__name__}: {exc}"[:500]


def _send_all(config: SmtpConfig, sender: str, emails: Sequence[Email], timeout: float) -> list[Delivery]:
    """Blocking: one connection for the lot; a message the server refuses fails alone."""
    try:
        client = _connect(config, timeout)
    except (OSError, smtplib.SMTPException) as exc:
        reason = _reason(exc)
        log.warning("cannot connect to %s: %s", config.describe(), reason)
        return [Delivery("failed", f"could not connect to the mail server: {reason}") for _ in emails]
    results: list[Delivery] = []
    try:
        for email in emails:
            message = build_message(email, sender)
            try:
                client.send_message(message)
                results.append(Delivery("sent", f"accepted by {config.host}", message["Message-ID"]))
            except smtplib.SMTPServerDisconnected as exc:
                results.append(Delivery("failed", _reason(exc)))
                break
            except (OSError, smtplib.SMTPException) as exc:
                results.append(Delivery("failed", _reason(exc)))
                try:
                    client.rset()
                except (OSError, smtplib.SMTPException):
                    break
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    # a dropped connection fails the messages after it too
    results += [Delivery("failed", "the mail server closed the connection") for _ in emails[len(results):]]
    return results


async def send(emails: Sequence[Email], *, config: SmtpConfig | None = None, sender: str | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> list[Delivery]:
    """Send each message (one connection, in a worker thread); one Delivery per message, in order."""
    if not emails:
        return []
    settings = get_settings() if config is None or sender is None else None
    config = config if config is not None else settings.smtp
    sender = sender or settings.mail_from
    if config is None:
        return [Delivery("not_configured", "no mail server is configured (WORKBENCH_SMTP_URL)") for _ in emails]
    results = await anyio.to_thread.run_sync(_send_all, config, sender, list(emails), timeout)
    sent = sum(1 for r in results if r.sent)
    log.info("mail via %s: %s sent, %s failed", config.describe(), sent, len(results) - sent)
    return results


async def send_one(email: Email, **kwargs) -> Delivery:
    return (await send([email], **kwargs))[0]
