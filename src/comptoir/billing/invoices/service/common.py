"""What every part of the invoices service shares: the shop's day, VAT arithmetic, reading
invoices, and the legal wording of each VAT scheme."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.errors import InvoiceNotFound
from comptoir.billing.invoices.models import Invoice, InvoiceLine, InvoiceTaxTotal
from comptoir.kit import clock
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l

SHOP_ZONE: Final = ZoneInfo("Europe/Paris")
"""Invoices are dated in French time (an invoice issued at 00:30 in Paris is of that day)."""
HUNDRED: Final = Decimal(100)
ZERO: Final = Decimal(0)

CREDIT_NOTE_SERIES: Final = "AV"
PROFORMA_SERIES: Final = "PF"
DEFAULT_SERIES: Final = "FA"
RESERVED_SERIES: Final = frozenset({CREDIT_NOTE_SERIES, PROFORMA_SERIES})

CATEGORY_BY_SCHEME: Final[dict[str, str]] = {
    "reverse_charge": "AE",
    "intra_eu_goods": "K",
    "export": "G",
    "exempt": "E",
}
"""EN 16931 VAT categories of the schemes that charge no VAT; ``domestic`` and ``oss`` are
``S`` (``Z`` at a zero rate)."""

EXEMPTION_WORDING: Final[dict[str, LazyString]] = {
    "reverse_charge": _l("Reverse charge — article 283-2 of the French tax code (CGI)"),
    "intra_eu_goods": _l("VAT exemption, article 262 ter I of the French tax code (CGI)"),
    "export": _l("VAT exemption, article 262 I of the French tax code (CGI)"),
}
"""The wording an invoice prints when it charges no VAT (in the invoice's language)."""

ORDER_SCHEMES: Final[dict[str, str]] = {
    "domestic": "domestic",
    "oss": "oss",
    "intra_eu_b2b": "intra_eu_goods",
    "export": "export",
}
"""The orders module's VAT schemes as invoices name them."""


def today() -> date:
    """The shop's current day."""
    return clock.now().astimezone(SHOP_ZONE).date()


def as_locale(language: str) -> Locale:
    return "en" if language == "en" else "fr"


def exemption_wording(scheme: str, language: str) -> str | None:
    """The legal wording of ``scheme`` in ``language`` (None when VAT is charged or the
    wording is the shop's own, for ``exempt``)."""
    wording = EXEMPTION_WORDING.get(scheme)
    return None if wording is None else translate(wording, as_locale(language))


def category_for(scheme: str, rate: Decimal) -> str:
    """The VAT category of a line under ``scheme`` at ``rate`` (a fraction)."""
    if scheme in CATEGORY_BY_SCHEME:
        return CATEGORY_BY_SCHEME[scheme]
    return "Z" if rate == ZERO else "S"


def percent_to_fraction(percent: Decimal) -> Decimal:
    """20 -> 0.2000 (the invoices' rates are fractions; the orders' and the API's percent)."""
    return (Decimal(percent) / HUNDRED).quantize(Decimal("0.0001"))


def fraction_to_percent_text(rate: Decimal) -> str:
    """0.2000 -> ``20``; 0.0550 -> ``5.5``."""
    reduced = (Decimal(rate) * HUNDRED).normalize()
    if reduced == reduced.to_integral_value():
        return str(reduced.quantize(Decimal(1)))
    return str(reduced)


def tax_of(base_minor: int, rate: Decimal) -> int:
    """The VAT of a taxable base at ``rate`` (a fraction), rounded half-up once to the minor
    unit (EN 16931 BR-CO-17)."""
    return int((Decimal(base_minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def share(amount_minor: int, part: Decimal, whole: Decimal) -> int:
    """``amount x part / whole`` rounded half-up to the minor unit."""
    if whole == ZERO:
        return 0
    exact = Decimal(amount_minor) * Decimal(part) / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ceil_div(amount_minor: int, quantity: Decimal) -> int:
    return int((Decimal(amount_minor) / quantity).quantize(Decimal(1), rounding=ROUND_CEILING))


def base_from_gross(gross_minor: int, rate: Decimal) -> int:
    """The taxable base whose base + VAT (VAT rounded once, :func:`tax_of`) gives
    ``gross_minor``; when no base gives it exactly (some gross amounts are skipped by the
    rounding), the nearest one whose gross does not exceed it."""
    if rate == ZERO:
        return gross_minor
    start = int((Decimal(gross_minor) / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    candidates = sorted(range(start - 2, start + 3), key=lambda b: abs(b - start))
    for base in candidates:
        if base + tax_of(base, rate) == gross_minor:
            return base
    below = [b for b in candidates if b + tax_of(b, rate) < gross_minor]
    return max(below) if below else start


def allocate(total_minor: int, weights: Iterable[int]) -> list[int]:
    """Share ``total_minor`` in proportion to ``weights`` without losing a minor unit
    (largest remainder first, earlier first on ties)."""
    weights = list(weights)
    whole = sum(weights)
    if not weights:
        return []
    if whole == 0:
        return [total_minor] + [0] * (len(weights) - 1)
    exact = [Decimal(total_minor) * w / whole for w in weights]
    floors = [int(x.to_integral_value(rounding="ROUND_FLOOR")) for x in exact]
    left = total_minor - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def get_invoice(session: Session, invoice_id: uuid.UUID) -> Invoice:
    """The invoice (or credit note, proforma); raises :class:`InvoiceNotFound`."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def get_by_number(session: Session, number: str) -> Invoice:
    """The invoice numbered ``number`` (``FA-2026-000045``); raises :class:`InvoiceNotFound`."""
    invoice = session.scalar(select(Invoice).where(Invoice.number == number.strip().upper()))
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def supply_type_of(lines: Iterable[InvoiceLine]) -> str:
    """``goods``, ``services`` or ``mixed`` (shipping and fees follow the goods they go with)."""
    kinds = {line.kind for line in lines}
    has_goods = bool(kinds & {"goods", "shipping"})
    has_services = "service" in kinds
    if has_goods and has_services:
        return "mixed"
    return "services" if has_services else "goods"


def compute_totals(invoice: Invoice) -> None:
    """Set the invoice's VAT totals per (category, rate) and its totals from its lines: the
    base of a rate is the sum of its lines' nets, its VAT that base x rate rounded half-up
    once (BR-CO-17)."""
    groups: dict[tuple[str, Decimal], int] = {}
    for line in invoice.lines:
        key = (line.vat_category, Decimal(line.vat_rate).quantize(Decimal("0.0001")))
        groups[key] = groups.get(key, 0) + line.net_minor
    reason = invoice.exemption_reason
    invoice.tax_totals = [
        InvoiceTaxTotal(
            category=category,
            rate=rate,
            base_minor=base,
            tax_minor=tax_of(base, rate),
            exemption_reason=reason if category not in ("S", "Z") else None,
        )
        for (category, rate), base in sorted(groups.items())
    ]
    invoice.total_net_minor = sum(t.base_minor for t in invoice.tax_totals)
    invoice.total_tax_minor = sum(t.tax_minor for t in invoice.tax_totals)
    invoice.total_gross_minor = invoice.total_net_minor + invoice.total_tax_minor
    invoice.supply_type = supply_type_of(invoice.lines)


def payable(invoice: Invoice) -> int:
    """What the invoice asks to be paid in all (EN 16931 BT-112 + BT-114): net + VAT plus
    the rounding amount of a tax-included sale."""
    return invoice.total_gross_minor + (invoice.rounding_minor or 0)


def amount_due(invoice: Invoice) -> int:
    """What is still to be paid (never negative): the payable amount less what was paid."""
    return max(payable(invoice) - invoice.amount_paid_minor, 0)
