"""Spreadsheets in and out: CSV and XLSX files read into rows, rows validated one by one into
pydantic models, valid rows applied in one transaction, and files written back.

Reading accepts what shops actually have: CSV in UTF-8 (with or without the byte-order mark
Excel adds) or in Windows-1252 (what French Excel writes), separated by ``;`` or ``,``; and
XLSX workbooks, read in openpyxl's streaming mode. Every row keeps its line number in the file
so that a report can say "line 12, column price: must be a decimal number" in the user's
language.

:func:`run_import` is the whole import loop: it validates each row, applies each valid one in
its own savepoint (a row refused by the business rules is reported, the others go on), and
keeps or discards the lot: a dry run always discards, ``all_or_nothing`` discards when any row
was refused. The caller's transaction is left open: the caller commits.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from sqlalchemy.orm import Session

from comptoir.kit.errors import DomainError, InvalidInput, UnsupportedMediaType
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l

CSV_SEPARATORS: Final = (";", ",", "\t")
CSV_MEDIA_TYPE: Final = "text/csv"
XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_MAGIC: Final = b"PK\x03\x04"

Cell = str | None
M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int, int], None]
"""Called with (rows done, rows in the file) after each row."""


class UnreadableSpreadsheet(UnsupportedMediaType):
    slug = "unreadable-spreadsheet"
    title = _l("The file is not a spreadsheet that can be read (CSV or XLSX).")


class MissingColumns(InvalidInput):
    slug = "missing-columns"
    title = _l("The spreadsheet lacks required columns.")


def _decimal_comma(value: Any) -> Any:
    """ "2,55" (French Excel) reads as "2.55"; a thousands space ("1 234,5") is dropped."""
    if isinstance(value, str) and "," in value and "." not in value:
        return value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return value


SheetDecimal = Annotated[Decimal, BeforeValidator(_decimal_comma)]
"""A decimal column that accepts a decimal comma as well as a decimal point."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: its line number in the file (the header is line 1) and its cells by
    column name (normalised: lower case, trimmed). Empty cells are ``None``."""

    line: int
    cells: Mapping[str, Cell]


@dataclass(frozen=True, slots=True)
class Sheet:
    """A spreadsheet read into memory: its column names (normalised) and its data rows."""

    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    headers: Mapping[str, str] = field(default_factory=dict)
    """Normalised column name -> the header as written in the file."""


def normalise_header(text: str) -> str:
    return " ".join(text.strip().lower().split())


def read_sheet(data: bytes, filename: str = "") -> Sheet:
    """The rows of a CSV or XLSX file (told apart by content, not by name).

    Raises :class:`UnreadableSpreadsheet` when the bytes are neither.
    """
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableSpreadsheet(field="file")
    return _read_csv(data)


def decode_text(data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped) or, failing that, Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _separator(text: str) -> str:
    """The separator that splits the header line into the most columns (``;`` on a tie)."""
    first = next(iter(text.splitlines()), "")
    counts = {sep: len(next(csv.reader([first], delimiter=sep), [])) for sep in CSV_SEPARATORS}
    return max(CSV_SEPARATORS, key=lambda sep: counts[sep])


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:4096]:
        raise UnreadableSpreadsheet(field="file")
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    return _sheet_from(([_cell(value) for value in record], reader.line_num) for record in reader)


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableSpreadsheet(field="file") from exc
    try:
        worksheet = workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        return _sheet_from(
            ([_cell(value) for value in values], number)
            for number, values in enumerate(rows, start=1)
        )
    finally:
        workbook.close()


def _sheet_from(records: Iterable[tuple[list[Cell], int]]) -> Sheet:
    iterator = iter(records)
    header: list[Cell] = []
    for header, _line in iterator:
        if any(header):
            break
    columns = [normalise_header(value or "") for value in header]
    rows = []
    for values, line in iterator:
        if not any(values):
            continue
        cells = {name: values[i] if i < len(values) else None for i, name in enumerate(columns)}
        cells.pop("", None)
        rows.append(SheetRow(line, cells))
    headers = {normalise_header(value): value.strip() for value in header if value}
    return Sheet(tuple(name for name in columns if name), tuple(rows), headers)


def _cell(value: object) -> Cell:
    """A cell as text: numbers written exactly (no float noise), dates in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = _float_text(value)
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _float_text(value: float) -> str:
    try:
        number = Decimal(repr(value))
    except InvalidOperation:
        return repr(value)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


