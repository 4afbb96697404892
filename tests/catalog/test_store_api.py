"""The store API: a channel sees its listed products at its prices, nothing else."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.kit.http.access import Principal, current_principal
from tests.catalog.factories import (
    make_channel,
    make_listing,
    make_price,
    make_price_list,
    make_product,
    make_variant,
)


def _as_channel(api: TestClient, channel_id: uuid.UUID | None, *scopes: str) -> None:
    app = api.app
    assert isinstance(app, FastAPI)
    principal = Principal(
        kind="channel", id=uuid.uuid4(), scopes=frozenset(scopes), channel_id=channel_id
    )
    app.dependency_overrides[current_principal] = lambda: principal


def test_a_channel_sees_its_listed_products_at_its_price(api: TestClient, session: Session) -> None:
    web, app_channel = make_channel(session), make_channel(session)
    listed = make_product(session, title="Listed")
    hidden = make_product(session, title="Not listed")
    variant = make_variant(session, product=listed)
    make_variant(session, product=hidden)
    make_listing(session, channel=web, variant=variant)
    make_price(session, price_list=make_price_list(session), variant=variant, amount_minor=1500)
    make_price(
        session,
        price_list=make_price_list(session, channel=web),
        variant=variant,
        amount_minor=1290,
    )
    make_listing(session, channel=app_channel, variant=variant)
    session.commit()
    _as_channel(api, web.id, "store:read")

    page = api.get("/store/v1/products").json()

    assert [p["title"] for p in page["items"]] == ["Listed"]
    assert page["items"][0]["variants"][0]["price"]["unit_price"]["minor_units"] == 1290
    assert "availability" not in page["items"][0]["variants"][0]


def test_a_product_not_listed_on_the_channel_is_a_404(api: TestClient, session: Session) -> None:
    web = make_channel(session)
    product = make_product(session, handle="secret-mug")
    make_variant(session, product=product)
    session.commit()
    _as_channel(api, web.id, "store:read")

    assert api.get("/store/v1/products/secret-mug").status_code == 404


def test_a_principal_without_a_channel_is_a_403(api: TestClient) -> None:
    _as_channel(api, None, "store:read")

    assert api.get("/store/v1/products").status_code == 403


def test_a_principal_without_the_store_scope_is_a_403(api: TestClient, session: Session) -> None:
    web = make_channel(session)
    session.commit()
    _as_channel(api, web.id, "catalog:read")

    assert api.get("/store/v1/products").status_code == 403
