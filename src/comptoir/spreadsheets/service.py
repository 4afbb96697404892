"""Catalogue and stock from and to spreadsheets.

An import upserts by SKU: a known SKU updates its variant and product where a cell differs
from what is stored, an unknown one creates them (grouped into one product by ``handle``).
Prices go through the catalogue's price lists, stock levels through the inventory's counts
(one count sheet per location, so the ledger explains every unit). Importing the same file
twice changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.schemas import (
    PriceSet,
    ProductCreate,
    ProductFilters,
    ProductOut,
    ProductUpdate,
    VariantCreate,
    VariantOut,
    VariantUpdate,
)
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import CountCreate, CountEntry
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.kit.sheets import (
    ImportReport,
    Progress,
    RowOutcome,
    RowSpec,
    Sheet,
    run_import,
    write_csv,
    write_xlsx,
)
from comptoir.spreadsheets.schemas import ALIASES, COLUMNS, CatalogRow

ExportFormat = Literal["csv", "xlsx"]
COUNT_NOTE: Final = "Spreadsheet import"
_PAGE: Final = 200


@dataclass
class _Context:
    """What one import run remembers between rows."""

    default_location: str | None
    default_price_list: str | None
    locations: dict[str, uuid.UUID] = field(default_factory=dict)
    price_lists: dict[str, tuple[uuid.UUID, str]] = field(default_factory=dict)
    handles: dict[str, uuid.UUID] = field(default_factory=dict)
    skus: set[str] = field(default_factory=set)
    counts: dict[uuid.UUID, dict[uuid.UUID, int]] = field(default_factory=dict)


def catalog_row_spec(
    *, location_code: str | None = None, price_list_code: str | None = None
) -> RowSpec[CatalogRow]:
    """How a catalogue row is validated and applied; ``location_code`` and
    ``price_list_code`` are used for rows that name none."""
    context = _Context(location_code, price_list_code)
    return RowSpec(
        model=CatalogRow,
        apply=lambda session, row: _apply_row(session, context, row),
        required_columns=("sku",),
        aliases=ALIASES,
        finish=lambda session: _apply_counts(session, context),
    )


def import_catalog(
    session: Session,
    sheet: Sheet,
    *,
    location_code: str | None = None,
    price_list_code: str | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import products, variants, prices and stock levels from ``sheet``.

    Guarantees: each row is created, updated or left unchanged as one unit; refused rows are
    reported with line, column and reason; a dry run changes nothing; re-importing the same
    file reports every row unchanged. Stock levels become ``count`` movements. Raises
    :class:`MissingColumns` when the file has no ``sku`` column.
    """
    spec = catalog_row_spec(location_code=location_code, price_list_code=price_list_code)
    return run_import(
        session, sheet, spec, dry_run=dry_run, all_or_nothing=all_or_nothing, progress=progress
    )


def _apply_row(session: Session, context: _Context, row: CatalogRow) -> RowOutcome:
    if row.sku in context.skus:
        raise InvalidInput(_l("This SKU appears more than once in the file."), field="sku")
    context.skus.add(row.sku)
    found = catalog.find_variant_by_sku(session, row.sku)
    if found is None:
        variant_id = _create(session, context, row)
        outcome = RowOutcome.CREATED
    else:
        variant_id = found.id
        outcome = _update(session, found.product_id, variant_id, row)
    if _apply_price(session, context, variant_id, row) and outcome is RowOutcome.UNCHANGED:
        outcome = RowOutcome.UPDATED
    if _gather_stock(session, context, variant_id, row) and outcome is RowOutcome.UNCHANGED:
        outcome = RowOutcome.UPDATED
    return outcome


