"""Jobs run after the commit that queued them, on time, once, with retries and dead letters;
schedules turn into jobs and catch up after downtime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.jobs import enqueue, schedule, task
from comptoir.kit.jobs import service as jobs
from comptoir.kit.jobs.models import Job
from comptoir.kit.jobs.registry import all_schedules, isolated_registry
from comptoir.kit.jobs.runner import JobRunner
from comptoir.kit.jobs.schedules import enqueue_due_jobs, sync_schedules

ran: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def _own_registry() -> Iterator[None]:
    ran.clear()
    with isolated_registry():
        task("test.note")(note)
        task("test.explode", max_attempts=3)(explode)
        yield


def note(session: Session, payload: dict[str, Any]) -> None:
    ran.append(payload)
    session.add(OutboxEvent(type="test.noted", key="k", payload=payload))


def explode(session: Session, payload: dict[str, Any]) -> None:
    ran.append(payload)
    session.add(OutboxEvent(type="test.must-vanish", key="k", payload={}))
    session.flush()
    raise RuntimeError("the carrier API answered 503")


def runner(database: Database) -> JobRunner:
    return JobRunner(
        database, worker_name="w1", lease_seconds=30, retry_base_seconds=10, retry_max_seconds=600
    )


def count_events(database: Database, event_type: str) -> int:
    with database.transaction(readonly=True) as session:
        return int(session.scalar(select(func.count()).where(OutboxEvent.type == event_type)) or 0)


def test_a_job_runs_once_and_commits_its_work_with_its_completion(db: Database) -> None:
    with db.transaction() as session:
        job_id = enqueue(session, "test.note", {"n": 1}).id

    assert runner(db).run_batch() == 1
    assert runner(db).run_batch() == 0

    assert ran == [{"n": 1}]
    assert count_events(db, "test.noted") == 1
    with db.transaction(readonly=True) as session:
        view = jobs.get_job(session, job_id)
        assert (view.status, view.attempts) == ("succeeded", 1)


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(db: Database) -> None:
    def queue_then_fail() -> None:
        with db.transaction() as session:
            enqueue(session, "test.note", {"n": 1})
            raise RuntimeError("the order was not placed")

    with pytest.raises(RuntimeError):
        queue_then_fail()

    assert runner(db).run_batch() == 0
    assert ran == []


def test_a_timer_job_waits_for_its_time(db: Database, clock: FrozenClock) -> None:
    with db.transaction() as session:
        enqueue(session, "test.note", {"n": 1}, delay=timedelta(days=3))

    assert runner(db).run_batch() == 0
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert runner(db).run_batch() == 0
    clock.advance(timedelta(seconds=1))
    assert runner(db).run_batch() == 1


def test_a_failing_job_is_retried_with_backoff_then_dead_lettered(
    db: Database, clock: FrozenClock
) -> None:
    with db.transaction() as session:
        job_id = enqueue(session, "test.explode", {}).id
    the_runner = runner(db)

    assert the_runner.run_batch() == 1
    with db.transaction(readonly=True) as session:
        view = jobs.get_job(session, job_id)
        assert (view.status, view.attempts) == ("failed", 1)
        assert view.last_error is not None
        assert "503" in view.last_error
        assert timedelta(seconds=10) <= view.run_after - clock.now() <= timedelta(seconds=11)
    assert the_runner.run_batch() == 0

    clock.advance(timedelta(seconds=11))
    assert the_runner.run_batch() == 1
    clock.advance(timedelta(seconds=22))
    assert the_runner.run_batch() == 1
    clock.advance(timedelta(hours=1))
    assert the_runner.run_batch() == 0

    assert len(ran) == 3
    assert count_events(db, "test.must-vanish") == 0
    with db.transaction(readonly=True) as session:
        assert jobs.get_job(session, job_id).status == "dead"
        assert jobs.status_counts(session) == {
            "pending": 0,
            "running": 0,
            "failed": 0,
            "dead": 1,
            "succeeded": 0,
        }


def test_a_dead_job_retried_by_hand_runs_again(db: Database) -> None:
    with db.transaction() as session:
        job_id = enqueue(session, "test.explode", {}, max_attempts=1).id
    runner(db).run_batch()
    task("test.explode")  # still registered: make it succeed now
    with isolated_registry():
        task("test.explode")(note)
        with db.transaction() as session:
            assert jobs.retry_job(session, job_id).attempts == 0
        assert runner(db).run_batch() == 1
    with db.transaction(readonly=True) as session:
        assert jobs.get_job(session, job_id).status == "succeeded"


def test_a_succeeded_job_cannot_be_retried(db: Database) -> None:
    with db.transaction() as session:
        job_id = enqueue(session, "test.note", {}).id
    runner(db).run_batch()
    with db.transaction() as session, pytest.raises(jobs.JobNotRetryable):
        jobs.retry_job(session, job_id)


def test_enqueue_refuses_an_unknown_task(session: Session) -> None:
    with pytest.raises(ValueError, match="no task named"):
        enqueue(session, "test.nobody", {})
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_dedupe_key_keeps_a_single_pending_job(session: Session) -> None:
    first = enqueue(session, "test.note", {}, dedupe_key="recompute:sku-1")
    second = enqueue(session, "test.note", {}, dedupe_key="recompute:sku-1")
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_jobs_run_by_priority_then_due_time(db: Database, clock: FrozenClock) -> None:
    with db.transaction() as session:
        enqueue(session, "test.note", {"n": "late"}, priority=100)
        enqueue(session, "test.note", {"n": "urgent"}, priority=10)
        enqueue(
            session,
            "test.note",
            {"n": "later"},
            priority=100,
            run_after=clock.now() + timedelta(seconds=1),
        )
    clock.advance(timedelta(seconds=2))
    runner(db).run_batch()
    assert [p["n"] for p in ran] == ["urgent", "late", "later"]


def test_a_job_whose_worker_vanished_is_taken_over_after_its_lease(
    db: Database, clock: FrozenClock
) -> None:
    with db.transaction() as session:
        job_id = enqueue(session, "test.note", {"n": 1}).id
    gone = JobRunner(db, worker_name="gone", lease_seconds=30)
    assert gone.claim() is not None  # then the process is killed
    assert runner(db).run_batch() == 0

    clock.advance(timedelta(seconds=31))

    assert runner(db).run_batch() == 1
    with db.transaction(readonly=True) as session:
        view = jobs.get_job(session, job_id)
        assert (view.status, view.attempts) == ("succeeded", 2)


def test_a_late_worker_cannot_complete_a_job_taken_over(db: Database, clock: FrozenClock) -> None:
    with db.transaction() as session:
        enqueue(session, "test.note", {"n": 1})
    slow = JobRunner(db, worker_name="slow", lease_seconds=30)
    claimed = slow.claim()
    assert claimed is not None
    clock.advance(timedelta(seconds=31))
    assert runner(db).run_batch() == 1

    slow.run(claimed)  # wakes up after its lease was taken over

    assert count_events(db, "test.noted") == 1


def test_hourly_schedule_catches_up_every_missed_slot_once(
    db: Database, clock: FrozenClock
) -> None:
    schedule("test.hourly", task="test.note", cron="0 * * * *", timezone="UTC")
    with db.transaction() as session:
        sync_schedules(session, all_schedules(), "Europe/Paris")
    clock.advance(timedelta(hours=5, minutes=30))  # 10:00 -> 15:30, no worker ran

    with db.transaction() as session:
        assert enqueue_due_jobs(session) == 5
        assert enqueue_due_jobs(session) == 0
    runner(db).run_batch()

    expected = [datetime(2026, 11, 23, h, tzinfo=UTC).isoformat() for h in range(11, 16)]
    assert sorted(p["scheduled_for"] for p in ran) == expected


def test_a_schedule_without_catch_up_runs_only_the_latest_missed_slot(
    db: Database, clock: FrozenClock
) -> None:
    schedule("test.hourly", task="test.note", cron="0 * * * *", catch_up=False, timezone="UTC")
    with db.transaction() as session:
        sync_schedules(session, all_schedules(), "UTC")
    clock.advance(timedelta(hours=5, minutes=30))
    with db.transaction() as session:
        assert enqueue_due_jobs(session) == 1
    runner(db).run_batch()
    assert [p["scheduled_for"] for p in ran] == [datetime(2026, 11, 23, 15, tzinfo=UTC).isoformat()]
