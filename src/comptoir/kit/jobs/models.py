"""Job queue tables: jobs (one-off or scheduled work) and cron-style schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit import clock
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

JOB_PENDING = "pending"
JOB_RUNNING = "running"
JOB_SUCCEEDED = "succeeded"
JOB_DEAD = "dead"


class Job(IdMixin, TimestampMixin, Base):
    """A unit of work for the worker: a registered task name and its JSON payload."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "status", "priority", "run_after"),
        Index("ix_jobs_lease", "status", "locked_until"),
    )

    task: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    priority: Mapped[int] = mapped_column(default=100)
    status: Mapped[str] = mapped_column(String(20), default=JOB_PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    locked_by: Mapped[str | None] = mapped_column(String(200), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True, default=None)


class JobSchedule(IdMixin, TimestampMixin, Base):
    """A task run on a cron expression, evaluated in the shop's timezone."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    task: Mapped[str] = mapped_column(String(200))
    cron: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    catch_up: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
