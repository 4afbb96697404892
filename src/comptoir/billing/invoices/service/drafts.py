"""Drafts written by hand: B2B invoices and proformas. A draft changes freely until it is
issued; an issued invoice is never changed again (corrections are credit notes)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.billing.invoices.errors import InvalidInvoice, InvoiceAlreadyIssued
from comptoir.billing.invoices.models import Invoice, InvoiceLine
from comptoir.billing.invoices.schemas import InvoiceDraftIn, InvoiceLineIn
from comptoir.billing.invoices.service.common import (
    DEFAULT_SERIES,
    category_for,
    compute_totals,
    exemption_wording,
    get_invoice,
    percent_to_fraction,
)
from comptoir.billing.invoices.service.settings import compact, is_valid_siren
from comptoir.customers import service as customers
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.money import currency_exponent


def _draft_issues(data: InvoiceDraftIn) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    if data.buyer_siren and not is_valid_siren(data.buyer_siren):
        issues.append(FieldIssue("buyer_siren", _l("A SIREN is 9 digits with a valid key.")))
    if data.buyer_vat_number and not customers.is_valid_vat_number(data.buyer_vat_number):
        issues.append(FieldIssue("buyer_vat_number", _l("This is not an EU VAT number.")))
    if data.vat_scheme in ("reverse_charge", "intra_eu_goods") and not data.buyer_vat_number:
        issues.append(
            FieldIssue(
                "buyer_vat_number",
                _l("The buyer's VAT number is required when VAT is not charged to a business."),
            )
        )
    if data.vat_scheme == "exempt" and not data.exemption_reason:
        issues.append(
            FieldIssue(
                "exemption_reason", _l("Say which article of the tax code exempts this sale.")
            )
        )
    charges_vat = data.vat_scheme in ("domestic", "oss")
    for n, line in enumerate(data.lines):
        if not charges_vat and line.vat_rate != 0:
            issues.append(
                FieldIssue(f"lines.{n}.vat_rate", _l("This scheme charges no VAT: the rate is 0."))
            )
        if line.discount_minor > line.quantity * line.unit_price_excl_minor:
            issues.append(
                FieldIssue(
                    f"lines.{n}.discount_minor", _l("The discount exceeds the line's price.")
                )
            )
    return issues


def line_from(n: int, line: InvoiceLineIn, scheme: str) -> InvoiceLine:
    """An invoice line from its API shape; its net is quantity x unit price - discount,
    rounded half-up to the minor unit."""
    rate = percent_to_fraction(line.vat_rate)
    gross = (line.quantity * line.unit_price_excl_minor).quantize(Decimal(1))
    return InvoiceLine(
        position=n + 1,
        kind=line.kind,
        sku=line.sku,
        title=line.title,
        quantity=line.quantity,
        unit_code=line.unit_code,
        unit_price_excl_minor=line.unit_price_excl_minor,
        discount_minor=line.discount_minor,
        net_minor=int(gross) - line.discount_minor,
        vat_category=category_for(scheme, rate),
        vat_rate=rate,
    )


def _apply(invoice: Invoice, data: InvoiceDraftIn) -> None:
    issues = _draft_issues(data)
    if issues:
        raise InvalidInvoice(issues[0].message, issues=issues)
    currency_exponent(data.currency)
    invoice.kind = data.kind
    invoice.customer_id = data.customer_id
    invoice.currency = data.currency
    invoice.language = data.language
    invoice.vat_scheme = data.vat_scheme
    invoice.exemption_reason = data.exemption_reason or exemption_wording(
        data.vat_scheme, data.language
    )
    invoice.buyer_name = data.buyer_name
    invoice.buyer_address = data.buyer_address
    invoice.buyer_country = data.buyer_country
    invoice.buyer_email = data.buyer_email
    invoice.buyer_is_business = data.buyer_is_business
    invoice.buyer_siren = compact(data.buyer_siren) if data.buyer_siren else None
    invoice.buyer_vat_number = compact(data.buyer_vat_number) if data.buyer_vat_number else None
    invoice.buyer_reference = data.buyer_reference
    invoice.delivery_address = data.delivery_address
    invoice.delivery_date = data.delivery_date
    invoice.payment_terms_days = data.payment_terms_days
    invoice.due_date = data.due_date
    invoice.payment_terms = data.payment_terms
    invoice.late_penalty_rate = data.late_penalty_rate
    invoice.note = data.note
    invoice.lines = [line_from(n, line, data.vat_scheme) for n, line in enumerate(data.lines)]
    compute_totals(invoice)


def create_draft(session: Session, draft: InvoiceDraftIn) -> Invoice:
    """A manual draft: a B2B invoice (payment terms, due date, penalty rate, the buyer's
    references) or a proforma. Totals are computed per rate as the issued invoice will have
    them. Raises :class:`InvalidInvoice` naming every offending field, ``UnknownCurrency``."""
    invoice_id = uuid7()
    invoice = Invoice(
        id=invoice_id,
        series=DEFAULT_SERIES,
        status="draft",
        source_type="manual",
        subject_id=invoice_id,
    )
    _apply(invoice, draft)
    session.add(invoice)
    session.flush()
    return invoice


def update_draft(session: Session, invoice_id: uuid.UUID, draft: InvoiceDraftIn) -> Invoice:
    """Replace a draft's content. Raises :class:`InvoiceNotFound`,
    :class:`InvoiceAlreadyIssued` for anything but a draft (an issued invoice never
    changes), :class:`InvalidInvoice`."""
    invoice = get_invoice(session, invoice_id)
    if invoice.status != "draft":
        raise InvoiceAlreadyIssued()
    if invoice.source_type not in (None, "manual"):
        raise InvoiceAlreadyIssued(_l("Only a draft written by hand can be edited."))
    _apply(invoice, draft)
    session.flush()
    return invoice


def cancel_draft(session: Session, invoice_id: uuid.UUID) -> Invoice:
    """Cancel a draft (it keeps no number). An issued proforma may be cancelled too: it is
    no invoice. Raises :class:`InvoiceAlreadyIssued` for an issued invoice."""
    invoice = get_invoice(session, invoice_id)
    if invoice.status == "draft" or (invoice.kind == "proforma" and invoice.status == "issued"):
        invoice.status = "cancelled"
        session.flush()
        return invoice
    raise InvoiceAlreadyIssued()
