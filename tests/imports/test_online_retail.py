"""The Online Retail history import on the real file (UCI Online Retail, CC BY 4.0).

The figures the import must reach are computed here with polars from the same lines, by the
rules of docs/import-online-retail.md written again as a filter: a line is a sale line when
its invoice is neither an ``A`` nor a ``C`` one, it does not repeat an earlier line in every
column, its stock code is goods or shipping (not ``M``, ``m``, ``D``, ``S``, ``BANK
CHARGES``, ``AMAZONFEE``, ``CRUK``, ``B`` nor ``gift_0001_*``), its quantity is positive,
its price positive with at most two decimals, and its country names a country; a
cancellation line is the same with a ``C`` invoice and a negative quantity.

On the first 20,000 lines this gives 753 orders, 90 cancellations, 558 customers and a
revenue (quantity x unit price of the sales' goods lines, shipping excluded, cancellations
not deducted) of 372,505.72 GBP; on the whole file 19,835 orders, 3,514 cancellations, 4,357
customers, 3,924 products and 10,241,319.13 GBP. The tests recompute them rather than
trusting these.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, Variant
from comptoir.customers.models import Address, Customer
from comptoir.customers.service import display_name
from comptoir.imports.online_retail import (
    SHIPPING_CODES,
    Reason,
    customer_id_for,
    plan_history,
    read_history,
)
from comptoir.imports.online_retail_store import store_history
from comptoir.imports.service import ImportResult, import_online_retail, write_rejections
from comptoir.orders.models import Order, OrderLine, OrderTaxTotal

DATA = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "online-retail"
    / "online_retail.parquet"
)
needs_data = pytest.mark.skipif(
    not DATA.exists(), reason=f"the Online Retail data set is not at {DATA} (../shared/data)"
)
SLICE = 20_000
NOT_GOODS = ["M", "m", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "B"]
COUNTRIES_WITHOUT_CODE = ["European Community", "Unspecified"]


def expected_figures(limit: int | None) -> dict[str, Any]:
    """Orders, cancellations, customers and revenue (pence) of the first ``limit`` lines."""
    frame = pl.read_parquet(DATA, n_rows=limit)
    decimals_ok = (pl.col("UnitPrice") * 100).round(6) == (pl.col("UnitPrice") * 100).round(0)
    kept = frame.filter(
        pl.struct(frame.columns).is_first_distinct()
        & ~pl.col("InvoiceNo").str.starts_with("A")
        & ~pl.col("StockCode").is_in(NOT_GOODS)
        & ~pl.col("StockCode").str.starts_with("gift_0001_")
        & (pl.col("UnitPrice") > 0)
        & decimals_ok
        & ~pl.col("Country").is_in(COUNTRIES_WITHOUT_CODE)
        & pl.when(pl.col("InvoiceNo").str.starts_with("C"))
        .then(pl.col("Quantity") < 0)
        .otherwise(pl.col("Quantity") > 0)
    )
    sales = kept.filter(~pl.col("InvoiceNo").str.starts_with("C"))
    goods = sales.filter(~pl.col("StockCode").is_in(list(SHIPPING_CODES)))
    revenue = sum(
        quantity * int(Decimal(str(price)) * 100)
        for quantity, price in goods.select("Quantity", "UnitPrice").iter_rows()
    )
    return {
        "orders": sales["InvoiceNo"].n_unique(),
        "returns": kept["InvoiceNo"].n_unique() - sales["InvoiceNo"].n_unique(),
        "customers": kept["CustomerID"].drop_nulls().n_unique(),
        "products": kept["StockCode"].n_unique(),
        "revenue_minor": revenue,
        "lines": kept.height,
    }


def database_figures(session: Session) -> dict[str, Any]:
    sales = select(Order.id).where(Order.number.like("online-retail:%"), Order.status == "paid")
    return {
        "orders": session.scalar(select(func.count()).select_from(sales.subquery())),
        "returns": session.scalar(
            select(func.count()).where(
                Order.number.like("online-retail:C%"), Order.status == "cancelled"
            )
        ),
        "customers": session.scalar(select(func.count()).where(Customer.source == "import")),
        "products": session.scalar(select(func.count()).select_from(Variant)),
        "revenue_minor": session.scalar(
            select(func.sum(OrderLine.total_minor)).where(
                OrderLine.order_id.in_(sales), OrderLine.sku.not_in(list(SHIPPING_CODES))
            )
        ),
        "lines": session.scalar(select(func.count()).select_from(OrderLine)),
    }


def row_counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Product, Variant, Customer, Address, Order, OrderLine, OrderTaxTotal)
    }


@needs_data
def test_a_slice_imports_with_the_figures_polars_computes(session: Session) -> None:
    # given
    expected = expected_figures(SLICE)

    # when
    result = import_online_retail(session, DATA, limit=SLICE)

    # then
    assert database_figures(session) == expected
    assert result.sales == expected["orders"]
    assert result.returns == expected["returns"]
    assert result.plan.revenue_minor == expected["revenue_minor"]
    assert result.added.orders == expected["orders"]
    assert result.plan.rows == SLICE
    assert result.plan.imported_lines + len(result.plan.rejections) == SLICE


@needs_data
def test_the_whole_file_plans_the_figures_polars_computes() -> None:
    """The whole file is classified and grouped (not written: that takes 80 s on SQLite and
    over two minutes on PostgreSQL, see bench/import.py) into the figures of polars."""
    # given
    expected = expected_figures(None)

    # when
    plan = read_history(DATA)

    # then
    assert sum(not order.is_cancellation for order in plan.orders) == expected["orders"]
    assert sum(order.is_cancellation for order in plan.orders) == expected["returns"]
    assert len(plan.customers) == expected["customers"]
    assert len(plan.products) == expected["products"]
    assert plan.revenue_minor == expected["revenue_minor"]
    assert plan.imported_lines == expected["lines"]
    assert plan.rows == len(plan.rejections) + plan.imported_lines


@needs_data
def test_orders_keep_their_customer_lines_and_totals(session: Session) -> None:
    # when
    import_online_retail(session, DATA, limit=SLICE)

    # then: invoice 536365 of customer 17850, 7 lines, 139.12 GBP
    order = session.scalars(select(Order).where(Order.number == "online-retail:536365")).one()
    assert order.customer_id == customer_id_for("17850")
    assert order.status == "paid"
    assert order.destination_country == "GB"
    assert order.placed_at == datetime.fromisoformat("2010-12-01T08:26:00+00:00")
    assert [line.sku for line in order.lines][:2] == ["85123A", "71053"]
    assert order.total_gross_minor == sum(line.total_minor for line in order.lines) == 13912
    customer = session.get(Customer, customer_id_for("17850"))
    assert customer is not None
    assert display_name(customer) == "Customer 17850"
    assert customer.email is None
    cancellation = session.scalars(
        select(Order).where(Order.number == "online-retail:C536379")
    ).one_or_none()
    assert cancellation is None  # its only line is a discount, which is refused
    guest = session.scalars(select(Order).where(Order.number == "online-retail:536544")).one()
    assert guest.customer_id is None
    assert guest.subject_id == guest.id


@needs_data
def test_a_second_import_adds_nothing(session: Session) -> None:
    # given
    import_online_retail(session, DATA, limit=SLICE)
    before = row_counts(session)

    # when
    again = import_online_retail(session, DATA, limit=SLICE)

    # then
    assert row_counts(session) == before
    assert (again.added.products, again.added.customers) == (0, 0)
    assert (again.added.orders, again.added.returns, again.added.lines) == (0, 0, 0)


@needs_data
def test_a_dry_run_writes_nothing_and_says_what_it_would_add(session: Session) -> None:
    # given
    before = row_counts(session)

    # when
    result = import_online_retail(session, DATA, limit=2_000, dry_run=True)

    # then
    assert row_counts(session) == before
    assert result.added.orders == result.sales > 0
    assert result.added.customers == len(result.plan.customers) > 0


def _line(invoice: str, code: str, quantity: int, price: float, **extra: Any) -> dict[str, Any]:
    return {
        "InvoiceNo": invoice,
        "StockCode": code,
        "Description": extra.get("description", "RED MUG"),
        "Quantity": quantity,
        # The file holds naive wall-clock times of the shop, as here.
        "InvoiceDate": datetime(2011, 3, 1, 10, extra.get("minute", 0)),  # noqa: DTZ001
        "UnitPrice": price,
        "CustomerID": extra.get("customer", 12345.0),
        "Country": extra.get("country", "France"),
    }


def test_refused_lines_are_reported_with_their_reason(session: Session, tmp_path: Path) -> None:
    # given
    frame = pl.DataFrame(
        [
            _line("600001", "22001", 6, 2.55),  # kept
            _line("600001", "22001", 6, 2.55),  # duplicate
            _line("600001", "POST", 1, 18.0),  # kept: shipping
            _line("600001", "M", 1, 5.0),  # manual
            _line("600001", "22002", -3, 1.25),  # stock adjustment
            _line("600001", "22003", 2, 0.0),  # zero price
            _line("600001", "PADS", 1, 0.001),  # sub-penny
            _line("600001", "gift_0001_20", 1, 16.67),  # gift voucher
            _line("A600002", "B", 1, 100.0),  # bad debt
            _line("600003", "22001", 1, 2.55, country="Unspecified", minute=1),
            _line("C600004", "22001", -2, 2.55, minute=2),  # kept: cancellation
            _line("C600004", "22001", 2, 2.55, minute=3),  # positive quantity in a C invoice
        ]
    )

    # when
    plan = plan_history(frame)
    added = store_history(session, plan)
    report = tmp_path / "refused.csv"

    # then
    assert [(r.row, r.reason) for r in plan.rejections] == [
        (2, Reason.DUPLICATE_LINE),
        (4, Reason.MANUAL_ADJUSTMENT),
        (5, Reason.STOCK_ADJUSTMENT),
        (6, Reason.ZERO_PRICE),
        (7, Reason.SUB_PENNY_PRICE),
        (8, Reason.GIFT_VOUCHER),
        (9, Reason.BAD_DEBT_ADJUSTMENT),
        (10, Reason.UNKNOWN_COUNTRY),
        (12, Reason.CANCELLATION_POSITIVE_QUANTITY),
    ]
    assert (added.orders, added.returns, added.lines, added.products) == (1, 1, 3, 2)
    assert plan.revenue_minor == 6 * 255
    assert session.scalars(select(Variant.sku).order_by(Variant.sku)).all() == ["22001", "POST"]
    lines = session.scalars(
        select(OrderLine).join(Order).where(Order.number == "online-retail:C600004")
    ).all()
    assert [(line.quantity, line.cancelled_quantity) for line in lines] == [(2, 2)]

    write_rejections(ImportResult(plan=plan, added=added, dry_run=False), report)
    refused = report.read_text().splitlines()
    assert refused[0] == "row,invoice,stock_code,reason,explanation"
    assert Counter(line.split(",")[3] for line in refused[1:]) == Counter(
        r.reason.value for r in plan.rejections
    )
