"""The stock screens of the back office, through the HTTP client."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from comptoir.inventory import service
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, stock


def _shop(db: Database) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, str]:
    with db.transaction() as session:
        variant = make_variant(session, sku="MUG-BLUE")
        paris = make_location(session, name="Paris store", kind="store").id
        lyon = make_location(session, name="Lyon store", kind="store").id
        stock(session, variant_id=variant.id, location_id=paris, quantity=6)
        return variant.id, paris, lyon, variant.sku


def test_the_stock_page_lists_levels_with_their_sku(admin_client: TestClient, db: Database) -> None:
    variant_id, _paris, _lyon, sku = _shop(db)
    response = admin_client.get("/admin/inventory", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert sku in response.text
    assert f'href="/admin/inventory/variants/{variant_id}"' in response.text
    assert "Paris store" in response.text


def test_an_empty_location_explains_what_goes_there(admin_client: TestClient, db: Database) -> None:
    _variant_id, _paris, lyon, _sku = _shop(db)
    response = admin_client.get(
        f"/admin/inventory?location={lyon}", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "No stock here yet" in response.text


def test_an_adjustment_from_the_variant_page_is_recorded(
    admin_client: TestClient, db: Database
) -> None:
    variant_id, paris, _lyon, _sku = _shop(db)
    page = admin_client.get(f"/admin/inventory/variants/{variant_id}")
    response = admin_client.post(
        f"/admin/inventory/variants/{variant_id}/adjust",
        data={
            "csrf_token": csrf_token_of(page.text),
            "location_id": str(paris),
            "quantity": "-2",
            "reason": "damaged",
            "note": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with db.transaction(readonly=True) as session:
        level = service.get_level(session, variant_id, paris)
        assert level is not None
        assert level.on_hand == 4


def test_an_adjustment_beyond_the_stock_shows_the_error_and_keeps_the_values(
    admin_client: TestClient, db: Database
) -> None:
    variant_id, paris, _lyon, _sku = _shop(db)
    page = admin_client.get(f"/admin/inventory/variants/{variant_id}")
    response = admin_client.post(
        f"/admin/inventory/variants/{variant_id}/adjust",
        data={
            "csrf_token": csrf_token_of(page.text),
            "location_id": str(paris),
            "quantity": "-9",
            "reason": "lost",
            "note": "Shelf empty",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert re.search(r'id="quantity"[^>]*value="-9"', response.text)
    assert "Shelf empty" in response.text
    with db.transaction(readonly=True) as session:
        level = service.get_level(session, variant_id, paris)
        assert level is not None
        assert level.on_hand == 6


def test_a_count_sheet_is_created_from_skus(admin_client: TestClient, db: Database) -> None:
    variant_id, paris, _lyon, sku = _shop(db)
    form = admin_client.get("/admin/inventory/counts/new")
    response = admin_client.post(
        "/admin/inventory/counts/new",
        data={"csrf_token": csrf_token_of(form.text), "location": str(paris), "skus": sku},
        follow_redirects=False,
    )
    assert response.status_code == 303
    sheet = admin_client.get(response.headers["location"])
    assert f'name="variant" value="{variant_id}"' in sheet.text
