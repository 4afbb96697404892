"""The bank screens in chromium (in French, the back office's default language): a
statement uploaded with htmx, the outcome shown in place, then the reconciliation screen
listing what is left."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect

from comptoir.kit.db.engine import Database
from tests.billing.bank.factories import make_account
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]
FIXTURES = Path(__file__).parent / "fixtures"


def test_importing_a_statement_then_reconciling(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given the shop's account
    with committed_db.transaction() as session:
        make_account(session, label="Compte BNP")

    # when the March statement is uploaded from the import page
    page.goto(live_server.at("/admin/billing/bank/import"))
    page.get_by_label("Fichier du relevé").set_input_files(
        FilePayload(
            name="mars.xml",
            mimeType="application/xml",
            buffer=(FIXTURES / "camt053_001_02.xml").read_bytes(),
        )
    )
    page.get_by_role("button", name="Importer et rapprocher").click()

    # then the outcome is shown in place, and the screen lists the lines left to reconcile
    expect(page.locator("#import-outcome")).to_contain_text("5 lignes importées de mars.xml.")
    expect(page.locator("#import-outcome")).to_contain_text("1 rapprochées automatiquement")
    page.get_by_role("link", name="Aller au rapprochement").click()
    expect(page.locator("#bank-lines tbody tr")).to_have_count(4)
    page.screenshot(path="/tmp/bank-reconcile-1280.png", full_page=True)
    page.get_by_role("link", name="VIR SEPA RECU DE DUPONT JEAN").click()
    expect(page.locator("#bank-line")).to_contain_text("DUPONT JEAN")
