"""Shared fixtures of the inventory tests: a variant and a location in the rolled-back test
session, a back-office client, and for browser tests chromium and a live server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import make_settings
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.support.browser import open_page
from tests.support.live_server import LiveServer, live_server_settings, serve


@pytest.fixture
def variant_id(session: Session) -> uuid.UUID:
    return make_variant(session).id


@pytest.fixture
def location_id(session: Session) -> uuid.UUID:
    return make_location(session).id


@pytest.fixture
def admin_client(database_url: str, db: Database, tmp_path: Path) -> Iterator[TestClient]:
    """The application with the back office open, on the rolled-back test database."""
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with open_page(browser, locale="en-GB") as browser_page:
        yield browser_page


@pytest.fixture
def live_server(database_url: str, committed_db: Database) -> Iterator[LiveServer]:
    with serve(live_server_settings(database_url)) as server:
        yield server
