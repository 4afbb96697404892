"""The invoicing screens, in French: the list and its filters, a B2B draft typed in the
form then issued, a credit note from the invoice's page, the billing settings."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.billing.invoices import service
from comptoir.billing.invoices.models import Invoice
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.billing.invoices.factories import b2b_draft, make_seller

PAGES = "/admin/billing/invoices"


def _issued(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with db.transaction() as session:
        make_seller(session)
        invoice = service.issue(session, service.create_draft(session, b2b_draft()).id, actor=None)
        return invoice.id, invoice.lines[0].id


def test_an_empty_list_explains_where_invoices_come_from(client: TestClient) -> None:
    page = client.get(PAGES)

    assert page.status_code == 200
    assert "Aucune facture ici" in page.text
    assert f'href="{PAGES}/new"' in page.text


def test_the_list_is_filtered_by_kind_and_the_detail_shows_mentions(
    client: TestClient, db: Database
) -> None:
    invoice_id, _ = _issued(db)

    invoices = client.get(PAGES, params={"kind": "invoice", "status": "issued"})
    notes = client.get("/admin/billing/credit-notes")
    detail = client.get(f"{PAGES}/{invoice_id}")

    assert "FA-2026-000001" in invoices.text
    assert "FA-2026-000001" not in notes.text
    assert detail.status_code == 200
    assert "Pénalités de retard au taux annuel de 12,15 %." in detail.text
    assert f"{PAGES}/{invoice_id}/pdf" in detail.text
    assert 'id="invoice-tax-totals"' in detail.text


def test_a_draft_typed_in_the_form_is_saved_then_issued(client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        make_seller(session)
    form = client.get(f"{PAGES}/new")
    token = csrf_token_of(form.text)

    refused = client.post(
        f"{PAGES}/new",
        data={"csrf_token": token, "buyer_name": "Atelier Durand", "buyer_address": "Bordeaux\nFR",
              "lines": "deux ; Conseil ; 90,00 ; 20"},
    )  # fmt: skip
    saved = client.post(
        f"{PAGES}/new",
        data={"csrf_token": token, "buyer_name": "Atelier Durand", "buyer_address": "Bordeaux\nFR",
              "lines": "2 ; Conseil ; 90,00 ; 20\n1 ; Livre ; 19,99 ; 5,5"},
        follow_redirects=False,
    )  # fmt: skip

    assert refused.status_code == 422
    assert 'value="Atelier Durand"' in refused.text  # what was typed is kept
    assert saved.status_code == 303
    invoice_id = saved.headers["location"].split("?")[0].rsplit("/", 1)[1]
    detail = client.get(f"{PAGES}/{invoice_id}")
    issued = client.post(
        f"{PAGES}/{invoice_id}/issue",
        data={"csrf_token": csrf_token_of(detail.text)},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    with db.transaction(readonly=True) as session:
        invoice = session.get(Invoice, uuid.UUID(invoice_id))
        assert invoice is not None
        assert (invoice.number, invoice.total_gross_minor) == ("FA-2026-000001", 23709)


def test_a_credit_note_from_the_page_refuses_more_than_remains(
    client: TestClient, db: Database
) -> None:
    invoice_id, line_id = _issued(db)
    token = csrf_token_of(client.get(f"{PAGES}/{invoice_id}").text)

    over = client.post(
        f"{PAGES}/{invoice_id}/credit-note",
        data={"csrf_token": token, f"credit-{line_id}": "4", "reason": "Erreur"},
    )
    credited = client.post(
        f"{PAGES}/{invoice_id}/credit-note",
        data={"csrf_token": token, f"credit-{line_id}": "1", "reason": "Erreur"},
        follow_redirects=False,
    )

    assert over.status_code == 422
    assert "Il reste au plus 3 unités de cette ligne à créditer." in over.text
    assert credited.status_code == 303
    with db.transaction(readonly=True) as session:
        notes = session.scalars(
            select(Invoice.number).where(Invoice.original_invoice_id == invoice_id)
        ).all()
        assert notes == ["AV-2026-000001"]


def test_an_amount_is_credited_from_the_invoice_page(client: TestClient, db: Database) -> None:
    invoice_id, _ = _issued(db)
    page = client.get(f"{PAGES}/{invoice_id}")
    token = csrf_token_of(page.text)
    assert "Créditer un montant" in page.text

    empty = client.post(f"{PAGES}/{invoice_id}/credit-amount", data={"csrf_token": token})
    over = client.post(
        f"{PAGES}/{invoice_id}/credit-amount",
        data={"csrf_token": token, "credit_amount": "10 000", "credit_reason": "Geste"},
    )
    credited = client.post(
        f"{PAGES}/{invoice_id}/credit-amount",
        data={"csrf_token": token, "credit_amount": "25,50", "credit_reason": "Geste commercial"},
        follow_redirects=False,
    )

    assert empty.status_code == 422
    assert "Indiquez le montant à créditer." in empty.text
    assert over.status_code == 422
    assert "Il reste au plus 366.18 EUR à créditer sur cette facture." in over.text
    assert credited.status_code == 303
    with db.transaction(readonly=True) as session:
        note = session.scalars(
            select(Invoice).where(Invoice.original_invoice_id == invoice_id)
        ).one()
        assert (note.number, note.note) == ("AV-2026-000001", "Geste commercial")
        assert note.total_gross_minor + note.rounding_minor == 2550


def test_the_settings_page_checks_the_siren(client: TestClient, db: Database) -> None:
    page = client.get("/admin/billing/settings")
    token = csrf_token_of(page.text)
    data = {"csrf_token": token, "legal_name": "BoutiqueNova SAS", "address_line1": "8 rue",
            "postcode": "75002", "city": "Paris"}  # fmt: skip

    refused = client.post("/admin/billing/settings", data={**data, "siren": "123456789"})
    saved = client.post(
        "/admin/billing/settings", data={**data, "siren": "552100554"}, follow_redirects=False
    )

    assert refused.status_code == 422
    assert "Un SIREN compte 9 chiffres avec une clé valide." in refused.text
    assert saved.status_code == 303
    with db.transaction(readonly=True) as session:
        assert service.get_seller(session).siren == "552100554"
