"""An HTTP client on the real application and the rolled-back test database; the back-office
fixtures (client with the back office open, browser, live server) are shared."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import (  # noqa: F401  (fixtures)
    admin_settings,
    client,
    live_server,
    page,
)


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client
