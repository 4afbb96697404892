"""The FEC of a year of books: its name, its columns and order, labels, lettering and foreign
currency; it passes the validator and its totals equal the trial balance."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from comptoir.billing.fec.errors import FiscalYearNotFound, SirenInvalid, SirenMissing
from comptoir.billing.fec.export import export_entries_csv, export_fec
from comptoir.billing.fec.validator import COLUMNS, validate_fec
from comptoir.billing.ledger import reports
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.billing.fec.books import (
    CUSTOMER,
    SIREN,
    SUPPLIER,
    Books,
    make_seller,
    post_year,
    trial_balance,
)


@pytest.fixture
def books(db: Database, clock: FrozenClock) -> Books:
    with db.transaction() as session:
        make_seller(session)
        return post_year(session, 2025)


def _export(db: Database, directory: Path, **kw: str) -> Path:
    with db.transaction(readonly=True) as session:
        return export_fec(session, year=2025, directory=directory, **kw)  # type: ignore[arg-type]


def _rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [dict(zip(COLUMNS, line.split("\t"), strict=True)) for line in lines[1:]]


def test_the_fec_of_a_year_passes_the_validator(books: Books, db: Database, tmp_path: Path) -> None:
    # when the year is exported
    path = _export(db, tmp_path)

    # then the file is named after the SIREN and the closing date, and breaks no rule
    report = validate_fec(path, siren=SIREN)
    assert path.name == f"{SIREN}FEC20251231.txt"
    assert [(p.rule, p.line, p.field) for p in report.problems] == []
    assert report.encoding == "UTF-8"
    assert report.separator == "tab"
    assert (report.line_count, report.entry_count) == (books.lines, books.entries)


def test_the_totals_of_the_fec_equal_the_trial_balance(
    books: Books, db: Database, tmp_path: Path
) -> None:
    # given the trial balance summed from the entry lines
    with db.transaction(readonly=True) as session:
        debit_minor, credit_minor = trial_balance(session, books.fiscal_year_id)

    # when the year is exported and validated
    report = validate_fec(_export(db, tmp_path))

    # then the file's totals are the ledger's
    assert debit_minor == credit_minor == 1_210_700
    assert report.debit_total == Decimal(debit_minor) / 100
    assert report.credit_total == Decimal(credit_minor) / 100


def test_the_fec_agrees_with_the_ledgers_trial_balance_account_by_account(
    books: Books, db: Database, tmp_path: Path
) -> None:
    # given the ledger's own trial balance of the year (opening entries folded into the
    # opening balance of each account)
    with db.transaction(readonly=True) as session:
        balance = reports.trial_balance(session, reports.year_period(session, 2025))

    # when the year is exported
    path = _export(db, tmp_path)
    report = validate_fec(path)
    per_account: dict[str, int] = {}
    for row in _rows(path):
        movement = Decimal(row["Debit"].replace(",", ".")) - Decimal(
            row["Credit"].replace(",", ".")
        )
        per_account[row["CompteNum"]] = per_account.get(row["CompteNum"], 0) + int(movement * 100)

    # then every account closes on the same balance, and the FEC's totals are the balance's
    # movements plus its opening debits and credits (one opening line per account)
    assert per_account == {row.account: row.closing_minor for row in balance}
    opening_debit = sum(max(row.opening_minor, 0) for row in balance)
    opening_credit = sum(max(-row.opening_minor, 0) for row in balance)
    assert opening_debit == opening_credit == 1_050_000
    assert report.debit_total * 100 == sum(row.debit_minor for row in balance) + opening_debit
    assert report.credit_total * 100 == sum(row.credit_minor for row in balance) + opening_credit


def test_entries_come_by_journal_and_number_the_opening_entries_first(
    books: Books, db: Database, tmp_path: Path
) -> None:
    rows = _rows(_export(db, tmp_path))

    order = list(dict.fromkeys(row["EcritureNum"] for row in rows))
    assert order == [
        "AN000001",
        "AC000001",
        "BQ000001",
        "BQ000002",
        "BQ000003",
        "VE000001",
        "VE000002",
        "VE000003",
    ]
    assert rows[0]["EcritureDate"] == "20250101"
    assert rows[0]["JournalLib"] != ""


def test_lines_carry_account_and_auxiliary_labels_lettering_and_foreign_amounts(
    books: Books, db: Database, tmp_path: Path
) -> None:
    rows = _rows(_export(db, tmp_path))

    sale = next(r for r in rows if r["EcritureNum"] == "VE000001" and r["CompteNum"] == "411000")
    assert sale["CompAuxLib"] == CUSTOMER  # decrypted
    assert sale["CompteLib"] == "Clients"
    assert (sale["Debit"], sale["Credit"]) == ("120,00", "0,00")
    assert (sale["EcritureLet"], sale["DateLet"]) == ("A", "20250315")
    payment = next(r for r in rows if r["EcritureNum"] == "BQ000001" and r["CompteNum"] == "411000")
    assert (payment["EcritureLet"], payment["DateLet"]) == ("A", "20250315")
    bill = next(r for r in rows if r["EcritureNum"] == "AC000001" and r["CompteNum"] == "401000")
    assert (bill["CompAuxLib"], bill["EcritureLet"]) == (SUPPLIER, "B")
    assert bill["PieceDate"] == "20250308"
    dollars = [r for r in rows if r["EcritureNum"] == "VE000002"]
    assert [(r["Montantdevise"], r["Idevise"]) for r in dollars] == [("100,00", "USD")] * 2
    unlettered = next(r for r in rows if r["CompteNum"] == "707000")
    assert (unlettered["EcritureLet"], unlettered["DateLet"]) == ("", "")
    assert (unlettered["Montantdevise"], unlettered["Idevise"]) == ("", "")
    # posted on the frozen clock's day (2026-11-23, 11:00 in Paris)
    assert {r["ValidDate"] for r in rows} == {"20261123"}


def test_a_year_without_a_fiscal_year_is_refused(
    books: Books, db: Database, tmp_path: Path
) -> None:
    with db.transaction(readonly=True) as session, pytest.raises(FiscalYearNotFound) as raised:
        export_fec(session, year=2019, directory=tmp_path)

    assert raised.value.field == "year"
    assert list(tmp_path.iterdir()) == []


def test_the_siren_comes_from_the_seller_or_is_asked_for(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    # given books without a seller profile
    with db.transaction() as session:
        post_year(session, 2025)

    with db.transaction(readonly=True) as session:
        with pytest.raises(SirenMissing):
            export_fec(session, year=2025, directory=tmp_path)
        with pytest.raises(SirenInvalid):
            export_fec(session, year=2025, directory=tmp_path, siren="12345")
        given = export_fec(session, year=2025, directory=tmp_path, siren="552 100 554")

    assert given.name == "552100554FEC20251231.txt"
    assert [p.name for p in tmp_path.iterdir()] == [given.name]


def test_the_entries_csv_has_one_row_per_line_with_decimal_amounts(
    books: Books, db: Database
) -> None:
    with db.transaction(readonly=True) as session:
        content = export_entries_csv(session, year=2025)

    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == books.lines
    assert sum(Decimal(row["debit"]) for row in rows) == Decimal("12107.00")
    assert sum(Decimal(row["credit"]) for row in rows) == Decimal("12107.00")
    dollars = [row for row in rows if row["currency"] == "USD"]
    assert [row["currency_amount"] for row in dollars] == ["100.00", "100.00"]
    assert rows[0]["journal"] == "AN"
