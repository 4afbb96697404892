"""Typed factories for catalogue and channel rows: keyword defaults, unique codes, flushed."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from comptoir.catalog.models import (
    Category,
    ChannelListing,
    Coupon,
    Price,
    PriceList,
    Product,
    Promotion,
    TaxClass,
    TaxRate,
    Variant,
)
from comptoir.channels.models import Channel

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def make_channel(session: Session, **kw: Any) -> Channel:
    n = _next()
    values: dict[str, Any] = {
        "code": f"channel-{n}-{uuid.uuid4().hex[:6]}",
        "name": f"Channel {n}",
        "kind": "web",
        "currency": "EUR",
    }
    values.update(kw)
    channel = Channel(**values)
    session.add(channel)
    session.flush()
    return channel


def make_tax_class(session: Session, **kw: Any) -> TaxClass:
    n = _next()
    values: dict[str, Any] = {"code": f"tax-{n}-{uuid.uuid4().hex[:6]}", "name": f"Tax {n}"}
    values.update(kw)
    tax_class = TaxClass(**values)
    session.add(tax_class)
    session.flush()
    return tax_class


def make_tax_rate(
    session: Session,
    *,
    tax_class: TaxClass | None = None,
    rate: Decimal = Decimal("20"),
    country: str = "FR",
    valid_from: date = date(2014, 1, 1),
    valid_to: date | None = None,
) -> TaxRate:
    tax_class = tax_class or make_tax_class(session)
    tax_rate = TaxRate(
        tax_class_id=tax_class.id,
        country=country,
        rate=rate,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(tax_rate)
    session.flush()
    return tax_rate


def make_category(session: Session, *, parent: Category | None = None, **kw: Any) -> Category:
    n = _next()
    values: dict[str, Any] = {
        "handle": f"category-{n}-{uuid.uuid4().hex[:6]}",
        "name": f"Category {n}",
        "parent_id": parent.id if parent else None,
    }
    values.update(kw)
    category = Category(**values)
    session.add(category)
    session.flush()
    return category


def make_product(session: Session, **kw: Any) -> Product:
    n = _next()
    values: dict[str, Any] = {
        "handle": f"product-{n}-{uuid.uuid4().hex[:6]}",
        "title": f"Product {n}",
        "status": "active",
    }
    values.update(kw)
    product = Product(**values)
    session.add(product)
    session.flush()
    return product


def make_variant(
    session: Session, *, product: Product | None = None, sku: str | None = None, **kw: Any
) -> Variant:
    product = product or make_product(session)
    n = _next()
    values: dict[str, Any] = {"title": f"Variant {n}", "position": n}
    values.update(kw)
    variant = Variant(
        product_id=product.id, sku=sku or f"SKU-{n}-{uuid.uuid4().hex[:6].upper()}", **values
    )
    session.add(variant)
    session.flush()
    session.refresh(product)
    return variant


def make_price_list(
    session: Session, *, channel: Channel | None = None, currency: str = "EUR", **kw: Any
) -> PriceList:
    n = _next()
    values: dict[str, Any] = {
        "code": f"prices-{n}-{uuid.uuid4().hex[:6]}",
        "name": f"Price list {n}",
        "channel_id": channel.id if channel else None,
        "currency": currency,
    }
    values.update(kw)
    price_list = PriceList(**values)
    session.add(price_list)
    session.flush()
    return price_list


def make_price(
    session: Session,
    *,
    price_list: PriceList,
    variant: Variant,
    amount_minor: int = 1000,
    min_quantity: int = 1,
    **kw: Any,
) -> Price:
    """A price row written directly, without history (use ``catalog.service.set_price`` when
    the history matters)."""
    price = Price(
        price_list_id=price_list.id,
        variant_id=variant.id,
        amount_minor=amount_minor,
        min_quantity=min_quantity,
        **kw,
    )
    session.add(price)
    session.flush()
    return price


def make_promotion(session: Session, **kw: Any) -> Promotion:
    n = _next()
    values: dict[str, Any] = {
        "name": f"Promotion {n}",
        "kind": "percentage",
        "percent": Decimal("10"),
    }
    values.update(kw)
    promotion = Promotion(**values)
    session.add(promotion)
    session.flush()
    return promotion


def make_coupon(session: Session, *, promotion: Promotion | None = None, **kw: Any) -> Coupon:
    promotion = promotion or make_promotion(session, requires_coupon=True)
    values: dict[str, Any] = {"code": f"CODE{_next()}{uuid.uuid4().hex[:4].upper()}"}
    values.update(kw)
    coupon = Coupon(promotion_id=promotion.id, **values)
    session.add(coupon)
    session.flush()
    return coupon


def make_listing(
    session: Session, *, channel: Channel, variant: Variant, is_published: bool = True
) -> ChannelListing:
    listing = ChannelListing(
        channel_id=channel.id,
        product_id=variant.product_id,
        variant_id=variant.id,
        is_published=is_published,
    )
    session.add(listing)
    session.flush()
    return listing
