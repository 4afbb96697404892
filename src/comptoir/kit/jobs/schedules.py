"""Cron-style schedules: declared in code, kept in the ``job_schedules`` table, turned into
jobs by the worker, with catch-up of the slots missed while no worker ran."""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.jobs.cron import CronExpression
from comptoir.kit.jobs.models import JobSchedule
from comptoir.kit.jobs.queue import enqueue
from comptoir.kit.jobs.registry import ScheduleSpec

log = logging.getLogger(__name__)


def sync_schedules(session: Session, specs: list[ScheduleSpec], default_timezone: str) -> None:
    """Make the table match the declared schedules: add new ones, update changed ones
    (recomputing their next run), deactivate those no longer declared."""
    now = clock.now()
    stored = {row.name: row for row in session.scalars(select(JobSchedule))}
    for spec in specs:
        zone = spec.timezone or default_timezone
        row = stored.pop(spec.name, None)
        if row is None:
            session.add(
                JobSchedule(
                    name=spec.name,
                    task=spec.task,
                    cron=spec.cron,
                    timezone=zone,
                    payload=spec.payload,
                    catch_up=spec.catch_up,
                    is_active=True,
                    next_run_at=CronExpression.parse(spec.cron).next_after(now, zone),
                )
            )
            continue
        if row.cron != spec.cron or row.timezone != zone or not row.is_active:
            row.next_run_at = CronExpression.parse(spec.cron).next_after(now, zone)
        row.task, row.cron, row.timezone = spec.task, spec.cron, zone
        row.payload, row.catch_up, row.is_active = spec.payload, spec.catch_up, True
    for row in stored.values():
        row.is_active = False
    session.flush()


def enqueue_due_jobs(session: Session, *, max_catch_up: int = 100) -> int:
    """Queue a job for every due slot of every active schedule; returns how many were queued.

    Each job's payload carries ``scheduled_for`` (ISO 8601, UTC) so that a task knows which
    slot it covers (yesterday's figures, not today's). A slot is queued at most once: its
    dedupe key is the schedule name and the slot. At most ``max_catch_up`` missed slots are
    queued per schedule (the most recent ones); older ones are logged and skipped.
    """
    now = clock.now()
    stmt = (
        select(JobSchedule)
        .where(JobSchedule.is_active.is_(True), JobSchedule.next_run_at <= now)
        .order_by(JobSchedule.next_run_at)
    )
    queued = 0
    for row in session.scalars(lock_for_update(session, stmt, skip_locked=True)).all():
        expression = CronExpression.parse(row.cron)
        keep = max_catch_up if row.catch_up else 1
        slots, missed = _due_slots(expression, row.next_run_at, now, row.timezone, keep)
        if row.catch_up and missed > keep:
            log.warning(
                "schedule missed more slots than it catches up",
                extra={"schedule": row.name, "missed": missed, "kept": keep},
            )
        for slot in slots:
            payload = {**row.payload, "scheduled_for": slot.isoformat()}
            enqueue(
                session,
                row.task,
                payload,
                run_after=slot,
                dedupe_key=f"schedule:{row.name}:{slot.isoformat()}",
            )
            queued += 1
        row.last_run_at = slots[-1]
        row.next_run_at = expression.next_after(now, row.timezone)
    session.flush()
    return queued


def _due_slots(
    expression: CronExpression, first: datetime, now: datetime, zone: str, keep: int
) -> tuple[list[datetime], int]:
    """The last ``keep`` slots from ``first`` up to ``now``, and how many there were."""
    slots: deque[datetime] = deque(maxlen=keep)
    count = 0
    slot = first
    while slot <= now:
        slots.append(slot)
        count += 1
        slot = expression.next_after(slot, zone)
    return list(slots), count
