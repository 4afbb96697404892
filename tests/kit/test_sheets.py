"""The spreadsheet machinery: reading CSV and XLSX as shops write them, validating rows into
models with line and column, applying valid rows in the caller's transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.sheets import (
    MissingColumns,
    RowOutcome,
    RowSpec,
    SheetDecimal,
    UnreadableSpreadsheet,
    read_sheet,
    run_import,
    write_csv,
    write_xlsx,
)


class ItemRow(BaseModel):
    code: str = Field(min_length=1)
    price: SheetDecimal
    quantity: int = Field(ge=0)


def _apply(session: Session, row: ItemRow) -> RowOutcome:
    if row.code == "REFUSED":
        raise InvalidInput("refused by the rules", field="code")
    emit(session, "sheet.row", {"code": row.code, "price": str(row.price)}, key=row.code)
    return RowOutcome.CREATED


SPEC = RowSpec(model=ItemRow, apply=_apply, required_columns=("code", "price", "quantity"))


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


def test_french_excel_csv_in_windows_1252_with_semicolons_is_read() -> None:
    # given: what French Excel writes: cp1252, ";" separators, decimal commas
    data = "Code;Prix;Quantité\r\nCAFÉ-1;12,50;3\r\n".encode("cp1252")

    # when
    sheet = read_sheet(data, "export.csv")

    # then
    assert sheet.columns == ("code", "prix", "quantité")
    assert [(row.line, dict(row.cells)) for row in sheet.rows] == [
        (2, {"code": "CAFÉ-1", "prix": "12,50", "quantité": "3"})
    ]


def test_utf8_csv_with_byte_order_mark_and_commas_is_read() -> None:
    data = "\ufeffcode,price,quantity\nthé,1.5,2\n".encode()

    sheet = read_sheet(data, "x.csv")

    assert sheet.columns == ("code", "price", "quantity")
    assert dict(sheet.rows[0].cells) == {"code": "thé", "price": "1.5", "quantity": "2"}


def test_quoted_separators_and_blank_lines_keep_their_line_numbers() -> None:
    data = b'code;name\n\nA;"x; y"\nB;z\n'

    sheet = read_sheet(data)

    assert [(row.line, row.cells["name"]) for row in sheet.rows] == [(3, "x; y"), (4, "z")]


def test_xlsx_written_then_read_gives_the_same_cells() -> None:
    data = write_xlsx(["Code", "Price", "Qty"], [["00123", Decimal("12.50"), 4], ["B", None, 0]])

    sheet = read_sheet(data, "whatever.bin")

    assert sheet.columns == ("code", "price", "qty")
    assert [dict(row.cells) for row in sheet.rows] == [
        {"code": "00123", "price": "12.50", "qty": "4"},
        {"code": "B", "price": None, "qty": "0"},
    ]


def test_csv_written_then_read_gives_the_same_cells() -> None:
    data = write_csv(["code", "label"], [["A", "Crème; brûlée"], ["B", None]])

    sheet = read_sheet(data)

    assert [dict(row.cells) for row in sheet.rows] == [
        {"code": "A", "label": "Crème; brûlée"},
        {"code": "B", "label": None},
    ]


def test_a_file_that_is_no_spreadsheet_is_refused() -> None:
    with pytest.raises(UnreadableSpreadsheet):
        read_sheet(b"\x00\x01\x02binary", "photo.png")
    with pytest.raises(UnreadableSpreadsheet):
        read_sheet(b"PK\x03\x04not really a zip", "book.xlsx")


def test_dry_run_reports_every_refused_row_and_keeps_nothing(session: Session) -> None:
    # given
    data = "code;price;quantity\nA;1,5;2\nB;abc;1\n;2;-1\nREFUSED;1;1\nC;3;4\n".encode("cp1252")
    before = _events(session)

    # when
    report = run_import(session, read_sheet(data), SPEC, dry_run=True)

    # then
    assert [(i.line, i.column, i.translated("en")) for i in report.issues] == [
        (3, "price", "Must be a decimal number."),
        (4, "code", "This field is required."),
        (4, "quantity", "Must be greater than or equal to 0."),
        (5, "code", "refused by the rules"),
    ]
    assert report.rejected_lines == [3, 4, 5]
    assert report.outcomes[RowOutcome.CREATED] == 2
    assert report.kept is False
    assert _events(session) == before


def test_issues_are_told_in_french(session: Session) -> None:
    report = run_import(session, read_sheet(b"code;price;quantity\nA;x;1\n"), SPEC, dry_run=True)

    assert [(i.column, i.translated("fr")) for i in report.issues] == [
        ("price", "Doit être un nombre décimal.")
    ]


def test_real_run_keeps_the_valid_rows_only(session: Session) -> None:
    data = b"code,price,quantity\nA,1.5,2\nB,x,1\nC,3,4\n"
    before = _events(session)

    report = run_import(session, read_sheet(data), SPEC)

    assert report.kept is True
    assert report.rejected_lines == [3]
    assert _events(session) == before + 2


def test_all_or_nothing_keeps_nothing_when_a_row_is_refused(session: Session) -> None:
    data = b"code,price,quantity\nA,1.5,2\nREFUSED,1,1\n"
    before = _events(session)

    report = run_import(session, read_sheet(data), SPEC, all_or_nothing=True)

    assert report.kept is False
    assert report.rejected_lines == [3]
    assert _events(session) == before


def test_missing_required_columns_are_named_before_any_row(session: Session) -> None:
    before = _events(session)

    with pytest.raises(MissingColumns) as caught:
        run_import(session, read_sheet(b"code\nA\n"), SPEC)

    assert caught.value.params == {"columns": "price, quantity"}
    assert _events(session) == before


def test_progress_is_reported_after_each_row(session: Session) -> None:
    seen: list[tuple[int, int]] = []

    run_import(
        session,
        read_sheet(b"code,price,quantity\nA,1,1\nB,2,2\n"),
        SPEC,
        dry_run=True,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(1, 2), (2, 2)]
