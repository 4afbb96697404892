"""Fixtures of the privacy tests: an in-memory keyring and the encryption test tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from comptoir.kit.crypto.keyring import ephemeral_keyring, use_keyring
from comptoir.kit.db.engine import Database
from tests.kit.crypto.models import create_test_tables


@pytest.fixture(autouse=True)
def _keyring() -> Iterator[None]:
    with use_keyring(ephemeral_keyring()):
        yield


@pytest.fixture
def tables(db: Database) -> Database:
    with db.transaction() as session:
        create_test_tables(session.connection())
    return db


# The back office's browser fixtures (chromium, a page, the live server).
from tests.backoffice.conftest import live_server, page  # noqa: E402, F401
