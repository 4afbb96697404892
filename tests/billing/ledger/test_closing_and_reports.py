"""Year-end closing and opening balances; trial balance, ledgers, aged receivables, VAT."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from comptoir.billing.ledger import posting, reports, service
from comptoir.billing.ledger.errors import FiscalYearNotFound, YearNotClosable
from comptoir.billing.ledger.posting import BillPosting
from comptoir.billing.ledger.service import LineSpec
from comptoir.kit.db.engine import Database
from tests.billing.ledger.factories import make_invoice, make_settlement


@pytest.fixture
def session(db: Database) -> Session:
    return db.session()


def _year_2025(session: Session) -> uuid.UUID:
    """Capital 10 000, a paid sale of 1 000 + VAT, an unpaid one of 500 + VAT to a customer,
    goods bought for 300 + VAT."""
    customer = uuid.uuid4()
    service.post_entry(
        session,
        journal="OD",
        entry_date=date(2025, 1, 2),
        label="Apport",
        piece_ref="K1",
        lines=[
            LineSpec("512000", debit_minor=1_000_000),
            LineSpec("101300", credit_minor=1_000_000),
        ],
    )
    paid = make_invoice(
        session,
        issue_date=date(2025, 3, 1),
        due_date=date(2025, 3, 31),
        lines=[("goods", 100_000, Decimal("0.2"))],
    )
    posting.post_invoice(session, paid)
    posting.post_settlement(
        session, paid, make_settlement(session, paid, settled_on=date(2025, 3, 2))
    )
    unpaid = make_invoice(
        session,
        issue_date=date(2025, 11, 1),
        due_date=date(2025, 12, 1),
        customer_id=customer,
        lines=[("goods", 50_000, Decimal("0.2"))],
    )
    posting.post_invoice(session, unpaid)
    posting.post_supplier_bill(
        session,
        BillPosting(
            bill_id=uuid.uuid4(),
            number="F-1",
            supplier_id=uuid.uuid4(),
            supplier_name="Acme",
            bill_date=date(2025, 5, 5),
            due_date=None,
            currency="EUR",
            exchange_rate=Decimal(1),
            lines=[("607000", 30_000, Decimal("0.2"), 6_000)],
        ),
    )
    return customer


def test_closing_carries_the_result_and_opens_the_balance_sheet(session: Session) -> None:
    customer = _year_2025(session)

    closing = service.close_year(session, 2025, actor="ada")

    assert closing.result_minor == 120_000
    assert closing.fiscal_year.closed_by == "ada"
    assert closing.closing_entry is not None
    assert closing.opening_entry is not None
    assert closing.closing_entry.entry_date == date(2025, 12, 31)
    assert closing.closing_entry.journal_code == "OD"
    assert [
        (x.account_number, x.debit_minor, x.credit_minor) for x in closing.closing_entry.lines
    ] == [
        ("607000", 0, 30_000),
        ("707000", 150_000, 0),
        ("120000", 0, 120_000),
    ]
    opening = closing.opening_entry
    assert (opening.journal_code, opening.entry_date, opening.number) == ("AN", date(2026, 1, 1), 1)
    aux = service.auxiliary_account(session, party_type="customer", party_id=customer, label=None)
    rows = [
        (x.account_number, x.auxiliary_number, x.debit_minor, x.credit_minor) for x in opening.lines
    ]
    assert rows == [
        ("101300", None, 0, 1_000_000),
        ("120000", None, 0, 120_000),
        ("401000", "F000001", 0, 36_000),
        ("411000", aux, 60_000, 0),
        ("445660", None, 6_000, 0),
        ("445711", None, 0, 30_000),
        ("511500", None, 120_000, 0),
        ("512000", None, 1_000_000, 0),
    ]
    assert opening.lines[3].due_date == date(2025, 12, 1)
    balance = reports.trial_balance(session, reports.year_period(session, 2026))
    assert sum(row.opening_minor for row in balance) == 0
    assert {row.account: row.closing_minor for row in balance}["512000"] == 1_000_000


def test_closing_is_refused_twice_out_of_order_or_for_an_unknown_year(session: Session) -> None:
    service.post_entry(
        session,
        journal="OD",
        entry_date=date(2025, 1, 2),
        label="x",
        piece_ref="x",
        lines=[LineSpec("512000", debit_minor=1), LineSpec("101300", credit_minor=1)],
    )
    service.post_entry(
        session,
        journal="OD",
        entry_date=date(2026, 1, 2),
        label="x",
        piece_ref="x",
        lines=[LineSpec("512000", debit_minor=1), LineSpec("101300", credit_minor=1)],
    )

    with pytest.raises(YearNotClosable):
        service.close_year(session, 2026)
    with pytest.raises(FiscalYearNotFound):
        service.close_year(session, 2019)
    service.close_year(session, 2025)
    with pytest.raises(YearNotClosable):
        service.close_year(session, 2025)


def test_the_trial_balance_and_ledgers_add_up(session: Session) -> None:
    _year_2025(session)
    march = reports.period(session, date(2025, 3, 1), date(2025, 3, 31))

    balance = reports.trial_balance(session, reports.year_period(session, 2025))
    ledger = reports.general_ledger(session, march, account="411000")
    customers = reports.sub_ledger(session, reports.year_period(session, 2025))

    assert sum(r.debit_minor for r in balance) == sum(r.credit_minor for r in balance) == 1_336_000
    by_account = {row.account: row for row in balance}
    assert by_account["411000"].closing_minor == 60_000
    assert by_account["707000"].label == "Ventes de marchandises"
    assert [line.balance_minor for line in ledger[0].lines] == [120_000, 0]
    assert [(a.number, a.closing_minor) for a in customers] == [("C000001", 60_000), ("CDIVERS", 0)]
    assert customers[1].label == "Clients divers"
    late = reports.period(session, date(2025, 11, 1), date(2025, 11, 30))
    assert reports.trial_balance(session, late)[0].opening_minor == -1_000_000


def test_aged_receivables_put_open_items_in_buckets(session: Session) -> None:
    for due, amount in [
        (date(2026, 5, 1), 100),
        (date(2026, 3, 31), 200),
        (date(2026, 3, 1), 400),
        (date(2026, 2, 1), 800),
        (date(2025, 12, 1), 1600),
    ]:
        invoice = make_invoice(
            session,
            issue_date=date(2025, 11, 1),
            due_date=due,
            lines=[("service", amount, Decimal("0"))],
        )
        posting.post_invoice(session, invoice)
    paid = make_invoice(session, issue_date=date(2025, 11, 1), due_date=date(2025, 11, 2))
    posting.post_invoice(session, paid)
    posting.post_settlement(
        session, paid, make_settlement(session, paid, settled_on=date(2025, 11, 3))
    )

    rows = reports.aged_receivables(session, as_of=date(2026, 4, 15))

    assert len(rows) == 1
    assert rows[0].buckets == {
        "not_due": 100,
        "days_1_30": 200,
        "days_31_60": 400,
        "days_61_90": 800,
        "over_90": 1600,
    }
    assert reports.aged_totals(rows)["over_90"] == 1600


def test_the_vat_summary_fills_the_ca3_boxes(session: Session) -> None:
    posting.post_invoice(
        session,
        make_invoice(
            session,
            lines=[
                ("goods", 100_000, Decimal("0.2")),
                ("goods", 20_000, Decimal("0.055")),
                ("service", 10_000, Decimal("0.1")),
                ("goods", 4_000, Decimal("0.021")),
            ],
        ),
    )
    posting.post_invoice(
        session,
        make_invoice(session, kind="credit_note", lines=[("goods", 10_000, Decimal("0.2"))]),
    )
    posting.post_invoice(
        session,
        make_invoice(
            session, vat_scheme="export", charge_vat=False, lines=[("goods", 7_000, Decimal("0.2"))]
        ),
    )
    posting.post_invoice(
        session,
        make_invoice(
            session,
            vat_scheme="intra_eu_goods",
            charge_vat=False,
            lines=[("goods", 9_000, Decimal("0.2"))],
        ),
    )
    posting.post_invoice(
        session, make_invoice(session, vat_scheme="oss", lines=[("goods", 5_000, Decimal("0.19"))])
    )
    for reverse_charge, net, vat in ((False, 40_000, 8_000), (True, 30_000, 0)):
        posting.post_supplier_bill(
            session,
            BillPosting(
                bill_id=uuid.uuid4(),
                number="F",
                supplier_id=uuid.uuid4(),
                supplier_name="S",
                bill_date=date(2026, 3, 5),
                due_date=None,
                currency="EUR",
                exchange_rate=Decimal(1),
                lines=[("607000", net, Decimal("0.2"), vat)],
                reverse_charge=reverse_charge,
            ),
        )
    posting.post_invoice(session, make_invoice(session, issue_date=date(2026, 4, 1)))

    summary = reports.vat_summary(
        session, reports.period(session, date(2026, 3, 1), date(2026, 3, 31))
    )

    boxes = {box.code: (box.base_minor, box.tax_minor) for box in summary.boxes}
    assert boxes["A1"] == (120_000 + 4_000, None)
    assert boxes["B2"] == (30_000, None)
    assert boxes["E1"] == (7_000, None)
    assert boxes["E3"] == (5_000, None)  # OSS sales: their VAT goes to the OSS return
    assert boxes["F2"] == (9_000, None)
    assert boxes["08"] == (90_000 + 30_000, 18_000 + 6_000)
    assert boxes["09"] == (20_000, 1_100)
    assert boxes["9B"] == (10_000, 1_000)
    assert boxes["14"] == (4_000, 84)  # 2.1 %, detailed on annex 3310-A
    assert boxes["16"] == (None, 26_100 + 84)
    assert boxes["17"] == (None, 6_000)
    assert boxes["20"] == boxes["23"] == (None, 14_000)
    assert boxes["28"] == (None, 12_100 + 84)
    assert "25" not in boxes
    oss = [rate for rate in summary.rates if rate.scheme == "oss"]
    assert [(r.base_minor, r.tax_minor) for r in oss] == [(5_000, 950)]
