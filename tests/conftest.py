"""The test harness: the whole suite runs on SQLite, and on PostgreSQL when
``COMPTOIR_TEST_DATABASE_URL`` is set. Each test worker gets its own database built by the real
migrations; each test runs inside a transaction that is rolled back, unless it asks for a
``committed_db`` (threads, subprocesses, a live server), which is emptied afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock, use_clock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.support.browser import launch_chromium
from tests.support.database import (
    backend_name,
    create_test_database,
    drop_test_database,
    empty_all_tables,
    migrated_engine,
)


def pytest_report_header() -> str:
    return f"comptoir test database: {backend_name()}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if backend_name() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set COMPTOIR_TEST_DATABASE_URL")
    for item in items:
        if item.get_closest_marker("postgresql_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_test_database(tmp_path_factory.mktemp("db"))
    yield url
    drop_test_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A :class:`Database` whose sessions are savepoints in a transaction rolled back at the
    end of the test: nothing a test writes survives it."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield Database(engine, connection=connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    session = db.session()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def committed_db(engine: Engine) -> Iterator[Database]:
    """A :class:`Database` that really commits, for tests with several connections, threads
    or processes. Every table is emptied afterwards."""
    empty_all_tables(engine)
    try:
        yield Database(engine)
    finally:
        empty_all_tables(engine)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path,
        run_worker_in_process=False,
        _env_file=None,
    )


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    """Time stands still at 2026-11-23 10:00 UTC until the test moves it."""
    frozen = FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    with use_clock(frozen):
        yield frozen


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One chromium for the whole test session (Playwright's sync API allows one per
    process); each test opens its own page."""
    with launch_chromium() as chromium:
        yield chromium
