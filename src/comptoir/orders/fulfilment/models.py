"""The fulfilment tables: shipments and their lines, and click & collect pickups.

A shipment holds some units of some lines of an order, sent from one location (or handed
over at the counter for a pickup); an order is partly shipped until its shipments hold every
open unit. A pickup's code is stored as a keyed hash only: it is shown once to the staff who
mark the order ready and travels to the customer in the ``pickup.ready`` event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin

ORDER_FK = "orders_orders.id"
LOCATION_FK = "inventory_locations.id"


class Shipment(IdMixin, TimestampMixin, Base):
    """Units of an order leaving ``location_id``: by a carrier (``method`` ``shipping``) or
    over the store counter (``pickup``)."""

    __tablename__ = "orders_shipments"
    __table_args__ = (
        CheckConstraint("status IN ('shipped', 'delivered')", name="status"),
        CheckConstraint("method IN ('shipping', 'pickup')", name="method"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(ORDER_FK, ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(LOCATION_FK, ondelete="SET NULL"), default=None
    )
    method: Mapped[str] = mapped_column(String(16), default="shipping")
    status: Mapped[str] = mapped_column(String(16), default="shipped")
    carrier: Mapped[str | None] = mapped_column(String(100), default=None)
    tracking_number: Mapped[str | None] = mapped_column(String(100), default=None)
    shipped_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    lines: Mapped[list[ShipmentLine]] = relationship(
        order_by="ShipmentLine.id", cascade="all, delete-orphan", lazy="selectin"
    )


class ShipmentLine(IdMixin, Base):
    """``quantity`` units of one order line in a shipment."""

    __tablename__ = "orders_shipment_lines"
    __table_args__ = (
        UniqueConstraint("shipment_id", "order_line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_shipments.id", ondelete="CASCADE")
    )
    order_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_order_lines.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]


class Pickup(IdMixin, TimestampMixin, Base):
    """A click & collect order waiting at a store: its code (hashed), until when it waits,
    and how it ended (``collected``, ``expired``)."""

    __tablename__ = "orders_pickups"
    __table_args__ = (
        CheckConstraint("status IN ('ready', 'collected', 'expired')", name="status"),
        Index("ix_orders_pickups_status_collect_by", "status", "collect_by"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(ORDER_FK, ondelete="CASCADE"), unique=True
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(LOCATION_FK, ondelete="SET NULL"), default=None, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="ready")
    code_hash: Mapped[str] = mapped_column(String(64))
    ready_at: Mapped[datetime]
    collect_by: Mapped[datetime]
    collected_at: Mapped[datetime | None] = mapped_column(default=None)
