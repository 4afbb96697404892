"""The returns tables: a return (RMA) of an order, and its lines with the customer's reason,
what was received and what inspection decided (restock at a location, or scrap)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin

RETURN_REASONS = (
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "too_small",
    "too_large",
    "changed_mind",
    "other",
)
RETURN_STATUSES = ("requested", "received", "inspected", "refunded", "cancelled")
LINE_OUTCOMES = ("restock", "scrap")


class Return(IdMixin, TimestampMixin, Base):
    """A return of some units of an order. ``refund_minor`` is what was refunded (in the
    order's currency); ``exchange_order_id`` the replacement order of an exchange."""

    __tablename__ = "orders_returns"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'received', 'inspected', 'refunded', 'cancelled')",
            name="status",
        ),
        Index("ix_orders_returns_status_created", "status", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(80), unique=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_orders.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="requested")
    note: Mapped[str | None] = mapped_column(Text, default=None)
    currency: Mapped[str] = mapped_column(String(3))
    refund_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    exchange_order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders_orders.id", ondelete="SET NULL"), default=None
    )
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    inspected_at: Mapped[datetime | None] = mapped_column(default=None)
    refunded_at: Mapped[datetime | None] = mapped_column(default=None)
    lines: Mapped[list[ReturnLine]] = relationship(
        order_by="ReturnLine.id", cascade="all, delete-orphan", lazy="selectin"
    )


class ReturnLine(IdMixin, Base):
    """Units of one order line sent back, why, and (after inspection) what became of them.
    With ``replacement_variant_id`` the customer wants that variant instead of a refund."""

    __tablename__ = "orders_return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "reason IN ('damaged', 'defective', 'wrong_item', 'not_as_described', "
            "'too_small', 'too_large', 'changed_mind', 'other')",
            name="reason",
        ),
        CheckConstraint("outcome IS NULL OR outcome IN ('restock', 'scrap')", name="outcome"),
    )

    return_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_returns.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_order_lines.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    replacement_variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="SET NULL"), default=None
    )
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="SET NULL"), default=None
    )
    refund_minor: Mapped[int] = mapped_column(BigInteger, default=0)
