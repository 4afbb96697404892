"""Bank statements exported as CSV, the way French banks write them: ``;`` between fields,
dates ``dd/mm/yyyy``, amounts ``1 234,56`` (space or no-break space between thousands, comma
before the cents), either one signed amount column or separate debit and credit columns.

Columns are found by their header (accents and case ignored) from a :class:`CsvLayout`; a
bank that names them otherwise gets its own layout. Lines before the header (the account
number, the period...) are skipped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from comptoir.billing.bank.parsers import (
    BAD_AMOUNT,
    BAD_DATE,
    MISSING,
    ZERO_AMOUNT,
    ParsedLine,
    ParsedStatement,
    Problems,
    check_balances,
    reject,
    to_minor,
)
from comptoir.kit.i18n import lazy_gettext as _l

HEADER_SEARCH_ROWS: Final = 20


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Which header names each column may have (normalised: lower case, no accents)."""

    delimiter: str = ";"
    date_format: str = "%d/%m/%Y"
    decimal_comma: bool = True
    currency: str = "EUR"
    booking_date: tuple[str, ...] = (
        "date",
        "date operation",
        "date comptable",
        "date de comptabilisation",
    )
    value_date: tuple[str, ...] = ("date de valeur", "date valeur")
    label: tuple[str, ...] = (
        "libelle",
        "libelle operation",
        "libelle de l'operation",
        "description",
    )
    amount: tuple[str, ...] = ("montant", "montant (eur)", "montant eur")
    debit: tuple[str, ...] = ("debit", "debit (eur)", "debit euros")
    credit: tuple[str, ...] = ("credit", "credit (eur)", "credit euros")
    reference: tuple[str, ...] = ("reference", "ref", "ref.")
    counterpart: tuple[str, ...] = ("tiers", "beneficiaire / emetteur", "contrepartie")


FRENCH_BANK: Final = CsvLayout()


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().strip('"')).lower()
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")  # pragma: no cover - latin-1 decodes any byte


def parse_french_amount(text: str, *, decimal_comma: bool = True) -> Decimal:
    """``"1 234,56"``, ``"-12,5"``, ``"+1.234,56 €"`` as a Decimal; ``ValueError`` else."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover
        raise ValueError(text) from exc


@dataclass(frozen=True, slots=True)
class _Columns:
    booking_date: int
    label: int
    amount: int | None
    debit: int | None
    credit: int | None
    value_date: int | None
    reference: int | None
    counterpart: int | None
    names: tuple[str, ...]


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    normalised = [_normalise(cell) for cell in header]
    for name in names:
        if name in normalised:
            return normalised.index(name)
    return None


def _columns(header: list[str], layout: CsvLayout) -> _Columns | None:
    booking = _find(header, layout.booking_date)
    label = _find(header, layout.label)
    amount = _find(header, layout.amount)
    debit, credit = _find(header, layout.debit), _find(header, layout.credit)
    if booking is None or label is None or (amount is None and (debit is None or credit is None)):
        return None
    return _Columns(
        booking_date=booking,
        label=label,
        amount=amount,
        debit=debit,
        credit=credit,
        value_date=_find(header, layout.value_date),
        reference=_find(header, layout.reference),
        counterpart=_find(header, layout.counterpart),
        names=tuple(cell.strip() for cell in header),
    )


def parse(content: bytes, layout: CsvLayout = FRENCH_BANK) -> ParsedStatement:
    """The lines of a CSV statement. Raises :class:`StatementRejected` with every problem
    (``line N / column``)."""
    rows = list(csv.reader(io.StringIO(_decode(content)), delimiter=layout.delimiter))
    columns: _Columns | None = None
    start = 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _columns(row, layout)
        if columns is not None:
            start = index + 1
            break
    if columns is None:
        raise reject(
            "header",
            _l(
                "No header line was found: the file needs a date, a label and either an "
                "amount or debit and credit columns (separated by “{delimiter}”)."
            ),
            delimiter=layout.delimiter,
        )
    problems = Problems()
    statement = ParsedStatement(format="csv", currency=layout.currency)
    for index, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        line = _line(row, index, columns, layout, problems)
        if line is not None:
            statement.lines.append(line)
    if not statement.lines and not problems.issues:
        problems.add("file", _l("The file holds no movement."))
    if statement.lines:
        statement.period_start = min(line.booking_date for line in statement.lines)
        statement.period_end = max(line.booking_date for line in statement.lines)
    check_balances(statement, problems, "file")
    problems.raise_if_any()
    return statement


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _date(
    row: list[str], index: int | None, where: str, layout: CsvLayout, problems: Problems
) -> date | None:
    text = _cell(row, index)
    if not text:
        return None
    try:
        return datetime.strptime(text, layout.date_format).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        problems.add(where, BAD_DATE, value=text, expected=_readable(layout.date_format))
        return None


def _readable(date_format: str) -> str:
    return date_format.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy")


def _line(
    row: list[str], number: int, columns: _Columns, layout: CsvLayout, problems: Problems
) -> ParsedLine | None:
    def where(index: int | None) -> str:
        name = columns.names[index] if index is not None and index < len(columns.names) else "?"
        return f"line {number} / {name}"

    problem_count = len(problems.issues)
    booking = _date(row, columns.booking_date, where(columns.booking_date), layout, problems)
    if booking is None and not _cell(row, columns.booking_date):
        problems.add(where(columns.booking_date), MISSING)
    value_date = _date(row, columns.value_date, where(columns.value_date), layout, problems)
    amount = _amount(row, columns, where, layout, problems)
    if len(problems.issues) > problem_count or booking is None or amount is None:
        return None
    label = _cell(row, columns.label)
    return ParsedLine(
        booking_date=booking,
        value_date=value_date,
        amount_minor=amount,
        currency=layout.currency,
        label=" ".join(label.split())[:500],
        reference=_cell(row, columns.reference) or None,
        counterpart_name=_cell(row, columns.counterpart) or None,
    )


def _amount(
    row: list[str],
    columns: _Columns,
    where: object,
    layout: CsvLayout,
    problems: Problems,
) -> int | None:
    assert callable(where)
    cells: list[tuple[int, int]] = []  # (column, sign)
    if columns.amount is not None and _cell(row, columns.amount):
        cells.append((columns.amount, 1))
    else:
        if _cell(row, columns.debit):
            cells.append((columns.debit, -1))  # type: ignore[arg-type]
        if _cell(row, columns.credit):
            cells.append((columns.credit, 1))  # type: ignore[arg-type]
    if not cells:
        index = columns.amount if columns.amount is not None else columns.debit
        problems.add(where(index), MISSING)
        return None
    if len(cells) > 1:
        problems.add(where(columns.debit), _l("Both the debit and the credit are filled in."))
        return None
    index, sign = cells[0]
    text = _cell(row, index)
    try:
        value = to_minor(
            parse_french_amount(text, decimal_comma=layout.decimal_comma), layout.currency
        )
    except ValueError:
        problems.add(where(index), BAD_AMOUNT, value=text)
        return None
    if value == 0:
        problems.add(where(index), ZERO_AMOUNT)
        return None
    # A debit column may hold "-12,50" or "12,50": it is money going out either way.
    return -abs(value) if sign < 0 else value
