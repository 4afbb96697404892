"""Statement parsers on small files written from the published formats: what each line
reads, and a precise problem (where, why) for every bad value, with nothing returned."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from comptoir.billing.bank.parsers import StatementRejected, camt053, ofx
from comptoir.billing.bank.parsers import csv as bank_csv
from comptoir.kit.i18n import translate

FIXTURES = Path(__file__).parent / "fixtures"
FEE_ENTRY = b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>BOOK</Sts>\n        <BookgDt><Dt>2026-03-05"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _problems(error: StatementRejected) -> dict[str, str]:
    return {issue.field: issue.translated("en") for issue in error.issues}


def test_camt053_v02_reads_entries_details_and_batches() -> None:
    statement = camt053.parse(_read("camt053_001_02.xml"))

    assert statement.account_iban == "FR7630004000031234567890143"
    assert statement.currency == "EUR"
    assert (statement.opening_balance_minor, statement.closing_balance_minor) == (100000, 14254)
    assert (statement.period_start, statement.period_end) == (date(2026, 3, 2), date(2026, 3, 5))
    assert [line.amount_minor for line in statement.lines] == [24000, -123456, 10000, 5000, -1290]
    transfer = statement.lines[0]
    assert transfer.reference == "FA-2026-000045"
    assert transfer.end_to_end_id == "E2E-FA-2026-000045"
    assert transfer.counterpart_name == "DUPONT JEAN"
    assert transfer.counterpart_iban == "FR7630006000011234567890189"
    assert transfer.bank_code == "PMNT/RCDT/ESCT"
    supplier = statement.lines[1]
    assert supplier.counterpart_name == "ATELIER LUMIERE SARL"
    assert supplier.reference == "FACTURE F-2026-118"
    batch = statement.lines[2:4]
    assert [(b.counterpart_name, b.reference) for b in batch] == [
        ("Marie Curie", "FA-2026-000046"),
        ("Pierre Martin", "FA-2026-000047"),
    ]
    assert statement.lines[4].label == "FRAIS TENUE DE COMPTE"
    assert statement.lines[4].bank_code == "FRAIS"


def test_camt053_v08_reads_party_wrapped_names_and_datetimes() -> None:
    statement = camt053.parse(_read("camt053_001_08.xml"))

    first, fee = statement.lines
    assert first.counterpart_name == "Élodie Bérard"
    assert first.counterpart_iban == "BE68539007547034"
    assert first.booking_date == date(2026, 3, 10)
    assert first.end_to_end_id is None  # NOTPROVIDED is no reference
    assert first.reference == "Commande WEB-2026-000123"
    assert fee.amount_minor == -4500


def test_camt053_balances_that_do_not_add_up_are_refused() -> None:
    content = _read("camt053_001_02.xml").replace(b">142.54<", b">142.55<")

    with pytest.raises(StatementRejected) as caught:
        camt053.parse(content)

    problems = _problems(caught.value)
    assert list(problems) == ["Stmt[1]/Bal"]
    assert "1000.00 EUR" in problems["Stmt[1]/Bal"]
    assert "142.55 EUR" in problems["Stmt[1]/Bal"]


def test_camt053_every_bad_value_is_named() -> None:
    content = (
        _read("camt053_001_02.xml")
        .replace(b'<Amt Ccy="EUR">240.00</Amt>', b'<Amt Ccy="EUR">24O.00</Amt>')
        .replace(FEE_ENTRY, FEE_ENTRY.replace(b"DBIT", b"DEBIT"))
    )

    with pytest.raises(StatementRejected) as caught:
        camt053.parse(content)

    problems = _problems(caught.value)
    assert "Stmt[1]/Ntry[1]/Amt" in problems
    assert "24O.00" in problems["Stmt[1]/Ntry[1]/Amt"]
    assert "Stmt[1]/Ntry[4]/CdtDbtInd" in problems


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<Document><BkToCstmrStmt/></Document>", "not a camt.053"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>", "XML"),
        (
            b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.02'/>",
            "camt.052",
        ),
    ],
)
def test_camt053_refuses_what_is_not_a_statement(content: bytes, expected: str) -> None:
    with pytest.raises(StatementRejected) as caught:
        camt053.parse(content)

    assert expected in next(iter(_problems(caught.value).values()))


def test_ofx_sgml_with_unclosed_tags_and_comma_amounts() -> None:
    statement = ofx.parse(_read("ofx_102.ofx"))

    assert statement.currency == "EUR"
    assert statement.account_iban is None  # a French RIB account number, not an IBAN
    assert statement.closing_balance_minor == 122710
    credit, fee = statement.lines
    assert (credit.amount_minor, credit.booking_date) == (24000, date(2026, 3, 2))
    assert credit.label == "VIR DUPONT JEAN FA-2026-000045 réglé"
    assert credit.bank_reference == "0000001"
    assert (fee.amount_minor, fee.booking_date, fee.label) == (
        -1290,
        date(2026, 3, 5),
        "FRAIS TENUE DE COMPTE",
    )


def test_ofx_xml_2() -> None:
    statement = ofx.parse(_read("ofx_220.ofx"))

    assert statement.account_iban == "FR7630004000031234567890143"
    assert [line.amount_minor for line in statement.lines] == [118734, -35000]
    assert statement.lines[0].label == "STRIPE PAYMENTS & CO PAYOUT po_1Nx7"
    assert statement.lines[1].label == "PRLV SEPA PAPETERIE MODERNE"
    assert statement.period_end == date(2026, 3, 31)


def test_ofx_bad_lines_are_all_reported() -> None:
    content = (
        _read("ofx_102.ofx")
        .replace(b"<TRNAMT>240.00", b"<TRNAMT>deux cents")
        .replace(b"<DTPOSTED>20260305120000.000[+1:CET]", b"<DTPOSTED>2026-13-45")
    )

    with pytest.raises(StatementRejected) as caught:
        ofx.parse(content)

    problems = _problems(caught.value)
    assert set(problems) == {"STMTTRN[1]/TRNAMT", "STMTTRN[2]/DTPOSTED"}
    assert "deux cents" in problems["STMTTRN[1]/TRNAMT"]
    assert "YYYYMMDD" in problems["STMTTRN[2]/DTPOSTED"]


def test_ofx_refuses_another_file() -> None:
    with pytest.raises(StatementRejected):
        ofx.parse(b"Date;Libelle;Montant\n")


def test_french_csv_with_debit_and_credit_columns() -> None:
    statement = bank_csv.parse(_read("releve_fr.csv"))

    assert [line.amount_minor for line in statement.lines] == [24000, -123456, -1290, 118734]
    assert statement.lines[0].label == "VIR SEPA DUPONT JEAN FA-2026-000045"
    assert statement.lines[3].value_date == date(2026, 3, 13)
    assert (statement.period_start, statement.period_end) == (date(2026, 3, 2), date(2026, 3, 12))


def test_french_csv_with_one_signed_column_in_windows_encoding() -> None:
    content = (
        "Date;Libellé;Montant\n"
        "01/04/2026;VIR REÇU MARTIN;1\u00a0234,50\n"
        "02/04/2026;PRLV EDF;-89,99\n"
    ).encode("cp1252")

    statement = bank_csv.parse(content)

    assert [(line.label, line.amount_minor) for line in statement.lines] == [
        ("VIR REÇU MARTIN", 123450),
        ("PRLV EDF", -8999),
    ]


def test_french_csv_names_line_and_column_of_each_problem() -> None:
    content = (
        "Date;Libellé;Débit;Crédit\n"
        "01/04/2026;OK;;10,00\n"
        "31/02/2026;MAUVAISE DATE;;10,00\n"
        "03/04/2026;MONTANT;;dix\n"
        "04/04/2026;LES DEUX;5,00;5,00\n"
        "05/04/2026;AUCUN;;\n"
    ).encode()

    with pytest.raises(StatementRejected) as caught:
        bank_csv.parse(content)

    problems = _problems(caught.value)
    assert set(problems) == {
        "line 3 / Date",
        "line 4 / Crédit",
        "line 5 / Débit",
        "line 6 / Débit",
    }
    assert "dd/mm/yyyy" in problems["line 3 / Date"]
    assert "dix" in problems["line 4 / Crédit"]
    assert translate(caught.value.message, "fr").startswith("4 ")


def test_french_csv_without_a_header_is_refused() -> None:
    with pytest.raises(StatementRejected) as caught:
        bank_csv.parse(b"a,b,c\n1,2,3\n")

    assert list(_problems(caught.value)) == ["header"]


@pytest.mark.parametrize(
    ("written", "minor"),
    [("1 234,56", 123456), ("-0,5", -50), ("+12", 1200), ("1.234,56 €", 123456)],
)
def test_french_amounts(written: str, minor: int) -> None:
    assert bank_csv.parse_french_amount(written) * 100 == minor
