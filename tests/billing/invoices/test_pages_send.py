"""The invoice's page, in French: its PDF downloaded, and the document sent by e-mail to the
buyer after confirming, from the page's own form; a tax-included sale shows its rounding."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.billing.invoices import service
from comptoir.kit.db.engine import Database
from comptoir.kit.jobs.models import Job
from tests.backoffice.conftest import csrf_token_of
from tests.billing.invoices.factories import b2b_draft, make_seller

PAGES = "/admin/billing/invoices"


def _issued(db: Database, **changes: object) -> uuid.UUID:
    with db.transaction() as session:
        make_seller(session)
        draft = service.create_draft(session, b2b_draft(**changes))
        return service.issue(session, draft.id, actor=None).id


def test_the_page_offers_the_pdf_and_sending_it_by_email_after_confirming(
    client: TestClient, db: Database
) -> None:
    # given an issued invoice whose buyer has an e-mail address
    invoice_id = _issued(db, buyer_email="compta@atelier-durand.fr")

    # when its page is opened
    page = client.get(f"{PAGES}/{invoice_id}")

    # then it links to the PDF and has a form that posts to /send, confirmed first
    assert page.status_code == 200
    assert re.search(rf'<a [^>]*href="{PAGES}/{invoice_id}/pdf"[^>]*download', page.text)
    form = re.search(rf'<form method="post" action="{PAGES}/{invoice_id}/send"[^>]*>', page.text)
    assert form is not None
    assert 'data-confirm="Envoyer ce document par e-mail à compta@atelier-durand.fr ?"' in (
        form.group(0)
    )
    assert "Envoyer par e-mail" in page.text


def test_sending_from_the_page_queues_the_email_and_says_so(
    client: TestClient, db: Database
) -> None:
    # given an issued invoice whose buyer has an e-mail address, its page open
    invoice_id = _issued(db, buyer_email="compta@atelier-durand.fr")
    page = client.get(f"{PAGES}/{invoice_id}")

    # when the send form is submitted with the page's CSRF token
    sent = client.post(
        f"{PAGES}/{invoice_id}/send",
        data={"csrf_token": csrf_token_of(page.text)},
        follow_redirects=False,
    )

    # then the e-mail is queued and the page says it is on its way
    assert sent.status_code == 303
    back = client.get(sent.headers["location"])
    assert "La facture part chez l&#39;acheteur par e-mail." in back.text
    with db.transaction(readonly=True) as session:
        jobs = session.scalars(select(Job).where(Job.task == "billing.send_invoice")).all()
        assert [job.payload for job in jobs] == [{"invoice_id": str(invoice_id)}]


def test_sending_without_the_csrf_token_is_refused_and_queues_nothing(
    client: TestClient, db: Database
) -> None:
    invoice_id = _issued(db, buyer_email="compta@atelier-durand.fr")

    refused = client.post(f"{PAGES}/{invoice_id}/send", follow_redirects=False)

    assert refused.status_code == 403
    with db.transaction(readonly=True) as session:
        assert session.scalars(select(Job).where(Job.task == "billing.send_invoice")).all() == []


def test_a_draft_has_no_send_button(client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        make_seller(session)
        draft_id = service.create_draft(session, b2b_draft()).id

    page = client.get(f"{PAGES}/{draft_id}")

    assert page.status_code == 200
    assert f"{PAGES}/{draft_id}/send" not in page.text
    assert "Envoyer par e-mail" not in page.text
