"""The location screens and the reorder parameters over HTTP."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.models import Location, ReorderParameters
from comptoir.purchasing.models import Supplier
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location

LOCATIONS = "/admin/inventory/locations"


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_list_shows_kind_hours_and_click_and_collect(
    admin_client: TestClient, session: Session
) -> None:
    make_location(
        session,
        code="ST-PARIS",
        name="Boutique Paris",
        kind="store",
        city="Paris",
        click_and_collect=True,
        opening_hours={"sat": [{"opens": "10:00", "closes": "19:00"}]},
    )
    make_location(session, code="WH-1", name="Entrepôt Orléans", kind="warehouse")
    session.commit()

    html = admin_client.get(LOCATIONS).text
    stores = admin_client.get(f"{LOCATIONS}?kind=store").text

    row = html.split("Boutique Paris", 1)[1].split("</tr>", 1)[0]
    assert "Magasin" in row
    assert "Samedi 10:00-19:00" in row
    assert "Oui" in row
    assert "Entrepôt Orléans" not in stores


def test_an_empty_list_explains_and_offers_to_add(admin_client: TestClient) -> None:
    html = admin_client.get(LOCATIONS).text

    assert "Aucun emplacement pour l\u2019instant" in html
    assert f'href="{LOCATIONS}/new"' in html


def test_a_store_is_created_with_address_hours_and_click_and_collect(
    admin_client: TestClient, session: Session
) -> None:
    token = csrf_token_of(admin_client.get(f"{LOCATIONS}/new").text)

    response = admin_client.post(
        f"{LOCATIONS}/new",
        data={
            "csrf_token": token,
            "code": "ST-LYON",
            "kind": "store",
            "name": "Boutique Lyon",
            "address_line1": "12 rue de la République",
            "postal_code": "69002",
            "city": "Lyon",
            "country": "fr",
            "hours_mon": "09:30-12:30, 14:00-19:00",
            "hours_sat": "10:00-18:00",
            "click_and_collect": "1",
            "is_active": "1",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    location = session.scalars(select(Location)).one()
    assert (location.kind, location.city, location.country, location.click_and_collect) == (
        "store",
        "Lyon",
        "FR",
        True,
    )
    assert location.opening_hours == {
        "mon": [{"opens": "09:30", "closes": "12:30"}, {"opens": "14:00", "closes": "19:00"}],
        "sat": [{"opens": "10:00", "closes": "18:00"}],
    }


def test_an_external_partner_is_created(admin_client: TestClient, session: Session) -> None:
    token = csrf_token_of(admin_client.get(f"{LOCATIONS}/new").text)

    response = admin_client.post(
        f"{LOCATIONS}/new",
        data={
            "csrf_token": token,
            "code": "EXT-3PL",
            "kind": "external",
            "name": "Logisticien",
            "external_kind": "3pl",
            "external_partner": "Cubyn",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    location = session.scalars(select(Location)).one()
    assert (location.external_kind, location.external_partner) == ("3pl", "Cubyn")


def test_bad_hours_and_a_taken_code_show_their_errors_and_create_nothing(
    admin_client: TestClient, session: Session
) -> None:
    make_location(session, code="WH-1")
    session.commit()
    token = csrf_token_of(admin_client.get(f"{LOCATIONS}/new").text)
    data = {"csrf_token": token, "code": "WH-2", "kind": "store", "name": "Boutique"}

    bad_hours = admin_client.post(f"{LOCATIONS}/new", data={**data, "hours_tue": "19:00-09:00"})
    taken = admin_client.post(f"{LOCATIONS}/new", data={**data, "code": "WH-1"})

    assert bad_hours.status_code == taken.status_code == 422
    assert 'id="hours_tue-error"' in bad_hours.text
    assert 'value="19:00-09:00"' in bad_hours.text
    assert 'id="code-error"' in taken.text
    assert _count(session, Location) == 1


def test_a_location_is_edited_and_switched_off(admin_client: TestClient, session: Session) -> None:
    location = make_location(session, name="Boutique", kind="store", click_and_collect=True)
    session.commit()
    page = admin_client.get(f"{LOCATIONS}/{location.id}").text

    response = admin_client.post(
        f"{LOCATIONS}/{location.id}",
        data={"csrf_token": csrf_token_of(page), "name": "Boutique Bordeaux", "city": "Bordeaux"},
        follow_redirects=False,
    )
    refused = admin_client.post(
        f"{LOCATIONS}/{location.id}",
        data={"csrf_token": csrf_token_of(page), "name": "", "is_active": "1"},
    )

    assert response.status_code == 303
    assert refused.status_code == 422
    assert 'id="name-error"' in refused.text
    session.refresh(location)
    assert (location.name, location.city, location.is_active, location.click_and_collect) == (
        "Boutique Bordeaux",
        "Bordeaux",
        False,
        False,
    )


def test_reorder_parameters_are_set_on_the_variant_page_and_listed_on_the_location(
    admin_client: TestClient, session: Session
) -> None:
    variant = make_variant(session, sku="MUG-1")
    location = make_location(session, name="Entrepôt")
    supplier = Supplier(name="Faïencerie de Gien", currency="EUR")
    session.add(supplier)
    session.commit()
    page = admin_client.get(f"/admin/inventory/variants/{variant.id}").text
    assert "Faïencerie de Gien" in page

    response = admin_client.post(
        f"/admin/inventory/variants/{variant.id}/reorder",
        data={
            "csrf_token": csrf_token_of(page),
            "reorder_location_id": str(location.id),
            "minimum": "5",
            "maximum": "20",
            "lead_time_days": "7",
            "preferred_supplier_id": str(supplier.id),
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    params = service.get_reorder_parameters(session, variant.id, location.id)
    assert params is not None
    assert (params.minimum, params.maximum, params.lead_time_days) == (5, 20, 7)
    assert params.preferred_supplier_id == supplier.id
    location_page = admin_client.get(f"{LOCATIONS}/{location.id}").text
    assert "MUG-1" in location_page.split('id="location-reorder"', 1)[1]


def test_a_maximum_below_the_minimum_is_refused_and_nothing_is_saved(
    admin_client: TestClient, session: Session
) -> None:
    variant = make_variant(session)
    location = make_location(session)
    session.commit()
    page = admin_client.get(f"/admin/inventory/variants/{variant.id}").text
    data = {
        "csrf_token": csrf_token_of(page),
        "reorder_location_id": str(location.id),
        "minimum": "10",
        "maximum": "5",
    }

    below = admin_client.post(f"/admin/inventory/variants/{variant.id}/reorder", data=data)
    unknown = admin_client.post(
        f"/admin/inventory/variants/{variant.id}/reorder",
        data={**data, "maximum": "x", "preferred_supplier_id": str(uuid.uuid4())},
    )

    assert below.status_code == unknown.status_code == 422
    assert 'id="maximum-error"' in below.text
    assert 'id="preferred_supplier_id-error"' in unknown.text
    assert 'id="maximum-error"' in unknown.text
    assert _count(session, ReorderParameters) == 0
