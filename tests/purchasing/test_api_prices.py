"""A supplier's price list over the admin API: set, replace, list, remove; clashes, bad input
and missing scopes change nothing; orders take the price list's cost and lead time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from comptoir.purchasing.models import SupplierPrice
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_supplier
from tests.support.auth import act_as

EN = {"Accept-Language": "en"}


@dataclass(frozen=True)
class Shop:
    supplier_id: uuid.UUID
    mug: uuid.UUID
    bowl: uuid.UUID
    location_id: uuid.UUID

    @property
    def prices(self) -> str:
        return f"/api/v1/purchasing/suppliers/{self.supplier_id}/prices"


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
            supplier_id=make_supplier(session, name="Céramiques Roux", lead_time_days=6).id,
            mug=make_variant(session, sku="MUG-RED").id,
            bowl=make_variant(session, sku="BOWL-RED").id,
            location_id=make_location(session).id,
        )


def _stored(db: Database) -> list[tuple[str, int, int, int | None]]:
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(
                SupplierPrice.supplier_sku,
                SupplierPrice.unit_cost_minor,
                SupplierPrice.min_order_quantity,
                SupplierPrice.lead_time_days,
            ).order_by(SupplierPrice.supplier_sku)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _price(variant_id: uuid.UUID, sku: str, cost: str, **more: object) -> dict[str, object]:
    return {"variant_id": str(variant_id), "supplier_sku": sku, "unit_cost": cost, **more}


def test_a_price_is_set_listed_and_replaced(app: FastAPI, client: TestClient, shop: Shop) -> None:
    # given
    act_as(app, "purchasing:read", "purchasing:write")

    # when a price is set, then set again for the same variant
    first = client.put(shop.prices, json=_price(shop.mug, "R-100", "3.20", min_order_quantity=6))
    second = client.put(shop.prices, json=_price(shop.mug, "R-101", "3.45", lead_time_days=15))
    listed = client.get(shop.prices)

    # then the second replaces the first
    assert first.status_code == 200
    assert (first.json()["lead_time_days"], first.json()["lead_time_from"]) == (6, "supplier")
    assert first.json()["unit_cost"] == {"amount": "3.20", "currency": "EUR", "minor_units": 320}
    assert second.status_code == 200
    assert [
        (p["supplier_sku"], p["unit_cost"]["amount"], p["min_order_quantity"], p["lead_time_days"])
        for p in listed.json()
    ] == [("R-101", "3.45", 1, 15)]
    assert listed.json()[0]["lead_time_from"] == "price_list"


def test_a_supplier_reference_used_for_another_variant_is_a_409(
    app: FastAPI, client: TestClient, db: Database, shop: Shop
) -> None:
    # given the mug listed as R-100
    act_as(app, "purchasing:write")
    client.put(shop.prices, json=_price(shop.mug, "R-100", "3.20"))

    # when the bowl is given the same reference
    clash = client.put(shop.prices, json=_price(shop.bowl, "R-100", "4.00"), headers=EN)

    # then it is refused naming the field, and only the mug's price exists
    assert clash.status_code == 409
    assert clash.json()["type"] == "/problems/supplier-price-conflict"
    assert clash.json()["field"] == "supplier_sku"
    assert _stored(db) == [("R-100", 320, 1, None)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_cost": "-1"}, "unit_cost"),
        ({"unit_cost": "1.23456"}, "unit_cost"),
        ({"min_order_quantity": 0}, "min_order_quantity"),
        ({"lead_time_days": 400}, "lead_time_days"),
        ({"supplier_sku": ""}, "supplier_sku"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    app: FastAPI, client: TestClient, db: Database, shop: Shop, body: dict[str, object], field: str
) -> None:
    act_as(app, "purchasing:write")

    response = client.put(shop.prices, json={**_price(shop.mug, "R-1", "2.00"), **body})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert _stored(db) == []


def test_an_unknown_variant_or_supplier_is_a_404(
    app: FastAPI, client: TestClient, db: Database, shop: Shop
) -> None:
    act_as(app, "purchasing:read", "purchasing:write")
    other_supplier = f"/api/v1/purchasing/suppliers/{uuid.uuid4()}/prices"

    unknown_variant = client.put(shop.prices, json=_price(uuid.uuid4(), "R-1", "2.00"))
    unknown_supplier = client.put(other_supplier, json=_price(shop.mug, "R-1", "2.00"))
    listing_unknown = client.get(other_supplier)

    assert (unknown_variant.status_code, unknown_variant.json()["field"]) == (404, "variant_id")
    assert unknown_supplier.json()["type"] == "/problems/supplier-not-found"
    assert listing_unknown.status_code == 404
    assert _stored(db) == []


def test_a_price_is_removed_once(app: FastAPI, client: TestClient, shop: Shop) -> None:
    # given two prices
    act_as(app, "purchasing:read", "purchasing:write")
    client.put(shop.prices, json=_price(shop.mug, "R-100", "3.20"))
    client.put(shop.prices, json=_price(shop.bowl, "R-200", "4.10"))

    # when the mug's is removed, twice
    removed = client.delete(f"{shop.prices}/{shop.mug}")
    again = client.delete(f"{shop.prices}/{shop.mug}", headers=EN)

    # then only the bowl is left; the second removal finds nothing
    assert removed.status_code == 204
    assert [p["supplier_sku"] for p in client.get(shop.prices).json()] == ["R-200"]
    assert again.status_code == 404
    assert again.json()["type"] == "/problems/supplier-price-not-found"
    assert again.json()["field"] == "variant_id"


def test_changing_the_price_list_needs_the_write_scope(
    app: FastAPI, client: TestClient, db: Database, shop: Shop
) -> None:
    act_as(app, "purchasing:read")

    put = client.put(shop.prices, json=_price(shop.mug, "R-100", "3.20"))
    delete = client.delete(f"{shop.prices}/{shop.mug}")

    assert (put.status_code, delete.status_code) == (403, 403)
    assert _stored(db) == []


def test_an_order_takes_the_listed_cost_and_lead_time(
    app: FastAPI, client: TestClient, shop: Shop, clock: FrozenClock
) -> None:
    # given the bowl listed at 4.10 with 15 days of lead time (the supplier's usual one is 6)
    act_as(app, "purchasing:read", "purchasing:write")
    client.put(shop.prices, json=_price(shop.bowl, "R-200", "4.10", lead_time_days=15))

    # when an order of bowls gives neither a cost nor an expected date
    order = client.post(
        "/api/v1/purchasing/orders",
        json={
            "supplier_id": str(shop.supplier_id),
            "location_id": str(shop.location_id),
            "lines": [{"variant_id": str(shop.bowl), "quantity": 10}],
        },
    )

    # then both come from the price list (the clock stands at 2026-11-23)
    assert order.status_code == 201
    assert order.json()["expected_on"] == "2026-12-08"
    assert [
        (line["supplier_sku"], line["unit_cost"]["amount"]) for line in order.json()["lines"]
    ] == [("R-200", "4.10")]
