"""The bank screens in chromium (in French, the back office's default language): a
statement uploaded with htmx, the outcome shown in place, then the reconciliation screen
listing what is left."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Dialog, FilePayload, Page, expect
from sqlalchemy import select

from comptoir.billing.bank import service
from comptoir.billing.bank.models import BankLine
from comptoir.billing.ledger.models import Entry
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


def test_undoing_a_match_made_by_mistake(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given the March statement imported, one line matched on its own
    with committed_db.transaction() as session:
        account = make_account(session, label="Compte BNP")
        service.import_statement(
            session, account.id, file_name="mars.xml",
            content=(FIXTURES / "camt053_001_02.xml").read_bytes(),
        )  # fmt: skip
        matched = session.scalars(select(BankLine).where(BankLine.status == "matched")).one()
        line_id = matched.id
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)

    # when the accountant opens it and undoes the match
    page.goto(live_server.at(f"/admin/billing/bank/lines/{line_id}"))
    page.get_by_role("button", name="Annuler le rapprochement").click()

    # then she was warned, the line is back with those to reconcile, its entries reversed
    assert dialogs == ["Les écritures de ce rapprochement seront extournées dans le grand livre."]
    expect(page.locator("#flash")).to_contain_text(
        "La ligne est de retour parmi les lignes à rapprocher."
    )
    with committed_db.transaction(readonly=True) as session:
        line = session.get(BankLine, line_id)
        assert line is not None
        assert line.status == "unmatched"
        reversals = session.scalars(select(Entry).where(Entry.purpose == "reversal")).all()
        assert len(reversals) == 1
