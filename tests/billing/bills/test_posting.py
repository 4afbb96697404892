"""Posting approved supplier bills to the purchases journal and paying them: the entries an
accountant expects (AC, BQ), partial payments, supplier credit notes, open bills."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.bills import service
from comptoir.billing.bills.models import SupplierBill, SupplierBillPayment
from comptoir.billing.ledger import service as ledger
from comptoir.billing.ledger.models import Entry
from tests.billing.bills.factories import BILL_DATE, Received, bill_of, received_order

PAID_ON = date(2026, 11, 25)


def _approved(
    session: Session, received: Received, number: str = "F-1", **fields: object
) -> SupplierBill:
    bill = bill_of(session, received, number, **fields)
    return service.approve_bill(session, bill.id, actor="Alice")


def _lines(session: Session, entry_id: uuid.UUID | None) -> list[tuple[str, int, int]]:
    assert entry_id is not None
    entry = ledger.get_entry(session, entry_id)
    return sorted(
        (line.account_number, line.debit_minor, line.credit_minor) for line in entry.lines
    )


def _pay(
    session: Session, bill: SupplierBill, amount_minor: int, source_id: uuid.UUID | None = None
) -> None:
    service.pay(
        session,
        bill.id,
        amount_minor=amount_minor,
        paid_on=PAID_ON,
        reference="VIR-123",
        source_type="manual",
        source_id=source_id or uuid.uuid4(),
    )


def test_posting_a_bill_debits_purchases_and_vat_and_credits_the_supplier(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 6), (5, "2.00", 5)])
    bill = _approved(session, received)

    service.post_bill(session, bill.id, actor="Alice")

    assert bill.status == "posted"
    assert bill.posted_by == "Alice"
    entry = ledger.get_entry(session, bill.entry_id)  # type: ignore[arg-type]
    assert (entry.journal_code, entry.piece_ref, entry.entry_date) == ("AC", "F-1", BILL_DATE)
    assert _lines(session, bill.entry_id) == [
        ("401000", 0, 7248),
        ("445660", 1208, 0),
        ("607000", 6040, 0),
    ]
    supplier_line = next(line for line in entry.lines if line.account_number == "401000")
    assert supplier_line.auxiliary_number is not None
    assert supplier_line.auxiliary_number.startswith("F")
    assert supplier_line.due_date == bill.due_date


def test_an_intra_eu_acquisition_self_assesses_the_vat(session: Session) -> None:
    received = received_order(session, [(10, "10.00", 10)])
    bill = _approved(session, received, vat_treatment="intra_eu", stated_total=Decimal("100.00"))

    service.post_bill(session, bill.id, actor="Alice")

    assert (bill.total_vat_minor, bill.total_gross_minor) == (2000, 10000)
    assert bill.discrepancies == []
    assert _lines(session, bill.entry_id) == [
        ("401000", 0, 10000),
        ("445200", 0, 2000),
        ("445662", 2000, 0),
        ("607000", 10000, 0),
    ]


def test_a_transport_line_is_posted_on_its_own_account(session: Session) -> None:
    received = received_order(session, [(2, "10.00", 2)])
    bill = _approved(
        session,
        received,
        extra_lines=[{"description": "Transport", "unit_cost": "12.50", "account": "624100"}],
    )

    service.post_bill(session, bill.id, actor="Alice")

    assert _lines(session, bill.entry_id) == [
        ("401000", 0, 3900),
        ("445660", 650, 0),
        ("607000", 2000, 0),
        ("624100", 1250, 0),
    ]
    assert ledger.get_account(session, "624100").label == "Transports sur achats"


def test_a_supplier_credit_note_is_posted_as_the_mirror(session: Session) -> None:
    received = received_order(session, [(10, "8.40", 10)])
    line_id = received.line_ids[0]
    _approved(
        session, received, lines=[{"order_line_id": line_id, "quantity": 10, "unit_cost": "8.40"}]
    )
    credit = _approved(
        session, received, "AV-1", is_credit=True,
        lines=[{"order_line_id": line_id, "quantity": 2, "unit_cost": "8.40"}],
    )  # fmt: skip

    service.post_bill(session, credit.id, actor="Alice")

    assert _lines(session, credit.entry_id) == [
        ("401000", 2016, 0),
        ("445660", 0, 336),
        ("607000", 0, 1680),
    ]


def test_only_an_approved_bill_is_posted(session: Session) -> None:
    received = received_order(session, [(2, "10.00", 2)])
    bill = bill_of(session, received)
    entries = session.scalar(select(func.count()).select_from(Entry))

    with pytest.raises(service.SupplierBillStateConflict):
        service.post_bill(session, bill.id, actor="Alice")

    assert bill.status == "draft"
    assert session.scalar(select(func.count()).select_from(Entry)) == entries


def test_a_partial_then_a_full_payment(session: Session) -> None:
    received = received_order(session, [(10, "10.00", 10)])
    bill = _approved(session, received)
    service.post_bill(session, bill.id, actor="Alice")

    _pay(session, bill, 5000)

    assert (bill.status, bill.amount_paid_minor) == ("partially_paid", 5000)
    assert [b.id for b in service.open_bills(session)] == [bill.id]

    _pay(session, bill, 7000)

    assert (bill.status, bill.amount_paid_minor) == ("paid", 12000)
    assert bill.paid_at is not None
    assert service.open_bills(session) == []
    payments = sorted(bill.payments, key=lambda p: p.amount_minor)
    assert [_lines(session, p.entry_id) for p in payments] == [
        [("401000", 5000, 0), ("512000", 0, 5000)],
        [("401000", 7000, 0), ("512000", 0, 7000)],
    ]
    assert ledger.get_entry(session, payments[0].entry_id).journal_code == "BQ"  # type: ignore[arg-type]


def test_paying_more_than_is_left_is_refused_and_changes_nothing(session: Session) -> None:
    received = received_order(session, [(10, "10.00", 10)])
    bill = _approved(session, received)
    _pay(session, bill, 10000)

    with pytest.raises(service.SupplierBillOverpaid) as caught:
        _pay(session, bill, 2001)

    assert caught.value.field == "amount"
    assert (bill.status, bill.amount_paid_minor) == ("partially_paid", 10000)
    assert session.scalar(select(func.count()).select_from(SupplierBillPayment)) == 1


def test_paying_twice_from_the_same_source_records_one_payment(session: Session) -> None:
    received = received_order(session, [(10, "10.00", 10)])
    bill = _approved(session, received)
    source = uuid.uuid4()

    _pay(session, bill, 3000, source)
    _pay(session, bill, 3000, source)

    assert bill.amount_paid_minor == 3000
    assert len(bill.payments) == 1


def test_paying_an_approved_bill_posts_it_first(session: Session) -> None:
    received = received_order(session, [(1, "10.00", 1)])
    bill = _approved(session, received)

    _pay(session, bill, 1200)

    assert bill.status == "paid"
    assert bill.entry_id is not None
    assert _lines(session, bill.entry_id)[0] == ("401000", 0, 1200)


def test_a_bill_not_approved_cannot_be_paid(session: Session) -> None:
    received = received_order(session, [(1, "10.00", 1)])
    bill = bill_of(session, received)
    service.match_bill(session, bill.id)

    with pytest.raises(service.SupplierBillStateConflict):
        _pay(session, bill, 100)

    assert bill.amount_paid_minor == 0


def test_open_bills_are_the_approved_unpaid_ones_by_due_date(session: Session) -> None:
    received = received_order(session, [(10, "10.00", 10)])
    line_id = received.line_ids[0]

    def lines(quantity: int) -> list[dict[str, object]]:
        return [{"order_line_id": line_id, "quantity": quantity, "unit_cost": "10.00"}]

    late = _approved(session, received, "F-1", lines=lines(1), due_date=date(2027, 1, 31))
    soon = _approved(session, received, "F-2", lines=lines(1), due_date=date(2026, 12, 15))
    bill_of(session, received, "F-3", lines=lines(1))  # a draft
    paid = _approved(session, received, "F-4", lines=lines(1))
    _pay(session, paid, paid.total_gross_minor)
    _approved(session, received, "AV-1", is_credit=True, lines=lines(1))

    assert [bill.id for bill in service.open_bills(session)] == [soon.id, late.id]
    assert service.open_bills(session, currency="USD") == []


def test_money_a_supplier_pays_back_on_a_credit_note_goes_to_the_bank(session: Session) -> None:
    received = received_order(session, [(10, "10.00", 10)])
    line_id = received.line_ids[0]
    _approved(
        session, received, lines=[{"order_line_id": line_id, "quantity": 10, "unit_cost": "10.00"}]
    )
    credit = _approved(
        session, received, "AV-1", is_credit=True,
        lines=[{"order_line_id": line_id, "quantity": 1, "unit_cost": "10.00"}],
    )  # fmt: skip

    _pay(session, credit, 1200)

    assert credit.status == "paid"
    assert _lines(session, credit.payments[0].entry_id) == [
        ("401000", 0, 1200),
        ("512000", 1200, 0),
    ]
