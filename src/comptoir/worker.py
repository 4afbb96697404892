"""The worker: turns due schedules into jobs, delivers events and runs jobs, in a loop.

``comptoir serve`` runs one :class:`WorkerThread` inside the API process; ``comptoir worker``
runs :func:`run_worker` in its own process, on this machine or another one. Several workers
share the work safely on PostgreSQL (leases and ``SKIP LOCKED``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from types import FrameType

from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.relay import Relay
from comptoir.kit.jobs.registry import all_schedules
from comptoir.kit.jobs.runner import JobRunner
from comptoir.kit.jobs.schedules import enqueue_due_jobs, sync_schedules
from comptoir.kit.settings import Settings
from comptoir.modules import load_modules

log = logging.getLogger(__name__)

SCHEDULER_TICK_SECONDS = 15.0


def worker_name(suffix: str = "") -> str:
    """``host:pid[:suffix]``: enough to find the process whose lease is on a row."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}:{suffix}" if suffix else name


class Worker:
    """One loop of work. Not thread-safe: one Worker per thread."""

    def __init__(self, database: Database, settings: Settings, *, name: str | None = None) -> None:
        load_modules(settings)
        self.database = database
        self.settings = settings
        self.name = name or worker_name()
        self.relay = Relay(
            database,
            worker_name=self.name,
            max_attempts=settings.event_max_attempts,
            lease_seconds=settings.event_lease_seconds,
            retry_base_seconds=settings.retry_base_seconds,
            retry_max_seconds=settings.retry_max_seconds,
        )
        self.runner = JobRunner(
            database,
            worker_name=self.name,
            lease_seconds=settings.job_lease_seconds,
            retry_base_seconds=settings.retry_base_seconds,
            retry_max_seconds=settings.retry_max_seconds,
        )
        self._next_schedule_tick = 0.0
        self._schedules_synced = False

    def run_once(self) -> int:
        """Do what is due now; returns how many events and jobs were handled."""
        self._tick_schedules()
        done = self.relay.deliver_batch(self.settings.worker_batch_size)
        done += self.runner.run_batch(self.settings.worker_batch_size)
        return done

    def _tick_schedules(self) -> None:
        if time.monotonic() < self._next_schedule_tick:
            return
        self._next_schedule_tick = time.monotonic() + SCHEDULER_TICK_SECONDS
        with self.database.transaction() as session:
            if not self._schedules_synced:
                sync_schedules(session, all_schedules(), self.settings.timezone)
                self._schedules_synced = True
            queued = enqueue_due_jobs(session, max_catch_up=self.settings.schedule_max_catch_up)
        if queued:
            log.info("scheduled jobs queued", extra={"count": queued, "at": clock.now()})

    def run_until(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set; sleeps ``worker_poll_seconds`` when idle. An error in
        one round (the database restarting, say) is logged and the loop goes on."""
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:
                log.exception("worker round failed", extra={"worker": self.name})
                busy = False
            if not busy:
                stop.wait(self.settings.worker_poll_seconds)
        log.info("worker stopped", extra={"worker": self.name})


class WorkerThread:
    """A worker in a background thread of the API process."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._stop = threading.Event()
        self._worker = Worker(database, settings, name=worker_name("in-process"))
        self._thread = threading.Thread(
            target=self._worker.run_until, args=(self._stop,), name="comptoir-worker", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def run_worker(database: Database, settings: Settings, *, threads: int = 1) -> None:
    """Run ``threads`` workers in this process until SIGTERM or SIGINT; a job in progress is
    finished (or, past its lease, taken over by another worker) before the process exits."""
    stop = threading.Event()

    def _request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stop requested", extra={"signal": signum})
        stop.set()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    workers = [Worker(database, settings, name=worker_name(str(i))) for i in range(threads)]
    pool = [
        threading.Thread(target=w.run_until, args=(stop,), name=f"comptoir-worker-{i}")
        for i, w in enumerate(workers)
    ]
    for thread in pool:
        thread.start()
    while any(thread.is_alive() for thread in pool):
        for thread in pool:
            thread.join(timeout=0.5)
