"""The delivery tables: carriers, their zones (sets of countries) and rate bands by weight,
the option a cart has chosen and the delivery an order keeps."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

LOCATION_FK = "inventory_locations.id"
CARRIER_KINDS = ("home", "pickup_point", "click_collect")


class Carrier(IdMixin, TimestampMixin, Base):
    """A way to deliver: to the door (``home``), to a relay (``pickup_point``) or at one of
    the shop's stores (``click_collect``). ``free_from_minor`` is the goods total (tax
    included) from which delivery is free; ``transfer_lead_days`` the days a store waits
    for units sent from the warehouse."""

    __tablename__ = "orders_carriers"
    __table_args__ = (
        CheckConstraint("kind IN ('home', 'pickup_point', 'click_collect')", name="kind"),
        CheckConstraint("transit_days >= 0", name="transit_days_not_negative"),
        CheckConstraint("transfer_lead_days >= 0", name="transfer_lead_not_negative"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(default=True)
    transit_days: Mapped[int] = mapped_column(default=2)
    transfer_lead_days: Mapped[int] = mapped_column(default=2)
    free_from_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    zones: Mapped[list[CarrierZone]] = relationship(
        order_by="CarrierZone.code",
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="carrier",
    )


class CarrierZone(IdMixin, TimestampMixin, Base):
    """Countries a carrier serves at the same rates."""

    __tablename__ = "orders_carrier_zones"
    __table_args__ = (UniqueConstraint("carrier_id", "code"),)

    carrier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_carriers.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    countries: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    carrier: Mapped[Carrier] = relationship(back_populates="zones")
    rates: Mapped[list[CarrierRate]] = relationship(
        order_by="CarrierRate.currency, CarrierRate.max_weight_grams",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class CarrierRate(IdMixin, TimestampMixin, Base):
    """The price (tax included, minor units) of a parcel up to ``max_weight_grams`` in a
    zone."""

    __tablename__ = "orders_carrier_rates"
    __table_args__ = (
        UniqueConstraint("zone_id", "currency", "max_weight_grams"),
        CheckConstraint("max_weight_grams > 0", name="weight_positive"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    zone_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_carrier_zones.id", ondelete="CASCADE")
    )
    max_weight_grams: Mapped[int]
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class CartDelivery(IdMixin, TimestampMixin, Base):
    """The delivery option a cart has chosen: a carrier, the shopper's pickup point (its id
    and label, as the carrier's own map gave them) or the store to collect at."""

    __tablename__ = "orders_cart_deliveries"

    cart_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_carts.id", ondelete="CASCADE"), unique=True
    )
    carrier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_carriers.id", ondelete="CASCADE")
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(LOCATION_FK, ondelete="SET NULL"), default=None
    )
    pickup_point_id: Mapped[str | None] = mapped_column(String(64), default=None)
    pickup_point_label: Mapped[str | None] = mapped_column(String(300), default=None)


class OrderDelivery(IdMixin, TimestampMixin, Base):
    """How an order is delivered and what the delivery costs, as it was at checkout. The
    fee is a line of its own in the order's totals (VAT at ``vat_rate``)."""

    __tablename__ = "orders_order_deliveries"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_orders.id", ondelete="CASCADE"), unique=True
    )
    carrier_code: Mapped[str] = mapped_column(String(40))
    carrier_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(LOCATION_FK, ondelete="SET NULL"), default=None
    )
    pickup_point_id: Mapped[str | None] = mapped_column(String(64), default=None)
    pickup_point_label: Mapped[str | None] = mapped_column(String(300), default=None)
    fee_excl_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_incl_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    vat_category: Mapped[str] = mapped_column(String(4))
    weight_grams: Mapped[int] = mapped_column(default=0)
    estimated_on: Mapped[date | None] = mapped_column(default=None)
