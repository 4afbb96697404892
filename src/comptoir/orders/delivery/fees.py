"""What delivering a cart costs: the weight band of the chosen carrier's zone, free over the
carrier's threshold or with a free-shipping promotion, VAT at the destination's standard
rate.

The fee is an accessory cost of the goods. French and EU rules make such costs follow the
main supply's rate (a basket of 5.5 % books ships at 5.5 %, a mixed basket splits the fee
pro rata); Comptoir keeps the fee at the destination's **standard** rate, the common case of
a shop selling standard-rated goods, and says so in its documentation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.kit.money import Money
from comptoir.orders.delivery.models import Carrier, CarrierRate, CartDelivery
from comptoir.orders.models import Cart
from comptoir.orders.vat import HOME_COUNTRY, ZERO, VatTreatment, eu_rates


@dataclass(frozen=True, slots=True)
class DeliveryFee:
    """The delivery line of a priced cart. ``amount`` is in the cart's price basis."""

    carrier_id: uuid.UUID
    carrier_code: str
    carrier_name: str
    amount: Money
    excl: Money
    incl: Money
    rate: Decimal
    category: str
    is_free: bool
    weight_grams: int


def cart_weight(session: Session, cart: Cart) -> int:
    """The cart's weight in grams (variants without a weight count for nothing)."""
    total = 0
    for line in cart.lines:
        total += (catalog.get_variant(session, line.variant_id).weight_grams or 0) * line.quantity
    return total


def zone_rate(carrier: Carrier, country: str, weight: int, currency: str) -> CarrierRate | None:
    """The rate band of ``carrier`` that carries ``weight`` grams to ``country`` in
    ``currency``: the lightest band at least that heavy, in the first zone naming the
    country. ``None`` when the carrier does not go there or the parcel is too heavy."""
    for zone in carrier.zones:
        if country.upper() not in zone.countries:
            continue
        bands = [r for r in zone.rates if r.currency == currency and r.max_weight_grams >= weight]
        if bands:
            return min(bands, key=lambda rate: rate.max_weight_grams)
    return None


def fee_rate(treatment: VatTreatment, on: date) -> tuple[Decimal, Decimal]:
    """(the home standard rate, the fee's rate): the destination's standard rate, 0 for an
    exempt sale."""
    home = eu_rates(HOME_COUNTRY, on)
    home_rate = home.standard if home is not None else ZERO
    if treatment.is_exempt:
        return home_rate, ZERO
    there = eu_rates(treatment.country, on)
    return home_rate, (there.standard if there is not None else home_rate)


def quote_fee(
    carrier: Carrier,
    *,
    country: str,
    weight: int,
    currency: str,
    goods_incl: Money,
    free_shipping: bool,
    treatment: VatTreatment,
    include_tax: bool,
    on: date,
) -> DeliveryFee | None:
    """What ``carrier`` charges for ``weight`` grams to ``country``: ``None`` when it does
    not go there. Free over the carrier's threshold (goods total, tax included) or with a
    free-shipping promotion; an exempt sale pays the table price without the home VAT."""
    band = zone_rate(carrier, country, weight, currency)
    if band is None:
        return None
    threshold = carrier.free_from_minor
    is_free = free_shipping or (threshold is not None and goods_incl.minor_units >= threshold)
    listed = Money.from_minor(0 if is_free else band.price_minor, currency)
    home_rate, rate = fee_rate(treatment, on)
    if treatment.is_exempt:
        excl = listed.excluding_percent(home_rate).round()
        incl = excl
    else:
        incl = listed
        excl = listed.excluding_percent(rate).round()
    return DeliveryFee(
        carrier_id=carrier.id,
        carrier_code=carrier.code,
        carrier_name=carrier.name,
        amount=incl if include_tax else excl,
        excl=excl,
        incl=incl,
        rate=rate,
        category=treatment.category,
        is_free=is_free,
        weight_grams=weight,
    )


def delivery_fee(
    session: Session,
    cart: Cart,
    *,
    goods_incl: Money,
    free_shipping: bool,
    treatment: VatTreatment,
    include_tax: bool,
    on: date,
) -> DeliveryFee | None:
    """The fee of the cart's chosen option, or ``None`` when it has chosen none or the
    carrier no longer serves the destination (the cart's options say which are left)."""
    chosen = session.scalar(select(CartDelivery).where(CartDelivery.cart_id == cart.id))
    if chosen is None:
        return None
    carrier = session.get(Carrier, chosen.carrier_id)
    if carrier is None or not carrier.is_active:
        return None
    country = treatment.country
    if carrier.kind == "click_collect" and chosen.location_id is not None:
        country = _store_country(session, chosen.location_id) or country
    return quote_fee(
        carrier,
        country=country,
        weight=cart_weight(session, cart),
        currency=cart.currency,
        goods_incl=goods_incl,
        free_shipping=free_shipping,
        treatment=treatment,
        include_tax=include_tax,
        on=on,
    )


def _store_country(session: Session, location_id: uuid.UUID) -> str | None:
    return inventory.get_location(session, location_id).country
