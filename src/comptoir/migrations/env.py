"""Alembic environment: runs online against the connection handed in by
:mod:`comptoir.kit.db.migrate`, or against ``sqlalchemy.url`` / the settings' database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from comptoir.kit.db.engine import create_engine_for
from comptoir.kit.settings import get_settings
from comptoir.models import metadata

config = context.config


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """With ``table_prefixes`` set (``comptoir db revision --tables catalog_``), autogenerate
    looks only at those tables, so a module writes a migration of its own tables only."""
    prefixes = config.attributes.get("table_prefixes")
    if not prefixes:
        return True
    table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return any(str(table_name).startswith(prefix) for prefix in prefixes)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="ct.",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = create_engine_for(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Comptoir migrations run online only: use `comptoir migrate`.")
run_migrations_online()
