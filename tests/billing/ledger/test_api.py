"""The ledger's admin API: scopes, a manual entry, problems naming the field, reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.support.auth import act_as

BASE = "/api/v1/billing/ledger"
ENTRY = {
    "entry_date": "2026-03-02",
    "label": "Frais divers",
    "piece_ref": "OD-1",
    "lines": [
        {"account": "658000", "debit_minor": 1500},
        {"account": "512000", "credit_minor": 1500},
    ],
}


@pytest.fixture
def app(settings: Settings, db: Database, clock: FrozenClock) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_reading_needs_billing_read_and_posting_billing_post(
    app: FastAPI, http: TestClient
) -> None:
    act_as(app, "billing:read")

    assert http.get(f"{BASE}/accounts").status_code == 200
    assert http.post(f"{BASE}/entries", json=ENTRY).status_code == 403


def test_a_manual_entry_is_posted_reversed_and_reported(app: FastAPI, http: TestClient) -> None:
    act_as(app, "billing:read", "billing:post")

    posted = http.post(f"{BASE}/entries", json=ENTRY)
    entry_id = posted.json()["id"]
    reversed_ = http.post(f"{BASE}/entries/{entry_id}/reverse", json={"on": "2026-03-03"})
    listed = http.get(f"{BASE}/entries", params={"account": "658000"})
    balance = http.get(f"{BASE}/reports/trial-balance", params={"year": 2026})

    assert posted.status_code == 201
    assert (posted.json()["journal_code"], posted.json()["number"]) == ("OD", 1)
    assert reversed_.status_code == 201
    assert reversed_.json()["reverses_entry_id"] == entry_id
    assert len(listed.json()["items"]) == 2
    rows = {row["account"]: row for row in balance.json()}
    assert (rows["658000"]["debit_minor"], rows["658000"]["closing_minor"]) == (1500, 0)


def test_an_unbalanced_entry_is_a_problem_in_french(app: FastAPI, http: TestClient) -> None:
    act_as(app, "billing:post")
    body = {
        **ENTRY,
        "lines": [
            {"account": "658000", "debit_minor": 1500},
            {"account": "512000", "credit_minor": 1400},
        ],
    }

    response = http.post(f"{BASE}/entries", json=body, headers={"Accept-Language": "fr"})

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/ledger-entry-unbalanced")
    assert "équilibrée" in problem["title"]
    assert http.get(f"{BASE}/entries").status_code == 403


def test_the_lock_date_and_closing_answers(app: FastAPI, http: TestClient) -> None:
    act_as(app, "billing:read", "billing:post")
    http.post(f"{BASE}/entries", json=ENTRY)

    locked = http.put(f"{BASE}/lock-date", json={"lock_date": "2026-03-31"})
    backwards = http.put(f"{BASE}/lock-date", json={"lock_date": "2026-01-31"})
    refused = http.post(f"{BASE}/entries", json=ENTRY)
    unknown = http.post(f"{BASE}/close-year", json={"year": 2019})
    vat = http.get(f"{BASE}/reports/vat-summary", params={"year": 2026})

    assert locked.json() == {"lock_date": "2026-03-31"}
    assert backwards.status_code == 422
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/ledger-period-locked")
    assert unknown.status_code == 404
    assert vat.status_code == 200
    assert any(box["code"] == "28" for box in vat.json()["boxes"])
    assert vat.json()["distance_sales"] == {
        "year": 2026, "current_year_minor": 0, "previous_year_minor": 0,
        "threshold_minor": 1_000_000, "exceeded": False, "setting_exceeded": True, "agrees": True,
    }  # fmt: skip
