"""Money applied to invoices: settlements (each once per source), open invoices, and the
daily overdue reminder."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing import events
from comptoir.billing.invoices.errors import (
    ExchangeRateMissing,
    InvalidInvoice,
    InvoiceNotFound,
    InvoiceStateConflict,
)
from comptoir.billing.invoices.models import Invoice, Settlement
from comptoir.billing.invoices.service import ledger_link
from comptoir.billing.invoices.service.common import amount_due, payable
from comptoir.billing.invoices.service.settings import rate_of_the_day
from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l

OPEN_STATUSES = ("issued", "partially_paid")


def _locked(session: Session, invoice_id: uuid.UUID) -> Invoice:
    stmt = lock_for_update(
        session,
        select(Invoice).where(Invoice.id == invoice_id).execution_options(populate_existing=True),
    )
    invoice = session.scalars(stmt).one_or_none()
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def settle(
    session: Session,
    invoice_id: uuid.UUID,
    *,
    amount_minor: int,
    settled_on: date,
    method: str,
    reference: str | None,
    source_type: str,
    source_id: uuid.UUID,
) -> Settlement:
    """Apply ``amount_minor`` received for an invoice (or paid back on a credit note).

    Idempotent on (invoice, source): the same source gives back the first settlement.
    Updates ``amount_paid_minor``, the status (``partially_paid``, ``paid`` with
    ``paid_at``), posts the treasury entry and emits ``invoice.paid`` once fully paid.
    Raises :class:`InvoiceNotFound`, :class:`InvoiceStateConflict` (a draft, a proforma, a
    cancelled or already paid invoice), :class:`InvalidInvoice` (an amount not above 0)."""
    existing = session.scalar(
        select(Settlement).where(
            Settlement.invoice_id == invoice_id,
            Settlement.source_type == source_type,
            Settlement.source_id == source_id,
        )
    )
    if existing is not None:
        return existing
    if amount_minor <= 0:
        raise InvalidInvoice(_l("The amount must be above 0."), field="amount_minor")
    invoice = _locked(session, invoice_id)
    if invoice.kind == "proforma" or invoice.status not in OPEN_STATUSES:
        raise InvoiceStateConflict(_l("Only an issued invoice that is not paid can be settled."))
    settlement = Settlement(
        invoice_id=invoice.id,
        amount_minor=amount_minor,
        currency=invoice.currency,
        settled_on=settled_on,
        method=method,
        reference=reference,
        source_type=source_type,
        source_id=source_id,
    )
    settlement.exchange_rate, settlement.exchange_rate_date = _rate_received(
        session, invoice, settled_on
    )
    session.add(settlement)
    invoice.amount_paid_minor += amount_minor
    fully_paid = invoice.amount_paid_minor >= payable(invoice)
    invoice.status = "paid" if fully_paid else "partially_paid"
    if fully_paid:
        invoice.paid_at = clock.now()
    session.flush()
    ledger_link.post_settlement(session, invoice, settlement)
    if fully_paid:
        assert invoice.number is not None
        emit(
            session,
            events.INVOICE_PAID,
            events.InvoicePaid(
                invoice_id=invoice.id,
                number=invoice.number,
                kind=invoice.kind,
                currency=invoice.currency,
                total_gross_minor=invoice.total_gross_minor,
                payable_minor=payable(invoice),
                amount_paid_minor=invoice.amount_paid_minor,
                paid_on=settled_on,
                order_id=invoice.order_id,
                customer_id=invoice.customer_id,
            ),
            key=invoice.id,
        )
    session.flush()
    return settlement


def _rate_received(
    session: Session, invoice: Invoice, on: date
) -> tuple[Decimal | None, date | None]:
    """The rate of the day money in the invoice's currency came, when it is not the
    seller's currency and a rate is recorded; (None, None) otherwise."""
    seller_currency = (invoice.seller or {}).get("currency", "EUR")
    if invoice.currency == seller_currency:
        return None, None
    try:
        return rate_of_the_day(session, invoice.currency, str(seller_currency), on)
    except ExchangeRateMissing:
        return None, None


def cancel_settlement(
    session: Session,
    invoice_id: uuid.UUID,
    *,
    source_type: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> Settlement | None:
    """Take back the settlement recorded from this source (a bank line matched by mistake):
    its treasury entry is reversed, the invoice owes that amount again (``issued`` or
    ``partially_paid``). Returns the settlement taken back, ``None`` when there was none.
    Raises :class:`InvoiceNotFound` and what the ledger raises (nothing is changed then)."""
    settlement = session.scalar(
        select(Settlement).where(
            Settlement.invoice_id == invoice_id,
            Settlement.source_type == source_type,
            Settlement.source_id == source_id,
        )
    )
    if settlement is None:
        return None
    invoice = _locked(session, invoice_id)
    ledger_link.cancel_settlement(session, settlement, actor=actor)
    invoice.amount_paid_minor -= settlement.amount_minor
    invoice.status = "partially_paid" if invoice.amount_paid_minor > 0 else "issued"
    invoice.paid_at = None
    session.delete(settlement)
    session.flush()
    return settlement


def settlements_of(session: Session, invoice_id: uuid.UUID) -> list[Settlement]:
    return list(
        session.scalars(
            select(Settlement)
            .where(Settlement.invoice_id == invoice_id)
            .order_by(Settlement.settled_on, Settlement.created_at, Settlement.id)
        )
    )


def open_invoices(
    session: Session, *, currency: str | None = None, kinds: Sequence[str] = ("invoice",)
) -> list[Invoice]:
    """Issued invoices not fully paid (``kinds=("credit_note",)``: credit notes not yet
    paid back), oldest first."""
    stmt = (
        select(Invoice)
        .where(Invoice.kind.in_(kinds), Invoice.status.in_(OPEN_STATUSES))
        .order_by(Invoice.issue_date, Invoice.number)
    )
    if currency:
        stmt = stmt.where(Invoice.currency == currency.upper())
    return list(session.scalars(stmt))


def mark_overdue(session: Session, *, today: date) -> int:
    """Flag the invoices still unpaid after their due date and emit ``invoice.overdue``
    for each, once per invoice whatever how often this runs. Returns how many."""
    stmt = lock_for_update(
        session,
        select(Invoice)
        .where(
            Invoice.kind == "invoice",
            Invoice.status.in_(OPEN_STATUSES),
            Invoice.due_date < today,
            Invoice.overdue_notified_at.is_(None),
        )
        .order_by(Invoice.id),
        skip_locked=True,
    )
    count = 0
    for invoice in session.scalars(stmt):
        assert invoice.number is not None
        assert invoice.due_date is not None
        invoice.overdue_notified_at = clock.now()
        emit(
            session,
            events.INVOICE_OVERDUE,
            events.InvoiceOverdue(
                invoice_id=invoice.id,
                number=invoice.number,
                due_date=invoice.due_date,
                currency=invoice.currency,
                amount_due_minor=amount_due(invoice),
                customer_id=invoice.customer_id,
            ),
            key=invoice.id,
        )
        count += 1
    session.flush()
    return count
