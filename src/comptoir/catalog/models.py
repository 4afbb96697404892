"""Catalogue tables: products and variants, categories, attributes, tax classes and rates,
price lists and their prices, the price history, promotions, coupons and channel listings.

Money is stored as integer minor units next to an ISO 4217 currency code; tax rates are
Decimal percents. Other modules read these tables only through ``catalog.service``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit import clock
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

PRODUCT_STATUSES: Final = ("draft", "active", "archived")
ATTRIBUTE_KINDS: Final = ("text", "integer", "decimal", "boolean")
PROMOTION_KINDS: Final = ("percentage", "fixed_amount", "buy_x_get_y", "free_shipping")


class TaxClass(IdMixin, TimestampMixin, Base):
    """A family of goods taxed alike (standard, intermediate, reduced, super-reduced)."""

    __tablename__ = "catalog_tax_classes"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class TaxRate(IdMixin, TimestampMixin, Base):
    """The rate of a tax class in one country between two dates (``valid_to`` excluded)."""

    __tablename__ = "catalog_tax_rates"
    __table_args__ = (
        Index("ix_catalog_tax_rates_lookup", "tax_class_id", "country", "valid_from"),
        CheckConstraint("rate >= 0", name="rate_not_negative"),
    )

    tax_class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_tax_classes.id", ondelete="CASCADE")
    )
    country: Mapped[str] = mapped_column(String(2))
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)


class Category(IdMixin, TimestampMixin, Base):
    """A node of the category tree."""

    __tablename__ = "catalog_categories"

    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_categories.id", ondelete="RESTRICT"), default=None, index=True
    )
    handle: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class Product(IdMixin, TimestampMixin, Base):
    """A product as the customer sees it; what is sold and stocked are its variants.

    ``option_names`` lists the options its variants differ by (``["Size", "Colour"]``);
    ``revision`` grows by one on every update and is the product's ETag.
    """

    __tablename__ = "catalog_products"
    __table_args__ = (Index("ix_catalog_products_status_title", "status", "title"),)

    handle: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    vendor: Mapped[str | None] = mapped_column(String(200), default=None)
    option_names: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    tax_class_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_tax_classes.id", ondelete="RESTRICT"), default=None
    )
    revision: Mapped[int] = mapped_column(default=1)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    attributes: Mapped[list[ProductAttribute]] = relationship(
        order_by="ProductAttribute.key", cascade="all, delete-orphan"
    )


class ProductCategory(IdMixin, TimestampMixin, Base):
    """A product placed in a category."""

    __tablename__ = "catalog_product_categories"
    __table_args__ = (UniqueConstraint("product_id", "category_id"),)

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE")
    )
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_categories.id", ondelete="CASCADE"), index=True
    )


class ProductAttribute(IdMixin, TimestampMixin, Base):
    """A typed key/value of a product (``material`` = ``cotton``, ``pieces`` = 12)."""

    __tablename__ = "catalog_product_attributes"
    __table_args__ = (UniqueConstraint("product_id", "key"),)

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="text")
    value: Mapped[str] = mapped_column(Text)


class Variant(IdMixin, TimestampMixin, Base):
    """A sellable, stockable version of a product, identified by its SKU.

    Cost: ``cost_unit_minor`` is the weighted average unit cost; ``cost_value_minor`` and
    ``cost_quantity`` are the value and the number of units that average stands for, so a
    receipt updates all three in one atomic UPDATE.
    """

    __tablename__ = "catalog_variants"
    __table_args__ = (
        CheckConstraint("cost_quantity >= 0", name="cost_quantity_not_negative"),
        CheckConstraint("cost_value_minor >= 0", name="cost_value_not_negative"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    option_values: Mapped[dict[str, str]] = mapped_column(JSONType(), default=dict)
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True, default=None)
    position: Mapped[int] = mapped_column(default=0)
    weight_grams: Mapped[int | None] = mapped_column(default=None)
    length_mm: Mapped[int | None] = mapped_column(default=None)
    width_mm: Mapped[int | None] = mapped_column(default=None)
    height_mm: Mapped[int | None] = mapped_column(default=None)
    cost_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    cost_unit_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    cost_value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    allows_backorder: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="variants")


class PriceList(IdMixin, TimestampMixin, Base):
    """Prices in one currency, for one channel (or all) and one customer group (or all).

    ``prices_include_tax`` tells whether its amounts are tax included; ``priority`` breaks
    ties between lists that all apply (the highest wins).
    """

    __tablename__ = "catalog_price_lists"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels_channels.id", ondelete="RESTRICT"), default=None, index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    customer_group: Mapped[str | None] = mapped_column(String(50), default=None)
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_to: Mapped[datetime | None] = mapped_column(default=None)


class Price(IdMixin, TimestampMixin, Base):
    """The unit price of a variant in a price list from ``min_quantity`` units up.

    ``compare_at_minor`` is a struck-through reference price shown next to a reduced one.
    """

    __tablename__ = "catalog_prices"
    __table_args__ = (
        UniqueConstraint("price_list_id", "variant_id", "min_quantity"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
    )

    price_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_price_lists.id", ondelete="CASCADE")
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="CASCADE"), index=True
    )
    min_quantity: Mapped[int] = mapped_column(default=1)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    compare_at_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)


class PriceHistory(IdMixin, TimestampMixin, Base):
    """One price change, appended and never updated: the amount that applies from
    ``effective_at`` (``None`` when the price was removed)."""

    __tablename__ = "catalog_price_history"
    __table_args__ = (
        Index(
            "ix_catalog_price_history_lookup",
            "price_list_id",
            "variant_id",
            "min_quantity",
            "effective_at",
        ),
    )

    price_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_price_lists.id", ondelete="CASCADE")
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="CASCADE")
    )
    min_quantity: Mapped[int] = mapped_column(default=1)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    previous_amount_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    effective_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class Promotion(IdMixin, TimestampMixin, Base):
    """A scheduled discount.

    ``kind``: ``percentage`` (``percent`` off), ``fixed_amount`` (``amount_minor`` off each
    unit), ``buy_x_get_y`` (for every ``buy_quantity`` units bought, ``get_quantity`` more
    at ``percent`` off, 100 when omitted) or ``free_shipping``. Empty scope lists mean "all".
    """

    __tablename__ = "catalog_promotions"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4), default=None)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    buy_quantity: Mapped[int | None] = mapped_column(default=None)
    get_quantity: Mapped[int | None] = mapped_column(default=None)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    requires_coupon: Mapped[bool] = mapped_column(default=False)
    product_ids: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    category_ids: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    channel_ids: Mapped[list[str]] = mapped_column(JSONType(), default=list)


class Coupon(IdMixin, TimestampMixin, Base):
    """A code that unlocks a promotion, with optional total and per-customer usage limits."""

    __tablename__ = "catalog_coupons"
    __table_args__ = (CheckConstraint("times_used >= 0", name="times_used_not_negative"),)

    promotion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_promotions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(100), unique=True)
    usage_limit: Mapped[int | None] = mapped_column(default=None)
    per_customer_limit: Mapped[int | None] = mapped_column(default=None)
    times_used: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class CouponCustomerUse(IdMixin, TimestampMixin, Base):
    """How many times one customer used one coupon."""

    __tablename__ = "catalog_coupon_customer_uses"
    __table_args__ = (UniqueConstraint("coupon_id", "customer_id"),)

    coupon_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_coupons.id", ondelete="CASCADE")
    )
    customer_id: Mapped[uuid.UUID]
    times_used: Mapped[int] = mapped_column(default=0)


class ChannelListing(IdMixin, TimestampMixin, Base):
    """A variant offered on a sales channel (a product is listed when any variant is)."""

    __tablename__ = "catalog_channel_listings"
    __table_args__ = (UniqueConstraint("channel_id", "variant_id"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels_channels.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="CASCADE")
    )
    is_published: Mapped[bool] = mapped_column(default=True)
