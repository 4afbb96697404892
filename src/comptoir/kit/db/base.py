"""The declarative base every table derives from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from comptoir.kit import clock
from comptoir.kit.db.types import UTCDateTime, UUIDType
from comptoir.kit.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {uuid.UUID: UUIDType(), datetime: UTCDateTime()}


class IdMixin:
    """A UUID v7 primary key, generated in Python so it is known before the flush."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


class TimestampMixin:
    """``created_at`` / ``updated_at`` in UTC, from the application clock."""

    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=lambda: clock.now(), onupdate=lambda: clock.now()
    )


@event.listens_for(IdMixin, "init", propagate=True)
def _assign_id(target: IdMixin, _args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Give every new object its id at construction, so it can be referenced (an event key,
    a job payload) before the flush."""
    kwargs.setdefault("id", uuid7())
