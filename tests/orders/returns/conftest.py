"""A staff client allowed to read and fulfil orders, next to the storefront client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    from tests.support.auth import act_as

    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def reader(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    from tests.support.auth import act_as

    app = create_app(settings, db)
    act_as(app, "orders:read")
    with TestClient(app) as test_client:
        yield test_client
