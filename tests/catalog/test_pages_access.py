"""Catalogue and stock screens ask for their scopes: reading needs ``*:read``, changing
needs ``*:write``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.catalog.models import Promotion
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of
from tests.support.staff import sign_in_client, staff_session_token


@pytest.fixture
def reader(admin_settings: Settings, db: Database) -> Iterator[TestClient]:
    """Signed in as a staff user who may only read the catalogue and the stock."""
    with TestClient(create_app(admin_settings, db)) as test_client:
        token = staff_session_token(db, admin_settings, scopes=["catalog:read", "inventory:read"])
        sign_in_client(test_client, token)
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalog/promotions",
        "/admin/catalog/price-lists",
        "/admin/catalog/taxes",
        "/admin/inventory/locations",
        "/admin/inventory",
    ],
)
def test_a_reader_sees_the_lists(reader: TestClient, path: str) -> None:
    assert reader.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalog/promotions/new",
        "/admin/catalog/price-lists/new",
        "/admin/inventory/locations/new",
        "/admin/catalog/products/new",
    ],
)
def test_a_reader_cannot_open_the_forms(reader: TestClient, path: str) -> None:
    assert reader.get(path).status_code == 403


def test_a_reader_cannot_create_a_promotion(reader: TestClient, session: Session) -> None:
    token = csrf_token_of(reader.get("/admin/catalog/promotions").text)

    response = reader.post(
        "/admin/catalog/promotions/new",
        data={"csrf_token": token, "name": "Noël", "kind": "free_shipping"},
    )

    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Promotion)) == 0
