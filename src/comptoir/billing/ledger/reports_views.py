"""What the report screens need beyond the reports: CSV rows and the aged-receivables bar
chart (plain SVG drawn by the template; no script)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from fastapi.responses import Response

from comptoir.billing.ledger.reports import (
    AGE_BUCKETS,
    AgedRow,
    LedgerAccount,
    TrialBalanceRow,
    VatSummary,
    aged_totals,
)
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.sheets import write_csv

BUCKET_LABELS: dict[str, LazyString] = {
    "not_due": _l("Not due"),
    "days_1_30": _l("1 to 30 days"),
    "days_31_60": _l("31 to 60 days"),
    "days_61_90": _l("61 to 90 days"),
    "over_90": _l("Over 90 days"),
}
CHART_WIDTH = 600
CHART_HEIGHT = 200

Rows = tuple[list[str], list[list[object]]]


def csv_response(filename: str, columns: list[str], rows: list[list[object]]) -> Response:
    return Response(
        write_csv(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cents(minor: int | None) -> str:
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def report_rows(report: str, data: object) -> Rows:
    """The CSV columns and rows of a report (amounts in euros, a dot for decimals)."""
    if report == "trial-balance":
        balance = cast(Sequence[TrialBalanceRow], data)
        return (
            ["account", "label", "opening", "debit", "credit", "closing"],
            [
                [
                    r.account,
                    r.label,
                    _cents(r.opening_minor),
                    _cents(r.debit_minor),
                    _cents(r.credit_minor),
                    _cents(r.closing_minor),
                ]
                for r in balance
            ],
        )
    if report in ("ledger", "sub-ledger"):
        accounts = cast(Sequence[LedgerAccount], data)
        return (
            [
                "account",
                "date",
                "journal",
                "number",
                "piece",
                "label",
                "auxiliary",
                "debit",
                "credit",
                "lettering",
                "balance",
            ],
            [
                [
                    a.number,
                    line.entry_date.isoformat(),
                    line.journal,
                    line.number,
                    line.piece_ref,
                    line.label,
                    line.auxiliary or "",
                    _cents(line.debit_minor),
                    _cents(line.credit_minor),
                    line.lettering or "",
                    _cents(line.balance_minor),
                ]
                for a in accounts
                for line in a.lines
            ],
        )
    if report == "aged-receivables":
        aged = cast(Sequence[AgedRow], data)
        return (
            ["auxiliary", "label", *AGE_BUCKETS, "total"],
            [
                [
                    r.auxiliary,
                    r.label,
                    *(_cents(r.buckets[b]) for b in AGE_BUCKETS),
                    _cents(r.total_minor),
                ]
                for r in aged
            ],
        )
    summary = cast(VatSummary, data)
    return (
        ["box", "label", "base", "tax"],
        [
            [box.code, str(box.label), _cents(box.base_minor), _cents(box.tax_minor)]
            for box in summary.boxes
        ],
    )


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    amount: str
    x: int
    y: int
    width: int
    height: int


def aged_chart(data: object, money: Callable[[int | None], str]) -> list[Bar]:
    """One bar per age bucket, the tallest filling the chart (negative totals draw none)."""
    totals = aged_totals(cast(Sequence[AgedRow], data))
    tallest = max([*totals.values(), 1])
    slot = CHART_WIDTH // len(AGE_BUCKETS)
    bars = []
    for index, bucket in enumerate(AGE_BUCKETS):
        height = max(totals[bucket], 0) * (CHART_HEIGHT - 20) // tallest
        bars.append(
            Bar(
                str(BUCKET_LABELS[bucket]),
                money(totals[bucket]),
                index * slot + 10,
                CHART_HEIGHT - height,
                slot - 20,
                height,
            )
        )
    return bars
