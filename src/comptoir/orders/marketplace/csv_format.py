"""The CSV form of marketplace orders: one row per order line, the rows of one order sharing
its ``marketplace_order_id`` and repeating its order-level columns.

The header names the columns (any order; a comma or a semicolon between them; UTF-8, with or
without a byte-order mark). Values follow the JSON format (:class:`MarketplaceOrder`); an
empty cell is an omitted value. An order whose rows cannot be read, or disagree on an
order-level column, is rejected alone; a file without the required columns is refused whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from comptoir.kit.errors import InvalidInput, RequestValidationFailed
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders.marketplace.schemas import MarketplaceOrder
from comptoir.orders.marketplace.service import UnreadableOrder

LINE_COLUMNS: Final = ("sku", "quantity", "unit_price_minor")
BUYER_COLUMNS: Final = {
    "buyer_email": "email",
    "buyer_first_name": "first_name",
    "buyer_last_name": "last_name",
    "buyer_phone": "phone",
}
ADDRESS_FIELDS: Final = ("name", "company", "line1", "line2", "postal_code", "city", "country")
ORDER_COLUMNS: Final = (
    "marketplace_order_id",
    "placed_at",
    "currency",
    "shipping_fee_minor",
    "total_minor",
    "paid_by_marketplace",
)
COLUMNS: Final = (
    *ORDER_COLUMNS,
    *BUYER_COLUMNS,
    *(f"shipping_{name}" for name in ADDRESS_FIELDS),
    *(f"billing_{name}" for name in ADDRESS_FIELDS),
    *LINE_COLUMNS,
)
REQUIRED: Final = (
    "marketplace_order_id",
    "placed_at",
    "currency",
    "shipping_name",
    "shipping_line1",
    "shipping_postal_code",
    "shipping_city",
    "shipping_country",
    *LINE_COLUMNS,
)


@dataclass(frozen=True, slots=True)
class CsvOrder:
    """One order of the file, read or not, and the file lines it came from."""

    marketplace_order_id: str
    lines: tuple[int, ...]
    order: MarketplaceOrder | UnreadableOrder


def read_orders(text: str) -> list[CsvOrder]:
    """The orders of a CSV text, in the order of their first line.

    Raises :class:`InvalidInput` (``file``) when the header lacks a required column or names
    an unknown one.
    """
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    _check_header(header)
    reader.fieldnames = header
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for row in reader:
        cells = {name: (row.get(name) or "").strip() for name in header}
        if not any(cells.values()):
            continue
        groups.setdefault(cells["marketplace_order_id"], []).append((reader.line_num, cells))
    return [_read_group(reference, rows) for reference, rows in groups.items()]


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InvalidInput(
            _l("The file has an unknown column: {column}."), field="file", column=unknown[0]
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            _l("The file lacks the column {column}."), field="file", column=missing[0]
        )


def _read_group(reference: str, rows: list[tuple[int, dict[str, str]]]) -> CsvOrder:
    numbers = tuple(number for number, _ in rows)
    first_number, first = rows[0]
    for number, cells in rows[1:]:
        for name in _order_level(first):
            if cells.get(name, "") != first[name]:
                error = InvalidInput(
                    _l("Lines {first} and {other} of this order disagree on {column}."),
                    field=name,
                    first=first_number,
                    other=number,
                    column=name,
                )
                return CsvOrder(reference, numbers, UnreadableOrder(reference, error))
    document = _document(first, [cells for _, cells in rows])
    try:
        order: MarketplaceOrder | UnreadableOrder = MarketplaceOrder.model_validate(document)
    except ValidationError as invalid:
        issues = issues_from_pydantic(invalid.errors())
        error = RequestValidationFailed(issues[0].message, issues=issues, **issues[0].params)
        order = UnreadableOrder(reference, error)
    return CsvOrder(reference, numbers, order)


def _order_level(cells: Mapping[str, str]) -> Iterable[str]:
    return (name for name in cells if name not in LINE_COLUMNS)


def _present(values: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in values.items() if value != ""}


def _document(first: Mapping[str, str], rows: list[dict[str, str]]) -> dict[str, Any]:
    """The JSON form of the order's rows; empty cells are left out."""
    document: dict[str, Any] = _present({name: first.get(name, "") for name in ORDER_COLUMNS})
    document["buyer"] = _present(
        {field: first.get(column, "") for column, field in BUYER_COLUMNS.items()}
    )
    document["shipping_address"] = _present(
        {name: first.get(f"shipping_{name}", "") for name in ADDRESS_FIELDS}
    )
    billing = _present({name: first.get(f"billing_{name}", "") for name in ADDRESS_FIELDS})
    if billing:
        document["billing_address"] = billing
    document["lines"] = [_present({name: row[name] for name in LINE_COLUMNS}) for row in rows]
    return document


def line_of(order: CsvOrder, field: str | None) -> int | None:
    """The file line a field of the order comes from (``lines.2.sku`` is the third line of
    the order), or None for an order-level field."""
    parts = (field or "").split(".")
    if len(parts) > 1 and parts[0] == "lines" and parts[1].isdigit():
        position = int(parts[1])
        if position < len(order.lines):
            return order.lines[position]
    return None
