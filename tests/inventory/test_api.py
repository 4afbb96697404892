"""The inventory admin API: scopes, problems, and a principal restricted to some locations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.inventory import service
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal, current_principal
from comptoir.kit.ids import uuid7
from comptoir.kit.settings import Settings
from tests.catalog.factories import make_channel, make_variant
from tests.inventory.factories import make_location, stock
from tests.support.auth import act_as


@dataclass(frozen=True)
class Shop:
    variant_id: uuid.UUID
    paris: uuid.UUID
    lyon: uuid.UUID
    channel_id: uuid.UUID


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
        variant_id = make_variant(session).id
        paris = make_location(session, code="PARIS", kind="store").id
        lyon = make_location(session, code="LYON", kind="store").id
        stock(session, variant_id=variant_id, location_id=paris, quantity=5)
        stock(session, variant_id=variant_id, location_id=lyon, quantity=7)
        channel_id = make_channel(session).id
        service.set_channel_location(session, channel_id=channel_id, location_id=paris, buffer=1)
    return Shop(variant_id, paris, lyon, channel_id)


def _restricted_to(app: FastAPI, *locations: uuid.UUID) -> None:
    principal = Principal(
        kind="staff",
        id=uuid7(),
        scopes=frozenset({"inventory:read", "inventory:write"}),
        display_name="Paris manager",
        location_ids=frozenset(locations),
    )
    app.dependency_overrides[current_principal] = lambda: principal


def test_levels_of_a_variant_are_listed(app: FastAPI, client: TestClient, shop: Shop) -> None:
    act_as(app, "inventory:read")
    response = client.get("/api/v1/inventory/levels", params={"variant_id": str(shop.variant_id)})
    assert response.status_code == 200
    figures = {
        item["location_id"]: (item["on_hand"], item["reserved"], item["available"])
        for item in response.json()["items"]
    }
    assert figures == {str(shop.paris): (5, 0, 5), str(shop.lyon): (7, 0, 7)}


def test_a_reservation_beyond_stock_answers_409_insufficient_stock(
    app: FastAPI, client: TestClient, shop: Shop
) -> None:
    act_as(app, "inventory:write")
    response = client.post(
        "/api/v1/inventory/reservations",
        json={
            "variant_id": str(shop.variant_id),
            "location_id": str(shop.paris),
            "quantity": 6,
            "reference": {"type": "cart", "id": "C-1"},
        },
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/insufficient-stock"
    assert response.json()["field"] == "quantity"


def test_a_reservation_then_its_consumption(app: FastAPI, client: TestClient, shop: Shop) -> None:
    act_as(app, "inventory:read", "inventory:write")
    created = client.post(
        "/api/v1/inventory/reservations",
        json={
            "variant_id": str(shop.variant_id),
            "location_id": str(shop.paris),
            "quantity": 2,
            "reference": {"type": "order", "id": "SO-1"},
        },
    )
    consumed = client.post(
        f"/api/v1/inventory/reservations/{created.json()['id']}/consume", json={}
    )
    movements = client.get(f"/api/v1/inventory/variants/{shop.variant_id}/movements")
    assert created.status_code == 201
    assert consumed.status_code == 200
    assert consumed.json()["quantity"] == -2
    assert [m["kind"] for m in movements.json()["items"]] == ["sale", "receipt", "receipt"]


def test_writing_needs_the_write_scope(app: FastAPI, client: TestClient, shop: Shop) -> None:
    act_as(app, "inventory:read")
    response = client.post(
        "/api/v1/inventory/adjustments",
        json={
            "variant_id": str(shop.variant_id),
            "location_id": str(shop.paris),
            "quantity": -1,
            "reason": "damaged",
        },
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/missing-scope"


def test_atp_applies_the_channel_buffer(app: FastAPI, client: TestClient, shop: Shop) -> None:
    act_as(app, "inventory:read")
    response = client.get(
        "/api/v1/inventory/atp",
        params={"channel_id": str(shop.channel_id), "variant_id": str(shop.variant_id)},
    )
    assert response.json() == [{"variant_id": str(shop.variant_id), "available": 4}]


def test_a_restricted_principal_sees_only_its_locations(
    app: FastAPI, client: TestClient, shop: Shop
) -> None:
    _restricted_to(app, shop.paris)
    locations = client.get("/api/v1/inventory/locations")
    levels = client.get("/api/v1/inventory/levels", params={"variant_id": str(shop.variant_id)})
    other = client.get(f"/api/v1/inventory/locations/{shop.lyon}")
    assert [item["code"] for item in locations.json()] == ["PARIS"]
    assert [item["location_id"] for item in levels.json()["items"]] == [str(shop.paris)]
    assert other.status_code == 404


def test_a_restricted_principal_cannot_move_stock_elsewhere(
    app: FastAPI, client: TestClient, shop: Shop, db: Database
) -> None:
    _restricted_to(app, shop.paris)
    response = client.post(
        "/api/v1/inventory/adjustments",
        json={
            "variant_id": str(shop.variant_id),
            "location_id": str(shop.lyon),
            "quantity": -3,
            "reason": "lost",
        },
    )
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/location-not-found"
    with db.transaction(readonly=True) as session:
        level = service.get_level(session, shop.variant_id, shop.lyon)
        assert level is not None
        assert level.on_hand == 7


def test_a_restricted_principal_moves_stock_at_its_own_location(
    app: FastAPI, client: TestClient, shop: Shop
) -> None:
    _restricted_to(app, shop.paris)
    response = client.post(
        "/api/v1/inventory/adjustments",
        json={
            "variant_id": str(shop.variant_id),
            "location_id": str(shop.paris),
            "quantity": -1,
            "reason": "damaged",
        },
    )
    assert response.status_code == 201
    assert (response.json()["quantity"], response.json()["actor"]) == (-1, "Paris manager")


def test_a_transfer_is_created_shipped_and_received(
    app: FastAPI, client: TestClient, shop: Shop
) -> None:
    act_as(app, "inventory:read", "inventory:write")
    created = client.post(
        "/api/v1/inventory/transfers",
        json={
            "source_location_id": str(shop.lyon),
            "destination_location_id": str(shop.paris),
            "lines": [{"variant_id": str(shop.variant_id), "quantity": 3}],
        },
    )
    transfer_id = created.json()["id"]
    shipped = client.post(f"/api/v1/inventory/transfers/{transfer_id}/ship")
    received = client.post(f"/api/v1/inventory/transfers/{transfer_id}/receive", json={})
    assert [created.status_code, shipped.status_code, received.status_code] == [201, 200, 200]
    assert received.json()["status"] == "received"
    assert received.json()["lines"][0]["received"] == 3
