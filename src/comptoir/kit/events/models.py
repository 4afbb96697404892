"""Outbox tables: events written in the business transaction, one delivery row per
subscribed handler, and the inbox that makes handlers apply an event once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit import clock
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

DELIVERY_PENDING = "pending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_DEAD = "dead"


class OutboxEvent(IdMixin, Base):
    """Something that happened, e.g. ``order.placed``. Ordered by ``id`` (UUID v7)."""

    __tablename__ = "outbox_events"

    type: Mapped[str] = mapped_column(String(100), index=True)
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType())
    occurred_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())

    deliveries: Mapped[list[EventDelivery]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )


class EventDelivery(IdMixin, TimestampMixin, Base):
    """The delivery of one event to one handler, with its retry state."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "handler"),
        Index("ix_event_deliveries_due", "status", "next_attempt_at"),
        # The relay's claim checks, for each due delivery, that no earlier delivery of the same
        # (handler, key) is still pending: a partial index keeps that probe small however many
        # delivered rows accumulate.
        Index(
            "ix_event_deliveries_pending_line",
            "handler",
            "key",
            "event_id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=DELIVERY_PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    locked_by: Mapped[str | None] = mapped_column(String(200), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)

    event: Mapped[OutboxEvent] = relationship(back_populates="deliveries")


class EventInboxEntry(Base):
    """Proof that ``handler`` applied ``event_id``: written in the handler's transaction."""

    __tablename__ = "event_inbox"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
