"""An invoice's documents in the admin API (scope ``billing:read``):
``GET /api/v1/billing/invoices/{id}/pdf`` (Factur-X PDF/A-3), ``.../factur-x.xml`` (the
EN 16931 CII XML) and ``.../ubl`` (UBL 2.1); and ``POST .../send`` (scope ``billing:issue``),
which e-mails the PDF to the buyer."""

from __future__ import annotations

import uuid
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from comptoir.billing.documents import schemas, service
from comptoir.billing.documents.cii import cii_xml
from comptoir.billing.documents.pdf import invoice_pdf
from comptoir.billing.documents.ubl import ubl_xml
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession

router = APIRouter(prefix="/billing/invoices", tags=["billing"])
READ = [requires("billing:read")]
ISSUE = [requires("billing:issue")]
PDF_MEDIA_TYPE: Final = "application/pdf"
XML_MEDIA_TYPE: Final = "application/xml"
Language = Annotated[
    Literal["fr", "en"] | None,
    Query(description="The PDF's language; the invoice's own by default."),
]


def _file(data: bytes, media_type: str, filename: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


def _declared(media_type: str, description: str) -> dict[int | str, dict[str, object]]:
    return {
        200: {"content": {media_type: {}}, "description": description},
        **problem_responses(404, 409),
    }


@router.get(
    "/{invoice_id}/pdf",
    dependencies=READ,
    response_class=Response,
    responses=_declared(PDF_MEDIA_TYPE, "The Factur-X PDF (PDF/A-3 with its XML)."),
)
def download_pdf(session: DbSession, invoice_id: uuid.UUID, language: Language = None) -> Response:
    """The invoice as a Factur-X PDF (PDF/A-3b, EN 16931 XML embedded); 409 for a draft that
    is not a proforma."""
    invoice = service.printable_invoice(session, invoice_id)
    pdf = invoice_pdf(invoice, language=language)
    return _file(pdf, PDF_MEDIA_TYPE, service.document_filename(invoice, "pdf"))


@router.get(
    "/{invoice_id}/factur-x.xml",
    dependencies=READ,
    response_class=Response,
    responses=_declared(XML_MEDIA_TYPE, "The Factur-X XML (CII, EN 16931 profile)."),
)
def download_facturx_xml(session: DbSession, invoice_id: uuid.UUID) -> Response:
    """The invoice's Factur-X XML, a UN/CEFACT Cross Industry Invoice at the EN 16931
    profile; 409 for a draft that is not a proforma."""
    invoice = service.printable_invoice(session, invoice_id)
    return _file(cii_xml(invoice), XML_MEDIA_TYPE, "factur-x.xml")


@router.get(
    "/{invoice_id}/ubl",
    dependencies=READ,
    response_class=Response,
    responses=_declared(XML_MEDIA_TYPE, "The UBL 2.1 Invoice or CreditNote (EN 16931)."),
)
def download_ubl(session: DbSession, invoice_id: uuid.UUID) -> Response:
    """The invoice as a UBL 2.1 ``Invoice`` (a credit note as a ``CreditNote``) under the
    EN 16931 customization; 409 for a draft that is not a proforma."""
    invoice = service.printable_invoice(session, invoice_id)
    return _file(ubl_xml(invoice), XML_MEDIA_TYPE, service.document_filename(invoice, "ubl.xml"))


@router.post(
    "/{invoice_id}/send",
    dependencies=ISSUE,
    status_code=202,
    response_model=schemas.InvoiceSending,
    responses=problem_responses(404, 409),
)
def send_invoice(session: DbSession, invoice_id: uuid.UUID) -> schemas.InvoiceSending:
    """Queue an e-mail of the Factur-X PDF to the invoice's buyer (sent by a job, which then
    records ``sent_at``); 422 when the buyer has no e-mail address."""
    invoice = service.queue_sending(session, invoice_id)
    return schemas.InvoiceSending(
        invoice_id=invoice.id, number=invoice.number, queued=True, last_sent_at=invoice.sent_at
    )
