"""Fulfilment's background work: click & collect orders nobody came for are cancelled and
their units released, every hour."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from comptoir.kit.jobs import schedule, task
from comptoir.orders.fulfilment.service import expire_pickups

log = logging.getLogger(__name__)


@task("orders.expire_pickups", max_attempts=3, priority=50)
def expire_pickups_task(session: Session, payload: dict[str, Any]) -> None:
    """Cancel the pickups past their ``collect_by`` (200 per run; the next hour takes the
    rest)."""
    count = expire_pickups(session, limit=int(payload.get("limit", 200)))
    if count:
        log.info("uncollected pickups cancelled", extra={"count": count})


schedule("orders.expire_pickups", task="orders.expire_pickups", cron="7 * * * *", catch_up=False)
