"""The inventory tables.

``inventory_stock_levels`` is a cache of the ledger: ``on_hand`` is the sum of the movements of
its (variant, location) and ``reserved`` the open quantity of its active reservations. Both are
only ever changed by guarded atomic UPDATEs in :mod:`comptoir.inventory.service`, in the same
transaction as the movement or reservation that explains the change.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

VARIANT_FK = "catalog_variants.id"
CHANNEL_FK = "channels_channels.id"


class Location(IdMixin, TimestampMixin, Base):
    """A place that holds stock: a warehouse, a store, or an external fulfilment partner."""

    __tablename__ = "inventory_locations"
    __table_args__ = (CheckConstraint("kind IN ('warehouse', 'store', 'external')", name="kind"),)

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(default=True)
    # External locations: who runs them ("3pl", "marketplace") and the partner's name.
    external_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    external_partner: Mapped[str | None] = mapped_column(String(200), default=None)
    address_line1: Mapped[str | None] = mapped_column(String(200), default=None)
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    # {"mon": [["09:00", "19:00"]], ...}: weekday -> list of opening intervals, local time.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    click_and_collect: Mapped[bool] = mapped_column(default=False)


class StockLevel(IdMixin, TimestampMixin, Base):
    """What one location holds of one variant. ``available`` = ``on_hand`` - ``reserved``."""

    __tablename__ = "inventory_stock_levels"
    __table_args__ = (
        UniqueConstraint("variant_id", "location_id"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        Index("ix_inventory_stock_levels_location_variant", "location_id", "variant_id"),
    )

    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Movement(IdMixin, Base):
    """One line of the append-only ledger: a change of ``on_hand`` and why it happened."""

    __tablename__ = "inventory_movements"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('receipt', 'sale', 'return', 'adjustment', 'transfer_out', "
            "'transfer_in', 'count')",
            name="kind",
        ),
        Index("ix_inventory_movements_variant_location", "variant_id", "location_id"),
    )

    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    # Signed change of on_hand: +5 received, -2 sold, -1 counted short.
    quantity: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    reference_type: Mapped[str | None] = mapped_column(String(40), default=None)
    reference_id: Mapped[str | None] = mapped_column(String(64), default=None)
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]


class Reservation(IdMixin, TimestampMixin, Base):
    """Units set aside: a cart hold (with an expiry) or an order allocation (without)."""

    __tablename__ = "inventory_reservations"
    __table_args__ = (
        CheckConstraint("kind IN ('hold', 'allocation')", name="kind"),
        CheckConstraint("status IN ('active', 'released', 'consumed', 'expired')", name="status"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("consumed >= 0 AND consumed <= quantity", name="consumed_in_range"),
        Index("ix_inventory_reservations_status_expires_at", "status", "expires_at"),
        Index("ix_inventory_reservations_variant_location", "variant_id", "location_id"),
    )

    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    quantity: Mapped[int]
    consumed: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    reference_type: Mapped[str | None] = mapped_column(String(40), default=None)
    reference_id: Mapped[str | None] = mapped_column(String(64), default=None)

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.consumed if self.status == "active" else 0


class ChannelLocation(IdMixin, TimestampMixin, Base):
    """A channel sells from this location, keeping ``buffer`` units back at it."""

    __tablename__ = "inventory_channel_locations"
    __table_args__ = (
        UniqueConstraint("channel_id", "location_id"),
        CheckConstraint("buffer >= 0", name="buffer_not_negative"),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    buffer: Mapped[int] = mapped_column(default=0)


class Transfer(IdMixin, TimestampMixin, Base):
    """Stock moving from one location to another: draft, shipped (in transit), received."""

    __tablename__ = "inventory_transfers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'shipped', 'partially_received', 'received', 'cancelled')",
            name="status",
        ),
        CheckConstraint("source_location_id <> destination_location_id", name="two_places"),
    )

    source_location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    destination_location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(24), default="draft")
    note: Mapped[str | None] = mapped_column(Text, default=None)
    shipped_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    lines: Mapped[list[TransferLine]] = relationship(
        back_populates="transfer", order_by="TransferLine.variant_id", lazy="selectin"
    )


class TransferLine(IdMixin, Base):
    __tablename__ = "inventory_transfer_lines"
    __table_args__ = (
        UniqueConstraint("transfer_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received >= 0 AND received <= quantity", name="received_in_range"),
    )

    transfer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_transfers.id", ondelete="CASCADE")
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    quantity: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    transfer: Mapped[Transfer] = relationship(back_populates="lines")


class StockCount(IdMixin, TimestampMixin, Base):
    """A count sheet for one location: open while counting, applied once (variances become
    ``count`` movements)."""

    __tablename__ = "inventory_counts"
    __table_args__ = (CheckConstraint("status IN ('open', 'applied', 'cancelled')", name="status"),)

    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(Text, default=None)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)
    lines: Mapped[list[StockCountLine]] = relationship(
        back_populates="count", order_by="StockCountLine.variant_id", lazy="selectin"
    )


class StockCountLine(IdMixin, Base):
    __tablename__ = "inventory_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "variant_id"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted_not_negative"),
    )

    count_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_counts.id", ondelete="CASCADE")
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    expected: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int | None] = mapped_column(default=None)
    variance: Mapped[int | None] = mapped_column(default=None)
    count: Mapped[StockCount] = relationship(back_populates="lines")


class ReorderParameters(IdMixin, TimestampMixin, Base):
    """When and how much to reorder one variant for one location."""

    __tablename__ = "inventory_reorder_params"
    __table_args__ = (
        UniqueConstraint("variant_id", "location_id"),
        CheckConstraint("minimum >= 0 AND maximum >= minimum", name="range"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
    )

    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_locations.id", ondelete="CASCADE")
    )
    minimum: Mapped[int] = mapped_column(default=0)
    maximum: Mapped[int] = mapped_column(default=0)
    lead_time_days: Mapped[int] = mapped_column(default=0)
    # The purchasing module's supplier; no foreign key until that table exists.
    preferred_supplier_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
