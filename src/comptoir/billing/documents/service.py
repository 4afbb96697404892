"""Finding the invoice whose documents are asked for, and sending its PDF to the buyer.

The e-mail goes out from a job (never from the request): the job renders the PDF in the
invoice's language, hands it to the SMTP server as an attachment and records ``sent_at``; a
server that is down makes the job fail and retry.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.documents import content
from comptoir.billing.documents.errors import BuyerHasNoEmail, InvoiceHasNoDocument, InvoiceNotFound
from comptoir.billing.invoices.models import Invoice
from comptoir.kit import clock
from comptoir.kit.i18n import gettext as _
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import use_locale
from comptoir.kit.jobs import enqueue, task
from comptoir.kit.mail import Mail, build_message, deliver
from comptoir.kit.settings import get_settings

SEND_TASK: Final = "billing.send_invoice"


def get_invoice(session: Session, invoice_id: uuid.UUID) -> Invoice:
    """The invoice, credit note or proforma; raises :class:`InvoiceNotFound`."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def invoice_by_number(session: Session, number: str) -> Invoice:
    """The invoice numbered ``number``; raises :class:`InvoiceNotFound`."""
    invoice = session.scalars(select(Invoice).where(Invoice.number == number)).first()
    if invoice is None:
        raise InvoiceNotFound(_l("No invoice is numbered {number}."), field="number", number=number)
    return invoice


def printable_invoice(session: Session, invoice_id: uuid.UUID) -> Invoice:
    """The invoice if it has documents (issued, or a proforma); raises
    :class:`InvoiceNotFound` or :class:`InvoiceHasNoDocument`."""
    return ensure_printable(get_invoice(session, invoice_id))


def ensure_printable(invoice: Invoice) -> Invoice:
    """``invoice`` itself when it has documents; raises :class:`InvoiceHasNoDocument`."""
    if not content.has_document(invoice):
        raise InvoiceHasNoDocument()
    return invoice


def document_filename(invoice: Invoice, extension: str) -> str:
    """``FA-2026-000045.pdf``, ``FA-2026-000045.ubl.xml``."""
    return f"{content.document_number(invoice)}.{extension}"


def queue_sending(session: Session, invoice_id: uuid.UUID) -> Invoice:
    """Queue the e-mail that sends the invoice's PDF to its buyer (in the caller's
    transaction). Raises :class:`InvoiceNotFound`, :class:`InvoiceHasNoDocument`, or
    :class:`BuyerHasNoEmail` (nothing queued)."""
    invoice = printable_invoice(session, invoice_id)
    if not invoice.buyer_email:
        raise BuyerHasNoEmail(field="buyer_email")
    enqueue(session, SEND_TASK, {"invoice_id": str(invoice.id)})
    return invoice


@task(SEND_TASK, max_attempts=6)
def send_invoice_email(session: Session, payload: dict[str, Any]) -> None:
    """E-mail the invoice's Factur-X PDF to its buyer, in the invoice's language, and record
    ``sent_at``. An invoice gone, without documents or without an address is skipped.
    Raises what SMTP raised (the job retries)."""
    from comptoir.billing.documents.pdf import invoice_pdf

    invoice = session.get(Invoice, uuid.UUID(payload["invoice_id"]))
    if invoice is None or not content.has_document(invoice) or not invoice.buyer_email:
        return
    settings = get_settings()
    locale = content.document_locale(invoice)
    number = content.document_number(invoice)
    seller = str(invoice.seller.get("trade_name") or invoice.seller.get("legal_name") or "")
    with use_locale(locale):
        subject = {
            "invoice": _("Invoice {number} from {seller}", number=number, seller=seller),
            "credit_note": _("Credit note {number} from {seller}", number=number, seller=seller),
            "proforma": _("Proforma invoice {number} from {seller}", number=number, seller=seller),
        }[invoice.kind]
        text = _(
            "Hello,\n\nPlease find attached {document}. The PDF carries its Factur-X data for "
            "your accounting software.\n\nKind regards,\n{seller}",
            document=subject,
            seller=seller,
        )
    message = build_message(settings, Mail(to=invoice.buyer_email, subject=subject, text=text))
    message.add_attachment(
        invoice_pdf(invoice),
        maintype="application",
        subtype="pdf",
        filename=document_filename(invoice, "pdf"),
    )
    deliver(settings, message)
    invoice.sent_at = clock.now()
    session.flush()
