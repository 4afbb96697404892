"""Typed factories for the orders tests: a channel selling a stocked, priced, taxed variant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.catalog.models import PriceList, TaxClass, Variant
from comptoir.channels.models import Channel
from comptoir.inventory import service as inventory
from tests.catalog.factories import (
    make_channel,
    make_listing,
    make_price,
    make_price_list,
    make_product,
    make_tax_class,
    make_tax_rate,
    make_variant,
)
from tests.channels.factories import make_channel_key
from tests.inventory.factories import make_location, stock


@dataclass(frozen=True, slots=True)
class Shop:
    """A channel with a key, a location it sells from, a price list and a standard tax
    class (20 % in France)."""

    channel: Channel
    headers: dict[str, str]
    location_id: uuid.UUID
    price_list: PriceList
    tax_class: TaxClass


def make_shop(
    session: Session, *, prices_include_tax: bool = True, buffer: int = 0, code: str | None = None
) -> Shop:
    channel = make_channel(session, **({"code": code} if code else {}))
    _, key = make_channel_key(session, channel=channel)
    location_id = make_location(session).id
    inventory.set_channel_location(
        session, channel_id=channel.id, location_id=location_id, buffer=buffer
    )
    price_list = make_price_list(session, channel=channel, prices_include_tax=prices_include_tax)
    # A class whose code ends with "standard" takes the EU standard rates abroad.
    tax_class = make_tax_class(session, code=f"fr-{uuid.uuid4().hex[:6]}-standard")
    make_tax_rate(session, tax_class=tax_class, rate=Decimal("20"))
    return Shop(channel, {"X-Channel-Key": key}, location_id, price_list, tax_class)


def make_article(
    session: Session,
    shop: Shop,
    *,
    price_minor: int = 1200,
    units: int = 10,
    tax_class: TaxClass | None = None,
    title: str = "Mug",
) -> Variant:
    """A variant listed on the shop's channel, priced, with ``units`` on hand."""
    product = make_product(session, title=title, tax_class_id=(tax_class or shop.tax_class).id)
    variant = make_variant(session, product=product, title="Blue")
    make_listing(session, channel=shop.channel, variant=variant)
    make_price(session, price_list=shop.price_list, variant=variant, amount_minor=price_minor)
    if units:
        stock(session, variant_id=variant.id, location_id=shop.location_id, quantity=units)
    return variant


def make_tax_class_with(session: Session, rates: dict[str, str], *, code: str) -> TaxClass:
    """A tax class with a rate (percent) per country."""
    tax_class = make_tax_class(session, code=f"{code}-{uuid.uuid4().hex[:6]}")
    for country, rate in rates.items():
        make_tax_rate(session, tax_class=tax_class, rate=Decimal(rate), country=country)
    return tax_class


def address(country: str = "FR") -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "line1": "12 rue des Lilas",
        "postal_code": "75011",
        "city": "Paris",
        "country": country,
    }


def checkout_body(
    *, method: str = "test_card", card: str | None = "4242424242424242", country: str = "FR"
) -> dict[str, object]:
    payment: dict[str, object] = {"method": method}
    if card is not None:
        payment["card_number"] = card
    return {
        "email": "ada@example.com",
        "phone": "+33 6 12 34 56 78",
        "billing_address": address(country),
        "payment": payment,
    }
