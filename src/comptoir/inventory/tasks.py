"""The inventory's background work: expired cart holds are released every minute."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from comptoir.inventory.service import expire_holds
from comptoir.kit.jobs import schedule, task

log = logging.getLogger(__name__)


@task("inventory.expire_holds", max_attempts=3, priority=50)
def expire_holds_task(session: Session, payload: dict[str, Any]) -> None:
    """Give the units of expired cart holds back to ``available`` (500 per run; the next
    minute takes the rest)."""
    count = expire_holds(session, limit=int(payload.get("limit", 500)))
    if count:
        log.info("cart holds expired", extra={"count": count})


schedule("inventory.expire_holds", task="inventory.expire_holds", cron="* * * * *", catch_up=False)
