"""The VAT summary, read from the ledger: VAT by rate, and the boxes of the French VAT return
(CA3, form 3310-CA3-SD: letters for the operations, numbers for the tax) for a period.

Bases come from the entries themselves: an entry's revenue (classes 70) goes to the rate of its
VAT line; an entry with several rates gives each rate the base its tax implies (tax ÷ rate,
half up) and the largest rate what remains, so the bases add up to the revenue. The closing
entries of a year (journal OD, source ``fiscal_year``) and opening entries (AN) are left out.
Amounts stay in cents: the return itself rounds to whole euros."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from comptoir.billing.ledger.models import Entry
from comptoir.billing.ledger.periods import Period
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l

RATE_BY_ACCOUNT: Final = {
    "445711": Decimal("0.2"),
    "445712": Decimal("0.1"),
    "445713": Decimal("0.055"),
    "445714": Decimal("0.021"),
}
OSS_ACCOUNT: Final = "445719"
OSS_REVENUE: Final = "707100"
INTRA_EU_REVENUE: Final = "707200"
EXPORT_REVENUE: Final = "707300"
INTRA_EU_VAT_DUE: Final = "445200"
DEDUCTIBLE: Final = ("445660", "445662")
CA3_RATE_BOX: Final = {Decimal("0.2"): "08", Decimal("0.055"): "09", Decimal("0.1"): "9B"}
PARTICULAR_RATE: Final = Decimal("0.021")
"""Metropolitan 2.1 % (medicines, press) is detailed on annex 3310-A; its total is line 14."""
CA3_LABELS: Final[dict[str, LazyString]] = {
    "A1": _l("Sales and services (excluding VAT)"),
    "B2": _l("Intra-EU acquisitions"),
    "E1": _l("Exports outside the EU"),
    "E2": _l("Other non-taxable operations"),
    "E3": _l("Distance sales taxable in another EU country (B2C)"),
    "F2": _l("Intra-EU supplies of goods"),
    "08": _l("Standard rate 20 %"),
    "09": _l("Reduced rate 5.5 %"),
    "9B": _l("Reduced rate 10 %"),
    "14": _l("Particular rate 2.1 % (detailed on annex 3310-A)"),
    "16": _l("Total gross VAT due"),
    "17": _l("of which VAT on intra-EU acquisitions"),
    "20": _l("Deductible VAT on other goods and services"),
    "23": _l("Total deductible VAT"),
    "25": _l("VAT credit"),
    "28": _l("Net VAT due"),
}
KNOWN_RATES: Final = tuple(RATE_BY_ACCOUNT.values())


@dataclass(frozen=True, slots=True)
class VatRate:
    """VAT collected at one rate over the period (``scheme`` ``domestic`` or ``oss``;
    ``acquisitions`` for VAT self-assessed on intra-EU purchases)."""

    scheme: str
    rate: Decimal | None
    base_minor: int
    tax_minor: int


@dataclass(frozen=True, slots=True)
class Ca3Box:
    """A line of the CA3 return: ``base_minor`` and ``tax_minor`` as the form asks (a line
    that holds a single amount uses ``base_minor`` for bases, ``tax_minor`` for taxes)."""

    code: str
    base_minor: int | None
    tax_minor: int | None

    @property
    def label(self) -> LazyString:
        return CA3_LABELS[self.code]


@dataclass(frozen=True, slots=True)
class VatSummary:
    period: Period
    rates: list[VatRate]
    boxes: list[Ca3Box]
    deductible_minor: int

    def box(self, code: str) -> Ca3Box | None:
        return next((box for box in self.boxes if box.code == code), None)


@dataclass
class _Totals:
    base: dict[Decimal, int]
    tax: dict[Decimal, int]
    acquisition_base: dict[Decimal, int]
    acquisition_tax: dict[Decimal, int]
    oss_base: int = 0
    oss_tax: int = 0
    exports: int = 0
    intra_eu: int = 0
    untaxed: int = 0
    deductible: int = 0


def vat_summary(session: Session, when: Period) -> VatSummary:
    """VAT by rate and the CA3 boxes of the period, from its posted entries."""
    totals = _Totals(defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int))
    entries = session.scalars(
        select(Entry)
        .where(
            Entry.entry_date >= when.start,
            Entry.entry_date <= when.end,
            Entry.journal_code != "AN",
            (Entry.source_type.is_(None)) | (Entry.source_type != "fiscal_year"),
        )
        .options(selectinload(Entry.lines))
    )
    for entry in entries:
        _add_entry(entry, totals)
    return _summary(when, totals)


def _add_entry(entry: Entry, totals: _Totals) -> None:
    revenue = 0
    expenses = 0
    collected: dict[Decimal, int] = defaultdict(int)
    self_assessed = 0
    for line in entry.lines:
        amount = line.credit_minor - line.debit_minor
        account = line.account_number
        if account == OSS_REVENUE:
            totals.oss_base += amount
        elif account == INTRA_EU_REVENUE:
            totals.intra_eu += amount
        elif account == EXPORT_REVENUE:
            totals.exports += amount
        elif account.startswith("70"):
            revenue += amount
        elif account.startswith("6"):
            expenses -= amount
        elif account in RATE_BY_ACCOUNT:
            collected[RATE_BY_ACCOUNT[account]] += amount
        elif account == OSS_ACCOUNT:
            totals.oss_tax += amount
        elif account == INTRA_EU_VAT_DUE:
            self_assessed += amount
        elif account in DEDUCTIBLE:
            totals.deductible -= amount
    if collected:
        for rate, base in split_base(revenue, collected).items():
            totals.base[rate] += base
            totals.tax[rate] += collected[rate]
    else:
        totals.untaxed += revenue
    if self_assessed:
        rate = _implied_rate(expenses, self_assessed)
        totals.acquisition_base[rate] += expenses
        totals.acquisition_tax[rate] += self_assessed


def split_base(revenue: int, taxes: dict[Decimal, int]) -> dict[Decimal, int]:
    """Share an entry's revenue among its VAT rates: each rate but the largest gets the base
    its tax implies, the largest what remains."""
    rates = sorted(taxes, reverse=True)
    shares = {
        rate: int((Decimal(taxes[rate]) / rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for rate in rates[1:]
    }
    shares[rates[0]] = revenue - sum(shares.values())
    return shares


def _implied_rate(base: int, tax: int) -> Decimal:
    if not base:
        return KNOWN_RATES[0]
    ratio = Decimal(tax) / Decimal(base)
    return min(KNOWN_RATES, key=lambda rate: abs(rate - ratio))


def _summary(when: Period, totals: _Totals) -> VatSummary:
    rates = [
        VatRate("domestic", rate, totals.base[rate], totals.tax[rate])
        for rate in KNOWN_RATES
        if totals.base[rate] or totals.tax[rate]
    ]
    rates += [
        VatRate("acquisitions", rate, totals.acquisition_base[rate], totals.acquisition_tax[rate])
        for rate in KNOWN_RATES
        if totals.acquisition_base[rate] or totals.acquisition_tax[rate]
    ]
    if totals.oss_base or totals.oss_tax:
        rates.append(VatRate("oss", None, totals.oss_base, totals.oss_tax))
    gross = sum(totals.tax.values()) + sum(totals.acquisition_tax.values())
    acquisitions_tax = sum(totals.acquisition_tax.values())
    # OSS sales are taxed in the buyer's country (the OSS return); the CA3 states their base.
    boxes = [
        Ca3Box("A1", sum(totals.base.values()), None),
        Ca3Box("B2", sum(totals.acquisition_base.values()), None),
        Ca3Box("E1", totals.exports, None),
        Ca3Box("E2", totals.untaxed, None),
        Ca3Box("E3", totals.oss_base, None),
        Ca3Box("F2", totals.intra_eu, None),
    ]
    for rate, code in {**CA3_RATE_BOX, PARTICULAR_RATE: "14"}.items():
        boxes.append(
            Ca3Box(
                code,
                totals.base[rate] + totals.acquisition_base[rate],
                totals.tax[rate] + totals.acquisition_tax[rate],
            )
        )
    boxes += [
        Ca3Box("16", None, gross),
        Ca3Box("17", None, acquisitions_tax),
        Ca3Box("20", None, totals.deductible),
        Ca3Box("23", None, totals.deductible),
    ]
    net = gross - totals.deductible
    boxes.append(Ca3Box("28", None, net) if net >= 0 else Ca3Box("25", None, -net))
    return VatSummary(when, rates, boxes, totals.deductible)
