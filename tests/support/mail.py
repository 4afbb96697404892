"""A real SMTP server (aiosmtpd) on a free local port, and the messages it received. Import the
``smtp_port`` and ``inbox`` fixtures into a conftest to use them; ``run_jobs`` runs the queued
jobs (the e-mails are sent by jobs)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession

from comptoir.kit.db.engine import Database
from comptoir.kit.jobs.runner import JobRunner
from comptoir.kit.settings import get_settings


@dataclass
class Inbox:
    """What the SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        """The messages sent to ``address`` (in any case), oldest first."""
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def find_token(message: Message, pattern: re.Pattern[str]) -> str:
    """The token that ``pattern``'s first group finds in the message's text."""
    match = pattern.search(body_of(message))
    assert match is not None, body_of(message)
    return match.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A port for the SMTP server, set in the settings the jobs read."""
    port = _free_port()
    monkeypatch.setenv("COMPTOIR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPTOIR_SMTP_PORT", str(port))
    monkeypatch.setenv("COMPTOIR_MAIL_FROM", "Comptoir <shop@example.com>")
    get_settings.cache_clear()
    yield port
    get_settings.cache_clear()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        yield received
    finally:
        controller.stop()


def run_jobs(db: Database) -> None:
    JobRunner(db, worker_name="test", retry_base_seconds=1).run_batch()
