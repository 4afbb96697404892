"""An invoice's documents in the back office: ``/admin/billing/invoices/{id}/pdf`` opens its
Factur-X PDF (scope ``billing:read``) and ``POST /admin/billing/invoices/{id}/send`` e-mails
it to the buyer (scope ``billing:issue``), back to the invoice's page with a message."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.billing.documents import service
from comptoir.billing.documents.errors import InvoiceNotFound
from comptoir.billing.documents.pdf import invoice_pdf
from comptoir.billing.documents.router import PDF_MEDIA_TYPE
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

INVOICES_PATH: Final = "/admin/billing/invoices"
READ = [require_scope("billing:read")]
ISSUE = [require_scope("billing:issue")]

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register_flash("invoice-sending", _l("The invoice is on its way to the buyer by e-mail."))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvoiceNotFound() from None


def _unavailable(request: Request, invoice_id: str, error: DomainError) -> Response:
    return render(
        request,
        "documents/unavailable.html",
        status_code=error.status,
        title=_l("This invoice's documents are not available"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Invoices"), INVOICES_PATH),
            Crumb(_l("Documents")),
        ],
        error=error.detail(request_locale(request)),
        back=f"{INVOICES_PATH}/{invoice_id}",
    )


@router.get("/billing/invoices/{invoice_id}/pdf", response_model=None, dependencies=READ)
def invoice_pdf_page(
    request: Request, session: DbSession, invoice_id: str, language: str | None = None
) -> Response:
    """The invoice's Factur-X PDF, shown in the browser (``language`` ``fr`` or ``en``)."""
    try:
        invoice = service.printable_invoice(session, _uuid(invoice_id))
    except DomainError as error:
        return _unavailable(request, invoice_id, error)
    chosen = language if language in ("fr", "en") else None
    filename = service.document_filename(invoice, "pdf")
    return Response(
        invoice_pdf(invoice, language=chosen),
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.post("/billing/invoices/{invoice_id}/send", response_model=None, dependencies=ISSUE)
def send_invoice_page(request: Request, session: DbSession, invoice_id: str) -> Response:
    """Queue the e-mail of the PDF to the buyer, then back to the invoice's page."""
    try:
        invoice = service.queue_sending(session, _uuid(invoice_id))
    except DomainError as error:
        session.rollback()
        return _unavailable(request, invoice_id, error)
    return redirect_with_flash(request, f"{INVOICES_PATH}/{invoice.id}", "invoice-sending")
