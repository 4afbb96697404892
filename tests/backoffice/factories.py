"""Rows for the Operations page, written straight into the tables: a dead-lettered delivery
or job cannot be produced quickly through the real relay and worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.events.models import EventDelivery, OutboxEvent
from comptoir.kit.jobs.models import Job

HANDLER_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "comptoir/billing/handlers.py", line 42, in issue_invoice\n'
    "ConnectionError: the accounting export service did not answer within 30 seconds "
    "(three retries already spent on this invoice)"
)


def add_delivery(
    session: Session,
    *,
    event_type: str = "order.placed",
    key: str = "SO-2026-000123",
    handler: str = "billing.issue_invoice",
    status: str = "dead",
    attempts: int = 8,
    last_error: str | None = HANDLER_ERROR,
    next_attempt_at: datetime | None = None,
) -> EventDelivery:
    """An event with one delivery in the given stored state (``pending`` with an error is a
    failed delivery waiting for its next attempt)."""
    event = OutboxEvent(type=event_type, key=key, payload={"order": key})
    delivery = EventDelivery(
        handler=handler,
        key=key,
        status=status,
        attempts=attempts,
        last_error=last_error,
        next_attempt_at=next_attempt_at or clock.now(),
    )
    event.deliveries.append(delivery)
    session.add(event)
    session.flush()
    return delivery


def add_job(
    session: Session,
    *,
    task: str = "catalog.import_products",
    status: str = "dead",
    attempts: int = 5,
    max_attempts: int = 5,
    last_error: str | None = "ValueError: line 17 has no SKU",
) -> Job:
    """A job in the given stored state (``pending`` with an error is a failed job)."""
    job = Job(
        task=task,
        payload={},
        status=status,
        attempts=attempts,
        max_attempts=max_attempts,
        last_error=last_error,
        finished_at=clock.now() if status in ("dead", "succeeded") else None,
    )
    session.add(job)
    session.flush()
    return job
