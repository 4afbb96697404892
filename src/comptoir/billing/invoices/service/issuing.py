"""Issuing: a draft gets its number (gap-free per series and year, in issue order), its
date, its exchange rate and due date, the seller's identity as it stands, its ledger entry
and the ``invoice.issued`` event. From then on it never changes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from comptoir.billing import events
from comptoir.billing.invoices.errors import (
    InvalidInvoice,
    InvoiceAlreadyIssued,
    InvoiceDateOutOfOrder,
)
from comptoir.billing.invoices.models import Invoice, InvoiceCounter
from comptoir.billing.invoices.service import ledger_link
from comptoir.billing.invoices.service.common import (
    CREDIT_NOTE_SERIES,
    PROFORMA_SERIES,
    compute_totals,
    get_invoice,
    payable,
    today,
)
from comptoir.billing.invoices.service.settings import (
    get_seller,
    rate_of_the_day,
    seller_snapshot,
)
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7

COUNTERS = cast(Table, InvoiceCounter.__table__)
INVOICES = cast(Table, Invoice.__table__)


def series_of(invoice: Invoice) -> str:
    if invoice.kind == "credit_note":
        return CREDIT_NOTE_SERIES
    if invoice.kind == "proforma":
        return PROFORMA_SERIES
    return invoice.series


def next_number(session: Session, series: str, on: Any) -> str:
    """The next number of ``series`` for the year of ``on`` (``FA-2026-000046``).

    Guarantees: the counter row is raised by one guarded UPDATE in the caller's
    transaction; concurrent issuers wait on its row lock, a rolled-back issuance gives its
    number back, so numbers have no gap and follow the issue order. The UPDATE also refuses
    a day earlier than the series' last one. Raises :class:`InvoiceDateOutOfOrder`."""
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        COUNTERS,
        [
            {
                "id": uuid7(),
                "series": series,
                "year": on.year,
                "last_value": 0,
                "last_issue_date": None,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["series", "year"],
    )
    value = session.execute(
        update(COUNTERS)
        .where(
            COUNTERS.c.series == series,
            COUNTERS.c.year == on.year,
            (COUNTERS.c.last_issue_date.is_(None)) | (COUNTERS.c.last_issue_date <= on),
        )
        .values(last_value=COUNTERS.c.last_value + 1, last_issue_date=on, updated_at=now)
        .returning(COUNTERS.c.last_value)
    ).scalar_one_or_none()
    if value is None:
        raise InvoiceDateOutOfOrder(
            _l("An invoice of the series {series} was issued after {day}."),
            series=series,
            day=on.isoformat(),
        )
    return f"{series}-{on.year}-{int(value):06d}"


def _check_issuable(invoice: Invoice) -> None:
    if invoice.status != "draft":
        raise InvoiceAlreadyIssued()
    if not invoice.lines:
        raise InvalidInvoice(_l("An invoice needs at least one line."), field="lines")
    if not invoice.buyer_name:
        raise InvalidInvoice(_l("The buyer's name is missing."), field="buyer_name")
    if invoice.vat_scheme in ("reverse_charge", "intra_eu_goods") and not (
        invoice.buyer_vat_number
    ):
        raise InvalidInvoice(
            _l("The buyer's VAT number is required when VAT is not charged to a business."),
            field="buyer_vat_number",
        )
    if invoice.vat_scheme == "exempt" and not invoice.exemption_reason:
        raise InvalidInvoice(
            _l("Say which article of the tax code exempts this sale."), field="exemption_reason"
        )


def _claim_draft(session: Session, invoice: Invoice) -> None:
    """Move the draft to ``issued`` with a guarded UPDATE: of two issuers of one draft, the
    second waits for the first and then finds nothing to issue."""
    claimed = session.execute(
        update(INVOICES)
        .where(INVOICES.c.id == invoice.id, INVOICES.c.status == "draft")
        .values(status="issued")
        .execution_options(synchronize_session=False)
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        raise InvoiceAlreadyIssued()


def issue(session: Session, invoice_id: uuid.UUID, *, actor: str | None) -> Invoice:
    """Issue a draft: its number (``FA-YYYY-NNNNNN``, credit notes ``AV-``, proformas
    ``PF-``), today's date (French time), the rate of the day of its currency, its due
    date (the draft's, else the payment terms), the seller's identity as it is now, its
    ledger entry (not for a proforma) and ``invoice.issued`` (not for a proforma).

    Raises :class:`InvoiceNotFound`, :class:`InvoiceAlreadyIssued`, :class:`InvalidInvoice`
    (no line, no buyer, a missing VAT number or exemption wording),
    :class:`SellerNotConfigured`, :class:`ExchangeRateMissing`,
    :class:`InvoiceDateOutOfOrder`, and the ledger's problems; nothing changes then."""
    invoice = get_invoice(session, invoice_id)
    _check_issuable(invoice)
    seller = get_seller(session)
    day = today()
    session.flush()
    _claim_draft(session, invoice)
    invoice.status = "issued"
    invoice.number = next_number(session, series_of(invoice), day)
    invoice.issue_date = day
    invoice.issued_at = clock.now()
    invoice.issued_by = actor
    invoice.seller = seller_snapshot(seller)
    invoice.vat_on_debits = seller.vat_on_debits
    if invoice.kind != "credit_note" or invoice.exchange_rate_date is None:
        invoice.exchange_rate, invoice.exchange_rate_date = rate_of_the_day(
            session, invoice.currency, seller.currency, day
        )
    if invoice.due_date is None:
        terms = _terms_days(invoice, seller.payment_terms_days)
        invoice.due_date = day + timedelta(days=terms)
    elif invoice.due_date < day:
        raise InvalidInvoice(_l("The due date is before the issue date."), field="due_date")
    if invoice.buyer_is_business and invoice.kind == "invoice":
        # Mandatory between businesses (Code de commerce L441-10): the penalty rate and
        # the fixed recovery indemnity.
        if invoice.late_penalty_rate is None:
            invoice.late_penalty_rate = seller.late_penalty_rate
        if invoice.recovery_indemnity_minor is None:
            invoice.recovery_indemnity_minor = seller.recovery_indemnity_minor
    compute_totals(invoice)
    session.flush()
    if invoice.kind == "proforma":
        return invoice
    ledger_link.post_invoice(session, invoice, actor=actor)
    emit(session, events.INVOICE_ISSUED, issued_payload(invoice), key=invoice.id)
    session.flush()
    return invoice


def _terms_days(invoice: Invoice, default: int) -> int:
    # Invoices of paid orders and credit notes are due at once; a draft for a business
    # carries its own terms, else the seller's.
    if invoice.payment_terms_days is not None:
        return invoice.payment_terms_days
    if invoice.source_type not in (None, "manual") or invoice.kind != "invoice":
        return 0
    return default if invoice.buyer_is_business else 0


def issued_payload(invoice: Invoice) -> events.InvoiceIssued:
    assert invoice.number is not None
    assert invoice.issue_date is not None
    return events.InvoiceIssued(
        invoice_id=invoice.id,
        number=invoice.number,
        kind=invoice.kind,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        total_net_minor=invoice.total_net_minor,
        total_tax_minor=invoice.total_tax_minor,
        total_gross_minor=invoice.total_gross_minor,
        payable_minor=payable(invoice),
        order_id=invoice.order_id,
        customer_id=invoice.customer_id,
        original_invoice_id=invoice.original_invoice_id,
    )
