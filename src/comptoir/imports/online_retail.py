"""The UCI "Online Retail" file as a shop's history: every line is either kept or refused with
a reason, and the kept lines are grouped into the products, customers, orders and returns
that :mod:`comptoir.imports.online_retail_store` writes.

The rules (docs/import-online-retail.md tells why):

* What each special stock code is (postage, discount, manual adjustment, fee, samples, or a
  movement refused with its reason) is said once, in :data:`CODES`; other codes are goods.
* ``A`` invoices are bad-debt adjustments (accounting, not sales): refused.
* A line repeating an earlier line in every column is a duplicate: refused.
* A negative quantity outside a ``C`` invoice is a stock adjustment, not a sale: refused.
* Prices are GBP: pence are ``Decimal(str(price))`` at two decimals; a price with more
  decimals (0.001) cannot be charged and is refused, and so is a zero or negative price.
* A sale invoice is an order: its goods, manual, fee and samples lines are order lines, its
  postage the order's delivery fee (postage invoiced without goods is refused).
* A ``C`` invoice cancels units already sold: each of its lines is matched to the same
  customer's earlier sale lines of the same stock code, latest first, and becomes a return
  of those orders, refunded at the cancellation's price; its postage is refunded with the
  return of the order it was charged on; its discount lowers the customer's latest earlier
  order. What cannot be matched is refused: a return needs the sale it returns.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
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
    SHIPPING_WITHOUT_GOODS = "shipping_without_goods"
    CANCELLATION_WITHOUT_SALE = "cancellation_without_sale"
    DISCOUNT_WITHOUT_SALE = "discount_without_sale"


class LineKind(StrEnum):
    """What a kept line of the file is in the shop's history."""

    GOODS = "goods"  # an order line of a stocked product
    SHIPPING = "shipping"  # the order's delivery fee
    DISCOUNT = "discount"  # an order-level discount
    MANUAL = "manual"  # an order line of a non-stock "manual adjustment" item
    FEE = "fee"  # an order line of a non-stock fee item
    SAMPLES = "samples"  # an order line of a non-stock samples item


# Every stock code of the file that is not goods, and what it becomes (a kind of line) or
# why it is refused, in one place; docs/import-online-retail.md shows the same table.
CODES: Final[dict[str, LineKind | Reason]] = {
    "POST": LineKind.SHIPPING,  # POSTAGE
    "DOT": LineKind.SHIPPING,  # DOTCOM POSTAGE
    "C2": LineKind.SHIPPING,  # CARRIAGE
    "D": LineKind.DISCOUNT,  # Discount, granted in C invoices after the sale
    "M": LineKind.MANUAL,  # Manual
    "m": LineKind.MANUAL,  # Manual
    "BANK CHARGES": LineKind.FEE,  # Bank Charges passed on to the customer
    "S": LineKind.SAMPLES,  # SAMPLES
    "AMAZONFEE": Reason.MARKETPLACE_FEE,  # AMAZON FEE: what Amazon charged the shop
    "CRUK": Reason.COMMISSION,  # CRUK Commission: paid by the shop to a charity
    "B": Reason.BAD_DEBT_ADJUSTMENT,  # Adjust bad debt
    # PADS TO MATCH ALL CUSHIONS: goods, at 0.001 GBP or free, which the price rules refuse.
    "PADS": LineKind.GOODS,
}
SHIPPING_CODES: Final = frozenset(c for c, k in CODES.items() if k is LineKind.SHIPPING)
REFUSED_CODES: Final = {c: k for c, k in CODES.items() if isinstance(k, Reason)}
LINE_KINDS: Final = {c: k for c, k in CODES.items() if isinstance(k, LineKind)}
ITEM_KINDS: Final = frozenset({LineKind.GOODS, LineKind.MANUAL, LineKind.FEE, LineKind.SAMPLES})
NON_STOCK_KINDS: Final = ITEM_KINDS - {LineKind.GOODS}

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


