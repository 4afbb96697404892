"""Alembic, driven from Python: ``comptoir migrate`` and the test harness both come here.

The migration scripts live inside the package (``comptoir/migrations``) so that an installed
Comptoir (a wheel, a container) can migrate its database without the source tree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(*, connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration bound to an open connection or a database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to ``revision`` (all migrations by default)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), revision)


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revision(engine: Engine) -> str | None:
    """The database's revision (several, comma-separated, while branches are open)."""
    return ",".join(sorted(current_revisions(engine))) or None


def head_revision() -> str | None:
    return ",".join(sorted(head_revisions())) or None


def is_up_to_date(engine: Engine) -> bool:
    """True when no migration is left to apply (branches and dependencies included)."""
    script = ScriptDirectory.from_config(alembic_config())
    current = tuple(current_revisions(engine))
    if not current:
        return not script.get_heads()
    return not list(script.iterate_revisions("heads", current))
