"""Purchasing's admin API: scopes, validation problems naming the field, the order flow."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from comptoir.purchasing.models import PurchaseOrder, Supplier
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_supplier
from tests.support.auth import act_as


@dataclass(frozen=True)
class Shop:
    variant_id: uuid.UUID
    location_id: uuid.UUID
    supplier_id: uuid.UUID


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def shop(db: Database) -> Shop:
    with db.transaction() as session:
        return Shop(
            variant_id=make_variant(session).id,
            location_id=make_location(session).id,
            supplier_id=make_supplier(session, name="Brûlerie Dupont").id,
        )


def _count(db: Database, model: type[Supplier] | type[PurchaseOrder]) -> int:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_creating_a_supplier_without_the_write_scope_is_forbidden(
    app: FastAPI, client: TestClient, db: Database
) -> None:
    act_as(app, "purchasing:read")
    before = _count(db, Supplier)

    response = client.post("/api/v1/purchasing/suppliers", json={"name": "Acme"})

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/missing-scope"
    assert _count(db, Supplier) == before


def test_listing_suppliers_needs_the_read_scope(app: FastAPI, client: TestClient) -> None:
    act_as(app, "catalog:read")

    response = client.get("/api/v1/purchasing/suppliers")

    assert response.status_code == 403


def test_a_bad_siret_is_a_422_naming_the_field(
    app: FastAPI, client: TestClient, db: Database
) -> None:
    act_as(app, "purchasing:write")
    before = _count(db, Supplier)

    response = client.post(
        "/api/v1/purchasing/suppliers",
        json={"name": "Acme", "siret": "123"},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "siret"
    assert _count(db, Supplier) == before


def test_a_supplier_is_created_and_listed(app: FastAPI, client: TestClient) -> None:
    act_as(app, "purchasing:read", "purchasing:write")

    created = client.post(
        "/api/v1/purchasing/suppliers",
        json={"name": "Acme", "siret": "73282932000074", "lead_time_days": 3},
    )
    listed = client.get("/api/v1/purchasing/suppliers", params={"q": "acm"})

    assert created.status_code == 201
    assert (created.json()["currency"], created.json()["lead_time_days"]) == ("EUR", 3)
    assert [s["name"] for s in listed.json()["items"]] == ["Acme"]


def test_an_order_with_a_zero_quantity_is_a_422_naming_the_line(
    app: FastAPI, client: TestClient, db: Database, shop: Shop
) -> None:
    act_as(app, "purchasing:write")
    before = _count(db, PurchaseOrder)

    response = client.post(
        "/api/v1/purchasing/orders",
        json={
            "supplier_id": str(shop.supplier_id),
            "location_id": str(shop.location_id),
            "lines": [{"variant_id": str(shop.variant_id), "quantity": 0, "unit_cost": "2"}],
        },
    )

    assert response.status_code == 422
    assert response.json()["field"] == "lines.0.quantity"
    assert _count(db, PurchaseOrder) == before


def test_an_unknown_variant_is_a_404_naming_the_line(
    app: FastAPI, client: TestClient, db: Database, shop: Shop
) -> None:
    act_as(app, "purchasing:write")
    before = _count(db, PurchaseOrder)

    response = client.post(
        "/api/v1/purchasing/orders",
        json={
            "supplier_id": str(shop.supplier_id),
            "location_id": str(shop.location_id),
            "lines": [{"variant_id": str(uuid.uuid4()), "quantity": 1, "unit_cost": "2"}],
        },
    )

    assert response.status_code == 404
    assert response.json()["field"] == "lines.0.variant_id"
    assert _count(db, PurchaseOrder) == before


def test_an_order_is_created_sent_and_over_receipt_refused(
    app: FastAPI, client: TestClient, shop: Shop
) -> None:
    # given
    act_as(app, "purchasing:read", "purchasing:write")
    created = client.post(
        "/api/v1/purchasing/orders",
        json={
            "supplier_id": str(shop.supplier_id),
            "location_id": str(shop.location_id),
            "lines": [{"variant_id": str(shop.variant_id), "quantity": 5, "unit_cost": "2.40"}],
        },
    ).json()
    order_url = f"/api/v1/purchasing/orders/{created['id']}"
    sent = client.post(f"{order_url}/send")

    # when
    refused = client.post(
        f"{order_url}/receipts",
        json={"lines": [{"line_id": created["lines"][0]["id"], "quantity": 6}]},
        headers={"Accept-Language": "en"},
    )

    # then
    assert (created["status"], created["total"]["amount"]) == ("draft", "12.00")
    assert sent.json()["status"] == "sent"
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/over-receipt"
    assert refused.json()["field"] == "lines.0.quantity"
    assert refused.json()["detail"] == "Only 5 more units of this line can be received (5 ordered)."
    after = client.get(order_url).json()
    assert (after["status"], after["lines"][0]["quantity_received"]) == ("sent", 0)
