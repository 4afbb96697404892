"""What a cart costs: catalogue prices for the channel, promotions and coupons, VAT by
destination, totals per rate."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.errors import PriceNotFound, TaxRateNotFound
from comptoir.customers import service as customers
from comptoir.kit import clock
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.delivery.fees import DeliveryFee, delivery_fee
from comptoir.orders.errors import NoVatRate
from comptoir.orders.models import Cart
from comptoir.orders.vat import (
    HOME_COUNTRY,
    ZERO,
    RateTotal,
    TaxedAmount,
    VatSettings,
    VatTreatment,
    eu_rates,
    reverse_charge_applies,
    totals_per_rate,
    vat_treatment,
)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One cart line, priced. Amounts are in the cart's price basis (tax included or not)
    except ``unit_excl`` / ``unit_incl``, the unit price without and with VAT."""

    line_id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price: Money
    unit_excl: Money
    unit_incl: Money
    subtotal: Money
    discount: Money
    total: Money
    rate: Decimal
    category: str
    promotion_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class PricedCart:
    currency: str
    prices_include_tax: bool
    treatment: VatTreatment
    lines: list[PricedLine]
    rate_totals: list[RateTotal]
    accepted_coupons: list[str]
    refused_coupons: list[str]
    # The delivery line (its own VAT, in the totals), when the cart chose an option.
    delivery: DeliveryFee | None = None
    free_shipping: bool = False
    goods_incl: Money | None = None

    @property
    def discount(self) -> Money:
        return Money.total((line.discount for line in self.lines), self.currency)

    @property
    def net(self) -> Money:
        return Money.total((total.base for total in self.rate_totals), self.currency)

    @property
    def tax(self) -> Money:
        return Money.total((total.tax for total in self.rate_totals), self.currency)

    @property
    def gross(self) -> Money:
        return self.net + self.tax


@dataclass(frozen=True, slots=True)
class _Quoted:
    line_id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price: Money
    home_rate: Decimal
    rate: Decimal


_VAT_VARIABLES: Final = frozenset(f"comptoir_{name}" for name in VatSettings.model_fields)


def vat_settings() -> VatSettings:
    """The shop's VAT position from the ``COMPTOIR_*`` variables as they are now. Reading
    them through pydantic-settings costs far more than a pricing; the answer is kept for
    the variables' current values and read again when they change."""
    current = sorted(
        (name.lower(), value)
        for name, value in os.environ.items()
        if name.lower() in _VAT_VARIABLES
    )
    return _vat_settings_for(tuple(current))


@functools.lru_cache(maxsize=16)
def _vat_settings_for(variables: tuple[tuple[str, str], ...]) -> VatSettings:
    return VatSettings()


def treatment_of(cart: Cart) -> VatTreatment:
    """The VAT treatment of the cart's destination and postcode (the shop's country until
    one is set): its VAT number counts when its format is right and its VIES check allows
    it (:func:`reverse_charge_applies`); the OSS threshold setting decides whether an EU
    consumer pays her country's VAT or the shop's."""
    settings = vat_settings()
    vat_number = (
        cart.vat_number
        if cart.vat_number
        and customers.is_valid_vat_number(cart.vat_number)
        and reverse_charge_applies(
            checked=cart.vat_checked_at is not None,
            valid=cart.vat_check_valid,
            unavailable_policy=settings.vies_unavailable_policy,
        )
        else None
    )
    return vat_treatment(
        cart.destination_country or HOME_COUNTRY,
        vat_number=vat_number,
        postcode=cart.destination_postcode,
        oss_threshold_exceeded=settings.oss_threshold_exceeded,
    )


def line_rate(
    session: Session, tax_class_id: uuid.UUID | None, treatment: VatTreatment, on: date
) -> tuple[Decimal, Decimal]:
    """(the home-country rate, the destination rate) of a tax class for this treatment.

    Raises :class:`NoVatRate` (field ``variant_id``) when the product has no tax class or
    no rate is known for the destination.
    """
    if tax_class_id is None:
        raise NoVatRate(_l("The product has no tax class."), field="variant_id")
    try:
        home = catalog.tax_rate_for(session, tax_class_id, HOME_COUNTRY, on)
    except TaxRateNotFound:
        raise NoVatRate(
            _l("No VAT rate is known for this product in {country}."),
            field="variant_id",
            country=HOME_COUNTRY,
        ) from None
    if treatment.is_exempt:
        return home, ZERO
    if treatment.scheme == "domestic":
        return home, home
    try:
        return home, catalog.tax_rate_for(session, tax_class_id, treatment.country, on)
    except TaxRateNotFound:
        pass
    codes = {tc.id: tc.code for tc in catalog.list_tax_classes(session)}
    rates = eu_rates(treatment.country, on)
    if rates is not None and codes.get(tax_class_id, "").endswith("standard"):
        return home, rates.standard
    raise NoVatRate(
        _l("No VAT rate is known for this product in {country}."),
        field="destination_country",
        country=treatment.country,
    )


def _to_basis(amount: Money, rate: Decimal, *, from_incl: bool, to_incl: bool) -> Money:
    if from_incl == to_incl:
        return amount
    return amount.excluding_percent(rate) if from_incl else amount.plus_percent(rate)


