"""Manual invoices: the seller's identity checked, B2B drafts with their terms and mentions,
proformas numbered apart and never posted, issued invoices that never change, numbers in
issue order, credit notes never above what remains, settlements, exchange rates, overdue."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.invoices import service
from comptoir.billing.invoices.errors import (
    ExchangeRateMissing,
    InvalidSellerProfile,
    InvoiceAlreadyIssued,
    InvoiceDateOutOfOrder,
    OverCredit,
    SellerNotConfigured,
)
from comptoir.billing.invoices.models import Invoice
from comptoir.billing.invoices.schemas import ExchangeRateIn
from comptoir.billing.invoices.tasks import mark_overdue_task
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.ids import uuid7
from tests.billing.invoices.factories import b2b_draft, make_seller


def _events(session: Session, kind: str) -> list[str]:
    return list(session.scalars(select(OutboxEvent.key).where(OutboxEvent.type == kind)))


def test_the_sellers_siren_siret_and_vat_number_are_checked(session: Session) -> None:
    with pytest.raises(InvalidSellerProfile) as refused:
        make_seller(session, siren="552100555", siret="55210055400014", vat_number="FR00123")

    assert [issue.field for issue in refused.value.issues] == ["siren", "siret", "vat_number"]
    with pytest.raises(SellerNotConfigured):
        service.get_seller(session)


def test_a_b2b_invoice_has_vat_per_rate_terms_and_the_mandatory_mentions(
    session: Session, clock: FrozenClock
) -> None:
    # given a draft of 3 hours at 90.00 (20 %) and 2 books at 19.99 (5.5 %), 30 days
    make_seller(session)
    draft = service.create_draft(session, b2b_draft())

    # when it is issued
    invoice = service.issue(session, draft.id, actor="compta@example.com")

    # then VAT is computed once per rate on the sum of its lines, half up
    assert [(t.rate, t.base_minor, t.tax_minor) for t in invoice.tax_totals] == [
        (Decimal("0.0550"), 3998, 220),
        (Decimal("0.2000"), 27000, 5400),
    ]
    assert (invoice.total_net_minor, invoice.total_tax_minor, invoice.total_gross_minor) == (
        30998, 5620, 36618,
    )  # fmt: skip
    assert invoice.number == "FA-2026-000001"
    assert invoice.supply_type == "mixed"
    assert invoice.due_date == invoice.issue_date + timedelta(days=30)  # type: ignore[operator]
    assert (invoice.late_penalty_rate, invoice.recovery_indemnity_minor) == (
        Decimal("0.1215"),
        4000,
    )
    mentions = service.mentions(session, invoice)
    assert "Pénalités de retard au taux annuel de 12,15 %." in mentions
    assert any("40,00" in mention and "recouvrement" in mention for mention in mentions)
    assert (invoice.buyer_siren, invoice.buyer_reference) == ("404833048", "PO-7781")
    assert session.scalars(
        select(Entry.journal_code).where(Entry.source_id == invoice.id)
    ).all() == ["VE"]
    assert _events(session, "invoice.issued") == [str(invoice.id)]


def test_a_proforma_is_numbered_in_its_own_series_and_never_posted(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    proforma = service.create_draft(session, b2b_draft(kind="proforma"))
    invoice = service.create_draft(session, b2b_draft())

    service.issue(session, proforma.id, actor=None)
    service.issue(session, invoice.id, actor=None)

    assert (proforma.number, invoice.number) == ("PF-2026-000001", "FA-2026-000001")
    assert session.scalars(select(Entry.id).where(Entry.source_id == proforma.id)).all() == []
    assert _events(session, "invoice.issued") == [str(invoice.id)]
    assert service.open_invoices(session) == [invoice]


def test_an_issued_invoice_cannot_be_changed_or_issued_again(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    invoice = service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)

    with pytest.raises(InvoiceAlreadyIssued):
        service.update_draft(session, invoice.id, b2b_draft(buyer_name="Someone else"))
    with pytest.raises(InvoiceAlreadyIssued):
        service.issue(session, invoice.id, actor=None)
    with pytest.raises(InvoiceAlreadyIssued):
        service.cancel_draft(session, invoice.id)

    session.expire_all()
    kept = session.get(Invoice, invoice.id)
    assert kept is not None
    assert (kept.buyer_name, kept.number, kept.total_gross_minor) == (
        "Atelier Durand SARL", "FA-2026-000001", 36618,
    )  # fmt: skip


def test_numbers_follow_the_issue_days_and_a_refused_issue_keeps_no_number(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    first = service.create_draft(session, b2b_draft())
    late = service.create_draft(session, b2b_draft())
    service.issue(session, first.id, actor=None)

    # when the clock says yesterday, issuing is refused
    clock.advance(timedelta(days=-1))
    with pytest.raises(InvoiceDateOutOfOrder), session.begin_nested():
        service.issue(session, late.id, actor=None)

    # and back on the day, the next number follows without a gap
    clock.advance(timedelta(days=1))
    session.expire_all()
    assert service.issue(session, late.id, actor=None).number == "FA-2026-000002"


def test_credit_notes_never_credit_more_than_remains(session: Session, clock: FrozenClock) -> None:
    make_seller(session)
    invoice = service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)
    hours, books = invoice.lines

    first = service.credit_note(
        session, invoice.id, lines={hours.id: Decimal(1)}, reason="Geste commercial",
        source_type="manual", source_id=_id(),
    )  # fmt: skip
    with pytest.raises(OverCredit) as refused:
        service.credit_note(
            session, invoice.id, lines={hours.id: Decimal(3)}, reason="x",
            source_type="manual", source_id=_id(),
        )  # fmt: skip
    rest = service.credit_note(
        session, invoice.id, lines=None, reason="Annulation", source_type="manual",
        source_id=_id(),
    )  # fmt: skip

    assert refused.value.field == "lines.0.quantity"
    assert (first.number, rest.number) == ("AV-2026-000001", "AV-2026-000002")
    assert first.total_gross_minor + rest.total_gross_minor == invoice.total_gross_minor
    assert [line.original_line_id for line in rest.lines] == [hours.id, books.id]
    # the invoice was unpaid: both credit notes are set off against it, nothing is due
    assert (invoice.status, service.amount_due(invoice)) == ("paid", 0)
    with pytest.raises(OverCredit):
        service.credit_note(
            session, invoice.id, lines=None, reason="x", source_type="manual", source_id=_id()
        )


def _id() -> uuid.UUID:
    return uuid7()


def test_settlements_are_applied_once_per_source_and_paid_is_emitted_once(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    invoice = service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)
    first, second = _id(), _id()
    day = date(2026, 11, 30)

    service.settle(
        session,
        invoice.id,
        amount_minor=10000,
        settled_on=day,
        method="bank_transfer",
        reference="VIR 1",
        source_type="manual",
        source_id=first,
    )
    service.settle(
        session,
        invoice.id,
        amount_minor=10000,
        settled_on=day,
        method="bank_transfer",
        reference="VIR 1",
        source_type="manual",
        source_id=first,
    )
    assert (invoice.status, invoice.amount_paid_minor) == ("partially_paid", 10000)
    service.settle(
        session,
        invoice.id,
        amount_minor=26618,
        settled_on=day,
        method="bank_transfer",
        reference="VIR 2",
        source_type="manual",
        source_id=second,
    )

    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 36618)
    assert _events(session, "invoice.paid") == [str(invoice.id)]
    assert service.open_invoices(session) == []


def test_a_foreign_currency_invoice_takes_the_rate_of_the_day(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    draft = service.create_draft(session, b2b_draft(currency="USD"))
    with pytest.raises(ExchangeRateMissing), session.begin_nested():
        service.issue(session, draft.id, actor=None)
    friday = clock.now().date() - timedelta(days=3)
    service.record_exchange_rate(
        session, ExchangeRateIn(currency="USD", rate_date=friday, rate=Decimal("0.92"))
    )
    session.expire_all()

    invoice = service.issue(session, draft.id, actor=None)

    assert (invoice.exchange_rate, invoice.exchange_rate_date) == (Decimal("0.92"), friday)
    assert invoice.number == "FA-2026-000001"

    # paid a week later, when a dollar is worth 0.95 EUR: the settlement keeps that rate and
    # the books the gain
    later = clock.now().date() + timedelta(days=7)
    service.record_exchange_rate(
        session, ExchangeRateIn(currency="USD", rate_date=later, rate=Decimal("0.95"))
    )
    paid = service.settle(
        session, invoice.id, amount_minor=service.payable(invoice), settled_on=later,
        method="bank_transfer", reference=None, source_type="manual", source_id=_id(),
    )  # fmt: skip
    assert (paid.exchange_rate, paid.exchange_rate_date) == (Decimal("0.95"), later)
    gain = session.scalars(select(EntryLine).where(EntryLine.account_number == "766000")).one()
    expected = round(service.payable(invoice) * Decimal("0.95")) - round(
        service.payable(invoice) * Decimal("0.92")
    )
    assert abs(gain.credit_minor - expected) <= 1
    customer = session.scalars(select(EntryLine).where(EntryLine.account_number == "411000"))
    assert len({line.lettering for line in customer}) == 1


def test_the_daily_job_emits_overdue_once_per_invoice(session: Session, clock: FrozenClock) -> None:
    make_seller(session)
    invoice = service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)
    paid = service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)
    service.settle(
        session,
        paid.id,
        amount_minor=paid.total_gross_minor,
        settled_on=date(2026, 11, 24),
        method="cash",
        reference=None,
        source_type="manual",
        source_id=_id(),
    )

    mark_overdue_task(session, {})  # on the due day: not overdue yet
    clock.advance(timedelta(days=31))
    mark_overdue_task(session, {})
    mark_overdue_task(session, {})

    assert _events(session, "invoice.overdue") == [str(invoice.id)]
    assert invoice.overdue_notified_at is not None
