"""Catalogue and stock imports: dry run, idempotent upsert by SKU, French Excel files,
round trips through export, stock through the inventory's counts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.kit.sheets import RowOutcome, read_sheet
from comptoir.spreadsheets import service
from tests.spreadsheets.conftest import LOCATION, PRICE_LIST, row_counts

GOOD_FILE = (
    "sku;title;handle;variant_title;price;price_list;quantity;location\n"
    "MUG-RED;Mug;mug;Red;12,50;public;7;MAIN\n"
    "MUG-BLUE;Mug;mug;Blue;12,50;public;3;MAIN\n"
    "TEA-1;Thé vert;;;4.20;public;;\n"
)


def _on_hand(session: Session, sku: str) -> int:
    variant = catalog.find_variant_by_sku(session, sku)
    assert variant is not None
    location = inventory.get_location_by_code(session, LOCATION)
    assert location is not None
    level = inventory.get_level(session, variant.id, location.id)
    return 0 if level is None else level.on_hand


def test_import_creates_products_variants_prices_and_stock(shop: Session) -> None:
    # when
    report = service.import_catalog(shop, read_sheet(GOOD_FILE.encode()))

    # then
    assert report.issues == []
    assert report.outcomes[RowOutcome.CREATED] == 3
    red = catalog.find_variant_by_sku(shop, "MUG-RED")
    blue = catalog.find_variant_by_sku(shop, "MUG-BLUE")
    assert red is not None
    assert blue is not None
    assert red.product_id == blue.product_id
    assert (_on_hand(shop, "MUG-RED"), _on_hand(shop, "MUG-BLUE")) == (7, 3)
    prices = catalog.prices_of_variant(shop, red.id)
    assert [(p.amount_minor, p.min_quantity) for p in prices] == [(1250, 1)]


def test_stock_levels_arrive_as_count_movements(shop: Session) -> None:
    service.import_catalog(shop, read_sheet(GOOD_FILE.encode()))

    red = catalog.find_variant_by_sku(shop, "MUG-RED")
    assert red is not None
    movements = inventory.list_movements(shop, variant_id=red.id)
    assert [(m.kind, m.quantity) for m in movements.items] == [("count", 7)]


def test_dry_run_reports_exact_rejected_rows_and_changes_nothing(shop: Session) -> None:
    # given
    data = (
        b"sku;title;price;price_list;quantity;location\n"
        b"OK-1;Fine;1;public;2;MAIN\n"
        b"BAD-PRICE;Broken;abc;public;;\n"
        b";No sku;1;public;;\n"
        b"BAD-LOC;Lost;1;public;5;NOWHERE\n"
        b"NEW-NO-TITLE;;;;;\n"
        b"BAD-LIST;Listless;1;nolist;;\n"
        b"OK-1;Twice;1;public;;\n"
    )
    before = row_counts(shop)

    # when
    report = service.import_catalog(shop, read_sheet(data), dry_run=True)

    # then
    assert [(i.line, i.column, i.translated("en")) for i in report.issues] == [
        (3, "price", "Must be a decimal number."),
        (4, "sku", "This field is required."),
        (5, "location", "No location has the code NOWHERE."),
        (6, "title", "A new product needs a title."),
        (7, "price_list", "No price list has the code nolist."),
        (8, "sku", "This SKU appears more than once in the file."),
    ]
    assert report.outcomes[RowOutcome.CREATED] == 1
    assert report.kept is False
    assert row_counts(shop) == before
    assert catalog.find_variant_by_sku(shop, "OK-1") is None


def test_reimporting_the_same_file_changes_nothing(shop: Session) -> None:
    # given
    data = GOOD_FILE.encode()
    service.import_catalog(shop, read_sheet(data))
    before = row_counts(shop)

    # when
    report = service.import_catalog(shop, read_sheet(data))

    # then
    assert report.issues == []
    assert report.outcomes == {
        RowOutcome.CREATED: 0,
        RowOutcome.UPDATED: 0,
        RowOutcome.UNCHANGED: 3,
    }
    assert row_counts(shop) == before


def test_a_changed_cell_updates_only_that_row(shop: Session) -> None:
    service.import_catalog(shop, read_sheet(GOOD_FILE.encode()))

    report = service.import_catalog(
        shop,
        read_sheet(
            GOOD_FILE.replace(
                "MUG-BLUE;Mug;mug;Blue;12,50;public;3", "MUG-BLUE;Mug;mug;Blue;12,50;public;5"
            ).encode()
        ),
    )

    assert report.outcomes[RowOutcome.UPDATED] == 1
    assert report.outcomes[RowOutcome.UNCHANGED] == 2
    assert _on_hand(shop, "MUG-BLUE") == 5


def test_french_excel_windows_1252_semicolon_file_with_french_headers(shop: Session) -> None:
    # given: what French Excel saves as "CSV (séparateur: point-virgule)"
    data = (
        "Référence;Nom;Prix;Liste de prix;Quantité;Emplacement\r\n"
        "CRÊPE-01;Poêle à crêpes;24,90;public;12;MAIN\r\n"
    ).encode("cp1252")

    report = service.import_catalog(shop, read_sheet(data, "export.csv"))

    assert report.issues == []
    variant = catalog.find_variant_by_sku(shop, "CRÊPE-01")
    assert variant is not None
    assert variant.product_title == "Poêle à crêpes"
    assert [p.amount_minor for p in catalog.prices_of_variant(shop, variant.id)] == [2490]
    assert _on_hand(shop, "CRÊPE-01") == 12


def test_all_or_nothing_refuses_the_whole_file(shop: Session) -> None:
    data = b"sku,title,price,price_list\nA-1,Good,1,public\nB-1,Bad,x,public\n"
    before = row_counts(shop)

    report = service.import_catalog(shop, read_sheet(data), all_or_nothing=True)

    assert report.rejected_lines == [3]
    assert report.kept is False
    assert row_counts(shop) == before


def test_xlsx_export_then_import_changes_nothing(shop: Session) -> None:
    # given
    service.import_catalog(shop, read_sheet(GOOD_FILE.encode()))
    exported = service.export_catalog(
        shop, "xlsx", location_code=LOCATION, price_list_code=PRICE_LIST
    )
    before = row_counts(shop)

    # when
    report = service.import_catalog(shop, read_sheet(exported, "catalog.xlsx"))

    # then
    assert report.issues == []
    assert report.outcomes[RowOutcome.UNCHANGED] == 3
    assert row_counts(shop) == before


def test_csv_export_lists_every_variant_with_price_and_stock(shop: Session) -> None:
    service.import_catalog(shop, read_sheet(GOOD_FILE.encode()))

    sheet = read_sheet(
        service.export_catalog(shop, "csv", location_code=LOCATION, price_list_code=PRICE_LIST)
    )

    assert sorted(
        (row.cells["sku"], row.cells["price"], row.cells["quantity"]) for row in sheet.rows
    ) == [("MUG-BLUE", "12.50", "3"), ("MUG-RED", "12.50", "7"), ("TEA-1", "4.20", "0")]
    assert Decimal("12.50") == Decimal(str(sheet.rows[0].cells["price"]))
