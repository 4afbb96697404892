"""The documents over HTTP: the admin API hands out the PDF, the Factur-X XML and the UBL
with their media types, refuses drafts, and e-mails the PDF to the buyer through a real SMTP
server; the back office opens the PDF and sends it too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import facturx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.billing.documents import cii_xml
from comptoir.billing.invoices.models import Invoice
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.jobs.models import Job
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of
from tests.billing.documents.factories import MULTI_RATE, add_invoice
from tests.support.auth import act_as
from tests.support.mail import Inbox, run_jobs

INVOICES = "/api/v1/billing/invoices"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, "billing:read", "billing:issue")
    with TestClient(app) as test_client:
        yield test_client


def test_the_api_hands_out_the_pdf_the_factur_x_xml_and_the_ubl(
    staff: TestClient, session: Session
) -> None:
    invoice = add_invoice(session, MULTI_RATE, due_date=date(2026, 12, 23))
    session.commit()

    pdf = staff.get(f"{INVOICES}/{invoice.id}/pdf", params={"language": "en"})
    xml = staff.get(f"{INVOICES}/{invoice.id}/factur-x.xml")
    ubl = staff.get(f"{INVOICES}/{invoice.id}/ubl")

    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert facturx.get_facturx_xml_from_pdf(pdf.content)[1] == xml.content
    assert xml.headers["content-type"] == "application/xml"
    assert xml.content == cii_xml(invoice)
    assert ubl.headers["content-type"] == "application/xml"
    assert b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" in ubl.content


def test_a_draft_has_no_documents_and_an_unknown_invoice_is_404(
    staff: TestClient, session: Session
) -> None:
    draft = add_invoice(session, MULTI_RATE, status="draft")
    proforma = add_invoice(session, MULTI_RATE, kind="proforma", status="draft")
    session.commit()

    refused = staff.get(f"{INVOICES}/{draft.id}/pdf")
    unknown = staff.get(f"{INVOICES}/{draft.subject_id}/ubl")
    quote = staff.get(f"{INVOICES}/{proforma.id}/factur-x.xml")

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/invoice-has-no-document"
    assert unknown.status_code == 404
    assert quote.status_code == 200
    assert b"<ram:TypeCode>325</ram:TypeCode>" in quote.content


def test_sending_emails_the_pdf_to_the_buyer_and_records_it(
    staff: TestClient, session: Session, db: Database, inbox: Inbox
) -> None:
    # given an issued invoice whose buyer has an e-mail address
    invoice = add_invoice(session, MULTI_RATE, buyer_email="compta@durand.example")
    session.commit()

    # when it is sent and the job runs
    answer = staff.post(f"{INVOICES}/{invoice.id}/send")
    run_jobs(db)

    # then the buyer received the Factur-X PDF, and the invoice knows when it was sent
    assert answer.status_code == 202, answer.text
    assert answer.json()["queued"] is True
    [mail] = inbox.to("compta@durand.example")
    assert mail["Subject"] == f"Facture {invoice.number} de BoutiqueNova"
    [attachment] = [part for part in mail.walk() if part.get_filename()]
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert facturx.get_facturx_xml_from_pdf(payload)[0] == "factur-x.xml"
    session.expire_all()
    sent = session.get(Invoice, invoice.id)
    assert sent is not None
    assert sent.sent_at is not None


def test_an_invoice_without_a_buyer_address_is_not_sent(
    staff: TestClient, session: Session, db: Database
) -> None:
    invoice = add_invoice(session, MULTI_RATE, buyer_email=None)
    session.commit()

    answer = staff.post(f"{INVOICES}/{invoice.id}/send")

    assert answer.status_code == 422
    assert answer.json()["type"] == "/problems/invoice-buyer-has-no-email"
    queued = session.scalars(select(Job).where(Job.task == "billing.send_invoice")).all()
    assert queued == []


def test_the_back_office_opens_the_pdf_and_sends_it(
    client: TestClient, session: Session, db: Database, inbox: Inbox
) -> None:
    invoice = add_invoice(session, MULTI_RATE, buyer_email="achats@durand.example")
    draft = add_invoice(session, MULTI_RATE, status="draft")
    session.commit()

    opened = client.get(f"/admin/billing/invoices/{invoice.id}/pdf")
    refused = client.get(f"/admin/billing/invoices/{draft.id}/pdf")
    token = csrf_token_of(client.get("/admin").text)
    sent = client.post(
        f"/admin/billing/invoices/{invoice.id}/send",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    run_jobs(db)

    assert opened.status_code == 200
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline;")
    assert refused.status_code == 409
    assert "brouillon" in refused.text
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/admin/billing/invoices/{invoice.id}"
    assert len(inbox.to("achats@durand.example")) == 1
