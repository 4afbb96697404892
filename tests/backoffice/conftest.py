"""Fixtures of the back-office tests: an HTTP client on the real application (rolled-back
database), and for browser tests a live server on a committed database and chromium."""

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

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    """Test settings with the back office open unless ``overrides`` say otherwise."""
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "data_dir": data_dir,
        "dev_open_admin": True,
        "run_worker_in_process": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def admin_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def client(admin_settings: Settings, db: Database) -> Iterator[TestClient]:
    """The application with the back office open, on the rolled-back test database."""
    with TestClient(create_app(admin_settings, db)) as test_client:
        yield test_client


def csrf_token_of(html: str) -> str:
    """The CSRF token a rendered page embeds in its forms."""
    match = CSRF_FIELD.search(html)
    assert match is not None, "the page carries no CSRF token"
    return match.group(1)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with open_page(browser) as browser_page:
        yield browser_page


@pytest.fixture
def live_server(database_url: str, committed_db: Database) -> Iterator[LiveServer]:
    """The real application under uvicorn, on the committed test database."""
    with serve(live_server_settings(database_url)) as server:
        yield server
