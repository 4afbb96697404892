from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.ids import uuid7
from comptoir.kit.settings import Settings
from tests.support.auth import act_as


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    app = create_app(settings, db)

    @app.get("/api/v1/test/stock", dependencies=[requires("inventory:read")])
    def read_stock() -> dict[str, str]:
        return {"ok": "yes"}

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_a_route_refuses_a_caller_without_credentials(client: TestClient) -> None:
    response = client.get("/api/v1/test/stock", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthorized")


def test_a_route_refuses_a_caller_without_the_scope(app: FastAPI, client: TestClient) -> None:
    act_as(app, "catalog:read")
    response = client.get("/api/v1/test/stock", headers={"Accept-Language": "fr"})
    assert response.status_code == 403
    assert response.json()["type"].endswith("/missing-scope")
    assert "inventory:read" in response.json()["detail"]


@pytest.mark.parametrize("scope", ["inventory:read", "inventory:*", "*"])
def test_a_route_serves_a_caller_with_the_scope(
    app: FastAPI, client: TestClient, scope: str
) -> None:
    act_as(app, scope)
    assert client.get("/api/v1/test/stock").json() == {"ok": "yes"}


def test_a_principal_limited_to_some_stores_sees_only_those() -> None:
    paris, lyon = uuid7(), uuid7()
    manager = Principal(
        kind="staff", id=uuid7(), scopes=frozenset(), location_ids=frozenset({paris})
    )
    assert manager.may_see_location(paris)
    assert not manager.may_see_location(lyon)
