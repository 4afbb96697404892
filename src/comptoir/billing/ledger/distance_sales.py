"""The EU one-stop-shop threshold, computed from the invoices.

A French shop's distance sales of goods to consumers in other EU countries (excluding VAT, in
euros) decide which VAT those consumers pay: while they stay at or under EUR 10,000 in the
current calendar year and in the previous one, the shop may charge French VAT; once they pass
it, the consumer's country's VAT applies (declared through the one-stop shop), from the sale
that crosses it. Comptoir's checkout follows ``COMPTOIR_OSS_THRESHOLD_EXCEEDED``; this module
tells whether the figures still agree with it.

A sale counts by where the goods go: the order's destination country, or the buyer's country
for an invoice written by hand. Goods and the shipping that goes with them count, services do
not; credit notes take their part back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import extract, select
from sqlalchemy.orm import Session, selectinload

from comptoir.billing.invoices.models import Invoice
from comptoir.orders import service as orders
from comptoir.orders.vat import EU_MEMBER_STATES, VatSettings

THRESHOLD_MINOR: Final = 1_000_000
"""EUR 10,000 in cents (article 259 D of the French tax code, EU directive 2017/2455)."""
SHOP_COUNTRY: Final = "FR"
COUNTED_KINDS: Final = ("goods", "shipping")
ISSUED: Final = ("issued", "partially_paid", "paid")


@dataclass(frozen=True, slots=True)
class DistanceSales:
    """EU distance sales to consumers in ``year`` and the year before, against the threshold,
    and what the shop's setting says."""

    year: int
    current_minor: int
    previous_minor: int
    threshold_minor: int
    setting_exceeded: bool

    @property
    def exceeded(self) -> bool:
        return max(self.current_minor, self.previous_minor) > self.threshold_minor

    @property
    def agrees(self) -> bool:
        """Whether the setting says what the figures say (under the threshold, a shop may
        still choose the one-stop shop: that is no disagreement)."""
        return self.setting_exceeded or not self.exceeded


def distance_sales(session: Session, on: date) -> DistanceSales:
    """The figures of the calendar year of ``on`` and of the year before."""
    current = _year_total(session, on.year)
    previous = _year_total(session, on.year - 1)
    return DistanceSales(
        year=on.year,
        current_minor=current,
        previous_minor=previous,
        threshold_minor=THRESHOLD_MINOR,
        setting_exceeded=VatSettings().oss_threshold_exceeded,
    )


def _year_total(session: Session, year: int) -> int:
    invoices = list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.kind.in_(("invoice", "credit_note")),
                Invoice.status.in_(ISSUED),
                Invoice.buyer_is_business.is_(False),
                extract("year", Invoice.issue_date) == year,
            )
            .options(selectinload(Invoice.lines))
        )
    )
    destinations = orders.destinations_of(
        session, (i.order_id for i in invoices if i.order_id is not None)
    )
    total = 0
    for invoice in invoices:
        country = destinations.get(invoice.order_id) if invoice.order_id else None
        country = country or invoice.buyer_country
        if country == SHOP_COUNTRY or country not in EU_MEMBER_STATES:
            continue
        net = sum(line.net_minor for line in invoice.lines if line.kind in COUNTED_KINDS)
        euros = (Decimal(net) * Decimal(invoice.exchange_rate)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        total += int(euros) * (-1 if invoice.kind == "credit_note" else 1)
    return total
