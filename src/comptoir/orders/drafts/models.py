"""The draft orders tables: an order (or a quote) that staff prepare for a customer, on the
phone or for a business, and its lines with the price agreed.

A draft's lines keep the prices they were last priced at: while the draft is a draft, every
change prices it afresh from the catalogue; once sent as a quote its prices hold until the
quote expires, and confirming it places the order at those prices.

The addresses are encrypted under the customer's data key (subject type ``customer``), as an
order's are, so that erasing the customer erases them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.crypto import encrypted_column
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin

DRAFT_STATUSES: Final = ("draft", "quote_sent", "accepted", "declined", "expired", "confirmed")
PAYMENT_METHODS: Final = ("bank_transfer", "manual")


class DraftOrder(IdMixin, TimestampMixin, Base):
    """An order being prepared by staff. ``status``: ``draft`` (lines may change),
    ``quote_sent`` (prices held until ``quote_expires_at``), ``accepted``, ``declined``,
    ``expired``, ``confirmed`` (``order_id`` is the order it became)."""

    __tablename__ = "orders_drafts"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'quote_sent', 'accepted', 'declined', 'expired', 'confirmed')",
            name="status",
        ),
        CheckConstraint("payment_method IN ('bank_transfer', 'manual')", name="payment_method"),
        CheckConstraint(
            "payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 120",
            name="payment_terms_days",
        ),
        Index("ix_orders_drafts_status_created", "status", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels_channels.id", ondelete="RESTRICT")
    )
    # The customers module owns these ids; no foreign key, as on orders.
    customer_id: Mapped[uuid.UUID] = mapped_column(index=True)
    currency: Mapped[str] = mapped_column(String(3))
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    destination_country: Mapped[str | None] = mapped_column(String(2), default=None)
    delivery_method: Mapped[str] = mapped_column(String(16), default="shipping")
    vat_number: Mapped[str | None] = mapped_column(String(20), default=None)
    # VIES's answer about ``vat_number`` (valid: None = VIES could not answer); all empty when
    # VIES was not consulted, as on carts.
    vat_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    vat_check_valid: Mapped[bool | None] = mapped_column(default=None)
    vat_check_request_identifier: Mapped[str | None] = mapped_column(String(64), default=None)
    vat_scheme: Mapped[str] = mapped_column(String(16), default="domestic")
    # Addresses as JSON text, encrypted whole.
    billing_address: Mapped[str | None] = encrypted_column(
        subject_type="customer", subject="customer_id"
    )
    shipping_address: Mapped[str | None] = encrypted_column(
        subject_type="customer", subject="customer_id"
    )
    payment_method: Mapped[str] = mapped_column(String(16), default="bank_transfer")
    # Days the customer has to pay after the order is placed (B2B terms); None: on order.
    payment_terms_days: Mapped[int | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    total_net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    quote_number: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    quote_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    quote_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    declined_at: Mapped[datetime | None] = mapped_column(default=None)
    decline_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders_orders.id", ondelete="SET NULL"), unique=True, default=None
    )
    lines: Mapped[list[DraftLine]] = relationship(
        back_populates="draft",
        order_by="DraftLine.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class DraftLine(IdMixin, TimestampMixin, Base):
    """Units of one variant in a draft. ``list_price_minor`` is the catalogue's unit price
    for the customer, ``agreed_price_minor`` the price negotiated instead (with its reason);
    both in the draft's price basis, like ``unit_price_minor``, the price that applies."""

    __tablename__ = "orders_draft_lines"
    __table_args__ = (
        UniqueConstraint("draft_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "agreed_price_minor IS NULL OR agreed_price_minor >= 0", name="agreed_price_positive"
        ),
    )

    draft_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_drafts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="RESTRICT")
    )
    sku: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(600))
    quantity: Mapped[int]
    list_price_minor: Mapped[int] = mapped_column(BigInteger)
    agreed_price_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    price_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    unit_price_excl_minor: Mapped[int] = mapped_column(BigInteger)
    unit_price_incl_minor: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    vat_category: Mapped[str] = mapped_column(String(4))
    # Quantity x the unit price that applies, in the draft's price basis.
    total_minor: Mapped[int] = mapped_column(BigInteger)
    draft: Mapped[DraftOrder] = relationship(back_populates="lines")
