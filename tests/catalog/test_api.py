"""The catalogue's admin API: products, prices, taxes, promotions, access rules."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, Variant
from comptoir.kit.db.engine import Database
from tests.catalog.factories import make_price_list, make_product, make_variant
from tests.support.auth import act_as

PRODUCTS = "/api/v1/catalog/products"


def _app(api: TestClient) -> FastAPI:
    app = api.app
    assert isinstance(app, FastAPI)
    return app


def _body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Linen shirt",
        "status": "active",
        "option_names": ["Size"],
        "variants": [
            {"sku": "LS-S", "option_values": {"Size": "S"}, "barcode": "4006381333931"},
            {"sku": "LS-M", "option_values": {"Size": "M"}},
        ],
    }
    body.update(kw)
    return body


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Product)) or 0,
            session.scalar(select(func.count()).select_from(Variant)) or 0,
        )


def test_a_product_is_created_and_read_back_with_its_etag(api: TestClient) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")

    created = api.post(PRODUCTS, json=_body())
    read = api.get(f"{PRODUCTS}/{created.json()['id']}")

    assert created.status_code == 201
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json()["handle"] == "linen-shirt"
    assert [v["sku"] for v in read.json()["variants"]] == ["LS-S", "LS-M"]


def test_an_invalid_barcode_is_a_422_naming_the_field_and_nothing_is_created(
    api: TestClient, db: Database
) -> None:
    act_as(_app(api), "catalog:write")
    body = _body()
    body["variants"][1]["barcode"] = "4006381333932"
    before = _counts(db)

    response = api.post(PRODUCTS, json=body)

    assert response.status_code == 422
    assert response.json()["field"] == "variants.1.barcode"
    assert response.json()["type"] == "/problems/invalid-barcode"
    assert _counts(db) == before


def test_a_malformed_body_is_a_422_naming_the_field(api: TestClient, db: Database) -> None:
    act_as(_app(api), "catalog:write")
    before = _counts(db)

    response = api.post(PRODUCTS, json=_body(status="published"))

    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert _counts(db) == before


def test_writing_without_the_scope_is_a_403_and_nothing_is_created(
    api: TestClient, db: Database
) -> None:
    act_as(_app(api), "catalog:read")
    before = _counts(db)

    response = api.post(PRODUCTS, json=_body())

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/missing-scope"
    assert _counts(db) == before


def test_reading_without_the_scope_is_a_403(api: TestClient) -> None:
    act_as(_app(api), "inventory:read")

    assert api.get(PRODUCTS).status_code == 403


def test_an_update_with_a_stale_if_match_is_a_412_and_changes_nothing(
    api: TestClient, session: Session
) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    product = make_product(session, title="Mug")
    session.commit()

    fresh = api.patch(
        f"{PRODUCTS}/{product.id}", json={"title": "Big mug"}, headers={"If-Match": '"1"'}
    )
    stale = api.patch(
        f"{PRODUCTS}/{product.id}", json={"title": "Cup"}, headers={"If-Match": '"1"'}
    )

    assert (fresh.status_code, fresh.headers["etag"]) == (200, '"2"')
    assert stale.status_code == 412
    assert api.get(f"{PRODUCTS}/{product.id}").json()["title"] == "Big mug"


def test_the_list_pages_with_a_cursor(api: TestClient, session: Session) -> None:
    act_as(_app(api), "catalog:read")
    for title in ("Apron", "Bowl", "Cup"):
        make_product(session, title=title)
    session.commit()

    first = api.get(PRODUCTS, params={"limit": 2}).json()
    second = api.get(PRODUCTS, params={"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [p["title"] for p in first["items"]] == ["Apron", "Bowl"]
    assert [p["title"] for p in second["items"]] == ["Cup"]
    assert second["next_cursor"] is None


def test_a_price_is_set_and_quoted(api: TestClient, session: Session) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    variant = make_variant(session)
    prices = make_price_list(session)
    session.commit()

    put = api.put(
        f"/api/v1/catalog/price-lists/{prices.id}/prices",
        json={"variant_id": str(variant.id), "amount_minor": 2490},
    )
    quote = api.get(f"/api/v1/catalog/variants/{variant.id}/price", params={"currency": "EUR"})

    assert put.status_code == 200
    assert quote.json()["unit_price"]["minor_units"] == 2490


def test_a_price_for_an_unknown_variant_is_a_404_naming_it(
    api: TestClient, session: Session
) -> None:
    act_as(_app(api), "catalog:write")
    prices = make_price_list(session)
    session.commit()

    response = api.put(
        f"/api/v1/catalog/price-lists/{prices.id}/prices",
        json={"variant_id": "00000000-0000-7000-8000-000000000000", "amount_minor": 100},
    )

    assert (response.status_code, response.json()["field"]) == (404, "variant_id")


def test_a_percentage_promotion_without_percent_is_a_422(api: TestClient) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")

    response = api.post("/api/v1/catalog/promotions", json={"name": "Sale", "kind": "percentage"})

    assert (response.status_code, response.json()["field"]) == (422, "percent")
    assert api.get("/api/v1/catalog/promotions").json() == []


def test_a_tax_class_gets_a_rate(api: TestClient) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")

    tax_class = api.post(
        "/api/v1/catalog/tax-classes", json={"code": "books", "name": "Books"}
    ).json()
    rate = api.post(
        f"/api/v1/catalog/tax-classes/{tax_class['id']}/rates",
        json={"country": "FR", "rate": "5.5", "valid_from": "2012-01-01"},
    )

    assert rate.status_code == 201
    assert rate.json()["rate"] == "5.5"


def test_a_null_handle_in_an_update_leaves_the_handle(api: TestClient, session: Session) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    product = make_product(session, handle="mug")
    session.commit()

    response = api.patch(f"{PRODUCTS}/{product.id}", json={"handle": None, "vendor": None})

    assert (response.status_code, response.json()["handle"]) == (200, "mug")


def test_a_removed_price_is_no_longer_quoted(api: TestClient, session: Session) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    variant = make_variant(session)
    prices = make_price_list(session)
    session.commit()
    api.put(
        f"/api/v1/catalog/price-lists/{prices.id}/prices",
        json={"variant_id": str(variant.id), "amount_minor": 990},
    )

    removed = api.delete(f"/api/v1/catalog/price-lists/{prices.id}/prices/{variant.id}")
    quote = api.get(f"/api/v1/catalog/variants/{variant.id}/price", params={"currency": "EUR"})

    assert removed.status_code == 204
    assert (quote.status_code, quote.json()["type"]) == (404, "/problems/price-not-found")
