"""The purchasing tables: suppliers, supplier prices, purchase orders, lines and receipts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin


class Supplier(IdMixin, TimestampMixin, Base):
    """Someone the shop buys from. ``siret``: the French company number, when there is one."""

    __tablename__ = "purchasing_suppliers"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    siret: Mapped[str | None] = mapped_column(String(14), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    lead_time_days: Mapped[int] = mapped_column(default=7)
    is_active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class SupplierPrice(IdMixin, TimestampMixin, Base):
    """What a supplier charges for a variant, under its own reference. ``lead_time_days``
    ``None``: the supplier's usual lead time."""

    __tablename__ = "purchasing_supplier_prices"
    __table_args__ = (
        UniqueConstraint("supplier_id", "variant_id"),
        UniqueConstraint("supplier_id", "supplier_sku"),
        CheckConstraint("min_order_quantity >= 1", name="min_order_quantity_positive"),
        CheckConstraint("unit_cost_minor >= 0", name="unit_cost_not_negative"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchasing_suppliers.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_variants.id"), index=True)
    supplier_sku: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)
    min_order_quantity: Mapped[int] = mapped_column(default=1)
    lead_time_days: Mapped[int | None] = mapped_column(default=None)


class NumberCounter(IdMixin, TimestampMixin, Base):
    """The last number given in a series (``PO-2026``), locked while the next one is taken."""

    __tablename__ = "purchasing_counters"

    series: Mapped[str] = mapped_column(String(20), unique=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class PurchaseOrder(IdMixin, TimestampMixin, Base):
    """An order to a supplier, delivered to one location.

    ``status``: draft -> sent -> partly_received -> received; draft or sent -> cancelled.
    """

    __tablename__ = "purchasing_orders"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchasing_suppliers.id"), index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_locations.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    currency: Mapped[str] = mapped_column(String(3))
    expected_on: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", order_by="PurchaseOrderLine.position", cascade="all, delete-orphan"
    )


class PurchaseOrderLine(IdMixin, TimestampMixin, Base):
    __tablename__ = "purchasing_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "variant_id"),
        CheckConstraint("quantity_ordered > 0", name="quantity_ordered_positive"),
        CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity_ordered",
            name="quantity_received_within_ordered",
        ),
        CheckConstraint("unit_cost_minor >= 0", name="unit_cost_not_negative"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchasing_orders.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_variants.id"))
    position: Mapped[int] = mapped_column(default=0)
    supplier_sku: Mapped[str | None] = mapped_column(String(100), default=None)
    quantity_ordered: Mapped[int] = mapped_column()
    quantity_received: Mapped[int] = mapped_column(default=0)
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")


class Receipt(IdMixin, TimestampMixin, Base):
    """One delivery received against a purchase order (there may be several)."""

    __tablename__ = "purchasing_receipts"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchasing_orders.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_locations.id"))
    received_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[ReceiptLine]] = relationship(cascade="all, delete-orphan")


class ReceiptLine(IdMixin, TimestampMixin, Base):
    __tablename__ = "purchasing_receipt_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    receipt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchasing_receipts.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchasing_order_lines.id"))
    quantity: Mapped[int] = mapped_column()
