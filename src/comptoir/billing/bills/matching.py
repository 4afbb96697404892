"""The three-way match (purchase order, receipts, bill) and the bill's totals per VAT rate.

A bill line passes when it bills no more units than were received and not yet billed on
other bills of the order (a credit note: no more than was billed), at a unit cost within the
tolerance of the order's. The totals per rate (base times rate rounded half-up once per rate,
EN 16931 BR-CO-17) must agree with the VAT the supplier printed within one minor unit per
rate, and the grand total within one minor unit per rate."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from comptoir.billing.bills.models import SupplierBill, SupplierBillLine, SupplierBillTaxTotal
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.purchasing import service as purchasing

BILLED_STATUSES: Final = ("matched", "approved", "posted", "partially_paid", "paid")
"""Bills whose units count as billed for the next bills of the same purchase order (drafts
and bills on hold do not, until they pass or are approved)."""

Discrepancy = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MatchTolerance:
    """How far a billed unit cost may stray from the order's: at most ``percent`` of the
    order's unit cost and at most ``absolute_eur`` euros (both must hold)."""

    percent: Decimal = Decimal("0.02")
    absolute_eur: Decimal = Decimal("1.00")

    def allowed_minor(
        self, order_unit_minor: int, currency: str, exchange_rate: Decimal
    ) -> Decimal:
        """The largest accepted difference, in minor units of ``currency``."""
        by_percent = Decimal(order_unit_minor) * self.percent
        in_currency = Money(self.absolute_eur / exchange_rate, currency)
        by_amount = Decimal(in_currency.amount.scaleb(in_currency.exponent))
        return min(by_percent, by_amount)


DEFAULT_TOLERANCE: Final = MatchTolerance()


