"""Housekeeping of the technical tables, scheduled every night."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, select, text
from sqlalchemy.orm import Session, aliased

from comptoir.kit import clock
from comptoir.kit.events.models import (
    DELIVERY_DELIVERED,
    EventDelivery,
    EventInboxEntry,
    OutboxEvent,
)
from comptoir.kit.idempotency.service import purge_expired_keys
from comptoir.kit.jobs import schedule, task
from comptoir.kit.jobs.service import purge_finished_jobs

log = logging.getLogger(__name__)

FINISHED_JOBS_KEPT = timedelta(days=7)
DELIVERED_EVENTS_KEPT = timedelta(days=90)


@task("kit.purge_finished_jobs", priority=200)
def purge_jobs(session: Session, payload: dict[str, Any]) -> None:
    """Forget succeeded jobs after a week (failed and dead ones stay until handled)."""
    count = purge_finished_jobs(session, older_than=FINISHED_JOBS_KEPT)
    log.info("finished jobs purged", extra={"count": count})


@task("kit.purge_delivered_events", priority=200)
def purge_events(session: Session, payload: dict[str, Any]) -> None:
    """Forget events older than 90 days whose every delivery succeeded. Replays reach back
    that far; business history lives in the modules' own tables, not in the outbox."""
    cutoff = clock.now() - DELIVERED_EVENTS_KEPT
    undelivered = aliased(EventDelivery)
    stmt = delete(OutboxEvent).where(
        OutboxEvent.occurred_at < cutoff,
        ~exists(
            select(undelivered.id).where(
                undelivered.event_id == OutboxEvent.id,
                undelivered.status != DELIVERY_DELIVERED,
            )
        ),
    )
    result = session.execute(stmt.execution_options(synchronize_session=False))
    session.execute(
        delete(EventInboxEntry).where(
            ~exists(select(OutboxEvent.id).where(OutboxEvent.id == EventInboxEntry.event_id))
        )
    )
    log.info("delivered events purged", extra={"count": getattr(result, "rowcount", 0)})


@task("kit.purge_expired_idempotency_keys", priority=200)
def purge_idempotency_keys(session: Session, payload: dict[str, Any]) -> None:
    """Forget stored answers whose ``Idempotency-Key`` expired (24 hours by default)."""
    count = purge_expired_keys(session, clock.now())
    log.info("expired idempotency keys purged", extra={"count": count})


schedule(
    "kit.purge_finished_jobs", task="kit.purge_finished_jobs", cron="15 3 * * *", catch_up=False
)
schedule(
    "kit.purge_expired_idempotency_keys",
    task="kit.purge_expired_idempotency_keys",
    cron="0 * * * *",
    catch_up=False,
)
schedule(
    "kit.purge_delivered_events",
    task="kit.purge_delivered_events",
    cron="30 3 * * *",
    catch_up=False,
)


@task("kit.refresh_planner_statistics", priority=200)
def refresh_planner_statistics(session: Session, payload: dict[str, Any]) -> None:
    """Keep SQLite's query planner informed (PostgreSQL's autovacuum does this by itself):
    the relay's claim query relies on statistics to use its partial index."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA optimize"))


schedule(
    "kit.refresh_planner_statistics",
    task="kit.refresh_planner_statistics",
    cron="45 3 * * *",
    catch_up=False,
)
