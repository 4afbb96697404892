"""Invoicing's background work: every morning, invoices unpaid after their due date are
flagged and ``invoice.overdue`` is emitted once for each."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from comptoir.billing.invoices import service
from comptoir.kit.jobs import schedule, task

log = logging.getLogger(__name__)


@task("billing.mark_overdue", max_attempts=3, priority=50)
def mark_overdue_task(session: Session, payload: dict[str, Any]) -> None:
    """Flag today's overdue invoices (``invoice.overdue``, once per invoice)."""
    count = service.mark_overdue(session, today=service.today())
    if count:
        log.info("invoices overdue", extra={"count": count})


schedule("billing.mark_overdue", task="billing.mark_overdue", cron="15 6 * * *", catch_up=False)
