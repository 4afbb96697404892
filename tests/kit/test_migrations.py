"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from comptoir.kit.db.engine import create_engine_for
from comptoir.kit.db.migrate import downgrade, is_up_to_date, upgrade
from comptoir.models import metadata
from tests.support.database import create_test_database, drop_test_database


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_migration_can_be_undone_and_redone(tmp_path: Path) -> None:
    url = create_test_database(tmp_path, suffix="_migrations")
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        assert is_up_to_date(engine)
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
        drop_test_database(url)
