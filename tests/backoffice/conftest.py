"""Fixtures of the back-office tests: an HTTP client on the real application (rolled-back
database) signed in as a staff user holding every scope, and for browser tests a live server on
a committed database and a chromium page signed in the same way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.support.browser import open_page
from tests.support.live_server import LiveServer, live_server_settings, serve
from tests.support.staff import sign_in_client, sign_in_page, staff_session_token

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    """Test settings (no worker in the process) unless ``overrides`` say otherwise."""
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "data_dir": data_dir,
        "run_worker_in_process": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def admin_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def client(admin_settings: Settings, db: Database) -> Iterator[TestClient]:
    """The application on the rolled-back test database, signed in to the back office as a
    staff user holding every scope."""
    with TestClient(create_app(admin_settings, db)) as test_client:
        sign_in_client(test_client, staff_session_token(db, admin_settings))
        yield test_client


def csrf_token_of(html: str) -> str:
    """The CSRF token a rendered page embeds in its forms."""
    match = CSRF_FIELD.search(html)
    assert match is not None, "the page carries no CSRF token"
    return match.group(1)


@pytest.fixture
def live_server(database_url: str, committed_db: Database) -> Iterator[LiveServer]:
    """The real application under uvicorn, on the committed test database."""
    with serve(live_server_settings(database_url)) as server:
        yield server


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, committed_db: Database) -> Iterator[Page]:
    """A chromium page signed in to ``live_server``'s back office as a staff user holding
    every scope."""
    token = staff_session_token(committed_db, live_server.settings)
    with open_page(browser) as browser_page:
        sign_in_page(browser_page, live_server.url, token)
        yield browser_page
