"""Running jobs: claim with a lease, keep the lease alive with a heartbeat, commit the job's
work together with its completion, retry with backoff, dead-letter after the last attempt.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so that several workers share the queue
without waiting on each other; on SQLite the single writer gives the same guarantee. A job
whose worker died keeps status ``running`` until its lease expires; then any worker takes it
again. Completion is conditional on still holding the lease, so two workers never both
complete a job.
"""

from __future__ import annotations

import logging
import threading
import traceback
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.db.engine import Database
from comptoir.kit.jobs.models import JOB_DEAD, JOB_PENDING, JOB_RUNNING, JOB_SUCCEEDED, Job
from comptoir.kit.jobs.registry import task_named
from comptoir.kit.retry import backoff_delay

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: uuid.UUID
    task: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


class JobRunner:
    """Runs jobs for one worker thread."""

    def __init__(
        self,
        database: Database,
        *,
        worker_name: str,
        lease_seconds: float = 60.0,
        retry_base_seconds: float = 2.0,
        retry_max_seconds: float = 3600.0,
    ) -> None:
        self.database = database
        self.worker_name = worker_name
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds

    def run_batch(self, limit: int = 50) -> int:
        """Run up to ``limit`` due jobs one after the other; returns how many were run."""
        count = 0
        while count < limit:
            job = self.claim()
            if job is None:
                break
            self.run(job)
            count += 1
        return count

    def claim(self) -> ClaimedJob | None:
        """Lease the next due job (by priority, then due time), or a job whose lease expired.

        An abandoned job that already used its last attempt is dead-lettered on the way.
        """
        while True:
            with self.database.transaction() as session:
                now = clock.now()
                stmt = (
                    select(Job)
                    .where(
                        or_(
                            and_(Job.status == JOB_PENDING, Job.run_after <= now),
                            and_(Job.status == JOB_RUNNING, Job.locked_until < now),
                        )
                    )
                    .order_by(Job.priority, Job.run_after, Job.id)
                    .limit(1)
                )
                job = session.scalars(lock_for_update(session, stmt, skip_locked=True)).first()
                if job is None:
                    return None
                if job.status == JOB_RUNNING:
                    log.warning(
                        "job lease expired, taking it over",
                        extra={
                            "job_id": str(job.id),
                            "task": job.task,
                            "previous_worker": job.locked_by,
                        },
                    )
                    if job.attempts >= job.max_attempts:
                        job.status = JOB_DEAD
                        job.last_error = f"worker {job.locked_by} stopped during the last attempt"
                        job.locked_by = job.locked_until = None
                        job.finished_at = now
                        continue
                job.status = JOB_RUNNING
                job.attempts += 1
                job.locked_by = self.worker_name
                job.locked_until = now + self.lease
                job.heartbeat_at = now
                job.started_at = now
                return ClaimedJob(
                    job.id, job.task, dict(job.payload), job.attempts, job.max_attempts
                )

    def run(self, job: ClaimedJob) -> str:
        """Run a claimed job to its outcome; returns the job's new status."""
        heartbeat = _Heartbeat(self.database, job.id, self.worker_name, self.lease)
        heartbeat.start()
        try:
            error = self._execute(job)
        finally:
            heartbeat.stop()
        if error is None:
            return JOB_SUCCEEDED
        return self._record_failure(job, error)

    def _execute(self, job: ClaimedJob) -> str | None:
        spec = task_named(job.task)
        if spec is None:
            return f"no task named {job.task!r} is registered in this process"
        try:
            with self.database.transaction() as session:
                spec.function(session, job.payload)
                now = clock.now()
                done = session.execute(
                    update(Job)
                    .where(
                        Job.id == job.id,
                        Job.locked_by == self.worker_name,
                        Job.status == JOB_RUNNING,
                    )
                    .values(
                        status=JOB_SUCCEEDED,
                        finished_at=now,
                        locked_by=None,
                        locked_until=None,
                        last_error=None,
                        updated_at=now,
                    )
                )
                if getattr(done, "rowcount", 0) != 1:
                    raise LeaseLost(job.id)
        except LeaseLost:
            log.error("job lease lost, its work was rolled back", extra={"job_id": str(job.id)})
            return "lease lost: another worker took the job over"
        except Exception as exc:  # the failure is recorded on the job, never lost
            log.warning("job failed", extra={"job_id": str(job.id), "task": job.task})
            return "".join(traceback.format_exception(exc)).strip()
        return None

    def _record_failure(self, job: ClaimedJob, error: str) -> str:
        with self.database.transaction() as session:
            stored = session.get(Job, job.id, with_for_update=True)
            if stored is None or stored.locked_by != self.worker_name:
                return "lost"
            now = clock.now()
            stored.last_error = error[-MAX_ERROR_LENGTH:]
            stored.locked_by = None
            stored.locked_until = None
            if stored.attempts >= stored.max_attempts:
                stored.status = JOB_DEAD
                stored.finished_at = now
                log.error("job dead-lettered", extra={"job_id": str(job.id), "task": job.task})
            else:
                stored.status = JOB_PENDING
                stored.run_after = now + backoff_delay(
                    stored.attempts,
                    base_seconds=self.retry_base_seconds,
                    max_seconds=self.retry_max_seconds,
                )
            return stored.status


class LeaseLost(Exception):
    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(f"lease on job {job_id} lost")


class _Heartbeat:
    """Extends a running job's lease every third of the lease, from its own thread."""

    def __init__(
        self, database: Database, job_id: uuid.UUID, worker_name: str, lease: timedelta
    ) -> None:
        self.database = database
        self.job_id = job_id
        self.worker_name = worker_name
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        interval = self.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                with self.database.transaction() as session:
                    now = clock.now()
                    session.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.locked_by == self.worker_name)
                        .values(locked_until=now + self.lease, heartbeat_at=now)
                    )
            except Exception:  # a missed beat is retried at the next tick
                log.warning(
                    "job heartbeat failed", exc_info=True, extra={"job_id": str(self.job_id)}
                )