def _create(session: Session, context: _Context, row: CatalogRow) -> uuid.UUID:
    variant = VariantCreate(
        sku=row.sku,
        title=row.variant_title or "",
        barcode=row.barcode,
        weight_grams=row.weight_grams,
    )
    product_id = _product_by_handle(session, context, row.handle) if row.handle else None
    if product_id is not None:
        return catalog.add_variant(session, product_id, variant).id
    if not row.title:
        raise InvalidInput(_l("A new product needs a title."), field="title")
    product = catalog.create_product(
        session,
        ProductCreate(
            title=row.title,
            handle=row.handle,
            description=row.description or "",
            status=row.status or "active",
            vendor=row.vendor,
            variants=[variant],
        ),
    )
    context.handles[product.handle] = product.id
    return product.variants[0].id


def _product_by_handle(session: Session, context: _Context, handle: str) -> uuid.UUID | None:
    if handle not in context.handles:
        page = catalog.list_products(session, ProductFilters(q=handle), limit=_PAGE, cursor=None)
        for product in page.items:
            context.handles[product.handle] = product.id
    return context.handles.get(handle)


def _update(
    session: Session, product_id: uuid.UUID, variant_id: uuid.UUID, row: CatalogRow
) -> RowOutcome:
    product = catalog.product_out(session, catalog.get_product(session, product_id))
    variant = next(v for v in product.variants if v.id == variant_id)
    product_changes = _product_changes(product, row)
    variant_changes = _variant_changes(variant, row)
    if product_changes:
        catalog.update_product(session, product_id, ProductUpdate(**product_changes))
    if variant_changes:
        catalog.update_variant(session, variant_id, VariantUpdate(**variant_changes))
    return RowOutcome.UPDATED if product_changes or variant_changes else RowOutcome.UNCHANGED


def _product_changes(product: ProductOut, row: CatalogRow) -> dict[str, object]:
    wanted = {
        "title": row.title,
        "handle": row.handle,
        "description": row.description,
        "status": row.status,
        "vendor": row.vendor,
    }
    return {
        name: value
        for name, value in wanted.items()
        if value is not None and value != getattr(product, name)
    }


def _variant_changes(variant: VariantOut, row: CatalogRow) -> dict[str, object]:
    wanted = {
        "title": row.variant_title,
        "barcode": row.barcode,
        "weight_grams": row.weight_grams,
    }
    return {
        name: value
        for name, value in wanted.items()
        if value is not None and value != getattr(variant, name)
    }


def _apply_price(
    session: Session, context: _Context, variant_id: uuid.UUID, row: CatalogRow
) -> bool:
    """Set the row's price; True if it changed."""
    if row.price is None:
        return False
    code = row.price_list or context.default_price_list
    if not code:
        raise InvalidInput(
            _l("Name the price list of this price (column price_list)."), field="price_list"
        )
    price_list_id, currency = _price_list(session, context, code)
    amount = Money(row.price, currency)
    if not amount.is_rounded:
        raise InvalidInput(
            _l("Too many decimal places for {currency}."), field="price", currency=currency
        )
    current = [
        price
        for price in catalog.prices_of_variant(session, variant_id)
        if price.price_list_id == price_list_id and price.min_quantity == 1
    ]
    if current and current[0].amount_minor == amount.minor_units:
        return False
    catalog.set_price(
        session, price_list_id, PriceSet(variant_id=variant_id, amount_minor=amount.minor_units)
    )
    return True


def _price_list(session: Session, context: _Context, code: str) -> tuple[uuid.UUID, str]:
    if not context.price_lists:
        context.price_lists = {
            price_list.code: (price_list.id, price_list.currency)
            for price_list in catalog.list_price_lists(session)
        }
    found = context.price_lists.get(code)
    if found is None:
        raise InvalidInput(_l("No price list has the code {code}."), field="price_list", code=code)
    return found


def _gather_stock(
    session: Session, context: _Context, variant_id: uuid.UUID, row: CatalogRow
) -> bool:
    """Note the row's stock level for the count applied after the last row; True if it
    differs from what is on hand."""
    if row.quantity is None:
        return False
    code = row.location or context.default_location
    if not code:
        raise InvalidInput(
            _l("Name the location of this stock (column location, or --location)."),
            field="location",
        )
    location_id = context.locations.get(code)
    if location_id is None:
        location = inventory.get_location_by_code(session, code)
        if location is None:
            raise InvalidInput(_l("No location has the code {code}."), field="location", code=code)
        location_id = context.locations[code] = location.id
    level = inventory.get_level(session, variant_id, location_id)
    if (level.on_hand if level is not None else 0) == row.quantity:
        return False
    context.counts.setdefault(location_id, {})[variant_id] = row.quantity
    return True


