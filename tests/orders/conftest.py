"""An HTTP client on the real application and the rolled-back test database; storefront
calls carry a real channel key, admin calls act as a staff member."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import (  # noqa: F401  (fixtures)
    admin_settings,
    client,
    live_server,
    page,
)
from tests.support.mail import inbox, smtp_port  # noqa: F401  (fixtures)


@pytest.fixture
def api(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client
