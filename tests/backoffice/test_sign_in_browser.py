"""Sign-in in chromium: an owner signs in, sets up two-step verification with the key shown on
the page, and reaches the Operations page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from comptoir.identity import service
from comptoir.kit.db.engine import Database
from tests.identity.conftest import PASSWORD
from tests.support.browser import open_page
from tests.support.live_server import LiveServer, live_server_settings, serve

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def gated_server(database_url: str, committed_db: Database) -> Iterator[LiveServer]:
    """The real application under uvicorn with the back office behind sign-in, and an owner
    (created once the server runs, under its keys)."""
    with serve(live_server_settings(database_url)) as server:
        with committed_db.transaction() as session:
            service.ensure_builtin_roles(session)
            service.create_user(
                session,
                email="owner@example.com",
                display_name="Camille Martin",
                password=PASSWORD,
                role_keys=["owner"],
            )
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A chromium page that nobody signed in yet."""
    with open_page(browser) as browser_page:
        yield browser_page


def test_an_owner_signs_in_sets_up_totp_and_reaches_operations(
    page: Page, gated_server: LiveServer
) -> None:
    # given the Operations page asked for without a session: the sign-in page shows
    page.goto(gated_server.at("/admin/operations"))
    expect(page.get_by_role("heading", name="Connexion au back-office")).to_be_visible()

    page.screenshot(path="/tmp/identity-login.png")

    # when the owner signs in
    page.get_by_label("Adresse e-mail").fill("owner@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # then she must set up two-step verification: she types the code for the key shown
    expect(
        page.get_by_role("heading", name="Configurer la validation en deux étapes")
    ).to_be_visible()
    page.screenshot(path="/tmp/identity-mfa-setup.png", full_page=True)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer la validation en deux étapes").click()

    # and after her recovery codes, she reaches the Operations page
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name=re.compile("mes codes de secours")).click()
    expect(page.get_by_role("heading", name="Exploitation")).to_be_visible()
    assert page.url == gated_server.at("/admin/operations")
    # (pages to look at when they change)
    for name in ("users", "roles", "account"):
        page.goto(gated_server.at(f"/admin/{name}"))
        page.screenshot(path=f"/tmp/identity-{name}.png", full_page=True)