def _apply_counts(session: Session, context: _Context) -> None:
    """One count sheet per location for every level that differs: the ledger records the
    differences as ``count`` movements."""
    for location_id, counted in context.counts.items():
        if not counted:
            continue
        sheet = inventory.create_count(
            session,
            CountCreate(location_id=location_id, variant_ids=list(counted), note=COUNT_NOTE),
        )
        inventory.record_counted(
            session,
            sheet.id,
            [CountEntry(variant_id=variant_id, counted=n) for variant_id, n in counted.items()],
        )
        inventory.apply_count(session, sheet.id, actor="import")
    context.counts.clear()


# Export ----------------------------------------------------------------------------------


def export_rows(
    session: Session, *, location_code: str | None = None, price_list_code: str | None = None
) -> list[list[object]]:
    """Every variant as a row of :data:`COLUMNS`, products by title. Raises
    :class:`InvalidInput` for an unknown location or price list code."""
    context = _Context(location_code, price_list_code)
    price_list = _price_list(session, context, price_list_code) if price_list_code else None
    location_id = None
    if location_code:
        location = inventory.get_location_by_code(session, location_code)
        if location is None:
            raise InvalidInput(
                _l("No location has the code {code}."), field="location", code=location_code
            )
        location_id = location.id
    rows: list[list[object]] = []
    cursor: str | None = None
    while True:
        page = catalog.list_products(
            session, ProductFilters(sort="title"), limit=_PAGE, cursor=cursor
        )
        for product in page.items:
            out = catalog.product_out(session, product)
            for variant in out.variants:
                rows.append(
                    _export_row(session, out, variant, price_list, location_code, location_id)
                )
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


def _export_row(
    session: Session,
    product: ProductOut,
    variant: VariantOut,
    price_list: tuple[uuid.UUID, str] | None,
    location_code: str | None,
    location_id: uuid.UUID | None,
) -> list[object]:
    price: Decimal | None = None
    if price_list is not None:
        for row in catalog.prices_of_variant(session, variant.id):
            if row.price_list_id == price_list[0] and row.min_quantity == 1:
                price = Money.from_minor(row.amount_minor, price_list[1]).amount
    quantity: int | None = None
    if location_id is not None:
        level = inventory.get_level(session, variant.id, location_id)
        quantity = level.on_hand if level is not None else 0
    values: dict[str, object] = {
        "sku": variant.sku,
        "handle": product.handle,
        "title": product.title,
        "variant_title": variant.title,
        "status": product.status,
        "vendor": product.vendor,
        "description": product.description,
        "barcode": variant.barcode,
        "weight_grams": variant.weight_grams,
        "price": price,
        "price_list": None,
        "quantity": quantity,
        "location": location_code if location_id is not None else None,
    }
    if price is not None and price_list is not None:
        values["price_list"] = _code_of(session, price_list[0])
    return [values[name] for name in COLUMNS]


def _code_of(session: Session, price_list_id: uuid.UUID) -> str:
    return catalog.get_price_list(session, price_list_id).code


def export_catalog(
    session: Session,
    export_format: ExportFormat,
    *,
    location_code: str | None = None,
    price_list_code: str | None = None,
) -> bytes:
    """The catalogue as a CSV or XLSX file that :func:`import_catalog` reads back unchanged."""
    rows = export_rows(session, location_code=location_code, price_list_code=price_list_code)
    writer: Callable[[list[str], list[list[object]]], bytes] = (
        write_csv if export_format == "csv" else write_xlsx
    )
    return writer(list(COLUMNS), rows)