def price_cart(session: Session, cart: Cart, *, on: datetime | None = None) -> PricedCart:
    """The cart priced now (or at ``on``) for its channel, destination and coupons.

    Unit prices come from the catalogue (``prices_for``, as ``price_for`` per line: price
    list, tier, and the customer group of the cart's customer, ``price_group``); every
    promotion, automatic or unlocked by a coupon, is applied on the line totals by
    ``apply_promotions``. The price basis is the first line's price list's; a line priced
    in the other basis is converted with its home-country rate. Tax-inclusive prices stay
    the same for every EU consumer (the VAT inside changes with the destination rate); an
    exempt sale (intra-EU business, export) takes the home VAT out of them. The lines'
    variants, prices and rates are read together, not line by line.

    Raises ``PriceNotFound`` and :class:`NoVatRate` naming the line (``lines.<n>.*``).
    """
    moment = on or clock.now()
    treatment = treatment_of(cart)
    # Only a cart whose customer is known by her account gets group prices: a guest typing
    # someone's e-mail at checkout gets the public ones.
    group = customers.price_group(session, cart.customer_id) if cart.customer_id else None
    lines = list(cart.lines)
    variants = catalog.load_variants(session, {line.variant_id for line in lines})
    quotes = catalog.prices_for(
        session,
        [(line.variant_id, line.quantity) for line in lines],
        channel_id=cart.channel_id,
        currency=cart.currency,
        customer_group=group,
        on=moment,
    )
    rates = _RateBook(session, treatment, moment.date())
    quoted: list[_Quoted] = []
    include_tax: bool | None = None
    for n, line in enumerate(lines):
        variant = variants.get(line.variant_id) or catalog.get_variant(session, line.variant_id)
        try:
            quote = quotes.get((line.variant_id, line.quantity))
            if quote is None:
                raise PriceNotFound(field="variant_id")
            home, rate = rates.of(variant.product.tax_class_id)
        except (NoVatRate, PriceNotFound) as error:
            error.field = f"lines.{n}.{error.field or 'variant_id'}"
            raise
        if include_tax is None:
            include_tax = quote.includes_tax
        unit = _to_basis(quote.list_price, home, from_incl=quote.includes_tax, to_incl=include_tax)
        if treatment.is_exempt and include_tax:
            unit = unit.excluding_percent(home)
        title = variant.product.title + (f" — {variant.title}" if variant.title else "")
        quoted.append(
            _Quoted(line.id, line.variant_id, variant.sku, title, line.quantity, unit, home, rate)
        )
    basis = True if include_tax is None else include_tax
    return _with_promotions(session, cart, quoted, treatment, basis, moment)


class _RateBook:
    """:func:`line_rate` per tax class, each asked once for one pricing."""

    def __init__(self, session: Session, treatment: VatTreatment, on: date) -> None:
        self._session = session
        self._treatment = treatment
        self._on = on
        self._known: dict[uuid.UUID | None, tuple[Decimal, Decimal]] = {}

    def of(self, tax_class_id: uuid.UUID | None) -> tuple[Decimal, Decimal]:
        if tax_class_id not in self._known:
            self._known[tax_class_id] = line_rate(
                self._session, tax_class_id, self._treatment, self._on
            )
        return self._known[tax_class_id]


def _with_promotions(
    session: Session,
    cart: Cart,
    quoted: Sequence[_Quoted],
    treatment: VatTreatment,
    include_tax: bool,
    moment: datetime,
) -> PricedCart:
    result = catalog.apply_promotions(
        session,
        [
            catalog.PromotionLine(str(q.line_id), q.variant_id, q.quantity, q.unit_price)
            for q in quoted
        ],
        channel_id=cart.channel_id,
        coupon_codes=cart.coupon_codes,
        customer_id=cart.customer_id,
        on=moment,
    )
    discounts = {line.line_id: line for line in result.lines}
    lines = []
    for q in quoted:
        discount = discounts[str(q.line_id)]
        subtotal = (q.unit_price * q.quantity).round()
        unit_excl = q.unit_price.excluding_percent(q.rate) if include_tax else q.unit_price
        unit_incl = q.unit_price if include_tax else q.unit_price.plus_percent(q.rate)
        lines.append(
            PricedLine(
                line_id=q.line_id,
                variant_id=q.variant_id,
                sku=q.sku,
                title=q.title,
                quantity=q.quantity,
                unit_price=q.unit_price.round(),
                unit_excl=unit_excl.round(),
                unit_incl=unit_incl.round(),
                subtotal=subtotal,
                discount=discount.amount,
                total=subtotal - discount.amount,
                rate=q.rate,
                category=treatment.category,
                promotion_ids=discount.promotion_ids,
            )
        )
    taxed = [TaxedAmount(line.total, line.rate, line.category) for line in lines]
    goods = totals_per_rate(taxed, prices_include_tax=include_tax, currency=cart.currency)
    goods_incl = Money.total((t.base + t.tax for t in goods), cart.currency)
    fee = delivery_fee(
        session,
        cart,
        goods_incl=goods_incl,
        free_shipping=result.free_shipping,
        treatment=treatment,
        include_tax=include_tax,
        on=moment.date(),
    )
    if fee is not None:
        taxed.append(TaxedAmount(fee.amount, fee.rate, fee.category))
    totals = totals_per_rate(taxed, prices_include_tax=include_tax, currency=cart.currency)
    return PricedCart(
        currency=cart.currency,
        prices_include_tax=include_tax,
        treatment=treatment,
        lines=lines,
        rate_totals=totals,
        accepted_coupons=result.accepted_coupons,
        refused_coupons=result.refused_coupons,
        delivery=fee,
        free_shipping=result.free_shipping,
        goods_incl=goods_incl,
    )