# Writing ---------------------------------------------------------------------------------


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV (with the byte-order mark, so Excel reads accents right), ``;``-separated
    (what Excel expects in French and reads in English)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def write_xlsx(columns: Sequence[str], rows: Iterable[Sequence[object]], title: str = "") -> bytes:
    """An XLSX workbook of one sheet, written in streaming mode. Text that looks like a number
    stays text (a SKU "00123" keeps its zeros); pass numbers as ``int`` or ``Decimal``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: object) -> object:
    if isinstance(value, Decimal):
        # Stored as text so that "12.50" comes back exactly, not as a float.
        return format(value, "f")
    return value


# Validating and applying -----------------------------------------------------------------


class RowOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RowIssue:
    """Why a row was refused: its line, the column at fault (as written in the file; ``None``
    for the row as a whole) and the message."""

    line: int
    column: str | None
    message: str | LazyString
    params: Mapping[str, Any] = field(default_factory=dict)

    def translated(self, locale: Locale) -> str:
        try:
            return translate(self.message, locale, **self.params)
        except (KeyError, IndexError, ValueError):
            return translate(self.message, locale)


@dataclass(slots=True)
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    total_rows: int
    dry_run: bool
    all_or_nothing: bool
    outcomes: dict[RowOutcome, int] = field(default_factory=lambda: dict.fromkeys(RowOutcome, 0))
    issues: list[RowIssue] = field(default_factory=list)
    kept: bool = False
    """Whether the changes were kept in the caller's transaction."""

    @property
    def accepted_rows(self) -> int:
        return sum(self.outcomes.values())

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({issue.line for issue in self.issues})


RowApplier = Callable[[Session, M], RowOutcome]
RowKey = Callable[[M], str]


@dataclass(frozen=True, slots=True)
class RowSpec(Generic[M]):
    """How to import one kind of row: its model (field names are the normalised column
    names; aliases map other headers to them), which columns must be present, and what to do
    with a valid row."""

    model: type[M]
    apply: RowApplier[M]
    required_columns: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    finish: Callable[[Session], None] | None = None
    """Called once after the last row, inside the import's savepoint (work gathered from the
    rows and done in one go: a dry run discards it too)."""


def check_columns(sheet: Sheet, spec: RowSpec[Any]) -> None:
    """Raises :class:`MissingColumns` naming every required column the sheet lacks."""
    present = {spec.aliases.get(name, name) for name in sheet.columns}
    missing = [name for name in spec.required_columns if name not in present]
    if missing:
        raise MissingColumns(
            _l("Missing columns: {columns}."), field="file", columns=", ".join(missing)
        )


def validate_row(sheet: Sheet, row: SheetRow, spec: RowSpec[M]) -> M | list[RowIssue]:
    """The row as ``spec.model``, or every issue found in it."""
    values = {spec.aliases.get(name, name): value for name, value in row.cells.items()}
    values = {name: value for name, value in values.items() if value is not None}
    try:
        return spec.model.model_validate(values)
    except ValidationError as exc:
        issues = issues_from_pydantic(exc.errors())
        return [
            RowIssue(row.line, _column(sheet, spec, issue.field), issue.message, issue.params)
            for issue in issues
        ]


def _column(sheet: Sheet, spec: RowSpec[Any], name: str | None) -> str | None:
    """The header, as written in the file, of the model field ``name``."""
    if not name:
        return None
    name = name.split(".", 1)[0]
    for written in sheet.columns:
        if spec.aliases.get(written, written) == name:
            return sheet.headers.get(written, written)
    return name


def run_import(
    session: Session,
    sheet: Sheet,
    spec: RowSpec[M],
    *,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and apply every row of ``sheet``.

    Guarantees: each valid row is applied in its own savepoint, so a row that the business
    rules refuse (a :class:`DomainError`) is reported with its line and column and leaves no
    trace; a dry run discards every change (the report says what would have happened); with
    ``all_or_nothing`` nothing is kept when any row was refused. What is kept stays in the
    caller's transaction, which the caller commits. Raises :class:`MissingColumns` before any
    row when a required column is absent.
    """
    check_columns(sheet, spec)
    report = ImportReport(len(sheet.rows), dry_run=dry_run, all_or_nothing=all_or_nothing)
    whole = session.begin_nested()
    try:
        for done, row in enumerate(sheet.rows, start=1):
            _import_row(session, sheet, row, spec, report)
            if progress is not None:
                progress(done, report.total_rows)
        if spec.finish is not None:
            spec.finish(session)
    except BaseException:
        whole.rollback()
        raise
    if dry_run or (all_or_nothing and report.issues):
        whole.rollback()
    else:
        whole.commit()
        report.kept = True
    return report


def _import_row(
    session: Session, sheet: Sheet, row: SheetRow, spec: RowSpec[M], report: ImportReport
) -> None:
    validated = validate_row(sheet, row, spec)
    if isinstance(validated, list):
        report.issues.extend(validated)
        return
    savepoint = session.begin_nested()
    try:
        outcome = spec.apply(session, validated)
        session.flush()
    except DomainError as error:
        savepoint.rollback()
        report.issues.append(
            RowIssue(row.line, _column(sheet, spec, error.field), error.message, error.params)
        )
        return
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    report.outcomes[outcome] += 1
