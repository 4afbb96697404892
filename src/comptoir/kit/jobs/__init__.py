"""The job queue: work queued in the caller's transaction, run by workers, on timers and
schedules."""

from comptoir.kit.jobs.queue import enqueue
from comptoir.kit.jobs.registry import schedule, task

__all__ = ["enqueue", "schedule", "task"]
