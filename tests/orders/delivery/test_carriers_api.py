"""Carriers and rate tables through the admin API (``orders:read`` / ``orders:write``), and
their back-office page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from comptoir.orders.delivery import service
from tests.orders.delivery.factories import make_carriers
from tests.support.auth import act_as

CARRIERS = "/api/v1/carriers"
COLISSIMO = {
    "code": "colissimo",
    "name": "Colissimo",
    "kind": "home",
    "free_from_minor": 6000,
    "zones": [
        {
            "code": "fr",
            "name": "France",
            "countries": ["fr", "MC"],
            "rates": [
                {"max_weight_grams": 1000, "price_minor": 495},
                {"max_weight_grams": 5000, "price_minor": 795},
            ],
        }
    ],
}


def _client(settings: Settings, db: Database, *scopes: str) -> TestClient:
    app = create_app(settings, db)
    act_as(app, *scopes)
    return TestClient(app)


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    with _client(settings, db, "orders:read", "orders:write") as test_client:
        yield test_client


def test_a_carrier_is_created_with_its_rate_table(staff: TestClient) -> None:
    created = staff.post(CARRIERS, json=COLISSIMO)
    listed = staff.get(CARRIERS)

    assert created.status_code == 201, created.text
    carrier = created.json()
    assert carrier["zones"][0]["countries"] == ["FR", "MC"]
    assert [r["price_minor"] for r in carrier["zones"][0]["rates"]] == [495, 795]
    assert [c["code"] for c in listed.json()] == ["colissimo"]
    assert staff.get(f"{CARRIERS}/{carrier['id']}").json() == carrier


def test_a_second_carrier_with_the_same_code_is_refused(
    staff: TestClient, session: Session
) -> None:
    staff.post(CARRIERS, json=COLISSIMO)

    again = staff.post(CARRIERS, json={**COLISSIMO, "name": "Another"})

    assert (again.status_code, again.json()["field"]) == (409, "code")
    assert [c.name for c in service.list_carriers(session)] == ["Colissimo"]


def test_two_bands_ending_at_one_weight_are_refused(staff: TestClient) -> None:
    zone = {**COLISSIMO["zones"][0]}  # type: ignore[index]
    zone["rates"] = [
        {"max_weight_grams": 1000, "price_minor": 495},
        {"max_weight_grams": 1000, "price_minor": 595},
    ]

    refused = staff.post(CARRIERS, json={**COLISSIMO, "zones": [zone]})

    assert (refused.status_code, refused.json()["field"]) == (422, "zones.0.rates")
    assert staff.get(CARRIERS).json() == []


def test_put_replaces_the_whole_rate_table(staff: TestClient) -> None:
    carrier = staff.post(CARRIERS, json=COLISSIMO).json()
    table = {
        **COLISSIMO,
        "zones": [
            {
                "code": "corse",
                "name": "Corsica",
                "countries": ["FR"],
                "rates": [{"max_weight_grams": 2000, "price_minor": 990}],
            }
        ],
    }

    replaced = staff.put(f"{CARRIERS}/{carrier['id']}", json=table)

    assert replaced.status_code == 200, replaced.text
    zones = staff.get(f"{CARRIERS}/{carrier['id']}").json()["zones"]
    assert [(z["code"], [r["price_minor"] for r in z["rates"]]) for z in zones] == [
        ("corse", [990])
    ]


def test_changing_carriers_needs_orders_write(
    settings: Settings, db: Database, clock: FrozenClock
) -> None:
    with _client(settings, db, "orders:read") as reader:
        refused = reader.post(CARRIERS, json=COLISSIMO)
        listed = reader.get(CARRIERS)

    assert refused.status_code == 403
    assert (listed.status_code, listed.json()) == (200, [])


def test_the_carriers_page_shows_each_rate_table(client: TestClient, session: Session) -> None:
    make_carriers(session)
    session.commit()

    page = client.get("/admin/carriers")

    assert page.status_code == 200
    assert "Mondial Relay" in page.text
    assert "DHL Express" in page.text
    assert "DE, BE, IT, ES" not in page.text  # countries are stored sorted
    assert "BE, DE, ES, IT" in page.text
