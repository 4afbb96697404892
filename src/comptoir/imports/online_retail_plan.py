"""The Online Retail file's kept lines grouped into a shop's history: orders with their
delivery fee and discounts, the returns of the ``C`` invoices matched to the sales they
cancel, the products and the customers. The rules are in
:mod:`comptoir.imports.online_retail`; docs/import-online-retail.md tells why.

Sales and cancellations are walked in the order they happened (invoice time, then invoice
number): a cancellation can only give back units sold before it, to the same customer, of
the same stock code, and not given back already. The latest such sale goes first (a
customer cancels what they just bought), then the one before, and so on; a cancellation
line needing more units than are left is refused whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from comptoir.imports.online_retail import (
    SHOP_TIME_ZONE,
    SOURCE_COLUMNS,
    TITLE_MAX,
    CustomerPlan,
    HistoryPlan,
    LineKind,
    LinePlan,
    OrderPlan,
    ProductPlan,
    Reason,
    Rejection,
    ReturnLinePlan,
    ReturnPlan,
    ShippingPlan,
    classify,
)

# Within one cancellation: goods first, so that its postage finds the returns it goes with.
RANK: Final = {LineKind.SHIPPING: 1, LineKind.DISCOUNT: 2}

# row, invoice, stock code, kind, quantity, pence, CustomerID, time
Row = tuple[int, str, str, str, int, int, float | None, datetime]


def read_history(path: Path, *, limit: int | None = None) -> HistoryPlan:
    """The plan of the first ``limit`` lines (all by default) of the file at ``path``."""
    frame = pl.read_parquet(path, columns=list(SOURCE_COLUMNS), n_rows=limit)
    return plan_history(frame)


def plan_history(frame: pl.DataFrame) -> HistoryPlan:
    """The history the file's lines make, and every refused line with its reason."""
    classified = classify(frame)
    kept = classified.filter(pl.col("reason").is_null())
    rejections = [
        Rejection(row=row, invoice=invoice, stock_code=code, reason=Reason(reason))
        for row, invoice, code, reason in classified.filter(pl.col("reason").is_not_null())
        .select("row", "InvoiceNo", "StockCode", "reason")
        .iter_rows()
    ]
    is_sale = ~pl.col("InvoiceNo").str.starts_with("C") & (
        pl.col("kind") != LineKind.DISCOUNT.value
    )
    orders, refused = _orders(kept.filter(is_sale))
    history = _History()
    refused += history.walk(orders, kept.filter(~is_sale))
    for order in orders:
        _spread_discount(order)
    return HistoryPlan(
        rows=frame.height,
        products=_products(classified, orders),
        customers=_customers(orders),
        orders=orders,
        returns=history.returns,
        rejections=sorted(rejections + refused, key=lambda rejection: rejection.row),
    )


def _utc(wall_clock: datetime) -> datetime:
    return wall_clock.replace(tzinfo=SHOP_TIME_ZONE).astimezone(UTC)


def _customer(value: float | None) -> str | None:
    return None if value is None else str(int(value))


def _number(invoice: str) -> int:
    return int("".join(char for char in invoice if char.isdigit()) or 0)


