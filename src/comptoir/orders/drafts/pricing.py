"""What a draft costs: the catalogue's prices for its customer's group on its channel, or the
prices agreed instead, VAT by destination (reverse charge for an EU business with a VAT
number), totals per rate, as checkout computes them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.errors import PriceNotFound
from comptoir.customers import service as customers
from comptoir.kit import clock
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.drafts.models import DraftLine, DraftOrder
from comptoir.orders.errors import NoVatRate, VariantNotSold
from comptoir.orders.service.pricing import PricedCart, PricedLine, line_rate
from comptoir.orders.vat import (
    HOME_COUNTRY,
    RateTotal,
    TaxedAmount,
    VatSettings,
    VatTreatment,
    reverse_charge_applies,
    totals_per_rate,
    vat_treatment,
)


def treatment_of(draft: DraftOrder) -> VatTreatment:
    """The VAT treatment of the draft's destination and VAT number (the shop's country until
    an address is known): the number counts when its format is right and its VIES check
    allows it, as at checkout."""
    settings = VatSettings()
    number = (
        draft.vat_number
        if draft.vat_number
        and customers.is_valid_vat_number(draft.vat_number)
        and reverse_charge_applies(
            checked=draft.vat_checked_at is not None,
            valid=draft.vat_check_valid,
            unavailable_policy=settings.vies_unavailable_policy,
        )
        else None
    )
    return vat_treatment(
        draft.destination_country or HOME_COUNTRY,
        vat_number=number,
        oss_threshold_exceeded=settings.oss_threshold_exceeded,
    )


def _in_basis(quoted: Money, home: Decimal, *, quoted_incl: bool, basis_incl: bool) -> Money:
    if quoted_incl == basis_incl:
        return quoted
    return quoted.excluding_percent(home) if quoted_incl else quoted.plus_percent(home)


def reprice(session: Session, draft: DraftOrder, *, on: datetime | None = None) -> None:
    """Price every line afresh (now, or at ``on``) and store the prices and totals.

    Catalogue unit prices come from ``price_for`` for the channel, the quantity and the
    customer's price group (automatic promotions included; coupons do not apply to drafts).
    The price basis is the first line's price list's, as in a cart; an exempt sale takes the
    home VAT out of tax-inclusive prices. An agreed price replaces the catalogue's.

    Raises :class:`VariantNotSold` (``lines.<n>.variant_id``) when no price list prices a
    line for this customer, :class:`NoVatRate` (``lines.<n>.*``).
    """
    moment = on or clock.now()
    treatment = treatment_of(draft)
    group = customers.price_group(session, draft.customer_id)
    include_tax: bool | None = None
    for n, line in enumerate(draft.lines):
        variant = catalog.get_variant(session, line.variant_id)
        try:
            quote = catalog.price_for(
                session,
                line.variant_id,
                channel_id=draft.channel_id,
                currency=draft.currency,
                quantity=line.quantity,
                customer_group=group,
                on=moment,
            )
            home, rate = line_rate(session, variant.product.tax_class_id, treatment, moment.date())
        except PriceNotFound:
            raise VariantNotSold(
                _l("No price list of this channel prices this variant for this customer."),
                field=f"lines.{n}.variant_id",
            ) from None
        except NoVatRate as error:
            error.field = f"lines.{n}.{error.field or 'variant_id'}"
            raise
        if include_tax is None:
            include_tax = quote.includes_tax
        unit = _in_basis(
            quote.unit_price, home, quoted_incl=quote.includes_tax, basis_incl=include_tax
        )
        if treatment.is_exempt and include_tax:
            unit = unit.excluding_percent(home)
        _price_line(line, unit.round(), rate, treatment, include_tax)
    draft.prices_include_tax = True if include_tax is None else include_tax
    draft.vat_scheme = treatment.scheme
    _store_totals(draft)


def _price_line(
    line: DraftLine, listed: Money, rate: Decimal, treatment: VatTreatment, include_tax: bool
) -> None:
    line.list_price_minor = listed.minor_units
    unit = (
        listed
        if line.agreed_price_minor is None
        else Money.from_minor(line.agreed_price_minor, listed.currency)
    )
    line.unit_price_minor = unit.minor_units
    excl = unit.excluding_percent(rate) if include_tax else unit
    incl = unit if include_tax else unit.plus_percent(rate)
    line.unit_price_excl_minor = excl.round().minor_units
    line.unit_price_incl_minor = incl.round().minor_units
    line.vat_rate = rate
    line.vat_category = treatment.category
    line.total_minor = (unit * line.quantity).round().minor_units


def rate_totals(draft: DraftOrder) -> list[RateTotal]:
    """Base and VAT per rate of the draft's lines as priced (VAT rounded once per rate)."""
    taxed = [
        TaxedAmount(
            Money.from_minor(line.total_minor, draft.currency), line.vat_rate, line.vat_category
        )
        for line in draft.lines
    ]
    return totals_per_rate(
        taxed, prices_include_tax=draft.prices_include_tax, currency=draft.currency
    )


def _store_totals(draft: DraftOrder) -> None:
    totals = rate_totals(draft)
    net = Money.total((t.base for t in totals), draft.currency)
    tax = Money.total((t.tax for t in totals), draft.currency)
    draft.total_net_minor = net.minor_units
    draft.total_tax_minor = tax.minor_units
    draft.total_gross_minor = (net + tax).minor_units


def priced_draft(draft: DraftOrder) -> PricedCart:
    """The draft as it was last priced, in the shape checkout turns into order lines."""
    currency = draft.currency
    zero = Money.zero(currency)
    lines = [
        PricedLine(
            line_id=line.id,
            variant_id=line.variant_id,
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            unit_price=Money.from_minor(line.unit_price_minor, currency),
            unit_excl=Money.from_minor(line.unit_price_excl_minor, currency),
            unit_incl=Money.from_minor(line.unit_price_incl_minor, currency),
            subtotal=Money.from_minor(line.total_minor, currency),
            discount=zero,
            total=Money.from_minor(line.total_minor, currency),
            rate=line.vat_rate,
            category=line.vat_category,
            promotion_ids=(),
        )
        for line in draft.lines
    ]
    return PricedCart(
        currency=currency,
        prices_include_tax=draft.prices_include_tax,
        treatment=treatment_of(draft),
        lines=lines,
        rate_totals=rate_totals(draft),
        accepted_coupons=[],
        refused_coupons=[],
    )
