"""Tasks and handlers for tests that run real worker processes. A worker subprocess loads this
module through ``COMPTOIR_EXTRA_MODULES=tests.support.tasks``.

Each run of ``test.record_run`` writes a row in ``test_job_runs`` from its own connection,
committed at once, so that even a run that is killed or rolled back leaves its trace.
"""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from comptoir.kit.jobs import task

test_metadata = MetaData()
job_runs = Table(
    "test_job_runs",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_key", String(100), nullable=False),
    Column("pid", Integer, nullable=False),
)


def ensure_test_tables(engine: Engine) -> None:
    test_metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(job_runs.delete())


def runs_of(engine: Engine, key: str) -> list[int]:
    """The pids of the processes that started the job ``key``, in order."""
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(job_runs.c.pid).where(job_runs.c.job_key == key).order_by(job_runs.c.id)
            )
        )


def run_count(engine: Engine) -> tuple[int, int]:
    """(rows, distinct job keys) in the run log."""
    with engine.connect() as connection:
        row = connection.execute(
            select(func.count(), func.count(job_runs.c.job_key.distinct()))
        ).one()
    return int(row[0]), int(row[1])


@task("test.record_run", max_attempts=3)
def record_run(session: Session, payload: dict[str, Any]) -> None:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    key = str(payload["key"])
    with engine.begin() as connection:
        connection.execute(job_runs.insert().values(job_key=key, pid=os.getpid()))
    first_run = len(runs_of(engine, key)) == 1
    if first_run and payload.get("sleep_on_first_run"):
        time.sleep(float(payload["sleep_on_first_run"]))
    if payload.get("sleep"):
        time.sleep(float(payload["sleep"]))