def _orders(sales: pl.DataFrame) -> tuple[list[OrderPlan], list[Rejection]]:
    """One order per sale invoice; postage on an invoice without goods is refused."""
    heads = sales.group_by("InvoiceNo", maintain_order=True).agg(
        pl.col("CustomerID").drop_nulls().first(),
        pl.col("country_code").first(),
        pl.col("InvoiceDate").min(),
    )
    orders = {
        invoice: OrderPlan(
            invoice=invoice, customer=_customer(customer), country=country, placed_at=_utc(placed)
        )
        for invoice, customer, country, placed in heads.iter_rows()
    }
    postage: list[tuple[int, str, str, int]] = []
    for row, invoice, sku, kind, quantity, unit_minor in sales.select(
        "row", "InvoiceNo", "StockCode", "kind", "Quantity", "pence"
    ).iter_rows():
        if kind == LineKind.SHIPPING:
            postage.append((row, invoice, sku, quantity * unit_minor))
        else:
            orders[invoice].lines.append(
                LinePlan(
                    sku=sku, quantity=quantity, unit_price_minor=unit_minor, kind=LineKind(kind)
                )
            )
    refused: list[Rejection] = []
    for row, invoice, sku, fee in postage:
        order = orders[invoice]
        if not order.lines:
            refused.append(Rejection(row, invoice, sku, Reason.SHIPPING_WITHOUT_GOODS))
        elif order.shipping is None:
            order.shipping = ShippingPlan(code=sku, fee_minor=fee)
        else:
            order.shipping.fee_minor += fee
    return [order for order in orders.values() if order.lines], refused


@dataclass(slots=True)
class _Sold:
    """Units of an order line not given back yet."""

    order: OrderPlan
    position: int
    left: int


class _History:
    """The sales and cancellations, walked in the order they happened."""

    def __init__(self) -> None:
        self.sold: dict[tuple[str, str], list[_Sold]] = {}
        self.latest: dict[str, OrderPlan] = {}
        self.returns: list[ReturnPlan] = []

    def walk(self, orders: Iterable[OrderPlan], adjustments: pl.DataFrame) -> list[Rejection]:
        """Match every line of ``adjustments`` (the cancellations' lines and the discounts)
        to the sales before it; the lines that match nothing come back refused."""
        groups: dict[str, list[Row]] = {}
        for row in adjustments.select(
            "row", "InvoiceNo", "StockCode", "kind", "Quantity", "pence", "CustomerID",
            "InvoiceDate",
        ).iter_rows():  # fmt: skip
            groups.setdefault(row[1], []).append(row)
        events: list[tuple[tuple[datetime, int, int, str], OrderPlan | list[Row]]] = [
            ((order.placed_at, _number(order.invoice), 0, order.invoice), order) for order in orders
        ]
        events += [
            ((_utc(min(row[7] for row in rows)), _number(invoice), 1, invoice), rows)
            for invoice, rows in groups.items()
        ]
        refused: list[Rejection] = []
        for (at, _, _, invoice), event in sorted(events, key=lambda event: event[0]):
            if isinstance(event, OrderPlan):
                self._sell(event)
            else:
                refused += self._cancel(invoice, at, event)
        return refused

    def _sell(self, order: OrderPlan) -> None:
        if order.customer is None:
            return
        self.latest[order.customer] = order
        for position, line in enumerate(order.lines, start=1):
            sold = _Sold(order=order, position=position, left=line.quantity)
            self.sold.setdefault((order.customer, line.sku), []).append(sold)

    def _cancel(self, invoice: str, at: datetime, rows: list[Row]) -> list[Rejection]:
        returns: dict[str, ReturnPlan] = {}
        refused: list[Rejection] = []
        for row, _, sku, kind, quantity, unit_minor, customer_id, _ in sorted(
            rows, key=lambda row: (RANK.get(LineKind(row[3]), 0), row[0])
        ):
            customer, units = _customer(customer_id), abs(quantity)
            if kind == LineKind.DISCOUNT:
                if not self._discount(customer, units * unit_minor):
                    refused.append(Rejection(row, invoice, sku, Reason.DISCOUNT_WITHOUT_SALE))
            elif kind == LineKind.SHIPPING:
                if not _refund_postage(returns.values(), sku, units * unit_minor):
                    refused.append(Rejection(row, invoice, sku, Reason.CANCELLATION_WITHOUT_SALE))
            elif customer is None or not self._give_back(
                returns, invoice, at, (customer, sku), units, unit_minor
            ):
                refused.append(Rejection(row, invoice, sku, Reason.CANCELLATION_WITHOUT_SALE))
        self.returns += returns.values()
        return refused

    def _give_back(
        self,
        returns: dict[str, ReturnPlan],
        invoice: str,
        at: datetime,
        key: tuple[str, str],
        units: int,
        unit_minor: int,
    ) -> bool:
        stack = self.sold.get(key, [])
        if sum(sold.left for sold in stack) < units:
            return False
        for sold in reversed(stack):
            taken = min(sold.left, units)
            sold.left, units = sold.left - taken, units - taken
            if taken:
                rma = returns.setdefault(
                    sold.order.invoice,
                    ReturnPlan(cancellation=invoice, order=sold.order, returned_at=at),
                )
                line = rma.lines.setdefault(
                    sold.position,
                    ReturnLinePlan(position=sold.position, quantity=0, refund_minor=0),
                )
                line.quantity += taken
                line.refund_minor += taken * unit_minor
            if not units:
                break
        stack[:] = [sold for sold in stack if sold.left]
        return True

    def _discount(self, customer: str | None, amount: int) -> bool:
        """The customer's latest order before the discount takes it, if it covers it."""
        order = None if customer is None else self.latest.get(customer)
        if order is None or order.lines_minor < amount:
            return False
        order.discount_minor += amount
        return True


