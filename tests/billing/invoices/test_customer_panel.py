"""A customer's invoices, wherever they were recorded: the "Invoices" section of her page (what
she still owes, her latest invoices and credit notes) and the invoice list filtered by
customer, both including the customers merged into her."""

from __future__ import annotations

from fastapi.testclient import TestClient

from comptoir.billing.invoices import service
from comptoir.customers import service as customers
from comptoir.kit.db.engine import Database
from comptoir.privacy.schemas import AuditActor
from tests.billing.invoices.factories import b2b_draft, make_seller
from tests.customers.factories import make_customer

STAFF = AuditActor(kind="staff", id=None, display_name="Nadia (compta)")


def test_the_invoices_of_a_merged_customer_show_on_the_customer_she_became(
    client: TestClient, db: Database
) -> None:
    # given an invoice of Ada, partly paid, one of her duplicate, merged since into her, and
    # one of somebody else
    with db.transaction() as session:
        make_seller(session)
        ada = make_customer(session, email="ada@example.com")
        duplicate = make_customer(session, email="ada.l@example.com")
        other = make_customer(session, email="bob@example.com")
        hers, theirs, bobs = (
            service.issue(
                session,
                service.create_draft(session, b2b_draft(customer_id=customer.id)).id,
                actor=None,
            )
            for customer in (ada, duplicate, other)
        )
        service.settle(
            session, hers.id, amount_minor=10000, settled_on=service.today(), method="cash",
            reference=None, source_type="manual", source_id=hers.id,
        )  # fmt: skip
        customers.merge_customers(session, ada.id, duplicate.id, actor=STAFF)
        numbers = (hers.number, theirs.number, bobs.number)
        ada_id = ada.id
        owed = 2 * service.payable(hers) - 10000

    # when staff open her page
    page = client.get(f"/admin/customers/{ada_id}")

    # then the invoices section lists hers and her duplicate's, and what she still owes
    assert page.status_code == 200
    section = page.text.split('id="customer-invoices"', 1)[1].split("</table>", 1)[0]
    assert numbers[0] in section
    assert numbers[1] in section
    assert numbers[2] not in section
    assert "2 factures et avoirs au total." in page.text
    balance = page.text.split('id="customer-balance"', 1)[1].split("</p>", 1)[0]
    assert f"{owed // 100:,}".replace(",", "\u202f") in balance
    # and the invoice list filtered by her takes her duplicate's too
    with db.transaction(readonly=True) as session:
        listed = service.list_invoices(session, service.InvoiceFilters(customer_id=ada_id))
        assert sorted(invoice.number or "" for invoice in listed.items) == sorted(
            n or "" for n in numbers[:2]
        )


def test_a_customer_without_invoices_gets_an_empty_section(
    client: TestClient, db: Database
) -> None:
    with db.transaction() as session:
        customer_id = make_customer(session).id

    page = client.get(f"/admin/customers/{customer_id}")

    assert "<h3>Pas encore de facture</h3>" in page.text
    assert 'id="customer-invoices"' not in page.text
