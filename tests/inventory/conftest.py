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
from tests.support.staff import sign_in_client, sign_in_page, staff_session_token


@pytest.fixture
def variant_id(session: Session) -> uuid.UUID:
    return make_variant(session).id


@pytest.fixture
def location_id(session: Session) -> uuid.UUID:
    return make_location(session).id


@pytest.fixture
def admin_client(database_url: str, db: Database, tmp_path: Path) -> Iterator[TestClient]:
    """The application on the rolled-back test database, signed in to the back office as a
    staff user holding every scope."""
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, db)) as test_client:
        sign_in_client(test_client, staff_session_token(db, settings))
        yield test_client


@pytest.fixture
def live_server(database_url: str, committed_db: Database) -> Iterator[LiveServer]:
    with serve(live_server_settings(database_url)) as server:
        yield server


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, committed_db: Database) -> Iterator[Page]:
    """A chromium page (in English) signed in to ``live_server``'s back office as a staff user
    holding every scope."""
    token = staff_session_token(committed_db, live_server.settings)
    with open_page(browser, locale="en-GB") as browser_page:
        sign_in_page(browser_page, live_server.url, token)
        yield browser_page