def _refund_postage(returns: Iterable[ReturnPlan], code: str, amount: int) -> bool:
    """Postage given back goes with the cancellation's return of the latest order that was
    charged that postage and has that much of it not refunded yet."""
    for rma in sorted(returns, key=lambda r: (r.order.placed_at, r.order.invoice), reverse=True):
        shipping = rma.order.shipping
        if (
            shipping is not None
            and shipping.code == code
            and shipping.fee_minor - shipping.refunded_minor >= amount
        ):
            shipping.refunded_minor += amount
            rma.postage_refund_minor += amount
            return True
    return False


def _spread_discount(order: OrderPlan) -> None:
    """The order's discount as a share of each line, pro rata of the line's amount (largest
    remainders take the pennies left, first lines first on a tie)."""
    if not order.discount_minor:
        return
    amounts = [line.quantity * line.unit_price_minor for line in order.lines]
    whole = sum(amounts)
    shares = [order.discount_minor * amount // whole for amount in amounts]
    pennies = order.discount_minor - sum(shares)
    by_remainder = sorted(
        range(len(amounts)), key=lambda i: (-(order.discount_minor * amounts[i] % whole), i)
    )
    for i in by_remainder[:pennies]:
        shares[i] += 1
    for line, share in zip(order.lines, shares, strict=True):
        line.discount_minor = share


def _products(classified: pl.DataFrame, orders: Iterable[OrderPlan]) -> list[ProductPlan]:
    """One product per stock code of the orders' lines, titled by its most frequent
    description among all the file's lines (ties: the first in alphabetical order)."""
    titles = dict(
        classified.select("StockCode", pl.col("Description").str.strip_chars())
        .filter(pl.col("Description").is_not_null() & (pl.col("Description") != ""))
        .group_by("StockCode", "Description")
        .len()
        .sort(["StockCode", "len", "Description"], descending=[False, True, False])
        .group_by("StockCode", maintain_order=True)
        .agg(pl.col("Description").first())
        .iter_rows()
    )
    kinds: dict[str, LineKind] = {}
    for order in orders:
        for line in order.lines:
            kinds.setdefault(line.sku, line.kind)
    return [
        ProductPlan(sku=sku, title=(titles.get(sku) or sku)[:TITLE_MAX], kind=kind)
        for sku, kind in kinds.items()
    ]


def _customers(orders: Iterable[OrderPlan]) -> list[CustomerPlan]:
    """One customer per ``CustomerID`` of the orders, in the country of their first order."""
    first: dict[str, OrderPlan] = {}
    for order in orders:
        if order.customer is None:
            continue
        known = first.get(order.customer)
        if known is None or (order.placed_at, order.invoice) < (known.placed_at, known.invoice):
            first[order.customer] = order
    return [CustomerPlan(external_id=key, country=order.country) for key, order in first.items()]
