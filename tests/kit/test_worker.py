"""Real worker processes: a job whose worker is killed is run again after its lease, and two
workers never run the same job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from comptoir.kit.jobs import enqueue
from comptoir.kit.jobs.models import Job
from tests.support.database import create_test_database, drop_test_database, migrated_engine
from tests.support.tasks import ensure_test_tables, run_count, runs_of

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.committed


def start_worker(
    database_url: str, *, lease_seconds: float, threads: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": database_url,
        "COMPTOIR_EXTRA_MODULES": "tests.support.tasks",
        "COMPTOIR_JOB_LEASE_SECONDS": str(lease_seconds),
        "COMPTOIR_WORKER_POLL_SECONDS": "0.05",
        "COMPTOIR_ENVIRONMENT": "test",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    # The log goes to a file, not a pipe: a pipe nobody reads fills up and blocks the worker.
    with tempfile.NamedTemporaryFile(prefix="comptoir-worker-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "comptoir.cli", "worker", "--threads", str(threads)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    WORKER_LOGS[process.pid] = Path(log.name)
    return process


WORKER_LOGS: dict[int, Path] = {}


def worker_log(process: subprocess.Popen[bytes]) -> str:
    return WORKER_LOGS[process.pid].read_text(errors="replace")[-3000:]


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_db_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the worker processes, built by the migrations: what other
    tests of this test process did to the shared one cannot affect them."""
    url = create_test_database(tmp_path, suffix="_workers")
    yield url
    drop_test_database(url)


@pytest.fixture
def worker_db(worker_db_url: str) -> Iterator[Database]:
    engine = migrated_engine(worker_db_url)
    try:
        yield Database(engine)
    finally:
        engine.dispose()


@pytest.fixture
def engine_with_run_log(worker_db: Database) -> Engine:
    ensure_test_tables(worker_db.engine)
    return worker_db.engine


def job_state(database: Database, key: str) -> tuple[str, int]:
    with database.transaction(readonly=True) as session:
        job = session.scalars(select(Job).where(Job.dedupe_key == key)).one()
        return job.status, job.attempts


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_job_whose_worker_is_killed_runs_again_after_its_lease(
    worker_db: Database, engine_with_run_log: Engine, worker_db_url: str
) -> None:
    with worker_db.transaction() as session:
        enqueue(
            session, "test.record_run", {"key": "k1", "sleep_on_first_run": 60}, dedupe_key="k1"
        )
    doomed = start_worker(worker_db_url, lease_seconds=2)
    try:
        wait_for(
            lambda: len(runs_of(engine_with_run_log, "k1")) == 1,
            seconds=60,
            what="the first worker to start the job",
        )
        assert job_state(worker_db, "k1") == ("running", 1)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        if doomed.poll() is None:
            doomed.kill()

    survivor = start_worker(worker_db_url, lease_seconds=2)
    try:
        wait_for(
            lambda: job_state(worker_db, "k1")[0] == "succeeded",
            seconds=60,
            what="the second worker to finish the job",
        )
    finally:
        stop(survivor)

    assert job_state(worker_db, "k1") == ("succeeded", 2)
    assert runs_of(engine_with_run_log, "k1") == [doomed.pid, survivor.pid]


def test_two_workers_never_run_the_same_job(
    worker_db: Database, engine_with_run_log: Engine, worker_db_url: str
) -> None:
    keys = [f"job-{n}" for n in range(60)]
    with worker_db.transaction() as session:
        for key in keys:
            enqueue(session, "test.record_run", {"key": key, "sleep": 0.01}, dedupe_key=key)
    workers = [start_worker(worker_db_url, lease_seconds=30, threads=2) for _ in range(2)]
    try:
        wait_for(
            lambda: all(job_state(worker_db, k)[0] == "succeeded" for k in keys),
            seconds=120,
            what="all jobs to succeed",
        )
    except AssertionError:
        states = [job_state(worker_db, k) for k in keys]
        with worker_db.transaction(readonly=True) as session:
            sample = session.scalars(select(Job)).first()
            detail = (sample.run_after, sample.status, sample.locked_by) if sample else None
        states.insert(0, (f"sample={detail} now={clock.now()}", 0))
        for process in workers:
            stop(process)
        logs = [worker_log(p) for p in workers]
        raise AssertionError(f"jobs: {states}\nworker logs:\n" + "\n---\n".join(logs)) from None
    finally:
        for process in workers:
            stop(process)

    assert run_count(engine_with_run_log) == (60, 60)
    for process in workers:
        assert process.returncode == 0, worker_log(process)
