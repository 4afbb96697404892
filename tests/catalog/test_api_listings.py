"""The admin API of a product's channel listings: ``GET/PUT
/api/v1/catalog/products/{id}/listings``, and the product list filtered on a channel."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import ChannelListing
from comptoir.kit.db.engine import Database
from tests.catalog.factories import make_channel, make_product, make_variant
from tests.support.auth import act_as

PRODUCTS = "/api/v1/catalog/products"


def _app(api: TestClient) -> FastAPI:
    app = api.app
    assert isinstance(app, FastAPI)
    return app


def _listing_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(ChannelListing)) or 0


def test_a_product_is_listed_on_a_channel_read_back_then_withdrawn(
    api: TestClient, session: Session
) -> None:
    # given a product with two variants and a channel
    act_as(_app(api), "catalog:read", "catalog:write")
    product = make_product(session, title="Linen shirt")
    small = make_variant(session, product=product, sku="LS-S")
    medium = make_variant(session, product=product, sku="LS-M")
    channel = make_channel(session)
    session.commit()
    url = f"{PRODUCTS}/{product.id}/listings"

    # when every variant is listed, then the medium one withdrawn
    listed = api.put(url, json={"channel_id": str(channel.id)})
    withdrawn = api.put(
        url,
        json={
            "channel_id": str(channel.id),
            "variant_ids": [str(medium.id)],
            "is_published": False,
        },
    )
    read = api.get(url)

    # then the listings read back say the small one is offered, the medium one no longer
    assert listed.status_code == withdrawn.status_code == read.status_code == 200
    assert {row["variant_id"] for row in listed.json()} == {str(small.id), str(medium.id)}
    assert sorted((row["variant_id"], row["is_published"]) for row in read.json()) == sorted(
        [(str(small.id), True), (str(medium.id), False)]
    )
    # and the product list filtered on the channel still shows it (one variant is offered)
    filtered = api.get(PRODUCTS, params={"channel_id": str(channel.id)})
    assert [item["id"] for item in filtered.json()["items"]] == [str(product.id)]


def test_the_channel_filter_leaves_out_products_not_offered_there(
    api: TestClient, session: Session
) -> None:
    # given a product listed on the web shop, withdrawn everywhere else, and one never listed
    act_as(_app(api), "catalog:read", "catalog:write")
    web, marketplace = make_channel(session), make_channel(session)
    listed = make_variant(session, product=make_product(session, title="Listed"))
    make_variant(session, product=make_product(session, title="Never listed"))
    session.commit()
    url = f"{PRODUCTS}/{listed.product_id}/listings"
    api.put(url, json={"channel_id": str(web.id)})
    api.put(url, json={"channel_id": str(marketplace.id), "is_published": False})

    # when the list is filtered on each channel
    on_web = api.get(PRODUCTS, params={"channel_id": str(web.id)}).json()["items"]
    on_marketplace = api.get(PRODUCTS, params={"channel_id": str(marketplace.id)}).json()["items"]

    # then only the web shop shows the listed product
    assert [item["title"] for item in on_web] == ["Listed"]
    assert on_marketplace == []


def test_a_variant_of_another_product_is_a_404_naming_it_and_lists_nothing(
    api: TestClient, db: Database, session: Session
) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    product = make_product(session)
    make_variant(session, product=product)
    stranger = make_variant(session)
    channel = make_channel(session)
    session.commit()

    response = api.put(
        f"{PRODUCTS}/{product.id}/listings",
        json={"channel_id": str(channel.id), "variant_ids": [str(stranger.id)]},
    )

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/variant-not-found"
    assert response.json()["field"] == "variant_ids.0"
    assert _listing_count(db) == 0


def test_an_unknown_channel_is_a_404_and_lists_nothing(
    api: TestClient, db: Database, session: Session
) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    variant = make_variant(session)
    session.commit()

    response = api.put(
        f"{PRODUCTS}/{variant.product_id}/listings", json={"channel_id": str(uuid.uuid4())}
    )

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/channel-not-found"
    assert _listing_count(db) == 0


def test_a_malformed_body_is_a_422_naming_the_field(
    api: TestClient, db: Database, session: Session
) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    variant = make_variant(session)
    session.commit()

    response = api.put(
        f"{PRODUCTS}/{variant.product_id}/listings", json={"channel_id": "the web shop"}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "channel_id"
    assert _listing_count(db) == 0


def test_listing_without_the_write_scope_is_a_403_and_lists_nothing(
    api: TestClient, db: Database, session: Session
) -> None:
    act_as(_app(api), "catalog:read")
    variant = make_variant(session)
    channel = make_channel(session)
    session.commit()

    response = api.put(
        f"{PRODUCTS}/{variant.product_id}/listings", json={"channel_id": str(channel.id)}
    )

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/missing-scope"
    assert _listing_count(db) == 0
