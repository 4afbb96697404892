"""Looking after the queue: counts, lists and retries, for the Operations page, the CLI and
the metrics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, select
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.jobs.models import JOB_DEAD, JOB_PENDING, JOB_RUNNING, JOB_SUCCEEDED, Job

STATUSES = ("pending", "running", "failed", "dead", "succeeded")


class JobNotFound(NotFound):
    slug = "job-not-found"
    title = _l("This job does not exist.")


class JobNotRetryable(Conflict):
    slug = "job-not-retryable"
    title = _l("Only a failed or dead-lettered job can be retried.")


@dataclass(frozen=True, slots=True)
class JobView:
    id: uuid.UUID
    task: str
    status: str
    attempts: int
    max_attempts: int
    run_after: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


def _display_status() -> ColumnElement[str]:
    """``failed`` is a pending job whose last attempt failed and that will be retried."""
    return case(
        (and_(Job.status == JOB_PENDING, Job.last_error.is_not(None), Job.attempts > 0), "failed"),
        else_=Job.status,
    )


def _shown(job: Job) -> str:
    if job.status == JOB_PENDING and job.last_error is not None and job.attempts > 0:
        return "failed"
    return job.status


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        task=job.task,
        status=_shown(job),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        run_after=job.run_after,
        last_error=job.last_error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def status_counts(session: Session) -> dict[str, int]:
    """Jobs per displayed status; every status is present, zero if none."""
    shown = _display_status().label("shown")
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(select(shown, func.count()).group_by(shown)).all():
        counts[str(status)] = int(count)
    return counts


def list_jobs(
    session: Session, *, status: str | None = None, task: str | None = None, limit: int = 50
) -> list[JobView]:
    """The most recent jobs, newest first, optionally of one displayed status or task."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown job status {status!r}")
    stmt = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(_display_status() == status)
    if task is not None:
        stmt = stmt.where(Job.task == task)
    return [_view(job) for job in session.scalars(stmt)]


def get_job(session: Session, job_id: uuid.UUID) -> JobView:
    """One job; raises :class:`JobNotFound`."""
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(field="job_id")
    return _view(job)


def retry_job(session: Session, job_id: uuid.UUID) -> JobView:
    """Run a failed or dead-lettered job again now, with a fresh count of attempts.
    Raises :class:`JobNotFound` or :class:`JobNotRetryable`."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise JobNotFound(field="job_id")
    if _shown(job) not in ("failed", "dead"):
        raise JobNotRetryable(field="job_id")
    job.status = JOB_PENDING
    job.attempts = 0
    job.run_after = clock.now()
    job.finished_at = None
    session.flush()
    return _view(job)


def queue_depth(session: Session) -> int:
    """Jobs due now and not yet running."""
    now = clock.now()
    return int(
        session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.status == JOB_PENDING, Job.run_after <= now)
        )
        or 0
    )


def purge_finished_jobs(session: Session, *, older_than: timedelta) -> int:
    """Delete succeeded jobs finished more than ``older_than`` ago; dead ones are kept for
    people to look at. Returns how many were deleted."""
    cutoff = clock.now() - older_than
    result = session.execute(
        delete(Job).where(Job.status == JOB_SUCCEEDED, Job.finished_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "JOB_DEAD",
    "JOB_RUNNING",
    "STATUSES",
    "JobNotFound",
    "JobNotRetryable",
    "JobView",
    "get_job",
    "list_jobs",
    "purge_finished_jobs",
    "queue_depth",
    "retry_job",
    "status_counts",
]
