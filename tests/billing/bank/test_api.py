"""The bank's admin API: accounts, multipart statement import with its problems, lines and
the decisions on them, and the scopes they need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.api import create_app
from comptoir.billing.bank.models import BankLine
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.billing.bank.factories import IBAN
from tests.support.auth import act_as

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "/api/v1/billing/bank"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _account(client: TestClient) -> str:
    answer = client.post(
        f"{BASE}/accounts",
        json={"label": "Compte courant", "iban": "FR76 3000 4000 0312 3456 7890 143"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _line_count(db: Database) -> int:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(BankLine)) or 0


def test_a_statement_is_imported_then_its_lines_read_and_decided(
    app: FastAPI, client: TestClient, db: Database
) -> None:
    act_as(app, "billing:read", "billing:post")
    account_id = _account(client)
    content = (FIXTURES / "camt053_001_02.xml").read_bytes()

    imported = client.post(
        f"{BASE}/accounts/{account_id}/statements",
        files={"file": ("mars.xml", content, "application/xml")},
    )
    again = client.post(
        f"{BASE}/accounts/{account_id}/statements",
        files={"file": ("mars.xml", content, "application/xml")},
    )

    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["is_new"] is True
    assert body["statement"]["line_count"] == 5
    assert body["statement"]["closing_balance"] == {
        "amount": "142.54",
        "currency": "EUR",
        "minor_units": 14254,
    }
    # the fee line is reconciled by its wording; the rest has nothing open to match
    assert (body["matched"], body["unmatched"]) == (1, 4)
    assert again.json()["is_new"] is False
    assert _line_count(db) == 5
    lines = client.get(f"{BASE}/lines", params={"status": "unmatched", "account_id": account_id})
    assert lines.status_code == 200
    items = lines.json()["items"]
    assert len(items) == 4
    first = next(i for i in items if i["reference"] == "FA-2026-000045")
    assert first["counterpart_name"] == "DUPONT JEAN"
    assert first["amount"] == {"amount": "240.00", "currency": "EUR", "minor_units": 24000}
    fee = client.get(f"{BASE}/lines", params={"status": "matched"}).json()["items"][0]
    assert fee["matches"][0]["target_type"] == "bank_fee"
    assert fee["matches"][0]["reasons"][0]["code"] == "bank_fee_wording"

    ignored = client.post(f"{BASE}/lines/{first['id']}/ignore", json={"note": "doublon"})
    assert ignored.status_code == 200
    assert ignored.json()["status"] == "ignored"
    twice = client.post(f"{BASE}/lines/{first['id']}/ignore", json={})
    assert twice.status_code == 409
    assert twice.json()["type"] == "/problems/bank-line-state-conflict"

    # the fee was matched by mistake: reopened, its entry reversed, the match kept as rejected
    reopened = client.post(f"{BASE}/lines/{fee['id']}/reopen")
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "unmatched"
    assert [m["status"] for m in reopened.json()["matches"]] == ["rejected"]
    not_reconciled = client.post(f"{BASE}/lines/{fee['id']}/reopen")
    assert not_reconciled.status_code == 409
    assert not_reconciled.json()["type"] == "/problems/bank-line-not-reconciled"
    assert client.post(f"{BASE}/lines/{first['id']}/reopen").json()["status"] == "unmatched"


def test_a_bad_file_answers_every_problem_and_imports_nothing(
    app: FastAPI, client: TestClient, db: Database
) -> None:
    act_as(app, "billing:read", "billing:post")
    account_id = _account(client)
    content = (
        "Date;Libellé;Débit;Crédit\n01/04/2026;OK;;10,00\n31/02/2026;X;;1,00\n03/04/2026;Y;;dix\n"
    ).encode()

    answer = client.post(
        f"{BASE}/accounts/{account_id}/statements",
        files={"file": ("releve.csv", content, "text/csv")},
        headers={"Accept-Language": "fr"},
    )

    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "/problems/bank-statement-rejected"
    assert [e["field"] for e in problem["errors"]] == ["line 3 / Date", "line 4 / Crédit"]
    assert "dix" in problem["errors"][1]["message"]
    assert _line_count(db) == 0


def test_a_statement_of_another_account_is_refused(app: FastAPI, client: TestClient) -> None:
    act_as(app, "billing:read", "billing:post")
    other = client.post(
        f"{BASE}/accounts", json={"label": "Autre", "iban": "FR1420041010050500013M02606"}
    ).json()["id"]

    answer = client.post(
        f"{BASE}/accounts/{other}/statements",
        files={
            "file": ("s.xml", (FIXTURES / "camt053_001_08.xml").read_bytes(), "application/xml")
        },
    )

    assert answer.status_code == 422
    assert answer.json()["type"] == "/problems/bank-statement-wrong-account"
    assert IBAN in answer.json()["detail"]


def test_importing_needs_the_post_scope(app: FastAPI, client: TestClient, db: Database) -> None:
    act_as(app, "billing:read", "billing:post")
    account_id = _account(client)
    act_as(app, "billing:read")

    answer = client.post(
        f"{BASE}/accounts/{account_id}/statements",
        files={
            "file": ("s.xml", (FIXTURES / "camt053_001_02.xml").read_bytes(), "application/xml")
        },
    )

    assert answer.status_code == 403
    assert _line_count(db) == 0
    assert client.get(f"{BASE}/accounts").status_code == 200


def test_an_unknown_proposal_is_a_404(app: FastAPI, client: TestClient) -> None:
    act_as(app, "billing:read", "billing:post")

    answer = client.post(f"{BASE}/matches/0190a0a0-0000-7000-8000-000000000000/confirm")

    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/bank-match-not-found"