@dataclass(slots=True)
class LinePlan:
    sku: str
    quantity: int  # units sold: always positive
    unit_price_minor: int
    kind: LineKind
    discount_minor: int = 0  # its share of the order's discount

    @property
    def total_minor(self) -> int:
        return self.quantity * self.unit_price_minor - self.discount_minor


@dataclass(slots=True)
class ShippingPlan:
    code: str
    fee_minor: int
    refunded_minor: int = 0  # refunded by later cancellations


@dataclass(slots=True)
class OrderPlan:
    invoice: str
    customer: str | None
    country: str
    placed_at: datetime
    lines: list[LinePlan] = field(default_factory=list)
    shipping: ShippingPlan | None = None
    discount_minor: int = 0  # granted after the sale (``D`` lines), spread over the lines

    @property
    def number(self) -> str:
        return ORDER_NUMBER_PREFIX + self.invoice

    @property
    def lines_minor(self) -> int:
        """Quantity x unit price of the lines, less the order's discount."""
        return sum(line.quantity * line.unit_price_minor for line in self.lines) - (
            self.discount_minor
        )

    @property
    def total_minor(self) -> int:
        return self.lines_minor + (self.shipping.fee_minor if self.shipping else 0)


@dataclass(slots=True)
class ReturnLinePlan:
    position: int  # of the order line, 1-based
    quantity: int
    refund_minor: int


@dataclass(slots=True)
class ReturnPlan:
    """What one ``C`` invoice gave back of one earlier order."""

    cancellation: str  # the C invoice
    order: OrderPlan
    returned_at: datetime
    lines: dict[int, ReturnLinePlan] = field(default_factory=dict)
    postage_refund_minor: int = 0

    @property
    def number(self) -> str:
        return f"{ORDER_NUMBER_PREFIX}{self.cancellation}/{self.order.invoice}"

    @property
    def refund_minor(self) -> int:
        return sum(line.refund_minor for line in self.lines.values()) + self.postage_refund_minor


@dataclass(frozen=True, slots=True)
class ProductPlan:
    sku: str
    title: str
    kind: LineKind


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
    returns: list[ReturnPlan]
    rejections: list[Rejection]

    @property
    def imported_lines(self) -> int:
        """Lines of the file taken into the history (the others are refused)."""
        return self.rows - len(self.rejections)

    @property
    def order_lines(self) -> int:
        return sum(len(order.lines) for order in self.orders)

    @property
    def revenue_minor(self) -> int:
        """The orders' lines (goods, manual adjustments, fees, samples) less their discounts,
        in pence: postage and returns are left out."""
        return sum(order.lines_minor for order in self.orders)

    @property
    def shipping_minor(self) -> int:
        return sum(order.shipping.fee_minor for order in self.orders if order.shipping)

    @property
    def refunded_minor(self) -> int:
        return sum(rma.refund_minor for rma in self.returns)


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
        .when(code.is_in(list(REFUSED_CODES)))
        .then(code.replace_strict({k: v.value for k, v in REFUSED_CODES.items()}, default=""))
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
    """The file's lines with ``row`` (1-based), ``pence``, ``country_code``, ``kind`` (a
    :class:`LineKind`) and ``reason`` (null for a line kept so far: the grouping into orders
    and returns may still refuse it)."""
    prices = {price: pence(price) for price in frame["UnitPrice"].drop_nulls().unique().to_list()}
    return (
        frame.with_row_index("row", offset=1)
        .with_columns(
            pl.col("UnitPrice")
            .replace_strict(prices, default=None, return_dtype=pl.Int64)
            .alias("pence"),
            pl.col("Country").replace_strict(COUNTRIES, default=None).alias("country_code"),
            (~pl.struct(SOURCE_COLUMNS).is_first_distinct()).alias("is_duplicate"),
            pl.col("StockCode")
            .replace_strict(
                {code: kind.value for code, kind in LINE_KINDS.items()},
                default=LineKind.GOODS.value,
                return_dtype=pl.String,
            )
            .alias("kind"),
        )
        .with_columns(_reason_expression().alias("reason"))
    )
