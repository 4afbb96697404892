"""The supplier bill screens of the back office, through the HTTP client: the list, the form
that records a bill from a purchase order, the match table, approve, post and pay."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.billing.bills import service
from comptoir.billing.bills.models import SupplierBill
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.billing.bills.factories import Received, bill_of, received_order

EN = {"Accept-Language": "en"}
BILLS = "/admin/billing/bills"


def _received(db: Database, name: str = "Brûlerie du Marais") -> Received:
    with db.transaction() as session:
        return received_order(session, [(10, "8.40", 6)], name=name)


def _count(db: Database) -> int:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(SupplierBill)) or 0


def _record(client: TestClient, received: Received, **fields: str) -> object:
    form_page = client.get(f"{BILLS}/new?purchase_order_id={received.order.id}", headers=EN)
    line = received.line_ids[0]
    data = {
        "csrf_token": csrf_token_of(form_page.text),
        "purchase_order_id": str(received.order.id),
        "supplier_invoice_number": "F-2026-0412",
        "bill_date": "2026-11-20",
        f"quantity-{line}": "6",
        f"unit_cost-{line}": "8,40",
        f"vat_rate-{line}": "20",
        **fields,
    }
    return client.post(f"{BILLS}/new", data=data, headers=EN, follow_redirects=False)


def test_the_form_is_prefilled_with_what_was_received(client: TestClient, db: Database) -> None:
    received = _received(db)

    response = client.get(f"{BILLS}/new?purchase_order_id={received.order.id}", headers=EN)

    assert response.status_code == 200
    assert f'name="quantity-{received.line_ids[0]}"' in response.text
    assert 'value="6"' in response.text
    assert 'value="8.40"' in response.text


def test_recording_a_bill_matches_it_and_shows_the_match_table(
    client: TestClient, db: Database
) -> None:
    received = _received(db)

    response = _record(client, received)

    assert response.status_code == 303  # type: ignore[attr-defined]
    bill_id = response.headers["location"].rsplit("/", 1)[1]  # type: ignore[attr-defined]
    page = client.get(f"{BILLS}/{bill_id}", headers=EN)
    assert 'id="bill-status">Matched' in page.text
    assert 'id="match-table"' in page.text
    assert "row--discrepancy" not in page.text
    assert "€60.48" in page.text


def test_an_over_billed_bill_is_on_hold_with_the_line_highlighted(
    client: TestClient, db: Database
) -> None:
    received = _received(db)

    response = _record(client, received, **{f"quantity-{received.line_ids[0]}": "8"})

    page = client.get(response.headers["location"], headers=EN)  # type: ignore[attr-defined]
    assert 'id="bill-status">On hold' in page.text
    assert "row--discrepancy" in page.text
    assert "More than received" in page.text
    assert "8 units billed, but only 6 received and not yet billed" in page.text
    assert 'id="approve-form"' in page.text


def test_a_duplicate_number_is_refused_on_the_form_and_nothing_is_added(
    client: TestClient, db: Database
) -> None:
    received = _received(db)
    _record(client, received, **{f"quantity-{received.line_ids[0]}": "1"})
    before = _count(db)

    response = _record(client, received, **{f"quantity-{received.line_ids[0]}": "1"})

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "already recorded for this supplier" in response.text  # type: ignore[attr-defined]
    assert 'value="F-2026-0412"' in response.text  # type: ignore[attr-defined]
    assert _count(db) == before


def test_approving_a_bill_on_hold_needs_a_reason(client: TestClient, db: Database) -> None:
    received = _received(db)
    location = _record(client, received, **{f"unit_cost-{received.line_ids[0]}": "9.40"})
    detail = client.get(location.headers["location"], headers=EN)  # type: ignore[attr-defined]
    path = location.headers["location"]  # type: ignore[attr-defined]
    token = csrf_token_of(detail.text)

    refused = client.post(f"{path}/approve", data={"csrf_token": token, "reason": ""}, headers=EN)
    approved = client.post(
        f"{path}/approve",
        data={"csrf_token": token, "reason": "New price list from 1 November."},
        headers=EN,
        follow_redirects=False,
    )

    assert refused.status_code == 422
    assert "write why it is right" in refused.text
    assert approved.status_code == 303
    page = client.get(path, headers=EN)
    assert 'id="bill-status">Approved' in page.text
    assert "New price list from 1 November." in page.text


def test_posting_and_paying_from_the_bill_page(client: TestClient, db: Database) -> None:
    received = _received(db)
    with db.transaction() as session:
        bill = bill_of(session, received)
        service.approve_bill(session, bill.id, actor="Alice")
        bill_id = bill.id
    path = f"{BILLS}/{bill_id}"
    token = csrf_token_of(client.get(path, headers=EN).text)

    posted = client.post(f"{path}/post", data={"csrf_token": token}, follow_redirects=False)
    partly = client.post(
        f"{path}/pay",
        data={
            "csrf_token": token,
            "amount": "20,00",
            "paid_on": "2026-11-25",
            "reference": "VIR-1",
        },
        follow_redirects=False,
    )
    bad = client.post(
        f"{path}/pay",
        data={"csrf_token": token, "amount": "100", "paid_on": "2026-11-25"},
        headers=EN,
    )

    assert (posted.status_code, partly.status_code) == (303, 303)
    assert bad.status_code == 422
    assert "left to pay" in bad.text
    with db.transaction(readonly=True) as session:
        saved = service.get_bill(session, bill_id)
        assert (saved.status, saved.amount_paid_minor) == ("partially_paid", 2000)
        assert saved.entry_id is not None


def test_the_list_filters_by_status_and_supplier(client: TestClient, db: Database) -> None:
    received = _received(db)
    other = _received(db, "Céramiques de Provence")
    with db.transaction() as session:
        mine = bill_of(session, received, "F-A")
        theirs = bill_of(session, other, "F-B")
        service.match_bill(session, theirs.id)

    everything = client.get(BILLS, headers=EN).text
    drafts = client.get(f"{BILLS}?status=draft", headers=EN).text
    by_supplier = client.get(f"{BILLS}?supplier_id={other.supplier.id}", headers=EN).text

    assert f"{BILLS}/{mine.id}" in everything
    assert f"{BILLS}/{theirs.id}" in everything
    assert f"{BILLS}/{mine.id}" in drafts
    assert f"{BILLS}/{theirs.id}" not in drafts
    assert f"{BILLS}/{theirs.id}" in by_supplier
    assert f"{BILLS}/{mine.id}" not in by_supplier


def test_an_empty_list_says_what_goes_there(client: TestClient) -> None:
    response = client.get(f"{BILLS}?status=paid", headers=EN)

    assert response.status_code == 200
    assert "No supplier bill here" in response.text
    assert 'href="/admin/billing/bills" aria-current="page">Supplier bills' in response.text


def test_an_unknown_bill_is_a_404_page(client: TestClient) -> None:
    assert client.get(f"{BILLS}/{uuid.uuid4()}", headers=EN).status_code == 404
    assert client.get(f"{BILLS}/not-an-id", headers=EN).status_code == 404


def test_the_purchase_order_page_offers_to_record_its_bill(
    client: TestClient, db: Database
) -> None:
    received = _received(db)

    page = client.get(f"/admin/purchasing/orders/{received.order.id}", headers=EN)

    assert f'href="{BILLS}/new?purchase_order_id={received.order.id}"' in page.text
