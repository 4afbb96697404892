"""Cursor (keyset) pagination of SQLAlchemy ``select()`` statements, for the API and the back
office lists.

A page is read with ``WHERE (sort keys) come after (the last row's keys) ORDER BY ... LIMIT``,
so a page costs the same whatever its depth, and rows inserted or deleted meanwhile neither
shift nor repeat the rest of the list (as ``OFFSET`` would). The cursor carries the last row's
sort values and id, typed, in URL-safe base64; it is opaque to clients.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the annotations of
# ``PageParams.__init__`` at run time, and a class has no globals to resolve strings in.

import base64
import binascii
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Column, ColumnElement, Select, and_, or_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.types import TypeDecorator

from comptoir.kit.db.types import UTCDateTime, UUIDType
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l

T = TypeVar("T")
U = TypeVar("U")

Direction = Literal["asc", "desc"]
SortKey = ColumnElement[Any] | QueryableAttribute[Any]

CURSOR_VERSION: Final = 1
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
MAX_CURSOR_LENGTH: Final = 2048
_CURSOR_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_DECORATED_TYPES: Final[dict[type, type]] = {UUIDType: uuid.UUID, UTCDateTime: datetime}


class InvalidCursor(InvalidInput):
    slug = "invalid-cursor"
    title = _l("The page cursor is not valid.")

    def __init__(self, reason: str) -> None:
        super().__init__(
            _l("This page cursor does not belong to this list: start again from the first page."),
            field="cursor",
        )
        # For logs only: what exactly was wrong with it.
        self.reason = reason


class Page(BaseModel, Generic[T]):
    """One page of a list. ``Page[OrderOut]`` is a FastAPI response model."""

    items: list[T] = Field(description="The rows of this page, in list order.")
    next_cursor: str | None = Field(
        description="Pass it as `cursor` to read the next page; null on the last page.",
    )
    limit: int = Field(description="The page size that was asked for.", examples=[50])

    def map(self, convert: Callable[[T], U]) -> "Page[U]":
        """The same page with every item passed through ``convert`` (rows to schemas)."""
        return Page(
            items=[convert(item) for item in self.items],
            next_cursor=self.next_cursor,
            limit=self.limit,
        )


class PageParams:
    """The ``cursor`` and ``limit`` query parameters of a list endpoint.

    Use as ``params: Annotated[PageParams, Depends()]``; FastAPI refuses a limit outside
    1..200 with a 422 before the endpoint runs.
    """

    def __init__(
        self,
        cursor: Annotated[
            str | None,
            Query(
                max_length=MAX_CURSOR_LENGTH,
                description="The `next_cursor` of the previous page; omit it for the first.",
            ),
        ] = None,
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="How many rows per page.")
        ] = DEFAULT_LIMIT,
    ) -> None:
        self.cursor = cursor
        self.limit = limit


def paginate(
    session: Session,
    stmt: Select[T],
    *,
    order_by: Sequence[tuple[SortKey, Direction]],
    id_column: SortKey,
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """The page of ``stmt``'s rows that follows ``cursor`` (the first page when None).

    ``stmt`` selects one entity or column and carries the filters; its own ORDER BY and LIMIT
    are replaced. Rows are sorted by ``order_by`` then by ``id_column``, which breaks ties in
    the direction of the last sort key (ascending when ``order_by`` is empty) and must be
    unique. NULL sort values come last in both directions. Walking the ``next_cursor`` chain
    yields every row once, in order.

    Raises :class:`InvalidCursor` for a cursor that is garbage, tampered with or made for
    another sort order; :class:`InvalidInput` (field "limit") for a limit outside 1..200;
    ``ValueError`` if ``stmt`` selects more than one thing.
    """
    if len(stmt.column_descriptions) != 1:
        raise ValueError("paginate needs a select() of one entity or one column")
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_l("The page size must be between 1 and 200."), field="limit")
    last_direction = order_by[-1][1] if order_by else "asc"
    keys = [(_as_column(key), direction) for key, direction in order_by]
    keys.append((_as_column(id_column), last_direction))
    fingerprint = _fingerprint(keys)

    query: Select[Any] = stmt.order_by(None).order_by(*(_ordering(column, d) for column, d in keys))
    if cursor is not None:
        query = query.where(_after(keys, decode_cursor(cursor, keys, fingerprint)))
    # The sort values ride along each row, so the cursor is built from what the database
    # compared, whatever the selected entity exposes.
    query = query.add_columns(*(column for column, _ in keys)).limit(limit + 1)
    rows = session.execute(query).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(list(rows[-1][1:]), fingerprint) if has_more else None
    items: list[T] = [row[0] for row in rows]
    return Page(items=items, next_cursor=next_cursor, limit=limit)


# -- the SQL ------------------------------------------------------------------------------------


def _as_column(key: SortKey) -> ColumnElement[Any]:
    return key.expression if isinstance(key, QueryableAttribute) else key


def _is_nullable(column: ColumnElement[Any]) -> bool:
    # Anything but a plain table column (an expression, a label) may be NULL.
    return column.nullable is not False if isinstance(column, Column) else True


def _ordering(column: ColumnElement[Any], direction: Direction) -> UnaryExpression[Any]:
    ordering = column.asc() if direction == "asc" else column.desc()
    # SQLite puts NULLs first and PostgreSQL last; say it, so both agree with _after().
    return ordering.nulls_last() if _is_nullable(column) else ordering


def _after(
    keys: Sequence[tuple[ColumnElement[Any], Direction]], values: Sequence[Any]
) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys`` (NULLs last): the row-value
    comparison spelled out, since directions may differ from key to key."""
    branches: list[ColumnElement[bool]] = []
    equal_so_far: list[ColumnElement[bool]] = []
    for (column, direction), value in zip(keys, values, strict=True):
        if value is not None:
            beyond = column > value if direction == "asc" else column < value
            if _is_nullable(column):
                beyond = or_(beyond, column.is_(None))
            branches.append(and_(*equal_so_far, beyond))
        equal_so_far.append(column.is_(None) if value is None else column == value)
    return or_(*branches)