def vat_of(base_minor: int, rate: Decimal) -> int:
    """VAT on a base, rounded half-up to the minor unit."""
    return int((Decimal(base_minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate(rate: Decimal) -> Decimal:
    return Decimal(rate).quantize(Decimal("0.0001"))


def apply_totals(bill: SupplierBill, stated_vat: Mapping[Decimal, int] | None = None) -> None:
    """Recompute each line's net, the tax totals per rate and the bill's totals. ``stated_vat``
    (rate -> minor units) replaces what the supplier printed; None keeps it."""
    kept = (
        {_rate(total.rate): total.stated_vat_minor for total in bill.tax_totals}
        if stated_vat is None
        else {_rate(rate): v for rate, v in stated_vat.items()}
    )
    bases: dict[Decimal, int] = {}
    for line in bill.lines:
        line.net_minor = line.quantity * line.unit_cost_minor
        rate = _rate(line.vat_rate)
        bases[rate] = bases.get(rate, 0) + line.net_minor
    for rate, stated in kept.items():
        if stated is not None:
            bases.setdefault(rate, 0)
    # Rows are updated in place: deleting and re-inserting a rate would collide on the
    # (bill, rate) constraint, the inserts being flushed before the deletes.
    rows = {_rate(total.rate): total for total in bill.tax_totals}
    for rate, row in rows.items():
        if rate not in bases:
            bill.tax_totals.remove(row)
    for rate in sorted(bases):
        row = rows.get(rate) or SupplierBillTaxTotal(rate=rate)
        row.base_minor = bases[rate]
        row.vat_minor = vat_of(bases[rate], rate)
        row.stated_vat_minor = kept.get(rate)
        if rate not in rows:
            bill.tax_totals.append(row)
    bill.total_net_minor = sum(bases.values())
    bill.total_vat_minor = sum(total.vat_minor for total in bill.tax_totals)
    is_reverse_charge = bill.vat_treatment == "intra_eu"
    bill.total_gross_minor = bill.total_net_minor + (
        0 if is_reverse_charge else bill.total_vat_minor
    )


def already_billed(
    session: Session, order_line_ids: Sequence[uuid.UUID], *, but: uuid.UUID | None = None
) -> dict[uuid.UUID, int]:
    """Units billed per purchase order line by bills that count (credit notes subtract),
    leaving out the bill ``but``."""
    if not order_line_ids:
        return {}
    signed = case(
        (SupplierBill.is_credit.is_(True), -SupplierBillLine.quantity),
        else_=SupplierBillLine.quantity,
    )
    stmt = (
        select(SupplierBillLine.order_line_id, func.sum(signed))
        .join(SupplierBill, SupplierBill.id == SupplierBillLine.bill_id)
        .where(
            SupplierBillLine.order_line_id.in_(order_line_ids),
            SupplierBill.status.in_(BILLED_STATUSES),
        )
        .group_by(SupplierBillLine.order_line_id)
    )
    if but is not None:
        stmt = stmt.where(SupplierBill.id != but)
    return {line_id: int(total or 0) for line_id, total in session.execute(stmt) if line_id}


def three_way_match(
    session: Session, bill: SupplierBill, tolerance: MatchTolerance = DEFAULT_TOLERANCE
) -> list[Discrepancy]:
    """Compare every line with its purchase order line (locked until the end of the
    transaction, so that two bills of one order are matched one after the other), record
    the figures on the line, and return what does not agree (empty: the bill passes)."""
    found: list[Discrepancy] = []
    order_lines = {}
    if bill.purchase_order_id is not None:
        order = purchasing.get_purchase_order(session, bill.purchase_order_id, for_update=True)
        order_lines = {line.id: line for line in order.lines}
    billed = already_billed(
        session, [line.order_line_id for line in bill.lines if line.order_line_id], but=bill.id
    )
    for line in bill.lines:
        order_line = order_lines.get(line.order_line_id) if line.order_line_id else None
        if order_line is None:
            _record(line, "free", None, None, None, None)
            continue
        already = billed.get(order_line.id, 0)
        difference = line.unit_cost_minor - order_line.unit_cost_minor
        _record(
            line,
            "ok",
            order_line.quantity_ordered,
            order_line.quantity_received,
            already,
            order_line.unit_cost_minor,
        )
        line.match_price_difference_minor = difference
        over = _quantity_discrepancy(bill, line, order_line.quantity_received, already)
        allowed = tolerance.allowed_minor(
            order_line.unit_cost_minor, bill.currency, bill.exchange_rate
        )
        price = None
        if abs(Decimal(difference)) > allowed:
            price = _discrepancy(
                "price_difference",
                line,
                billed_cost_minor=line.unit_cost_minor,
                order_cost_minor=order_line.unit_cost_minor,
                difference_minor=difference,
                allowed_minor=int(allowed),
            )
        found.extend(d for d in (over, price) if d is not None)
        if over and price:
            line.match_result = "over_billed_and_price"
        elif over or price:
            line.match_result = "over_billed" if over else "price_difference"
    found.extend(_total_discrepancies(bill))
    return found


def _record(
    line: SupplierBillLine,
    result: str,
    ordered: int | None,
    received: int | None,
    already: int | None,
    order_cost: int | None,
) -> None:
    line.match_result = result
    line.match_ordered = ordered
    line.match_received = received
    line.match_already_billed = already
    line.match_order_unit_cost_minor = order_cost
    line.match_price_difference_minor = None


def _quantity_discrepancy(
    bill: SupplierBill, line: SupplierBillLine, received: int, already: int
) -> Discrepancy | None:
    if bill.is_credit:
        if line.quantity <= already:
            return None
        return _discrepancy("over_credited", line, billed=line.quantity, already=already)
    if line.quantity <= received - already:
        return None
    return _discrepancy(
        "over_billed",
        line,
        billed=line.quantity,
        billable=max(received - already, 0),
        received=received,
        already=already,
    )


def _total_discrepancies(bill: SupplierBill) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    if bill.vat_treatment == "domestic":
        for total in bill.tax_totals:
            stated = total.stated_vat_minor
            if stated is not None and abs(stated - total.vat_minor) > 1:
                found.append(
                    {
                        "code": "vat_difference",
                        "line_id": None,
                        "rate": str(total.rate),
                        "stated_minor": stated,
                        "computed_minor": total.vat_minor,
                    }
                )
    stated_total = bill.stated_total_minor
    if stated_total is not None:
        allowed = max(len(bill.tax_totals), 1)
        if abs(stated_total - bill.total_gross_minor) > allowed:
            found.append(
                {
                    "code": "total_difference",
                    "line_id": None,
                    "stated_minor": stated_total,
                    "computed_minor": bill.total_gross_minor,
                }
            )
    return found


def _discrepancy(code: str, line: SupplierBillLine, **figures: int) -> Discrepancy:
    return {"code": code, "line_id": str(line.id), "position": line.position + 1, **figures}


MESSAGES: Final[dict[str, LazyString]] = {
    "over_billed": _l(
        "Line {position}: {billed} units billed, but only {billable} received and not yet "
        "billed ({received} received, {already} already billed)."
    ),
    "over_credited": _l("Line {position}: {billed} units credited, but only {already} billed."),
    "price_difference": _l(
        "Line {position}: the unit cost {billed_cost} differs from the order's {order_cost} "
        "by {difference}, more than the tolerance of {allowed}."
    ),
    "vat_difference": _l(
        "VAT at {rate}: the supplier states {stated}, the computed VAT is {computed}."
    ),
    "total_difference": _l(
        "The supplier's total {stated} differs from the computed total {computed} by more "
        "than one cent per VAT rate."
    ),
}


def describe(discrepancy: Discrepancy, currency: str, locale: Locale) -> str:
    """A discrepancy told in ``locale``, amounts in ``currency``."""
    params: dict[str, Any] = {}
    for key, value in discrepancy.items():
        if key.endswith("_minor"):
            params[key.removesuffix("_minor")] = Money.from_minor(int(value), currency).format(
                locale
            )
        elif key == "rate":
            params[key] = f"{(Decimal(str(value)) * 100).normalize():f} %"
        else:
            params[key] = value
    message = MESSAGES.get(str(discrepancy.get("code")))
    return translate(message, locale, **params) if message is not None else str(discrepancy)
