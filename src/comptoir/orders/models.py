"""The orders tables: carts and their lines, orders, their lines, VAT totals, timeline and
payments.

An order's personal fields (e-mail, phone, addresses) are encrypted under the data key of its
data subject: the customer when the order is linked to one (``subject_id`` = ``customer_id``),
otherwise the order itself (a guest order is its own subject, ``subject_id`` = ``id``), always
with the subject type ``customer`` so that erasing a customer erases her orders' personal data.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

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

from comptoir.kit.crypto import blind_index_column, encrypted_column
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

CHANNEL_FK = "channels_channels.id"
VARIANT_FK = "catalog_variants.id"
LOCATION_FK = "inventory_locations.id"
RESERVATION_FK = "inventory_reservations.id"
SUBJECT_TYPE = "customer"


class Cart(IdMixin, TimestampMixin, Base):
    """A basket on a channel, for a guest or a signed-in shopper. Its lines hold stock until
    ``expires_at``; checkout turns it into an order (``status`` ``converted``)."""

    __tablename__ = "orders_carts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'converted', 'abandoned')", name="status"),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The customers and shopper-account modules own these ids; no foreign key yet.
    shopper_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    destination_country: Mapped[str | None] = mapped_column(String(2), default=None)
    delivery_method: Mapped[str] = mapped_column(String(16), default="shipping")
    vat_number: Mapped[str | None] = mapped_column(String(20), default=None)
    # The VIES check of ``vat_number`` (valid: None = VIES could not answer); all empty when
    # VIES was not consulted (see comptoir.customers.vies).
    vat_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    vat_check_valid: Mapped[bool | None] = mapped_column(default=None)
    vat_check_request_identifier: Mapped[str | None] = mapped_column(String(64), default=None)
    # The delivery postcode when known: French overseas départements are exports for VAT.
    destination_postcode: Mapped[str | None] = mapped_column(String(16), default=None)
    coupon_codes: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    expires_at: Mapped[datetime]
    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart",
        order_by="CartLine.created_at, CartLine.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class CartLine(IdMixin, TimestampMixin, Base):
    """Units of one variant in a cart, held at ``location_id`` by ``reservation_id``."""

    __tablename__ = "orders_cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    cart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders_carts.id", ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="CASCADE"))
    quantity: Mapped[int]
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(LOCATION_FK, ondelete="SET NULL"), default=None
    )
    reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(RESERVATION_FK, ondelete="SET NULL"), default=None
    )
    cart: Mapped[Cart] = relationship(back_populates="lines")


class OrderCounter(IdMixin, TimestampMixin, Base):
    """The last number given in one series (a channel and a year), raised by a guarded
    atomic UPDATE in the transaction that places the order."""

    __tablename__ = "orders_counters"

    series: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


ORDER_STATUSES = (
    "pending_payment",
    "paid",
    "picking",
    "packed",
    "partially_shipped",
    "shipped",
    "delivered",
    "ready_for_pickup",
    "collected",
    "cancelled",
)


class Order(IdMixin, TimestampMixin, Base):
    """A placed order. Totals are in minor units of ``currency``; ``prices_include_tax``
    says in which basis the line amounts are."""

    __tablename__ = "orders_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_payment', 'paid', 'picking', 'packed', 'partially_shipped', "
            "'shipped', 'delivered', 'ready_for_pickup', 'collected', 'cancelled')",
            name="status",
        ),
        Index("ix_orders_orders_channel_placed", "channel_id", "placed_at"),
        Index("ix_orders_orders_status_placed", "status", "placed_at"),
        # A marketplace order is imported once per channel, whoever imports it.
        UniqueConstraint("channel_id", "external_reference"),
    )

    number: Mapped[str] = mapped_column(String(80), unique=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="RESTRICT"))
    cart_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders_carts.id", ondelete="SET NULL"), unique=True, default=None
    )
    status: Mapped[str] = mapped_column(String(20), default="pending_payment")
    # The order's id on the marketplace it came from (None for orders placed in Comptoir).
    external_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    shopper_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Whose data key encrypts the personal fields: the customer, or the order itself.
    subject_id: Mapped[uuid.UUID]
    currency: Mapped[str] = mapped_column(String(3))
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    destination_country: Mapped[str] = mapped_column(String(2))
    delivery_method: Mapped[str] = mapped_column(String(16), default="shipping")
    vat_scheme: Mapped[str] = mapped_column(String(16))
    vat_number: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = encrypted_column(subject_type=SUBJECT_TYPE, subject="subject_id")
    email_index: Mapped[bytes | None] = blind_index_column("email", kind="email")
    phone: Mapped[str | None] = encrypted_column(subject_type=SUBJECT_TYPE, subject="subject_id")
    # Addresses as JSON text, encrypted whole.
    billing_address: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    shipping_address: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    coupon_codes: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", lazy="selectin"
    )
    tax_totals: Mapped[list[OrderTaxTotal]] = relationship(
        order_by="OrderTaxTotal.category, OrderTaxTotal.rate", lazy="selectin"
    )


class OrderLine(IdMixin, TimestampMixin, Base):
    """What was sold, as it was when the order was placed (the catalogue may change)."""

    __tablename__ = "orders_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "cancelled_quantity >= 0 AND cancelled_quantity <= quantity",
            name="cancelled_in_range",
        ),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders_orders.id", ondelete="CASCADE"))
    position: Mapped[int]
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(VARIANT_FK, ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(600))
    quantity: Mapped[int]
    cancelled_quantity: Mapped[int] = mapped_column(default=0)
    unit_price_excl_minor: Mapped[int] = mapped_column(BigInteger)
    unit_price_incl_minor: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    vat_category: Mapped[str] = mapped_column(String(4))
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Quantity x unit price minus the discount, in the order's price basis.
    total_minor: Mapped[int] = mapped_column(BigInteger)
    promotion_ids: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(LOCATION_FK, ondelete="SET NULL"), default=None
    )
    reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(RESERVATION_FK, ondelete="SET NULL"), default=None
    )
    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity


class OrderTaxTotal(IdMixin, Base):
    """The order's taxable base and VAT for one rate and category (EN 16931 BG-23): VAT is
    computed once per rate on the sum of the lines, not line by line."""

    __tablename__ = "orders_order_tax_totals"
    __table_args__ = (UniqueConstraint("order_id", "category", "rate"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders_orders.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(4))
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    base_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)


class OrderEvent(IdMixin, Base):
    """One entry of an order's timeline: what happened, who did it, when."""

    __tablename__ = "orders_order_events"
    __table_args__ = (Index("ix_orders_order_events_order_occurred", "order_id", "occurred_at"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders_orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str | None] = mapped_column(String(20), default=None)
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    details: Mapped[dict[str, object]] = mapped_column(JSONType(), default=dict)
    occurred_at: Mapped[datetime]


class Payment(IdMixin, TimestampMixin, Base):
    """A payment of an order through a provider. Card numbers are never stored: only the
    last four digits."""

    __tablename__ = "orders_payments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'captured', 'declined', 'refunded', 'cancelled')",
            name="status",
        ),
        UniqueConstraint("provider", "reference"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_orders.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(100))
    card_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    instructions: Mapped[str | None] = mapped_column(Text, default=None)
    # Why the provider last refused it (Stripe's last_payment_error.message); the
    # customer may still pay with another card.
    failure_message: Mapped[str | None] = mapped_column(String(500), default=None)
