"""Sending e-mail through the shop's SMTP server (``COMPTOIR_SMTP_*`` settings).

Callers send from a job (:mod:`comptoir.kit.jobs`), never from a request: a server that is down
or refuses the message makes the job fail, and the job queue retries it with backoff.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from comptoir.kit.settings import Settings


@dataclass(frozen=True, slots=True)
class Mail:
    """A plain-text message to one recipient."""

    to: str
    subject: str
    text: str


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    """The MIME message for ``mail``, from ``settings.mail_from``."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2].strip(">"))
    message.set_content(mail.text)
    return message


def send_mail(settings: Settings, mail: Mail) -> None:
    """Hand ``mail`` to the SMTP server; see :func:`deliver`."""
    deliver(settings, build_message(settings, mail))


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Hand a ready MIME message (plain text, or with attachments) to the SMTP server (TLS,
    STARTTLS or plain, with login when a user name is set). Raises ``smtplib.SMTPException``
    or ``OSError`` when it cannot be delivered to the server; the caller's job then fails and
    is retried."""
    timeout = settings.smtp_timeout_seconds
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
