"""The UCI "Online Retail" file as a shop's history: every line is either kept or refused with
a reason, and the kept lines are grouped into the products, customers, sales and
cancellations that :mod:`comptoir.imports.online_retail_store` writes.

The rules (docs/import-online-retail.md tells why):

* ``A`` invoices and the ``B`` code are bad-debt adjustments (accounting, not sales): refused.
* A line repeating an earlier line in every column is a duplicate: refused.
* ``M``/``m`` (manual), ``D`` (discount), ``S`` (samples), ``BANK CHARGES``, ``AMAZONFEE``,
  ``CRUK`` (commission) and gift vouchers (``gift_0001_*``) are money movements without goods:
  refused, each with its own reason, so that the report accounts for every pound.
* ``POST``, ``DOT`` and ``C2`` are shipping fees: kept as lines of a non-stock item.
* A negative quantity outside a ``C`` invoice is a stock adjustment, not a sale: refused.
* Prices are GBP: pence are ``Decimal(str(price))`` at two decimals; a price with more
  decimals (0.001) cannot be charged and is refused, and so is a zero or negative price.
* A ``C`` invoice is a cancellation of goods already sold: kept as a cancelled order.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl

SOURCE: Final = "online-retail"
ORDER_NUMBER_PREFIX: Final = "online-retail:"
CURRENCY: Final = "GBP"
# The invoice times are the shop's wall-clock times in the United Kingdom.
SHOP_TIME_ZONE: Final = ZoneInfo("Europe/London")
SOURCE_COLUMNS: Final = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
REQUIRED_COLUMNS: Final = ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice")
SHIPPING_CODES: Final = frozenset({"POST", "DOT", "C2"})
GIFT_VOUCHER_PREFIX: Final = "gift_0001_"
TITLE_MAX: Final = 300
PENNY: Final = Decimal("0.01")
# UUID v7 of every imported customer: this instant, then 74 bits derived from the source's id.
CUSTOMER_ID_EPOCH_MS: Final = int(datetime(2010, 12, 1, tzinfo=UTC).timestamp() * 1000)


class Reason(StrEnum):
    """Why a line of the file was not imported."""

    MISSING_FIELD = "missing_field"
    BAD_DEBT_ADJUSTMENT = "bad_debt_adjustment"
    DUPLICATE_LINE = "duplicate_line"
    MANUAL_ADJUSTMENT = "manual_adjustment"
    DISCOUNT = "discount"
    SAMPLES = "samples"
    BANK_CHARGES = "bank_charges"
    MARKETPLACE_FEE = "marketplace_fee"
    COMMISSION = "commission"
    GIFT_VOUCHER = "gift_voucher"
    ZERO_QUANTITY = "zero_quantity"
    STOCK_ADJUSTMENT = "stock_adjustment"
    CANCELLATION_POSITIVE_QUANTITY = "cancellation_positive_quantity"
    NEGATIVE_PRICE = "negative_price"
    ZERO_PRICE = "zero_price"
    SUB_PENNY_PRICE = "sub_penny_price"
    UNKNOWN_COUNTRY = "unknown_country"


NOT_GOODS: Final[dict[str, Reason]] = {
    "M": Reason.MANUAL_ADJUSTMENT,
    "m": Reason.MANUAL_ADJUSTMENT,
    "D": Reason.DISCOUNT,
    "S": Reason.SAMPLES,
    "BANK CHARGES": Reason.BANK_CHARGES,
    "AMAZONFEE": Reason.MARKETPLACE_FEE,
    "CRUK": Reason.COMMISSION,
    "B": Reason.BAD_DEBT_ADJUSTMENT,
}

# The file's country names to ISO 3166-1 alpha-2. "Channel Islands" is Jersey's and
# Guernsey's shared postal region; Jersey's code stands for it. "European Community" and
# "Unspecified" name no country: their lines are refused (unknown_country).
COUNTRIES: Final[dict[str, str]] = {
    "Australia": "AU",
    "Austria": "AT",
    "Bahrain": "BH",
    "Belgium": "BE",
    "Brazil": "BR",
    "Canada": "CA",
    "Channel Islands": "JE",
    "Cyprus": "CY",
    "Czech Republic": "CZ",
    "Denmark": "DK",
    "EIRE": "IE",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Hong Kong": "HK",
    "Iceland": "IS",
    "Israel": "IL",
    "Italy": "IT",
    "Japan": "JP",
    "Lebanon": "LB",
    "Lithuania": "LT",
    "Malta": "MT",
    "Netherlands": "NL",
    "Norway": "NO",
    "Poland": "PL",
    "Portugal": "PT",
    "RSA": "ZA",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "Spain": "ES",
    "Sweden": "SE",
    "Switzerland": "CH",
    "USA": "US",
    "United Arab Emirates": "AE",
    "United Kingdom": "GB",
}


@dataclass(frozen=True, slots=True)
class Rejection:
    row: int  # 1-based position of the line in the file
    invoice: str
    stock_code: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class LinePlan:
    sku: str
    quantity: int  # units sold, or cancelled on a cancellation: always positive
    unit_price_minor: int
    is_shipping: bool


@dataclass(slots=True)
class OrderPlan:
    invoice: str
    customer: str | None
    country: str
    placed_at: datetime
    is_cancellation: bool
    lines: list[LinePlan] = field(default_factory=list)

    @property
    def number(self) -> str:
        return ORDER_NUMBER_PREFIX + self.invoice

    @property
    def total_minor(self) -> int:
        return sum(line.quantity * line.unit_price_minor for line in self.lines)


@dataclass(frozen=True, slots=True)
class ProductPlan:
    sku: str
    title: str
    is_shipping: bool


@dataclass(frozen=True, slots=True)
class CustomerPlan:
    external_id: str
    country: str

    @property
    def customer_id(self) -> uuid.UUID:
        return customer_id_for(self.external_id)


@dataclass(slots=True)
class HistoryPlan:
    rows: int
    products: list[ProductPlan]
    customers: list[CustomerPlan]
    orders: list[OrderPlan]
    rejections: list[Rejection]

    @property
    def imported_lines(self) -> int:
        return sum(len(order.lines) for order in self.orders)

    @property
    def revenue_minor(self) -> int:
        """Quantity x unit price of the goods lines of the sales (shipping fees and
        cancellations excluded), in pence."""
        return sum(
            line.quantity * line.unit_price_minor
            for order in self.orders
            if not order.is_cancellation
            for line in order.lines
            if not line.is_shipping
        )

    @property
    def cancelled_minor(self) -> int:
        """Quantity x unit price of the goods lines of the cancellations, in pence."""
        return sum(
            line.quantity * line.unit_price_minor
            for order in self.orders
            if order.is_cancellation
            for line in order.lines
            if not line.is_shipping
        )


def customer_id_for(external_id: str) -> uuid.UUID:
    """The customer id of the file's ``CustomerID``: the same on every run, so that a second
    import finds the customers of the first one without storing the source's id in clear.
    A UUID v7 whose time is the history's first day."""
    digest = hashlib.sha256(f"{SOURCE}:customer:{external_id}".encode()).digest()
    value = (CUSTOMER_ID_EPOCH_MS << 80) | int.from_bytes(digest[:10], "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return uuid.UUID(int=value)


def pence(price: float) -> int | None:
    """The price in pence, or None when it has more than two decimals."""
    amount = Decimal(str(price))
    rounded = amount.quantize(PENNY)
    return int(rounded * 100) if rounded == amount else None


def _reason_expression() -> pl.Expr:
    code, quantity, price = pl.col("StockCode"), pl.col("Quantity"), pl.col("UnitPrice")
    is_cancellation = pl.col("InvoiceNo").str.starts_with("C")

    def reason(value: Reason) -> pl.Expr:
        return pl.lit(value.value)

    return (
        pl.when(pl.any_horizontal(pl.col(name).is_null() for name in REQUIRED_COLUMNS))
        .then(reason(Reason.MISSING_FIELD))
        .when(pl.col("InvoiceNo").str.starts_with("A"))
        .then(reason(Reason.BAD_DEBT_ADJUSTMENT))
        .when(pl.col("is_duplicate"))
        .then(reason(Reason.DUPLICATE_LINE))
        .when(code.is_in(list(NOT_GOODS)))
        .then(code.replace_strict({k: v.value for k, v in NOT_GOODS.items()}, default=""))
        .when(code.str.starts_with(GIFT_VOUCHER_PREFIX))
        .then(reason(Reason.GIFT_VOUCHER))
        .when(quantity == 0)
        .then(reason(Reason.ZERO_QUANTITY))
        .when(~is_cancellation & (quantity < 0))
        .then(reason(Reason.STOCK_ADJUSTMENT))
        .when(is_cancellation & (quantity > 0))
        .then(reason(Reason.CANCELLATION_POSITIVE_QUANTITY))
        .when(price < 0)
        .then(reason(Reason.NEGATIVE_PRICE))
        .when(price == 0)
        .then(reason(Reason.ZERO_PRICE))
        .when(pl.col("pence").is_null())
        .then(reason(Reason.SUB_PENNY_PRICE))
        .when(pl.col("country_code").is_null())
        .then(reason(Reason.UNKNOWN_COUNTRY))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """The file's lines with ``row`` (1-based), ``pence``, ``country_code`` and ``reason``
    (null for a line that is imported)."""
    prices = {price: pence(price) for price in frame["UnitPrice"].drop_nulls().unique().to_list()}
    return (
        frame.with_row_index("row", offset=1)
        .with_columns(
            pl.col("UnitPrice")
            .replace_strict(prices, default=None, return_dtype=pl.Int64)
            .alias("pence"),
            pl.col("Country").replace_strict(COUNTRIES, default=None).alias("country_code"),
            (~pl.struct(SOURCE_COLUMNS).is_first_distinct()).alias("is_duplicate"),
        )
        .with_columns(_reason_expression().alias("reason"))
    )


def read_history(path: Path, *, limit: int | None = None) -> HistoryPlan:
    """The plan of the first ``limit`` lines (all by default) of the file at ``path``."""
    frame = pl.read_parquet(path, columns=list(SOURCE_COLUMNS), n_rows=limit)
    return plan_history(frame)


def plan_history(frame: pl.DataFrame) -> HistoryPlan:
    classified = classify(frame)
    kept = classified.filter(pl.col("reason").is_null())
    refused = classified.filter(pl.col("reason").is_not_null())
    rejections = [
        Rejection(row=row, invoice=invoice, stock_code=code, reason=Reason(reason))
        for row, invoice, code, reason in refused.select(
            "row", "InvoiceNo", "StockCode", "reason"
        ).iter_rows()
    ]
    orders = _orders(kept)
    return HistoryPlan(
        rows=frame.height,
        products=_products(classified, kept),
        customers=_customers(orders),
        orders=orders,
        rejections=rejections,
    )


def _orders(kept: pl.DataFrame) -> list[OrderPlan]:
    heads = kept.group_by("InvoiceNo", maintain_order=True).agg(
        pl.col("CustomerID").drop_nulls().first(),
        pl.col("country_code").first(),
        pl.col("InvoiceDate").min(),
    )
    orders: dict[str, OrderPlan] = {}
    for invoice, customer, country, placed in heads.iter_rows():
        orders[invoice] = OrderPlan(
            invoice=invoice,
            customer=None if customer is None else str(int(customer)),
            country=country,
            placed_at=placed.replace(tzinfo=SHOP_TIME_ZONE).astimezone(UTC),
            is_cancellation=invoice.startswith("C"),
        )
    for invoice, sku, quantity, unit_minor in kept.select(
        "InvoiceNo", "StockCode", "Quantity", "pence"
    ).iter_rows():
        orders[invoice].lines.append(
            LinePlan(
                sku=sku,
                quantity=abs(quantity),
                unit_price_minor=unit_minor,
                is_shipping=sku in SHIPPING_CODES,
            )
        )
    return list(orders.values())


def _products(classified: pl.DataFrame, kept: pl.DataFrame) -> list[ProductPlan]:
    """One product per stock code of the kept lines, titled by its most frequent
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
    skus = kept["StockCode"].unique(maintain_order=True).to_list()
    return [
        ProductPlan(
            sku=sku, title=(titles.get(sku) or sku)[:TITLE_MAX], is_shipping=sku in SHIPPING_CODES
        )
        for sku in skus
    ]


def _customers(orders: Iterable[OrderPlan]) -> list[CustomerPlan]:
    """One customer per ``CustomerID``, in the country of their first order."""
    first: dict[str, OrderPlan] = {}
    for order in orders:
        if order.customer is None:
            continue
        known = first.get(order.customer)
        if known is None or (order.placed_at, order.invoice) < (known.placed_at, known.invoice):
            first[order.customer] = order
    return [CustomerPlan(external_id=key, country=order.country) for key, order in first.items()]
