"""Fixtures of the customers tests: a fresh in-memory keyring, an HTTP client on the real
application and the rolled-back test database; the back-office fixtures are shared."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.crypto.keyring import LocalKeyring, ephemeral_keyring, use_keyring
from comptoir.kit.crypto.service import unwrapped_keys
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import (  # noqa: F401  (fixtures)
    admin_settings,
    client,
    live_server,
    page,
)


@pytest.fixture(autouse=True)
def keyring() -> Iterator[LocalKeyring]:
    keys = ephemeral_keyring()
    unwrapped_keys.clear()
    with use_keyring(keys):
        yield keys
    unwrapped_keys.clear()


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client
