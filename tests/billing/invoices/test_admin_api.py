"""The invoices' admin API: the seller's identity and channel policies, exchange rates,
drafts issued, listed and read, credit notes and payments; precise problems; scopes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.billing.invoices.factories import SELLER_SIREN
from tests.orders.factories import make_shop
from tests.support.auth import act_as

BILLING = "/api/v1/billing"
SELLER = {
    "legal_name": "BoutiqueNova SAS",
    "siren": SELLER_SIREN,
    "address_line1": "8 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
}
DRAFT = {
    "buyer_name": "Atelier Durand SARL",
    "buyer_address": "3 quai des Chartrons\n33000 Bordeaux\nFR",
    "buyer_vat_number": "FR83404833048",
    "payment_terms_days": 45,
    "lines": [
        {"kind": "service", "title": "Conseil", "quantity": "2", "unit_price_excl_minor": 9000,
         "vat_rate": "20"},
    ],
}  # fmt: skip


def _client(settings: Settings, db: Database, *scopes: str) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, *scopes)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    yield from _client(settings, db, "billing:read", "billing:issue")


@pytest.fixture
def reader(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    yield from _client(settings, db, "billing:read")


def test_the_seller_is_checked_then_saved(staff: TestClient) -> None:
    missing = staff.get(f"{BILLING}/seller")
    refused = staff.put(f"{BILLING}/seller", json={**SELLER, "siren": "123456789"})
    saved = staff.put(f"{BILLING}/seller", json=SELLER, headers={"Accept-Language": "fr"})

    assert (missing.status_code, missing.json()["type"]) == (409, "/problems/seller-not-configured")
    assert (refused.status_code, refused.json()["type"]) == (
        422,
        "/problems/invalid-seller-profile",
    )
    assert refused.json()["field"] == "siren"
    assert saved.status_code == 200, saved.text
    assert staff.get(f"{BILLING}/seller").json()["siren"] == SELLER_SIREN


def test_a_draft_is_issued_listed_credited_and_paid(staff: TestClient, clock: FrozenClock) -> None:
    staff.put(f"{BILLING}/seller", json=SELLER)
    draft = staff.post(f"{BILLING}/invoices", json=DRAFT)
    assert draft.status_code == 201, draft.text
    invoice_id = draft.json()["id"]

    issued = staff.post(f"{BILLING}/invoices/{invoice_id}/issue").json()
    changed = staff.put(f"{BILLING}/invoices/{invoice_id}", json=DRAFT)
    listed = staff.get(f"{BILLING}/invoices", params={"kind": "invoice", "status": "issued"})
    line_id = issued["lines"][0]["id"]
    over = staff.post(
        f"{BILLING}/invoices/{invoice_id}/credit-notes",
        json={"reason": "Erreur", "lines": [{"line_id": line_id, "quantity": "3"}]},
    )
    note = staff.post(
        f"{BILLING}/invoices/{invoice_id}/credit-notes",
        json={"reason": "Erreur", "lines": [{"line_id": line_id, "quantity": "1"}]},
    )
    paid = staff.post(
        f"{BILLING}/invoices/{invoice_id}/settlements",
        json={"amount_minor": 10800, "settled_on": "2026-11-23", "method": "bank_transfer"},
    )

    assert (issued["number"], issued["total_gross"]["amount"]) == ("FA-2026-000001", "216.00")
    assert issued["due_date"] == "2027-01-07"
    assert issued["tax_totals"] == [
        {"category": "S", "rate": "20", "base": {"amount": "180.00", "currency": "EUR",
         "minor_units": 18000}, "tax": {"amount": "36.00", "currency": "EUR",
         "minor_units": 3600}, "exemption_reason": None}
    ]  # fmt: skip
    assert (changed.status_code, changed.json()["type"]) == (
        409,
        "/problems/invoice-already-issued",
    )
    assert [item["number"] for item in listed.json()["items"]] == ["FA-2026-000001"]
    assert (over.status_code, over.json()["field"]) == (422, "lines.0.quantity")
    assert note.status_code == 201, note.text
    assert (note.json()["number"], note.json()["total_gross"]["minor_units"]) == (
        "AV-2026-000001", 10800,
    )  # fmt: skip
    assert paid.status_code == 201, paid.text
    final = staff.get(f"{BILLING}/invoices/{invoice_id}").json()
    assert (final["status"], final["amount_due"]["minor_units"]) == ("paid", 0)
    assert [n["number"] for n in final["credit_notes"]] == ["AV-2026-000001"]


def test_an_amount_is_credited_and_lines_with_an_amount_are_refused(
    staff: TestClient, clock: FrozenClock
) -> None:
    staff.put(f"{BILLING}/seller", json=SELLER)
    invoice_id = staff.post(f"{BILLING}/invoices", json=DRAFT).json()["id"]
    issued = staff.post(f"{BILLING}/invoices/{invoice_id}/issue").json()
    url = f"{BILLING}/invoices/{invoice_id}/credit-notes"

    both = staff.post(
        url,
        json={"reason": "Geste", "amount_minor": 500,
              "lines": [{"line_id": issued["lines"][0]["id"], "quantity": "1"}]},
    )  # fmt: skip
    over = staff.post(url, json={"reason": "Geste", "amount_minor": 21601})
    gesture = staff.post(url, json={"reason": "Geste commercial", "amount_minor": 1500})

    assert both.status_code == 422
    assert (over.status_code, over.json()["type"], over.json()["field"]) == (
        422, "/problems/over-credit", "amount_minor",
    )  # fmt: skip
    assert gesture.status_code == 201, gesture.text
    note = gesture.json()
    assert (note["kind"], note["number"], note["total_payable"]["minor_units"]) == (
        "credit_note", "AV-2026-000001", 1500,
    )  # fmt: skip
    assert note["tax_totals"][0]["base"]["minor_units"] == 1250


def test_channel_policies_and_exchange_rates(staff: TestClient, session: Session) -> None:
    shop = make_shop(session)
    session.commit()
    url = f"{BILLING}/channels/{shop.channel.id}/invoicing"

    before = staff.get(url).json()
    reserved = staff.put(url, json={"issue_on": "shipment", "series": "AV"})
    saved = staff.put(url, json={"issue_on": "shipment", "series": "WEB"})
    rate = staff.post(
        f"{BILLING}/exchange-rates",
        json={"currency": "usd", "rate_date": "2026-11-20", "rate": "0.92"},
    )

    assert (before["issue_on"], before["series"]) == ("payment", "FA")
    assert (reserved.status_code, reserved.json()["field"]) == (422, "series")
    assert (saved.json()["issue_on"], saved.json()["series"]) == ("shipment", "WEB")
    assert rate.status_code == 201, rate.text
    assert [(r["currency"], r["rate"]) for r in staff.get(f"{BILLING}/exchange-rates").json()] == [
        ("USD", "0.92000000")
    ]


def test_issuing_needs_the_issue_scope(reader: TestClient) -> None:
    refused = reader.post(f"{BILLING}/invoices", json=DRAFT)

    assert refused.status_code == 403
    assert reader.get(f"{BILLING}/invoices").json()["items"] == []
