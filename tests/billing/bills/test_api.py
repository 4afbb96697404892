"""Supplier bills in the admin API: create from a purchase order, match, approve (with a
reason when on hold), post, pay; scopes and problems in French."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.api import create_app
from comptoir.billing.bills.models import SupplierBill
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.billing.bills.factories import Received, received_order
from tests.support.auth import act_as

BILLS = "/api/v1/billing/bills"


@pytest.fixture
def app(settings: Settings, db: Database, clock: FrozenClock) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def staff(app: FastAPI) -> Iterator[TestClient]:
    act_as(app, "billing:read", "billing:issue")
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def received(db: Database) -> Received:
    with db.transaction() as session:
        return received_order(session, [(10, "8.40", 6), (5, "2.00", 5)], name="Brûlerie Dupont")


def _count(db: Database) -> int:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(SupplierBill)) or 0


def _create(
    staff: TestClient, received: Received, number: str = "F-1", **body: object
) -> dict[str, object]:
    response = staff.post(
        BILLS,
        json={
            "purchase_order_id": str(received.order.id),
            "supplier_invoice_number": number,
            "bill_date": "2026-11-20",
            **body,
        },
    )
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_a_bill_goes_from_creation_to_paid(staff: TestClient, received: Received) -> None:
    bill = _create(staff, received, stated_total="72.48")
    assert bill["status"] == "draft"
    assert bill["total_gross"] == {"amount": "72.48", "currency": "EUR", "minor_units": 7248}
    assert bill["supplier_name"] == "Brûlerie Dupont"

    matched = staff.post(f"{BILLS}/{bill['id']}/match").json()
    approved = staff.post(f"{BILLS}/{bill['id']}/approve", json={}).json()
    posted = staff.post(f"{BILLS}/{bill['id']}/post").json()
    partly = staff.post(
        f"{BILLS}/{bill['id']}/payments", json={"amount": "40.00", "paid_on": "2026-11-25"}
    )
    paid = staff.post(
        f"{BILLS}/{bill['id']}/payments", json={"amount": "32.48", "paid_on": "2026-11-26"}
    )

    assert matched["status"] == "matched"
    assert [line["received"] for line in matched["lines"]] == [6, 5]
    assert approved["status"] == "approved"
    assert approved["approved_by"] == "Test caller"
    assert posted["status"] == "posted"
    assert posted["entry_id"]
    assert partly.status_code == 201
    assert partly.json()["status"] == "partially_paid"
    assert paid.json()["status"] == "paid"
    assert paid.json()["amount_due"]["minor_units"] == 0


def test_bills_are_listed_by_status_and_supplier(staff: TestClient, received: Received) -> None:
    first = _create(
        staff,
        received,
        "F-1",
        lines=[{"order_line_id": str(received.line_ids[0]), "quantity": 1, "unit_cost": "8.40"}],
    )
    second = _create(
        staff,
        received,
        "F-2",
        lines=[{"order_line_id": str(received.line_ids[0]), "quantity": 1, "unit_cost": "8.40"}],
    )
    staff.post(f"{BILLS}/{second['id']}/match")

    drafts = staff.get(BILLS, params={"status": "draft"}).json()["items"]
    mine = staff.get(BILLS, params={"supplier_id": str(received.supplier.id)}).json()["items"]
    others = staff.get(BILLS, params={"supplier_id": str(uuid.uuid4())}).json()["items"]

    assert [b["id"] for b in drafts] == [first["id"]]
    assert {b["id"] for b in mine} == {first["id"], second["id"]}
    assert others == []


def test_an_over_billed_line_is_named_and_needs_a_reason_to_approve(
    staff: TestClient, received: Received
) -> None:
    bill = _create(
        staff,
        received,
        lines=[{"order_line_id": str(received.line_ids[0]), "quantity": 8, "unit_cost": "8.40"}],
    )

    held = staff.post(f"{BILLS}/{bill['id']}/match", headers={"Accept-Language": "fr"}).json()
    refused = staff.post(
        f"{BILLS}/{bill['id']}/approve", json={}, headers={"Accept-Language": "fr"}
    )
    approved = staff.post(
        f"{BILLS}/{bill['id']}/approve", json={"reason": "Livraison complétée hier."}
    )

    assert held["status"] == "on_hold"
    assert held["discrepancies"] == [
        {
            "code": "over_billed",
            "line_id": held["lines"][0]["id"],
            "message": "Ligne 1 : 8 unités facturées, mais seulement 6 reçues et pas encore "
            "facturées (6 reçues, 0 déjà facturées).",
        }
    ]
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/approval-reason-required"
    assert refused.json()["field"] == "reason"
    assert approved.json()["approval_reason"] == "Livraison complétée hier."


def test_a_duplicate_invoice_number_is_a_409_in_french_and_changes_nothing(
    staff: TestClient, received: Received, db: Database
) -> None:
    _create(
        staff,
        received,
        "F-7",
        lines=[{"order_line_id": str(received.line_ids[0]), "quantity": 1, "unit_cost": "8.40"}],
    )
    before = _count(db)

    response = staff.post(
        BILLS,
        json={
            "purchase_order_id": str(received.order.id),
            "supplier_invoice_number": "F-7",
            "bill_date": "2026-11-20",
        },
        headers={"Accept-Language": "fr"},
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/duplicate-supplier-invoice"
    assert problem["field"] == "supplier_invoice_number"
    assert (
        problem["title"]
        == "Ce numéro de facture fournisseur est déjà enregistré pour ce fournisseur."
    )
    assert _count(db) == before


def test_editing_a_draft_changes_its_lines(staff: TestClient, received: Received) -> None:
    bill = _create(staff, received)

    response = staff.patch(
        f"{BILLS}/{bill['id']}",
        json={
            "lines": [
                {"order_line_id": str(received.line_ids[1]), "quantity": 5, "unit_cost": "2.10"}
            ],
            "note": "Avoir à venir",
        },
    )

    assert response.status_code == 200, response.text
    assert [line["unit_cost"]["amount"] for line in response.json()["lines"]] == ["2.10"]
    assert response.json()["total_net"]["amount"] == "10.50"


def test_overpaying_is_a_422_naming_the_amount(staff: TestClient, received: Received) -> None:
    bill = _create(staff, received)
    staff.post(f"{BILLS}/{bill['id']}/approve", json={})

    response = staff.post(
        f"{BILLS}/{bill['id']}/payments", json={"amount": "100.00", "paid_on": "2026-11-25"}
    )

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/supplier-bill-overpaid"
    assert staff.get(f"{BILLS}/{bill['id']}").json()["status"] == "approved"


def test_an_unknown_bill_is_a_404(staff: TestClient) -> None:
    response = staff.get(f"{BILLS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/supplier-bill-not-found"


def test_recording_a_bill_needs_the_issue_scope(
    app: FastAPI, received: Received, db: Database
) -> None:
    act_as(app, "billing:read")
    before = _count(db)
    with TestClient(app) as client:
        response = client.post(
            BILLS,
            json={
                "purchase_order_id": str(received.order.id),
                "supplier_invoice_number": "F-1",
                "bill_date": "2026-11-20",
            },
        )
        listing = client.get(BILLS)

    assert response.status_code == 403
    assert listing.status_code == 200
    assert _count(db) == before
