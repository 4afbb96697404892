"""Outbox and job-queue throughput on SQLite and PostgreSQL.

Prints events delivered per second and jobs run per second (one worker thread, and several
threads on PostgreSQL), then one JSON line per figure. Never fails on time.

    .venv/bin/python bench/outbox.py [--events 5000] [--jobs 2000]
    COMPTOIR_BENCH_POSTGRESQL_URL=postgresql://postgres@127.0.0.1:5432/postgres (default)
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from comptoir.kit.db.engine import Database, create_engine_for, normalise_url
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.events import Event, emit, subscribe
from comptoir.kit.events.relay import Relay
from comptoir.kit.jobs import enqueue, task
from comptoir.kit.jobs.runner import JobRunner

POSTGRESQL_URL = os.environ.get(
    "COMPTOIR_BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@subscribe("bench.happened", name="bench.count")
def count_event(session: Session, event: Event) -> None:
    """A handler that does a little real work: one small write per event."""


@task("bench.noop", max_attempts=1)
def noop(session: Session, payload: dict[str, Any]) -> None:
    """A task that does nothing, so the figure is the queue's own cost."""


def sqlite_database(folder: Path) -> Database:
    engine = create_engine_for(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    return Database(engine)


def postgresql_database() -> Database | None:
    url = make_url(normalise_url(POSTGRESQL_URL))
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "comptoir_bench" WITH (FORCE)'))
            connection.execute(text('CREATE DATABASE "comptoir_bench"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipped")
        return None
    engine = create_engine_for(url.set(database="comptoir_bench").render_as_string(False))
    upgrade(engine)
    return Database(engine)


def emit_events(database: Database, count: int, keys: int) -> float:
    started = time.perf_counter()
    batch = 100
    for start in range(0, count, batch):
        with database.transaction() as session:
            for n in range(start, min(count, start + batch)):
                emit(session, "bench.happened", {"n": n}, key=f"key-{n % keys}")
    return count / (time.perf_counter() - started)


def drain(work: Callable[[], int], threads: int) -> float:
    done = [0] * threads

    def loop(slot: int) -> None:
        idle = 0
        while idle < 3:
            n = work()
            done[slot] += n
            idle = 0 if n else idle + 1

    started = time.perf_counter()
    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def deliver_rate(database: Database, threads: int) -> float:
    relays = [Relay(database, worker_name=f"bench-{i}") for i in range(threads)]
    local = threading.local()
    counter = iter(range(threads))
    lock = threading.Lock()

    def work() -> int:
        if not hasattr(local, "relay"):
            with lock:
                local.relay = relays[next(counter)]
        relay: Relay = local.relay
        return relay.deliver_batch(100)

    return drain(work, threads)


def job_rate(database: Database, count: int, threads: int) -> float:
    for start in range(0, count, 500):
        with database.transaction() as session:
            for _ in range(start, min(count, start + 500)):
                enqueue(session, "bench.noop", {})
    runners = [JobRunner(database, worker_name=f"bench-{i}") for i in range(threads)]
    local = threading.local()
    counter = iter(range(threads))
    lock = threading.Lock()

    def work() -> int:
        if not hasattr(local, "runner"):
            with lock:
                local.runner = runners[next(counter)]
        runner: JobRunner = local.runner
        return runner.run_batch(50)

    return drain(work, threads)


def measure(
    name: str, database: Database, events: int, jobs: int, threads: int
) -> list[dict[str, Any]]:
    figures = []
    emitted = emit_events(database, events, keys=max(1, events // 5))
    # Table statistics as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) keeps them in
    # a running shop; without them the planner guesses the freshly filled outbox is empty.
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    delivered = deliver_rate(database, threads)
    ran = job_rate(database, jobs, threads)
    for metric, value in (
        ("events_emitted_per_s", emitted),
        ("events_delivered_per_s", delivered),
        ("jobs_run_per_s", ran),
    ):
        figures.append(
            {
                "bench": "outbox",
                "database": name,
                "threads": threads,
                "metric": metric,
                "value": round(value, 1),
                "events": events,
                "jobs": jobs,
            }
        )
        print(f"{name:<11} threads={threads}  {metric:<24} {value:10.1f}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        database = sqlite_database(Path(folder))
        figures += measure("sqlite", database, args.events, args.jobs, threads=1)
        database.dispose()
    for threads in (1, 4):
        database_pg = postgresql_database()
        if database_pg is None:
            break
        figures += measure("postgresql", database_pg, args.events, args.jobs, threads=threads)
        database_pg.dispose()
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
