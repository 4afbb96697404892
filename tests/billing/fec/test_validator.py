"""The validator catches each broken rule of article A47 A-1: every test breaks one rule in a
FEC that passes, and checks that this rule (and only what follows from it) is reported, with
the line and the column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from comptoir.billing.fec.export import export_fec
from comptoir.billing.fec.validator import COLUMNS, FecReport, validate_fec
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.billing.fec.books import SIREN, make_seller, post_year

Rows = list[list[str]]
NAME = f"{SIREN}FEC20251231.txt"

# Where the lines of the good file are (line 1 is the header): AN000001 on lines 2-5,
# AC000001 6-8, BQ000001 9-10, BQ000002 11-12, BQ000003 13-14, VE000001 15-17 (411000 on 15,
# 707000 on 16), VE000002 18-19 (US dollars), VE000003 20-22.
SALE_CUSTOMER, SALE_GOODS, DOLLAR_CUSTOMER, LAST_SALE = 15, 16, 18, 20


@pytest.fixture
def good(db: Database, clock: FrozenClock, tmp_path: Path) -> Rows:
    """The rows (header included) of a FEC that passes every rule."""
    with db.transaction() as session:
        make_seller(session)
        post_year(session, 2025)
    with db.transaction(readonly=True) as session:
        path = export_fec(session, year=2025, directory=tmp_path / "good")
    assert validate_fec(path).problems == []
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def _write(rows: Rows, directory: Path, *, name: str = NAME, separator: str = "\t") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("".join(separator.join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _set(rows: Rows, line: int, column: str, value: str) -> Rows:
    changed = [list(row) for row in rows]
    changed[line - 1][COLUMNS.index(column)] = value
    return changed


def _found(report: FecReport) -> set[tuple[str, int | None, str | None]]:
    return {(problem.rule, problem.line, problem.field) for problem in report.problems}


def _check(rows: Rows, tmp_path: Path) -> FecReport:
    return validate_fec(_write(rows, tmp_path / "bad"), siren=SIREN)


def test_a_wrong_header_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = _set(good, 1, "Montantdevise", "MontantDevise")

    assert _found(_check(rows, tmp_path)) == {("header", 1, None)}


def test_a_line_of_17_fields_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = [list(row) for row in good]
    rows[SALE_GOODS - 1] = rows[SALE_GOODS - 1][:17]

    report = _check(rows, tmp_path)

    # the short line is not read: its entry and the file lose its credit of 100,00
    assert _found(report) == {
        ("column-count", SALE_GOODS, None),
        ("unbalanced-entry", SALE_CUSTOMER, "Debit"),
        ("unbalanced-file", None, None),
    }
    assert report.problems[0].params == {"found": "17"}


def test_an_unbalanced_entry_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = _set(good, SALE_GOODS, "Credit", "90,00")

    report = _check(rows, tmp_path)

    assert _found(report) == {
        ("unbalanced-entry", SALE_CUSTOMER, "Debit"),
        ("unbalanced-file", None, None),
    }
    entry = next(p for p in report.problems if p.rule == "unbalanced-entry")
    assert dict(entry.params) == {
        "journal": "VE",
        "number": "VE000001",
        "debit": "120.00",
        "credit": "110.00",
    }


def test_a_gap_in_a_journals_numbering_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = [list(row) for row in good]
    for row in rows:
        if row[2] == "VE000003":
            row[2] = "VE000005"

    report = _check(rows, tmp_path)

    assert _found(report) == {("numbering-gap", LAST_SALE, "EcritureNum")}
    assert dict(report.problems[0].params) == {
        "journal": "VE",
        "previous": "VE000002",
        "number": "VE000005",
    }


def test_numbers_out_of_validation_order_are_reported(good: Rows, tmp_path: Path) -> None:
    # VE000002 is said to be validated a day after VE000003, which follows it
    rows = [list(row) for row in good]
    number, valid = COLUMNS.index("EcritureNum"), COLUMNS.index("ValidDate")
    for row in rows[1:]:
        if row[number] == "VE000002":
            row[valid] = (date.fromisoformat(row[valid]) + timedelta(days=1)).strftime("%Y%m%d")
    first_of_next = next(n for n, row in enumerate(rows, 1) if row[number] == "VE000003")

    report = _check(rows, tmp_path)

    assert _found(report) == {("numbering-order", first_of_next, "ValidDate")}


@pytest.mark.parametrize("value", ["20250230", "2025-02-10", "10022025", ""])
def test_a_bad_entry_date_is_reported(good: Rows, tmp_path: Path, value: str) -> None:
    rows = _set(good, SALE_CUSTOMER, "EcritureDate", value)

    report = _check(rows, tmp_path)

    expected = ("required" if value == "" else "date", SALE_CUSTOMER, "EcritureDate")
    assert _found(report) == {expected}


def test_an_entry_dated_outside_the_fiscal_year_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = good
    for line in (LAST_SALE, LAST_SALE + 1, LAST_SALE + 2):
        rows = _set(rows, line, "EcritureDate", "20260105")

    report = _check(rows, tmp_path)

    assert _found(report) == {
        ("outside-year", line, "EcritureDate") for line in (LAST_SALE, LAST_SALE + 1, LAST_SALE + 2)
    }


def test_an_entry_on_several_dates_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = _set(good, SALE_GOODS, "EcritureDate", "20250211")

    assert _found(_check(rows, tmp_path)) == {("entry-dates", SALE_CUSTOMER, "EcritureDate")}


def test_opening_entries_are_dated_the_first_day_and_come_first(good: Rows, tmp_path: Path) -> None:
    late = good
    for line in range(2, 6):
        late = _set(late, line, "EcritureDate", "20250102")
    moved = [good[0], *good[5:], *good[1:5]]

    late_report = _check(late, tmp_path / "late")
    moved_report = _check(moved, tmp_path / "moved")

    assert _found(late_report) == {("opening-date", line, "EcritureDate") for line in range(2, 6)}
    assert _found(moved_report) == {("opening-first", 19, "JournalCode")}


def test_a_validation_date_before_the_entry_date_is_reported(good: Rows, tmp_path: Path) -> None:
    rows = _set(good, SALE_GOODS, "ValidDate", "20250209")

    report = _check(rows, tmp_path)

    assert _found(report) == {("validation-date", SALE_GOODS, "ValidDate")}


@pytest.mark.parametrize(
    ("column", "partner", "rule"),
    [
        ("CompAuxLib", "CompAuxNum", "auxiliary-pair"),
        ("CompAuxNum", "CompAuxLib", "auxiliary-pair"),
        ("DateLet", "EcritureLet", "lettering-pair"),
        ("EcritureLet", "DateLet", "lettering-pair"),
        ("Idevise", "Montantdevise", "currency-pair"),
        ("Montantdevise", "Idevise", "currency-pair"),
    ],
)
def test_fields_that_go_in_pairs_are_both_filled_or_both_empty(
    good: Rows, tmp_path: Path, column: str, partner: str, rule: str
) -> None:
    # the first sale's customer line is lettered; the dollar sale's lines carry a currency
    line = DOLLAR_CUSTOMER if rule == "currency-pair" else SALE_CUSTOMER
    assert good[line - 1][COLUMNS.index(column)] != ""

    report = _check(_set(good, line, column, ""), tmp_path)

    assert _found(report) == {(rule, line, column)}


def test_a_line_with_both_a_debit_and_a_credit_is_reported(good: Rows, tmp_path: Path) -> None:
    # the customer line of the sale gets a credit as large as its debit
    rows = _set(good, SALE_CUSTOMER, "Credit", "120,00")

    report = _check(rows, tmp_path)

    assert ("debit-and-credit", SALE_CUSTOMER, "Credit") in _found(report)
    assert _found(report) - {("debit-and-credit", SALE_CUSTOMER, "Credit")} == {
        ("unbalanced-entry", SALE_CUSTOMER, "Debit"),
        ("unbalanced-file", None, None),
    }


@pytest.mark.parametrize("value", ["1 200,00", "1.200,00", "120,00 €", "12O,00", ",50"])
def test_an_amount_with_a_thousands_separator_or_letters_is_reported(
    good: Rows, tmp_path: Path, value: str
) -> None:
    rows = _set(good, SALE_CUSTOMER, "Debit", value)

    report = _check(rows, tmp_path)

    # the unreadable debit counts for nothing: the entry and the file lose 120,00
    assert ("amount", SALE_CUSTOMER, "Debit") in _found(report)
    assert {rule for rule, _line, _field in _found(report)} == {
        "amount",
        "unbalanced-entry",
        "unbalanced-file",
    }


def test_amounts_with_a_dot_are_accepted(good: Rows, tmp_path: Path) -> None:
    rows = [[field.replace(",", ".") if i in (11, 12, 16) else field for i, field in
             enumerate(row)] for row in good]  # fmt: skip

    report = _check(rows, tmp_path)

    assert report.problems == []
    assert report.debit_total == Decimal("12107.00")


@pytest.mark.parametrize("value", ["", "ABC123", "90", "9100000", "0123"])
def test_an_account_outside_the_pcg_classes_is_reported(
    good: Rows, tmp_path: Path, value: str
) -> None:
    rows = _set(good, SALE_GOODS, "CompteNum", value)

    rule = "required" if value == "" else "account"
    assert _found(_check(rows, tmp_path)) == {(rule, SALE_GOODS, "CompteNum")}


@pytest.mark.parametrize("column", ["JournalLib", "CompteLib", "PieceRef", "EcritureLib"])
def test_an_empty_mandatory_field_is_reported(good: Rows, tmp_path: Path, column: str) -> None:
    rows = _set(good, SALE_GOODS, column, " ")

    assert _found(_check(rows, tmp_path)) == {("required", SALE_GOODS, column)}


def test_a_currency_code_is_three_capital_letters(good: Rows, tmp_path: Path) -> None:
    rows = _set(good, DOLLAR_CUSTOMER, "Idevise", "dollar")

    assert _found(_check(rows, tmp_path)) == {("currency", DOLLAR_CUSTOMER, "Idevise")}


@pytest.mark.parametrize(
    "name", ["FEC20251231.txt", "73282932FEC20251231.txt", f"{SIREN}FEC20251331.txt",
             f"{SIREN}FEC20251231.csv", f"{SIREN}_FEC_20251231.txt"]
)  # fmt: skip
def test_a_wrong_file_name_is_reported(good: Rows, tmp_path: Path, name: str) -> None:
    report = validate_fec(_write(good, tmp_path / "named", name=name))

    assert _found(report) == {("file-name", None, None)}
    assert report.closing_date is None


def test_the_file_name_carries_the_expected_siren(good: Rows, tmp_path: Path) -> None:
    report = validate_fec(_write(good, tmp_path), siren="552100554")

    assert _found(report) == {("siren", None, None)}
    assert (report.siren, report.closing_date) == (SIREN, date(2025, 12, 31))


def test_pipes_are_accepted_when_used_throughout(good: Rows, tmp_path: Path) -> None:
    report = validate_fec(_write(good, tmp_path, separator="|"))

    assert report.problems == []
    assert report.separator == "|"


def test_a_line_separated_otherwise_than_the_file_is_reported(good: Rows, tmp_path: Path) -> None:
    path = _write(good, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[SALE_GOODS - 1] = lines[SALE_GOODS - 1].replace("\t", "|")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = validate_fec(path)

    assert ("mixed-separator", SALE_GOODS, None) in _found(report)
    assert report.problems[0].params == {"used": "|", "expected": "tab"}


def test_a_header_without_tabs_or_pipes_is_reported(good: Rows, tmp_path: Path) -> None:
    report = validate_fec(_write(good, tmp_path, separator=";"))

    assert _found(report) == {("separator", 1, None)}


def test_iso_8859_15_is_accepted_and_named(good: Rows, tmp_path: Path) -> None:
    path = _write(good, tmp_path)
    path.write_bytes(path.read_text(encoding="utf-8").encode("iso8859_15"))

    report = validate_fec(path)

    assert report.problems == []
    assert report.encoding == "ISO-8859-15"


def test_a_windows_code_page_file_is_refused(good: Rows, tmp_path: Path) -> None:
    rows = _set(good, SALE_GOODS, "EcritureLib", "Café à 3 €")
    path = _write(rows, tmp_path)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))

    report = validate_fec(path)

    assert _found(report) == {("encoding", None, None)}
    assert report.encoding is None


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(b"")

    assert _found(validate_fec(path)) == {("empty", None, None)}


def test_debits_and_credits_of_the_whole_file_must_agree(good: Rows, tmp_path: Path) -> None:
    # a stray one-sided line in an entry of its own: both the entry and the file are off
    stray = list(good[SALE_GOODS - 1])
    stray[COLUMNS.index("EcritureNum")] = "VE000004"
    stray[COLUMNS.index("EcritureDate")] = "20251231"
    rows = [*good, stray]

    report = _check(rows, tmp_path)

    assert _found(report) == {
        ("unbalanced-entry", len(rows), "Debit"),
        ("unbalanced-file", None, None),
    }
    assert (report.debit_total, report.credit_total) == (Decimal("12107.00"), Decimal("12207.00"))


def test_every_problem_reads_in_french_and_english(good: Rows, tmp_path: Path) -> None:
    mutations: list[Callable[[Rows], Rows]] = [
        lambda rows: _set(rows, SALE_GOODS, "Credit", "90,00"),
        lambda rows: _set(rows, SALE_GOODS, "ValidDate", "20250209"),
    ]
    rows = good
    for mutate in mutations:
        rows = mutate(rows)

    report = _check(rows, tmp_path)

    french = {problem.message("fr") for problem in report.problems}
    english = {problem.message("en") for problem in report.problems}
    assert "ValidDate 20250209 is before the entry date 20250210." in english
    assert "ValidDate 20250209 est antérieure à la date d'écriture 20250210." in french
