"""The customers' admin API: create, search, validation problems in French and English,
addresses, consents, merge and unmerge, access."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.customers.models import Customer
from comptoir.kit.db.engine import Database
from comptoir.privacy.models import PrivacyAuditEntry
from tests.support.auth import act_as

CUSTOMERS = "/api/v1/customers"
RW = ("customers:read", "customers:write")


def _app(api: TestClient) -> FastAPI:
    app = api.app
    assert isinstance(app, FastAPI)
    return app


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def _create(api: TestClient, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"first_name": "Léa", "last_name": "Garnier", "email": "lea@example.fr"}
    body.update(kw)
    response = api.post(CUSTOMERS, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_customer_is_created_and_found_by_exact_email_or_phone(api: TestClient) -> None:
    act_as(_app(api), *RW)
    created = _create(
        api,
        phone="06 12 34 56 78",
        addresses=[{"line1": "5 rue Sainte-Catherine", "postcode": "33000", "city": "Bordeaux"}],
    )
    _create(api, email="autre@example.fr")

    by_email = api.get(CUSTOMERS, params={"q": "LEA@example.fr"}).json()
    by_phone = api.get(CUSTOMERS, params={"q": "+33 6 12 34 56 78"}).json()

    assert created["phone"] == "+33612345678"
    assert created["addresses"][0]["city"] == "Bordeaux"
    assert [c["id"] for c in by_email["items"]] == [created["id"]]
    assert [c["id"] for c in by_phone["items"]] == [created["id"]]


def test_validation_problems_name_each_field_in_french(api: TestClient, db: Database) -> None:
    act_as(_app(api), *RW)
    before = _count(db)

    response = api.post(
        CUSTOMERS,
        json={"kind": "company", "email": "pas-un-email", "siret": "73282932000075"},
        headers={"Accept-Language": "fr"},
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-customer"
    assert {e["field"]: e["message"] for e in problem["errors"]} == {
        "email": "Ce n\u2019est pas une adresse e-mail valide.",
        "siret": "Un SIRET compte 14 chiffres et une clé de contrôle valide.",
        "company_name": "Une entreprise doit avoir un nom.",
    }
    assert _count(db) == before


def test_validation_problems_in_english(api: TestClient) -> None:
    act_as(_app(api), *RW)

    response = api.post(CUSTOMERS, json={"phone": "12 34"}, headers={"Accept-Language": "en"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "phone",
            "message": "This is not a valid phone number: write it as 06 12 34 56 78 or "
            "+33 6 12 34 56 78.",
        }
    ]


def test_addresses_crud(api: TestClient) -> None:
    act_as(_app(api), *RW)
    customer = _create(api)
    base = f"{CUSTOMERS}/{customer['id']}/addresses"
    first = api.post(
        base,
        json={"line1": "1 rue A", "postcode": "75001", "city": "Paris", "is_default_billing": True},
    ).json()
    second = api.post(
        base,
        json={"line1": "2 rue B", "postcode": "69001", "city": "Lyon", "is_default_billing": True},
    ).json()

    changed = api.patch(f"{base}/{first['id']}", json={"city": "Paris 1er"})
    bad = api.patch(f"{base}/{first['id']}", json={"country": "ZZ"})
    deleted = api.delete(f"{base}/{second['id']}")
    listed = api.get(base).json()

    assert changed.json()["city"] == "Paris 1er"
    assert bad.status_code == 422
    assert bad.json()["field"] == "country"
    assert deleted.status_code == 204
    assert [(a["city"], a["is_default_billing"]) for a in listed] == [("Paris 1er", False)]


def test_consents_are_recorded_withdrawn_and_listed(api: TestClient) -> None:
    caller = act_as(_app(api), *RW)
    customer = _create(api)
    base = f"{CUSTOMERS}/{customer['id']}/consents"

    api.post(
        base,
        json={
            "channel": "email",
            "purpose": "marketing",
            "wording_version": "v1",
            "source": "web_shop",
        },
    )
    after = api.post(f"{base}/withdraw", json={"channel": "email", "purpose": "marketing"}).json()

    current = {(s["channel"], s["purpose"]): s["granted"] for s in after["current"]}
    assert current[("email", "marketing")] is False
    assert [(r["action"], r["recorded_by"]) for r in after["history"]] == [
        ("withdrawn", f"staff:{caller.id}"),
        ("granted", f"staff:{caller.id}"),
    ]


def test_merge_and_unmerge_over_the_api_are_audited(api: TestClient, session: Session) -> None:
    caller = act_as(_app(api), *RW)
    target = _create(api)
    source = _create(api, email="lea.garnier@example.fr")

    merged = api.post(f"{CUSTOMERS}/{target['id']}/merge", json={"source_id": source["id"]})
    gone = api.get(CUSTOMERS, params={"q": "lea.garnier@example.fr"}).json()
    undone = api.post(f"{CUSTOMERS}/merges/{merged.json()['id']}/unmerge")
    again = api.post(f"{CUSTOMERS}/merges/{merged.json()['id']}/unmerge")

    assert merged.status_code == 201
    assert gone["items"] == []  # merged customers leave the active list
    assert undone.status_code == 200
    assert undone.json()["unmerged_by"] == f"staff:{caller.id}"
    assert again.status_code == 409
    entries = session.scalars(
        select(PrivacyAuditEntry).where(PrivacyAuditEntry.action.like("customer.%"))
    ).all()
    assert sorted(e.action for e in entries) == ["customer.merged", "customer.unmerged"]
    assert {e.actor_id for e in entries} == {caller.id}


def test_every_write_of_the_api_is_in_the_audit_trail(api: TestClient, session: Session) -> None:
    caller = act_as(_app(api), *RW)
    customer = _create(api)

    entry = session.scalars(
        select(PrivacyAuditEntry).where(PrivacyAuditEntry.object_id == customer["id"])
    ).first()

    assert entry is not None
    assert entry.actor_id == caller.id
    assert entry.changes["email"] == {"old": "[redacted]", "new": "[redacted]"}


def test_reading_needs_the_read_scope_and_writing_the_write_scope(api: TestClient) -> None:
    act_as(_app(api), "customers:read")

    assert api.get(CUSTOMERS).status_code == 200
    assert api.post(CUSTOMERS, json={"email": "x@example.fr"}).status_code == 403


def test_lists_are_paginated_by_cursor_and_filtered_by_kind(api: TestClient) -> None:
    act_as(_app(api), *RW)
    for n in range(3):
        _create(api, email=f"p{n}@example.fr")
    _create(api, kind="company", company_name="Nova SARL", email="pro@example.fr")

    first = api.get(CUSTOMERS, params={"limit": 2, "kind": "person"}).json()
    second = api.get(
        CUSTOMERS, params={"limit": 2, "kind": "person", "cursor": first["next_cursor"]}
    ).json()

    emails = [c["email"] for c in first["items"] + second["items"]]
    assert sorted(emails) == ["p0@example.fr", "p1@example.fr", "p2@example.fr"]
    assert second["next_cursor"] is None
