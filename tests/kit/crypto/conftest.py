"""Fixtures of the encryption tests: a fresh in-memory keyring, and the test-only tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from comptoir.kit.crypto.keyring import LocalKeyring, ephemeral_keyring, use_keyring
from comptoir.kit.crypto.service import unwrapped_keys
from comptoir.kit.db.engine import Database
from tests.kit.crypto.models import create_test_tables


@pytest.fixture(autouse=True)
def keyring() -> Iterator[LocalKeyring]:
    keys = ephemeral_keyring()
    unwrapped_keys.clear()
    with use_keyring(keys):
        yield keys
    unwrapped_keys.clear()


@pytest.fixture
def tables(db: Database) -> Database:
    """The test-only tables, created inside the rolled-back test transaction."""
    with db.transaction() as session:
        create_test_tables(session.connection())
    return db


@pytest.fixture
def people(tables: Database) -> Iterator[Session]:
    session = tables.session()
    try:
        yield session
    finally:
        session.close()
