from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session

from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.db.engine import Database
from comptoir.kit.db.migrate import is_up_to_date
from comptoir.kit.events.models import EventInboxEntry
from comptoir.kit.ids import uuid7, uuid7_time_ms
from comptoir.kit.jobs.models import Job


def test_migrations_bring_the_test_database_to_head(engine: Engine) -> None:
    assert is_up_to_date(engine)


def test_a_row_round_trips_uuid_and_aware_utc_times(db: Database) -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 23, 11, 30, tzinfo=paris)
    with db.transaction() as session:
        job = Job(task="t", payload={"a": 1}, run_after=moment)
        session.add(job)
        session.flush()
        job_id = job.id
    with db.transaction(readonly=True) as session:
        loaded = session.execute(select(Job).where(Job.id == job_id)).scalar_one()
        assert isinstance(loaded.id, uuid.UUID)
        assert loaded.run_after == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
        assert loaded.run_after.tzinfo is not None


def test_a_naive_datetime_is_refused(db: Database) -> None:
    def add_naive_job() -> None:
        with db.transaction() as session:
            session.add(Job(task="t", run_after=datetime(2026, 1, 1)))  # noqa: DTZ001
            session.flush()

    with pytest.raises(Exception, match="naive datetime"):
        add_naive_job()


def test_work_rolled_back_leaves_nothing(db: Database) -> None:
    def add_then_fail() -> None:
        with db.transaction() as session:
            session.add(Job(task="lost"))
            session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        add_then_fail()
    with db.transaction(readonly=True) as session:
        assert session.execute(select(Job).where(Job.task == "lost")).first() is None


def test_uuid7_is_time_ordered_and_carries_the_time() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5000
    assert all(i.version == 7 for i in ids)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    assert abs(uuid7_time_ms(ids[-1]) - now_ms) < 5000


def test_insert_ignoring_conflicts_counts_only_the_rows_inserted(session: Session) -> None:
    table = EventInboxEntry.__table__
    assert isinstance(table, Table)
    first = uuid7()
    rows = [{"event_id": first, "handler": "h", "processed_at": datetime.now(UTC)}]
    assert insert_ignoring_conflicts(session, table, rows, ["event_id", "handler"]) == 1
    rows.append({"event_id": uuid7(), "handler": "h", "processed_at": datetime.now(UTC)})
    assert insert_ignoring_conflicts(session, table, rows, ["event_id", "handler"]) == 1
    assert session.scalar(select(func.count()).select_from(table)) == 2
