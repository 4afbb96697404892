"""Engines and sessions. A :class:`Database` hands out sessions; whoever opens one owns the
transaction (a request, a job, a CLI command) and commits once at its end. Services never
commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from comptoir.kit.settings import Settings

READONLY_OPTION = "comptoir_readonly"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or omits)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that we begin ourselves.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the documented
    SQLAlchemy recipe is to turn it off and emit BEGIN in the ``begin`` event. Writing
    transactions start with ``BEGIN IMMEDIATE`` so that two writers queue on the busy timeout
    instead of failing on a lock upgrade; read-only sessions use a plain deferred BEGIN.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        readonly = connection.get_execution_options().get(READONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def create_engine_for(
    url: str, *, pool_size: int = 10, echo: bool = False, busy_timeout_ms: int = 15_000
) -> Engine:
    """An engine configured for Comptoir on SQLite or PostgreSQL."""
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    if backend == "postgresql":
        return create_engine(
            url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
    raise ValueError(f"unsupported database backend: {backend}")


class Database:
    """Hands out sessions bound to one engine (or, in tests, to one open connection)."""

    def __init__(self, engine: Engine, *, connection: Connection | None = None) -> None:
        self.engine = engine
        self._connection = connection
        if connection is not None:
            # Tests: every session is a SAVEPOINT inside the test's outer transaction.
            self._factory = sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            )
            self._readonly_factory = self._factory
        else:
            self._factory = sessionmaker(bind=engine, expire_on_commit=False)
            self._readonly_factory = sessionmaker(
                bind=engine.execution_options(**{READONLY_OPTION: True}),
                expire_on_commit=False,
            )

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    def session(self, *, readonly: bool = False) -> Session:
        """A new session; the caller commits or rolls back and closes it."""
        return (self._readonly_factory if readonly else self._factory)()

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """A session whose work is committed when the block ends, rolled back on error."""
        session = self.session(readonly=readonly)
        try:
            yield session
            if readonly:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        if self._connection is None:
            self.engine.dispose()


def create_database(settings: Settings) -> Database:
    """The :class:`Database` for these settings (creates the SQLite data folder if needed)."""
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite" and not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine_for(
        url,
        pool_size=settings.database_pool_size,
        echo=settings.database_echo,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
    )
    return Database(engine)
