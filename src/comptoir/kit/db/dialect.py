"""The few places where SQLite and PostgreSQL differ, behind one interface.

Row locks: ``SELECT ... FOR UPDATE [SKIP LOCKED]`` exists on PostgreSQL only. SQLite has a
single writer at a time (our sessions start with ``BEGIN IMMEDIATE``), which gives the same
guarantee for a single claimer, so the lock clause is simply left out there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

S = TypeVar("S", bound=Select[Any])


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_for_update(session: Session, stmt: S, *, skip_locked: bool = False) -> S:
    """Lock the selected rows until the end of the transaction (PostgreSQL), optionally
    skipping rows another transaction holds."""
    if is_postgresql(session):
        return stmt.with_for_update(skip_locked=skip_locked)
    return stmt


def insert_ignoring_conflicts(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    conflict_columns: Sequence[str],
) -> int:
    """Insert rows, silently skipping those that collide on ``conflict_columns``.

    Returns the number of rows actually inserted.
    """
    if not rows:
        return 0
    dialect = postgresql if is_postgresql(session) else sqlite
    stmt = (
        dialect.insert(table)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        .returning(*[table.c[name] for name in conflict_columns])
    )
    # Count the rows RETURNING gives back: the driver's rowcount is -1 on PostgreSQL for
    # multi-row inserts.
    return len(session.execute(stmt).all())
