"""The ledger's back-office screens, through the HTTP client."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.billing.ledger import posting, service
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.billing.ledger.factories import make_invoice

EN = {"Accept-Language": "en"}
BASE = "/admin/billing/ledger"


def _invoice_posted(db: Database) -> str:
    with db.transaction() as session:
        invoice = make_invoice(
            session,
            issue_date=date(2026, 3, 10),
            due_date=date(2026, 4, 9),
            lines=[("goods", 10000, Decimal("0.2"))],
        )
        return str(posting.post_invoice(session, invoice).id)


def test_the_chart_lists_accounts_and_journals(client: TestClient) -> None:
    response = client.get(BASE, headers=EN)

    assert response.status_code == 200
    assert "411000" in response.text
    assert "Bilan d&#39;ouverture" in response.text
    assert f'href="{BASE}/entries?journal=AN"' in response.text


def test_entries_list_and_detail_show_the_posted_invoice(client: TestClient, db: Database) -> None:
    entry_id = _invoice_posted(db)

    listed = client.get(f"{BASE}/entries?journal=VE", headers=EN)
    detail = client.get(f"{BASE}/entries/{entry_id}", headers=EN)

    assert f'href="{BASE}/entries/{entry_id}"' in listed.text
    assert "VE-1" in listed.text
    assert "€120.00" in listed.text
    assert detail.status_code == 200
    assert "445711" in detail.text
    assert "2026-04-09" in detail.text
    assert "data-confirm=" in detail.text


def test_an_empty_entries_list_explains_itself(client: TestClient) -> None:
    response = client.get(f"{BASE}/entries?journal=AC", headers=EN)

    assert "No entry here" in response.text


def test_a_manual_entry_is_posted_and_an_unbalanced_one_comes_back(
    client: TestClient, db: Database
) -> None:
    form = client.get(f"{BASE}/entries/new", headers=EN)
    values = {
        "csrf_token": csrf_token_of(form.text),
        "entry_date": "2026-03-02",
        "label": "Frais",
        "piece_ref": "OD-7",
        "account_0": "658000",
        "debit_0": "15,50",
        "account_1": "512000",
        "credit_1": "15.40",
    }

    refused = client.post(f"{BASE}/entries/new", data=values, headers=EN, follow_redirects=False)
    posted = client.post(
        f"{BASE}/entries/new",
        data={**values, "credit_1": "15.50"},
        headers=EN,
        follow_redirects=False,
    )

    assert refused.status_code == 422
    assert "not balanced" in refused.text
    assert 'value="15.40"' in refused.text
    assert posted.status_code == 303
    with db.transaction(readonly=True) as session:
        entries = service.list_entries(session, journal="OD").items
        assert [(x.account_number, x.debit_minor, x.credit_minor) for x in entries[0].lines] == [
            ("658000", 1550, 0),
            ("512000", 0, 1550),
        ]


def test_reversing_from_the_detail_page(client: TestClient, db: Database) -> None:
    entry_id = _invoice_posted(db)
    page = client.get(f"{BASE}/entries/{entry_id}", headers=EN)

    response = client.post(
        f"{BASE}/entries/{entry_id}/reverse",
        data={"csrf_token": csrf_token_of(page.text)},
        follow_redirects=False,
    )

    assert response.status_code == 303
    with db.transaction(readonly=True) as session:
        assert (
            service.find_by_source(
                session, "ledger_entry", __import__("uuid").UUID(entry_id), "reversal"
            )
            is not None
        )


def test_the_reports_render_and_download(client: TestClient, db: Database) -> None:
    _invoice_posted(db)
    period = "date_from=2026-01-01&date_to=2026-12-31"

    balance = client.get(f"/admin/billing/reports?report=trial-balance&{period}", headers=EN)
    csv = client.get(f"/admin/billing/reports?report=trial-balance&{period}&format=csv")
    aged = client.get("/admin/billing/reports?report=aged-receivables&as_of=2026-06-01", headers=EN)
    vat = client.get(f"/admin/billing/reports?report=vat&{period}", headers=EN)
    subledger = client.get(f"/admin/billing/reports?report=sub-ledger&{period}", headers=EN)
    ledger = client.get(f"{BASE}/accounts/411000?{period}&format=csv")

    assert "€120.00" in balance.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert "707000;Ventes de marchandises;0.00;0.00;100.00;-100.00" in csv.text
    assert "<svg" in aged.text
    assert "<rect" in aged.text
    assert "31 to 60 days" in aged.text
    assert "CA3 return boxes" in vat.text
    assert "Standard rate 20 %" in vat.text
    assert "CDIVERS" in subledger.text
    assert "FA-2026" in ledger.text


def test_lock_and_close_from_the_closing_page(client: TestClient, db: Database) -> None:
    page = client.get(f"{BASE}/closing", headers=EN)
    token = csrf_token_of(page.text)

    backwards = client.post(
        f"{BASE}/lock", data={"csrf_token": token, "lock_date": "2999-01-01"}, headers=EN
    )
    unknown = client.post(
        f"{BASE}/close-year", data={"csrf_token": token, "year": "2019"}, headers=EN
    )

    assert page.text.count("data-confirm=") == 2
    assert backwards.status_code == 422
    assert "only moves forward" in backwards.text
    assert unknown.status_code == 422
    assert "no fiscal year" in unknown.text
    with db.transaction(readonly=True) as session:
        assert service.lock_date(session) is None
