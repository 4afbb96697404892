"""Credit notes of an amount: spread over the invoice's VAT rates, never beyond what the
invoice asked, and issued on their own for refunds made in the payment provider's dashboard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices import handlers as _handlers  # noqa: F401  (subscribes)
from comptoir.billing.invoices import service
from comptoir.billing.invoices.errors import InvalidInvoice, OverCredit
from comptoir.billing.invoices.models import Invoice, Settlement
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.ids import uuid7
from comptoir.orders import service as orders
from comptoir.orders.models import Payment
from comptoir.orders.service.refunds import record_charge_refunds
from tests.billing.invoices.factories import b2b_draft, invoices_of, make_seller, paid_order, relay

GROSS = 36618
"""b2b_draft: 3 h at 90.00 + 20 % (324.00) and 2 books at 19.99 + 5.5 % (42.18)."""


def _issued(session: Session) -> Invoice:
    make_seller(session)
    return service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)


def _by_rate(note: Invoice) -> dict[Decimal, int]:
    return {Decimal(t.rate).normalize(): t.base_minor + t.tax_minor for t in note.tax_totals}


def test_an_amount_is_credited_across_the_vat_rates_of_the_invoice(
    session: Session, clock: FrozenClock
) -> None:
    invoice = _issued(session)
    assert service.payable(invoice) == GROSS

    note = service.credit_amount(
        session, invoice.id, amount_minor=10000, reason="Geste commercial",
        source_type="manual", source_id=uuid7(),
    )  # fmt: skip

    assert (note.kind, note.number, note.original_invoice_id) == (
        "credit_note", "AV-2026-000001", invoice.id,
    )  # fmt: skip
    assert service.payable(note) == 10000
    assert abs(note.rounding_minor) <= 1
    # 324.00 / 366.18 of 100.00 at 20 %, the rest at 5.5 %: the VAT follows the VAT collected
    assert _by_rate(note) == {Decimal("0.2"): 8848 - note.rounding_minor, Decimal("0.055"): 1152}
    for total in note.tax_totals:
        assert total.tax_minor == service.tax_of(total.base_minor, Decimal(total.rate))
    assert [line.title for line in note.lines] == ["Geste commercial"] * 2
    assert {line.kind for line in note.lines} == {"service", "goods"}
    # set off against the unpaid invoice
    assert service.amount_due(invoice) == GROSS - 10000


def test_more_than_the_invoice_asked_is_refused_and_nothing_changes(
    session: Session, clock: FrozenClock
) -> None:
    invoice = _issued(session)
    service.credit_amount(
        session, invoice.id, amount_minor=30000, reason="Remise", source_type="manual",
        source_id=uuid7(),
    )  # fmt: skip
    notes_before = session.scalar(select(func.count()).select_from(Invoice)) or 0

    with pytest.raises(OverCredit) as refused:
        service.credit_amount(
            session, invoice.id, amount_minor=GROSS - 30000 + 1, reason="Remise",
            source_type="manual", source_id=uuid7(),
        )  # fmt: skip
    with pytest.raises(InvalidInvoice):
        service.credit_amount(
            session, invoice.id, amount_minor=0, reason="Remise", source_type="manual",
            source_id=uuid7(),
        )  # fmt: skip

    assert refused.value.field == "amount_minor"
    assert session.scalar(select(func.count()).select_from(Invoice)) == notes_before
    last = service.credit_amount(
        session, invoice.id, amount_minor=GROSS - 30000, reason="Remise", source_type="manual",
        source_id=uuid7(),
    )  # fmt: skip
    assert service.payable(last) == GROSS - 30000
    assert service.creditable_minor(session, invoice) == 0
    assert (service.amount_due(invoice), invoice.status) == (0, "paid")


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amounts=st.lists(st.integers(min_value=1, max_value=GROSS), min_size=1, max_size=4))
def test_amount_credit_notes_add_up_to_what_they_say_and_never_exceed_the_invoice(
    db: Database, amounts: list[int]
) -> None:
    session = db.session()
    try:
        with session.begin_nested():
            invoice = _issued(session)
            credited = 0
            for amount in amounts:
                if amount > GROSS - credited:
                    with pytest.raises(OverCredit):
                        service.credit_amount(
                            session, invoice.id, amount_minor=amount, reason="Remise",
                            source_type="manual", source_id=uuid7(),
                        )  # fmt: skip
                    continue
                note = service.credit_amount(
                    session, invoice.id, amount_minor=amount, reason="Remise",
                    source_type="manual", source_id=uuid7(),
                )  # fmt: skip
                credited += amount
                assert service.payable(note) == amount
                assert sum(line.net_minor for line in note.lines) == note.total_net_minor
            assert service.creditable_minor(session, invoice) == GROSS - credited
            session.rollback()
    finally:
        session.close()


def _dashboard_refund(session: Session, order_id: object, amount: int, refund_id: str) -> None:
    payment = session.scalars(select(Payment).where(Payment.order_id == order_id)).one()
    charge = {
        "id": "ch_test",
        "amount_refunded": amount,
        "refunds": {
            "data": [{"id": refund_id, "amount": amount, "status": "succeeded", "metadata": {}}]
        },
    }
    assert record_charge_refunds(session, payment, charge, actor="stripe") == 1


def test_a_refund_made_in_the_provider_dashboard_is_credited_and_paid_back(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given an invoiced, paid order of 2 mugs at 12.00
    make_seller(session)
    _, order_id = paid_order(session, items=((1200, 2),))
    session.commit()
    relay(db)

    # when 5.00 is refunded from the provider's dashboard
    _dashboard_refund(session, order_id, 500, "re_partial")
    session.commit()
    relay(db)

    # then a credit note of 5.00 cites the invoice and is paid back by card
    [invoice] = invoices_of(session, order_id)
    [note] = invoices_of(session, order_id, kind="credit_note")
    assert (note.source_type, note.original_invoice_id, service.payable(note)) == (
        "refund", invoice.id, 500,
    )  # fmt: skip
    number = orders.get_order(session, order_id).number
    assert note.note == f"Remboursement de la commande {number}"
    paid_back = session.scalars(select(Settlement).where(Settlement.invoice_id == note.id)).all()
    assert [(s.amount_minor, s.method, s.source_type) for s in paid_back] == [
        (500, "card", "refund")
    ]
    assert note.status == "paid"
    # the books: every entry balances, the customer's account nets to what was kept
    for entry in session.scalars(select(Entry)):
        assert sum(x.debit_minor for x in entry.lines) == sum(x.credit_minor for x in entry.lines)
    customer = session.execute(
        select(func.sum(EntryLine.debit_minor), func.sum(EntryLine.credit_minor)).where(
            EntryLine.account_number == "411000"
        )
    ).one()
    assert customer[0] == customer[1]


def test_a_whole_order_refunded_from_the_dashboard_is_credited_line_by_line(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    _, order_id = paid_order(session, items=((1200, 2), (450, 1)))
    session.commit()
    relay(db)

    _dashboard_refund(session, order_id, 2850, "re_whole")
    session.commit()
    relay(db)

    [invoice] = invoices_of(session, order_id)
    [note] = invoices_of(session, order_id, kind="credit_note")
    assert service.payable(note) == service.payable(invoice) == 2850
    assert sorted((line.original_line_id, line.quantity) for line in note.lines) == sorted(
        (line.id, line.quantity) for line in invoice.lines
    )
    assert note.status == "paid"
    assert service.creditable_minor(session, invoice) == 0
