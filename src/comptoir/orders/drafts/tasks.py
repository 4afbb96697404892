"""Quotes' background work: sent quotes past their expiry are marked expired, every hour."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from comptoir.kit.jobs import schedule, task
from comptoir.orders.drafts.service import expire_quotes

log = logging.getLogger(__name__)


@task("orders.expire_quotes", max_attempts=3, priority=50)
def expire_quotes_task(session: Session, payload: dict[str, Any]) -> None:
    """Mark the quotes past their expiry as expired (500 per run; the next hour takes the
    rest)."""
    count = expire_quotes(session, limit=int(payload.get("limit", 500)))
    if count:
        log.info("quotes expired", extra={"count": count})


schedule("orders.expire_quotes", task="orders.expire_quotes", cron="17 * * * *", catch_up=False)
