"""The Online Retail history import on the real file (UCI Online Retail, CC BY 4.0).

The figures the import must reach are computed with pandas from the same lines
(tests/imports/expected.py, which states the definitions: which lines are kept, what an
order, a customer, a product and a return are, and that the revenue is quantity x unit
price of the orders' lines less their discounts, postage left out and returns not
deducted). They are:

| lines | orders | returns | customers | products | revenue GBP | refunded GBP | postage GBP |
|---|---:|---:|---:|---:|---:|---:|---:|
| first 20,000 | 755 | 29 | 527 | 2,369 | 373,310.70 | 998.75 | 11,631.70 |
| all 541,909 | 19,862 | 3,782 | 4,333 | 3,911 | 10,316,052.46 | 464,449.52 | 277,022.79 |

The tests recompute them rather than trusting this table; the table says what they were
when the import was written, and test_the_whole_file_plans_the_figures_pandas_computes
checks the table's last row too.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, ProductAttribute, Variant
from comptoir.customers.models import Address, Customer
from comptoir.customers.service import display_name
from comptoir.imports.online_retail import Reason, customer_id_for
from comptoir.imports.online_retail_plan import plan_history, read_history
from comptoir.imports.online_retail_store import store_history
from comptoir.imports.service import ImportResult, import_online_retail, write_rejections
from comptoir.orders.delivery.models import OrderDelivery
from comptoir.orders.models import Order, OrderLine, OrderTaxTotal
from comptoir.orders.returns.models import Return, ReturnLine
from tests.imports import expected

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
WHOLE_FILE = {
    "orders": 19_862,
    "returns": 3_782,
    "customers": 4_333,
    "products": 3_911,
    "revenue_minor": 1_031_605_246,
    "refunded_minor": 46_444_952,
    "shipping_minor": 27_702_279,
    "order_lines": 522_368,
}


def expected_figures(limit: int | None) -> dict[str, Any]:
    """The figures pandas computes for the first ``limit`` lines of the file."""
    return expected.expected_figures(DATA, limit)


def plan_figures(plan: Any) -> dict[str, Any]:
    return {
        "orders": len(plan.orders),
        "returns": len(plan.returns),
        "customers": len(plan.customers),
        "products": len(plan.products),
        "revenue_minor": plan.revenue_minor,
        "refunded_minor": plan.refunded_minor,
        "shipping_minor": plan.shipping_minor,
        "order_lines": plan.order_lines,
    }


def database_figures(session: Session) -> dict[str, Any]:
    orders = select(Order.id).where(Order.number.like("online-retail:%"))
    return {
        "orders": session.scalar(select(func.count()).select_from(orders.subquery())),
        "returns": session.scalar(
            select(func.count()).where(Return.number.like("online-retail:C%"))
        ),
        "customers": session.scalar(select(func.count()).where(Customer.source == "import")),
        "products": session.scalar(select(func.count()).select_from(Variant)),
        "revenue_minor": session.scalar(
            select(func.sum(OrderLine.total_minor)).where(OrderLine.order_id.in_(orders))
        ),
        "refunded_minor": session.scalar(select(func.sum(Return.refund_minor))),
        "shipping_minor": session.scalar(select(func.sum(OrderDelivery.fee_incl_minor))),
        "order_lines": session.scalar(select(func.count()).select_from(OrderLine)),
    }


def row_counts(session: Session) -> dict[str, int]:
    models = (
        Product, Variant, Customer, Address, Order, OrderLine, OrderTaxTotal, OrderDelivery,
        Return, ReturnLine,
    )  # fmt: skip
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in models
    }


@needs_data
def test_a_slice_imports_with_the_figures_pandas_computes(session: Session) -> None:
    # given
    wanted = expected_figures(SLICE)

    # when
    result = import_online_retail(session, DATA, limit=SLICE)

    # then
    assert database_figures(session) == wanted
    assert plan_figures(result.plan) == wanted
    assert (result.added.orders, result.added.returns) == (wanted["orders"], wanted["returns"])
    assert result.plan.rows == SLICE
    assert result.plan.imported_lines + len(result.plan.rejections) == SLICE


@needs_data
def test_the_whole_file_plans_the_figures_pandas_computes() -> None:
    """The whole file is classified and grouped (not written: that takes minutes, see
    bench/import.py and docs/import-online-retail.md) into the figures of pandas."""
    # given
    wanted = expected_figures(None)

    # when
    plan = read_history(DATA)

    # then
    assert plan_figures(plan) == wanted == WHOLE_FILE
    assert plan.rows == len(plan.rejections) + plan.imported_lines == 541_909


@needs_data
def test_orders_keep_their_customer_lines_delivery_and_totals(session: Session) -> None:
    # when
    import_online_retail(session, DATA, limit=SLICE)

    # then: invoice 536365 of customer 17850, 7 lines, 139.12 GBP
    order = session.scalars(select(Order).where(Order.number == "online-retail:536365")).one()
    assert order.customer_id == customer_id_for("17850")
    assert order.status == "delivered"
    assert order.destination_country == "GB"
    assert order.placed_at == datetime.fromisoformat("2010-12-01T08:26:00+00:00")
    assert [line.sku for line in order.lines][:2] == ["85123A", "71053"]
    assert order.total_gross_minor == sum(line.total_minor for line in order.lines) == 13912
    customer = session.get(Customer, customer_id_for("17850"))
    assert customer is not None
    assert display_name(customer) == "Customer 17850"
    assert customer.email is None
    # invoice 536370 to France: 801.86 GBP of goods and 54.00 of postage (POST)
    french = session.scalars(select(Order).where(Order.number == "online-retail:536370")).one()
    delivery = session.scalars(
        select(OrderDelivery).where(OrderDelivery.order_id == french.id)
    ).one()
    assert (delivery.carrier_code, delivery.fee_incl_minor) == ("online-retail-post", 5400)
    assert "POST" not in [line.sku for line in french.lines]
    assert french.total_gross_minor == sum(x.total_minor for x in french.lines) + 5400 == 85586
    assert [t.base_minor for t in french.tax_totals] == [85586]
    guest = session.scalars(select(Order).where(Order.number == "online-retail:536544")).one()
    assert guest.customer_id is None
    assert guest.subject_id == guest.id


@needs_data
def test_a_cancellation_becomes_a_refunded_return_of_the_sale_it_cancels(
    session: Session,
) -> None:
    # when
    result = import_online_retail(session, DATA, limit=SLICE)

    # then: C536506 gives back 6 units of 22960 that customer 17897 bought on 536488
    rma = session.scalars(
        select(Return).where(Return.number == "online-retail:C536506/536488")
    ).one()
    order = session.scalars(select(Order).where(Order.number == "online-retail:536488")).one()
    assert rma.order_id == order.id
    assert (rma.status, rma.refund_minor, rma.refund_reference) == ("refunded", 2550, "C536506")
    assert rma.refunded_at == datetime.fromisoformat("2010-12-01T12:38:00+00:00")
    sold = {line.id: line for line in order.lines}
    assert [
        (sold[x.order_line_id].sku, x.quantity, x.reason, x.comment, x.refund_minor)
        for x in rma.lines
    ] == [("22960", 6, "other", "imported cancellation", 2550)]
    # C536383's sale happened before the file starts: refused, and counted
    refused = {(r.invoice, r.stock_code): r.reason for r in result.plan.rejections}
    assert refused["C536383", "35004C"] is Reason.CANCELLATION_WITHOUT_SALE
    assert not session.scalars(select(Order).where(Order.number.like("online-retail:C%"))).all()


@needs_data
def test_a_discount_lowers_the_customers_latest_order(session: Session) -> None:
    # when
    import_online_retail(session, DATA, limit=SLICE)

    # then: a D line of 29.29 GBP after the customer's order 537159 of 292.95 GBP
    order = session.scalars(select(Order).where(Order.number == "online-retail:537159")).one()
    assert sum(line.quantity * line.unit_price_incl_minor for line in order.lines) == 29295
    assert order.discount_minor == sum(line.discount_minor for line in order.lines) == 2929
    assert sum(line.total_minor for line in order.lines) == 29295 - 2929
    assert all(line.total_minor >= 0 for line in order.lines)


@needs_data
def test_a_second_import_adds_nothing(session: Session) -> None:
    # given
    import_online_retail(session, DATA, limit=SLICE)
    before = row_counts(session)

    # when
    again = import_online_retail(session, DATA, limit=SLICE)

    # then
    assert row_counts(session) == before
    assert before["Return"] > 0
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
    assert result.added.orders == len(result.plan.orders) > 0
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


def test_each_line_is_kept_as_what_it_is_or_refused_with_its_reason(
    session: Session, tmp_path: Path
) -> None:
    # given
    frame = pl.DataFrame(
        [
            _line("600001", "22001", 6, 2.55),  # kept
            _line("600001", "22001", 6, 2.55),  # duplicate
            _line("600001", "POST", 1, 18.0),  # the order's delivery fee
            _line("600001", "M", 1, 5.0),  # a manual adjustment line
            _line("600001", "BANK CHARGES", 1, 15.0),  # a fee line
            _line("600001", "22002", -3, 1.25),  # stock adjustment
            _line("600001", "22003", 2, 0.0),  # zero price
            _line("600001", "PADS", 1, 0.001),  # sub-penny
            _line("600001", "gift_0001_20", 1, 16.67),  # gift voucher
            _line("600001", "AMAZONFEE", 1, 13.5),  # marketplace fee
            _line("A600002", "B", 1, 100.0),  # bad debt
            _line("600003", "22001", 1, 2.55, country="Unspecified", minute=1),
            _line("600004", "POST", 1, 18.0, minute=1),  # postage without goods
            _line("C600005", "22001", -2, 2.40, minute=2),  # a return of 600001
            _line("C600005", "POST", -1, 18.0, minute=2),  # its postage refunded
            _line("C600005", "22001", 2, 2.55, minute=3),  # positive quantity in a C invoice
            _line("C600006", "22001", -5, 2.55, minute=4),  # more than is left: refused
            _line("C600006", "D", -1, 3.0, minute=4),  # a discount on 600001
            _line("C600007", "D", -1, 3.0, minute=5, customer=99999.0),  # no order before
        ]
    )

    # when
    plan = plan_history(frame)
    added = store_history(session, plan)
    report = tmp_path / "refused.csv"

    # then
    assert [(r.row, r.reason) for r in plan.rejections] == [
        (2, Reason.DUPLICATE_LINE),
        (6, Reason.STOCK_ADJUSTMENT),
        (7, Reason.ZERO_PRICE),
        (8, Reason.SUB_PENNY_PRICE),
        (9, Reason.GIFT_VOUCHER),
        (10, Reason.MARKETPLACE_FEE),
        (11, Reason.BAD_DEBT_ADJUSTMENT),
        (12, Reason.UNKNOWN_COUNTRY),
        (13, Reason.SHIPPING_WITHOUT_GOODS),
        (16, Reason.CANCELLATION_POSITIVE_QUANTITY),
        (17, Reason.CANCELLATION_WITHOUT_SALE),
        (19, Reason.DISCOUNT_WITHOUT_SALE),
    ]
    assert (added.orders, added.returns, added.lines, added.products) == (1, 1, 3, 3)
    assert plan.revenue_minor == 6 * 255 + 500 + 1500 - 300
    order = session.scalars(select(Order).where(Order.number == "online-retail:600001")).one()
    assert [(x.sku, x.quantity, x.total_minor) for x in order.lines] == [
        # 3.00 of discount pro rata of 15.30, 5.00 and 15.00: 1.30, 0.42(+0.01), 1.27
        ("22001", 6, 1530 - 130),
        ("M", 1, 500 - 43),
        ("BANK CHARGES", 1, 1500 - 127),
    ]
    assert (order.discount_minor, order.total_gross_minor) == (300, 3530 - 300 + 1800)
    kinds = dict(
        session.execute(
            select(Variant.sku, ProductAttribute.value).join(
                ProductAttribute, ProductAttribute.product_id == Variant.product_id
            )
        ).all()
    )
    assert kinds == {"M": "manual", "BANK CHARGES": "fee"}
    rma = session.scalars(select(Return)).one()
    assert (rma.number, rma.refund_minor) == ("online-retail:C600005/600001", 2 * 240 + 1800)
    assert [(x.quantity, x.refund_minor) for x in rma.lines] == [(2, 480)]

    write_rejections(ImportResult(plan=plan, added=added, dry_run=False), report)
    refused = report.read_text().splitlines()
    assert refused[0] == "row,invoice,stock_code,reason,explanation"
    assert Counter(line.split(",")[3] for line in refused[1:]) == Counter(
        r.reason.value for r in plan.rejections
    )
