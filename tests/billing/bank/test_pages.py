"""The bank screens of the back office, through the HTTP client: accounts, the import with
its problems, the reconciliation screen and a person's decision."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.billing.bank.models import BankLine, BankMatch
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.billing.bank.factories import IBAN, issue_invoice, make_account
from tests.billing.invoices.factories import make_seller

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
FIXTURES = Path(__file__).parent / "fixtures"


def test_an_account_is_added_from_the_bank_page(client: TestClient, db: Database) -> None:
    page = client.get("/admin/billing/bank", headers=EN)
    assert page.status_code == 200
    assert "No bank account yet" in page.text

    wrong = client.post(
        "/admin/billing/bank/accounts",
        data={"csrf_token": csrf_token_of(page.text), "label": "", "iban": "FR76"},
        headers=EN,
    )
    added = client.post(
        "/admin/billing/bank/accounts",
        data={"csrf_token": csrf_token_of(page.text), "label": "Compte BNP", "iban": IBAN},
        headers=EN,
    )

    assert wrong.status_code == 422
    assert "Give the account a name." in wrong.text
    assert added.status_code == 200  # followed the redirect
    assert "Compte BNP" in added.text
    assert IBAN in added.text


def test_a_refused_file_lists_its_problems(client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        account_id = make_account(session).id
    page = client.get("/admin/billing/bank/import", headers=EN)
    content = "Date;Libellé;Montant\n32/01/2026;X;1,00\n".encode()

    answer = client.post(
        "/admin/billing/bank/import",
        data={"csrf_token": csrf_token_of(page.text), "account_id": str(account_id)},
        files={"file": ("releve.csv", content, "text/csv")},
        headers=EN,
    )

    assert answer.status_code == 422
    assert "line 2 / Date" in answer.text
    assert "dd/mm/yyyy" in answer.text


def test_a_suggestion_is_confirmed_from_the_reconciliation_screen(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    with db.transaction() as session:
        make_seller(session)
        first = issue_invoice(session, clock, "Jean Dupont", date(2026, 2, 10), 20000)
        issue_invoice(session, clock, "Jean Dupont", date(2026, 2, 11), 20000)
        account_id = make_account(session).id
    page = client.get("/admin/billing/bank/import", headers=FR)
    content = (FIXTURES / "camt053_001_02.xml").read_bytes()

    imported = client.post(
        "/admin/billing/bank/import",
        data={"csrf_token": csrf_token_of(page.text), "account_id": str(account_id)},
        files={"file": ("mars.xml", content, "application/xml")},
        headers={**FR, "HX-Request": "true"},
    )
    screen = client.get(f"/admin/billing/bank/reconcile?account_id={account_id}", headers=EN)

    assert imported.status_code == 200
    assert "import-outcome" in imported.text
    assert screen.status_code == 200
    # DUPONT JEAN's 240.00 has the same amount as both invoices: a person decides
    assert "confidence" in screen.text
    assert "Counterpart named Jean Dupont" in screen.text
    with db.transaction(readonly=True) as session:
        dupont = session.scalars(select(BankLine).where(BankLine.position == 1)).one().id
    line_page = client.get(f"/admin/billing/bank/lines/{dupont}?q=dupont", headers=EN)
    assert line_page.status_code == 200, line_page.text
    assert "Match by hand" in line_page.text
    assert "Counterpart named Jean Dupont" in line_page.text
    with db.transaction(readonly=True) as session:
        proposal = session.scalars(
            select(BankMatch).where(BankMatch.target_key == str(first.id))
        ).first()
        assert proposal is not None
        proposal_id = proposal.id
    confirmed = client.post(
        f"/admin/billing/bank/matches/{proposal_id}/confirm",
        data={"csrf_token": csrf_token_of(screen.text)},
        headers=EN,
    )
    assert confirmed.status_code == 200
    assert "The line was reconciled." in confirmed.text
    with db.transaction(readonly=True) as session:
        line = session.scalars(select(BankLine).where(BankLine.position == 1)).one()
        assert line.status == "matched"

    # matched by mistake after all: undone from the line's page, in French
    matched_page = client.get(f"/admin/billing/bank/lines/{dupont}", headers=FR)
    assert "Annuler le rapprochement" in matched_page.text
    undone = client.post(
        f"/admin/billing/bank/lines/{dupont}/reopen",
        data={"csrf_token": csrf_token_of(matched_page.text)},
        headers=FR,
    )
    assert undone.status_code == 200
    assert "La ligne est de retour parmi les lignes à rapprocher." in undone.text
    with db.transaction(readonly=True) as session:
        line = session.scalars(select(BankLine).where(BankLine.position == 1)).one()
        assert line.status == "unmatched"
        decided = session.scalars(select(BankMatch).where(BankMatch.line_id == line.id)).all()
        assert {m.status for m in decided} <= {"rejected", "proposed"}
        assert "rejected" in {m.status for m in decided}
    again = client.post(
        f"/admin/billing/bank/lines/{dupont}/reopen",
        data={"csrf_token": csrf_token_of(matched_page.text)},
        headers=EN,
    )
    assert again.status_code == 409
    assert "This bank line is not reconciled: there is nothing to undo." in again.text
