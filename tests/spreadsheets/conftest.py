"""Fixtures of the spreadsheet tests: a location and a price list with known codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import make_settings
from tests.catalog.factories import make_price_list
from tests.inventory.factories import make_location
from tests.support.staff import sign_in_client, staff_session_token

LOCATION = "MAIN"
PRICE_LIST = "public"
TABLES = (
    "catalog_products",
    "catalog_variants",
    "catalog_prices",
    "catalog_price_history",
    "inventory_stock_levels",
    "inventory_movements",
    "inventory_counts",
    "outbox_events",
)


@pytest.fixture
def shop(session: Session) -> Session:
    make_location(session, code=LOCATION)
    make_price_list(session, code=PRICE_LIST, currency="EUR")
    return session


def row_counts(session: Session) -> dict[str, int]:
    """How many rows each table the import may write holds."""
    session.flush()
    return {name: int(session.scalar(text(f"SELECT count(*) FROM {name}")) or 0) for name in TABLES}


@pytest.fixture
def admin_client(database_url: str, db: Database, tmp_path: Path) -> Iterator[TestClient]:
    """The application on the rolled-back test database, signed in to the back office as a
    staff user holding every scope."""
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, db)) as test_client:
        sign_in_client(test_client, staff_session_token(db, settings))
        yield test_client
