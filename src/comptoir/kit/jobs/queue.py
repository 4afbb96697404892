"""Putting work in the queue, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.jobs.models import Job
from comptoir.kit.jobs.registry import task_named

DEFAULT_MAX_ATTEMPTS = 5


def enqueue(
    session: Session,
    task: str,
    payload: dict[str, Any] | None = None,
    *,
    run_after: datetime | None = None,
    delay: timedelta | None = None,
    priority: int | None = None,
    max_attempts: int | None = None,
    dedupe_key: str | None = None,
) -> Job:
    """Queue ``task`` with ``payload``; it runs after the caller commits, not before
    ``run_after`` (or now + ``delay``).

    With ``dedupe_key``, a second enqueue with the same key returns the job already queued
    instead of adding one (used by schedules and by "at most one pending" work).
    Raises ``ValueError`` for a task no module registered, or both ``run_after`` and ``delay``.
    """
    spec = task_named(task)
    if spec is None:
        raise ValueError(f"no task named {task!r} is registered")
    if run_after is not None and delay is not None:
        raise ValueError("give run_after or delay, not both")
    when = run_after or (clock.now() + delay if delay is not None else clock.now())
    job = Job(
        task=task,
        payload=dict(payload or {}),
        run_after=when,
        priority=spec.priority if priority is None else priority,
        max_attempts=max_attempts or spec.max_attempts or DEFAULT_MAX_ATTEMPTS,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        session.add(job)
        return job
    existing = session.scalars(select(Job).where(Job.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        # Another transaction queued the same key between our check and our insert.
        return session.scalars(select(Job).where(Job.dedupe_key == dedupe_key)).one()
    return job
