"""One database per test worker, built by running the real Alembic migrations."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from comptoir.kit.db.engine import create_engine_for, normalise_url
from comptoir.kit.db.migrate import upgrade
from comptoir.models import metadata

TEST_DATABASE_ENV = "COMPTOIR_TEST_DATABASE_URL"


def backend_name() -> str:
    return "postgresql" if os.environ.get(TEST_DATABASE_ENV) else "sqlite"


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def create_test_database(tmp_dir: Path, suffix: str = "") -> str:
    """Create an empty database for this test worker and return its URL."""
    server_url = os.environ.get(TEST_DATABASE_ENV)
    if not server_url:
        path = tmp_dir / f"comptoir-{worker_id()}{suffix}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = make_url(normalise_url(server_url))
    # COMPTOIR_TEST_DB_TAG keeps two test runs on one server (two checkouts) apart.
    tag = os.environ.get("COMPTOIR_TEST_DB_TAG", "")
    name = f"comptoir_test_{tag}{worker_id()}{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a power cut: commits stop waiting for the disk,
        # which on a busy CI machine is what made pages time out.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_test_database(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return
    server_url = os.environ[TEST_DATABASE_ENV]
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def migrated_engine(database_url: str) -> Engine:
    engine = create_engine_for(database_url, pool_size=20)
    upgrade(engine)
    return engine


def empty_all_tables(engine: Engine) -> None:
    """Delete every row (tests that commit for real clean up after themselves). A table the
    migrations do not create yet is the migration test's business, not a reason to leave rows
    behind in the others."""
    with engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())
        for table in metadata.sorted_tables:
            # A row citing another of its table (a reversal its entry) goes first: unlink them.
            cycle = [fk.parent for fk in table.foreign_keys if fk.column.table is table]
            if table.name in existing and cycle:
                connection.execute(table.update().values({column.name: None for column in cycle}))
        for table in reversed(metadata.sorted_tables):
            if table.name in existing:
                connection.execute(table.delete())