def _fingerprint(keys: Sequence[tuple[ColumnElement[Any], Direction]]) -> str:
    """Names the sort order, so a cursor from another order of the list is refused."""
    spelled = json.dumps([[str(column), direction] for column, direction in keys])
    return hashlib.sha256(spelled.encode()).hexdigest()[:12]


# -- the cursor ---------------------------------------------------------------------------------


def encode_cursor(values: Sequence[Any], fingerprint: str) -> str:
    """An opaque URL-safe cursor holding ``values`` with their types. Raises ``TypeError``
    for a value of a type a cursor cannot carry."""
    payload = {"v": CURSOR_VERSION, "o": fingerprint, "k": [_encode_value(v) for v in values]}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(
    cursor: str, keys: Sequence[tuple[ColumnElement[Any], Direction]], fingerprint: str
) -> list[Any]:
    """The typed values in ``cursor``, checked against the sort ``keys``. Raises
    :class:`InvalidCursor` when it is not one this sort order produced."""
    if len(cursor) > MAX_CURSOR_LENGTH or not _CURSOR_ALPHABET.fullmatch(cursor):
        raise InvalidCursor("not URL-safe base64")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor("not base64-encoded JSON") from None
    if not isinstance(payload, dict) or payload.get("v") != CURSOR_VERSION:
        raise InvalidCursor("unknown cursor version")
    if payload.get("o") != fingerprint:
        raise InvalidCursor("made for another sort order")
    encoded = payload.get("k")
    if not isinstance(encoded, list) or len(encoded) != len(keys):
        raise InvalidCursor("wrong number of sort values")
    values = [_decode_value(item) for item in encoded]
    if values[-1] is None:
        raise InvalidCursor("no id")
    for (column, _), value in zip(keys, values, strict=True):
        expected = _python_type(column)
        if value is not None and expected is not None and not isinstance(value, expected):
            raise InvalidCursor(f"a {type(value).__name__} where {expected.__name__} sorts")
    return values


def _python_type(column: ColumnElement[Any]) -> type | None:
    """The Python type the column's values have, when it is sure; None skips the check."""
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):
        # A decorator's stored type says nothing of what it returns (UUIDType stores bytes).
        return _DECORATED_TYPES.get(type(sql_type))
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return None
    return python_type if python_type is not object else None


def _encode_value(value: Any) -> list[Any]:
    # Order matters: bool is an int, datetime is a date.
    if value is None:
        return ["none"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("a cursor carries instants with their zone, not naive datetimes")
        return ["datetime", value.isoformat()]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["uuid", str(value)]
    raise TypeError(f"a cursor cannot carry a {type(value).__name__}")


_DECODERS: Final[dict[str, Callable[[str], Any]]] = {
    "int": int,
    "float": float,
    "decimal": Decimal,
    "str": str,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "uuid": uuid.UUID,
}


def _decode_value(item: Any) -> Any:
    if item == ["none"]:
        return None
    if not isinstance(item, list) or len(item) != 2:
        raise InvalidCursor("malformed sort value")
    tag, text = item
    if tag == "bool" and isinstance(text, bool):
        return text
    decoder = _DECODERS.get(tag) if isinstance(tag, str) else None
    if decoder is None or not isinstance(text, str):
        raise InvalidCursor("malformed sort value")
    try:
        value = decoder(text)
    except (ValueError, InvalidOperation):
        raise InvalidCursor(f"unreadable {tag}") from None
    # What the databases would refuse to compare must fail here, as a bad cursor.
    if isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
        raise InvalidCursor("integer out of range")
    if isinstance(value, str) and "\x00" in value:
        raise InvalidCursor("NUL in text")
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidCursor("naive datetime")
    if isinstance(value, Decimal | float) and not _is_finite(value):
        raise InvalidCursor("not a finite number")
    return value


def _is_finite(number: Decimal | float) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)
