"""Importing the Online Retail history: read, classify, write, and say what happened."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from comptoir.imports.online_retail import CURRENCY, HistoryPlan, Reason
from comptoir.imports.online_retail_plan import read_history
from comptoir.imports.online_retail_store import Added, Progress, store_history
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money

REASONS: Final[dict[Reason, LazyString]] = {
    Reason.MISSING_FIELD: _l("A required column is empty."),
    Reason.BAD_DEBT_ADJUSTMENT: _l("Bad-debt adjustment: an accounting entry, not a sale."),
    Reason.DUPLICATE_LINE: _l("Repeats an earlier line in every column."),
    Reason.MARKETPLACE_FEE: _l("Marketplace fee: a cost of the shop, not a sale."),
    Reason.COMMISSION: _l("Commission paid: a cost of the shop, not a sale."),
    Reason.GIFT_VOUCHER: _l("Gift voucher: money owed to the holder, not goods sold."),
    Reason.ZERO_QUANTITY: _l("The quantity is zero."),
    Reason.STOCK_ADJUSTMENT: _l("Negative quantity outside a cancellation: a stock adjustment."),
    Reason.CANCELLATION_POSITIVE_QUANTITY: _l("A cancellation line with a positive quantity."),
    Reason.NEGATIVE_PRICE: _l("The unit price is negative."),
    Reason.ZERO_PRICE: _l("The unit price is zero."),
    Reason.SUB_PENNY_PRICE: _l("The unit price has more than two decimals."),
    Reason.UNKNOWN_COUNTRY: _l("The country names no country."),
    Reason.SHIPPING_WITHOUT_GOODS: _l("Postage invoiced without goods: no order to deliver."),
    Reason.CANCELLATION_WITHOUT_SALE: _l(
        "Cancellation without its original sale in the file: nothing to return."
    ),
    Reason.DISCOUNT_WITHOUT_SALE: _l(
        "Discount without an earlier order of the customer in the file large enough for it."
    ),
}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The figures of the file (what the shop's history holds once imported) and what this
    run added."""

    plan: HistoryPlan
    added: Added
    dry_run: bool

    @property
    def revenue(self) -> Money:
        return Money.from_minor(self.plan.revenue_minor, CURRENCY)

    @property
    def refunded(self) -> Money:
        return Money.from_minor(self.plan.refunded_minor, CURRENCY)

    @property
    def shipping(self) -> Money:
        return Money.from_minor(self.plan.shipping_minor, CURRENCY)

    @property
    def reasons(self) -> Counter[Reason]:
        return Counter(rejection.reason for rejection in self.plan.rejections)


def import_online_retail(
    session: Session,
    path: Path,
    *,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the first ``limit`` lines (all by default) of the Online Retail file at
    ``path`` in the caller's transaction (never commits). Running it again adds nothing.
    With ``dry_run`` nothing is written."""
    plan = read_history(path, limit=limit)
    added = store_history(session, plan, dry_run=dry_run, progress=progress)
    return ImportResult(plan=plan, added=added, dry_run=dry_run)


def write_rejections(result: ImportResult, target: Path) -> None:
    """Every refused line as CSV: its row in the file, invoice, stock code and reason."""
    with target.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["row", "invoice", "stock_code", "reason", "explanation"])
        for rejection in result.plan.rejections:
            writer.writerow(
                [
                    rejection.row,
                    rejection.invoice,
                    rejection.stock_code,
                    rejection.reason.value,
                    str(REASONS[rejection.reason]),
                ]
            )
