"""Invoices as lists and as the API and pages show them, with the legal mentions they
print."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice
from comptoir.billing.invoices.schemas import (
    InvoiceLineOut,
    InvoiceOut,
    InvoiceSummary,
    SettlementOut,
    TaxTotalOut,
)
from comptoir.billing.invoices.service.common import (
    amount_due,
    as_locale,
    fraction_to_percent_text,
    payable,
)
from comptoir.billing.invoices.service.credit_notes import credit_notes_of
from comptoir.billing.invoices.service.settlements import settlements_of
from comptoir.customers import service as customers
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.kit.money import Money, MoneyOut
from comptoir.kit.pagination import Page, paginate


@dataclass(frozen=True, slots=True)
class InvoiceFilters:
    kind: str | None = None
    status: str | None = None
    customer_id: uuid.UUID | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    number: str | None = None


def list_invoices(
    session: Session, filters: InvoiceFilters, *, limit: int = 50, cursor: str | None = None
) -> Page[Invoice]:
    """Invoices, credit notes and proformas, newest first, filtered by kind, status,
    customer, issue dates (inclusive) and number (a prefix)."""
    stmt = select(Invoice)
    if filters.kind:
        stmt = stmt.where(Invoice.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(Invoice.status == filters.status)
    if filters.customer_id:
        # An issued invoice keeps the buyer it was made for: after a merge, hers are those
        # of every customer merged into her.
        ids = customers.with_merged_ids(session, filters.customer_id)
        stmt = stmt.where(Invoice.customer_id.in_(ids))
    if filters.issued_from:
        stmt = stmt.where(Invoice.issue_date >= filters.issued_from)
    if filters.issued_to:
        stmt = stmt.where(Invoice.issue_date <= filters.issued_to)
    if filters.number:
        stmt = stmt.where(Invoice.number.startswith(filters.number.strip().upper()))
    return paginate(
        session,
        stmt,
        order_by=[(Invoice.created_at, "desc")],
        id_column=Invoice.id,
        limit=limit,
        cursor=cursor,
    )


def _money(minor: int, currency: str) -> MoneyOut:
    return MoneyOut.from_money(Money.from_minor(minor, currency))


def invoice_summary(invoice: Invoice) -> InvoiceSummary:
    currency = invoice.currency
    return InvoiceSummary.model_validate(
        {
            "id": invoice.id,
            "kind": invoice.kind,
            "status": invoice.status,
            "number": invoice.number,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "buyer_name": invoice.buyer_name,
            "customer_id": invoice.customer_id,
            "order_id": invoice.order_id,
            "original_invoice_id": invoice.original_invoice_id,
            "currency": currency,
            "total_net": _money(invoice.total_net_minor, currency),
            "total_tax": _money(invoice.total_tax_minor, currency),
            "total_gross": _money(invoice.total_gross_minor, currency),
            "rounding": _money(invoice.rounding_minor or 0, currency),
            "total_payable": _money(payable(invoice), currency),
            "amount_paid": _money(invoice.amount_paid_minor, currency),
            "amount_due": _money(amount_due(invoice), currency),
            "created_at": invoice.created_at,
        }
    )


def _percent(rate: Decimal, locale: str) -> str:
    text = fraction_to_percent_text(rate)
    return text.replace(".", ",") if locale == "fr" else text


def mentions(session: Session, invoice: Invoice) -> list[str]:
    """The mentions the invoice prints, in its language: the VAT exemption, the VAT-on-debits
    option, what a credit note corrects, the due date, late-payment penalties and the fixed
    recovery indemnity between businesses, the early-payment discount."""
    locale = as_locale(invoice.language)
    found: list[str] = []
    if invoice.kind == "proforma":
        found.append(translate(_l("Proforma invoice: this document is not an invoice."), locale))
    if invoice.exemption_reason:
        found.append(invoice.exemption_reason)
    if invoice.vat_on_debits:
        found.append(translate(_l("VAT paid on debits."), locale))
    if invoice.kind == "credit_note" and invoice.original_invoice_id is not None:
        original = session.get(Invoice, invoice.original_invoice_id)
        if original is not None and original.number and original.issue_date:
            found.append(
                translate(
                    _l("Credit note for invoice {number} of {day}."),
                    locale,
                    number=original.number,
                    day=format_date(original.issue_date, format="short", locale=locale),
                )
            )
    if invoice.kind == "invoice" and invoice.due_date is not None:
        found.append(
            translate(
                _l("Due date: {day}."),
                locale,
                day=format_date(invoice.due_date, format="short", locale=locale),
            )
        )
    if invoice.payment_terms:
        found.append(invoice.payment_terms)
    if invoice.kind == "invoice" and invoice.buyer_is_business:
        if invoice.late_penalty_rate is not None:
            found.append(
                translate(
                    _l("Late payment penalties at the yearly rate of {rate} %."),
                    locale,
                    rate=_percent(Decimal(invoice.late_penalty_rate), locale),
                )
            )
        if invoice.recovery_indemnity_minor is not None:
            indemnity = Money.from_minor(invoice.recovery_indemnity_minor, "EUR").format(locale)
            found.append(
                translate(
                    _l("Fixed indemnity for recovery costs in case of late payment: {amount}."),
                    locale,
                    amount=indemnity,
                )
            )
        discount = invoice.seller.get("early_payment_discount") if invoice.seller else None
        found.append(
            str(discount) if discount else translate(_l("No discount for early payment."), locale)
        )
    return found


def invoice_out(session: Session, invoice: Invoice) -> InvoiceOut:
    """The invoice with its lines, VAT totals, settlements, credit notes and mentions."""
    currency = invoice.currency
    indemnity = invoice.recovery_indemnity_minor
    return InvoiceOut(
        **invoice_summary(invoice).model_dump(),
        series=invoice.series,
        issued_at=invoice.issued_at,
        issued_by=invoice.issued_by,
        delivery_date=invoice.delivery_date,
        language=invoice.language,
        exchange_rate=invoice.exchange_rate,
        exchange_rate_date=invoice.exchange_rate_date,
        channel_id=invoice.channel_id,
        source_type=invoice.source_type,
        source_id=invoice.source_id,
        supply_type=invoice.supply_type,
        vat_scheme=invoice.vat_scheme,
        vat_on_debits=invoice.vat_on_debits,
        exemption_reason=invoice.exemption_reason,
        seller=dict(invoice.seller or {}),
        buyer_address=invoice.buyer_address,
        buyer_email=invoice.buyer_email,
        delivery_address=invoice.delivery_address,
        buyer_country=invoice.buyer_country,
        buyer_is_business=invoice.buyer_is_business,
        buyer_siren=invoice.buyer_siren,
        buyer_vat_number=invoice.buyer_vat_number,
        buyer_reference=invoice.buyer_reference,
        payment_terms=invoice.payment_terms,
        late_penalty_rate=invoice.late_penalty_rate,
        recovery_indemnity=_money(indemnity, "EUR") if indemnity is not None else None,
        note=invoice.note,
        paid_at=invoice.paid_at,
        mentions=mentions(session, invoice),
        lines=[
            InvoiceLineOut(
                id=line.id,
                position=line.position,
                kind=line.kind,
                sku=line.sku,
                title=line.title,
                quantity=Decimal(line.quantity),
                unit_code=line.unit_code,
                unit_price_excl_tax=_money(line.unit_price_excl_minor, currency),
                discount=_money(line.discount_minor, currency),
                net=_money(line.net_minor, currency),
                vat_category=line.vat_category,
                vat_rate=fraction_to_percent_text(line.vat_rate),
                order_line_id=line.order_line_id,
                original_line_id=line.original_line_id,
            )
            for line in invoice.lines
        ],
        tax_totals=[
            TaxTotalOut(
                category=total.category,
                rate=fraction_to_percent_text(total.rate),
                base=_money(total.base_minor, currency),
                tax=_money(total.tax_minor, currency),
                exemption_reason=total.exemption_reason,
            )
            for total in invoice.tax_totals
        ],
        settlements=[
            SettlementOut(
                id=s.id,
                amount=_money(s.amount_minor, s.currency),
                settled_on=s.settled_on,
                method=s.method,
                reference=s.reference,
                source_type=s.source_type,
                source_id=s.source_id,
            )
            for s in settlements_of(session, invoice.id)
        ],
        credit_notes=[invoice_summary(note) for note in credit_notes_of(session, invoice.id)],
    )
