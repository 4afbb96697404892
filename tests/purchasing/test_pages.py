"""The purchasing screens of the back office, through the HTTP client."""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.purchasing import service
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_purchase_order, make_supplier

EN = {"Accept-Language": "en"}


def _sent_order(db: Database, *, quantity: int = 10) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    with db.transaction() as session:
        variant = make_variant(session, sku="BEANS-1KG")
        location = make_location(session, name="Main warehouse")
        supplier = make_supplier(session, name="Brûlerie du Marais")
        order = make_purchase_order(
            session,
            supplier=supplier,
            location_id=location.id,
            lines=[(variant.id, quantity, Decimal("8.20"))],
        )
        return order.id, variant.id, location.id


def test_the_orders_page_lists_orders_with_status(admin_client: TestClient, db: Database) -> None:
    order_id, _variant, _location = _sent_order(db)

    response = admin_client.get("/admin/purchasing/orders", headers=EN)

    assert response.status_code == 200
    assert f'href="/admin/purchasing/orders/{order_id}"' in response.text
    assert "Brûlerie du Marais" in response.text
    assert "€82.00" in response.text


def test_an_empty_orders_list_offers_to_create_one(admin_client: TestClient) -> None:
    response = admin_client.get("/admin/purchasing/orders?status=cancelled", headers=EN)

    assert response.status_code == 200
    assert "No purchase order here" in response.text


def test_receiving_from_the_detail_page_puts_units_in_stock(
    admin_client: TestClient, db: Database
) -> None:
    # given
    order_id, variant_id, location_id = _sent_order(db)
    page = admin_client.get(f"/admin/purchasing/orders/{order_id}", headers=EN)
    with db.transaction(readonly=True) as session:
        line_id = service.get_purchase_order(session, order_id).lines[0].id

    # when
    response = admin_client.post(
        f"/admin/purchasing/orders/{order_id}/receive",
        data={"csrf_token": csrf_token_of(page.text), f"receive-{line_id}": "4"},
        follow_redirects=False,
    )

    # then
    assert response.status_code == 303
    with db.transaction(readonly=True) as session:
        level = inventory.get_level(session, variant_id, location_id)
        assert level is not None
        assert level.on_hand == 4
        assert service.get_purchase_order(session, order_id).status == "partly_received"


def test_an_over_receipt_from_the_page_is_refused_with_the_line_marked(
    admin_client: TestClient, db: Database
) -> None:
    order_id, variant_id, location_id = _sent_order(db, quantity=3)
    page = admin_client.get(f"/admin/purchasing/orders/{order_id}", headers=EN)
    with db.transaction(readonly=True) as session:
        line_id = service.get_purchase_order(session, order_id).lines[0].id

    response = admin_client.post(
        f"/admin/purchasing/orders/{order_id}/receive",
        data={"csrf_token": csrf_token_of(page.text), f"receive-{line_id}": "5"},
        headers=EN,
    )

    assert response.status_code == 422
    assert "Only 3 more units of this line can be received (3 ordered)." in response.text
    assert f'id="receive-{line_id}-error"' in response.text
    with db.transaction(readonly=True) as session:
        assert inventory.get_level(session, variant_id, location_id) is None
        assert service.get_purchase_order(session, order_id).status == "sent"


def test_a_supplier_with_a_bad_siret_is_refused_and_the_values_kept(
    admin_client: TestClient,
) -> None:
    page = admin_client.get("/admin/purchasing/suppliers/new", headers=EN)

    response = admin_client.post(
        "/admin/purchasing/suppliers/new",
        data={"csrf_token": csrf_token_of(page.text), "name": "Acme", "siret": "12"},
        headers=EN,
    )

    assert response.status_code == 422
    assert 'href="#siret"' in response.text
    assert 'value="Acme"' in response.text


def test_a_new_order_is_made_from_typed_lines(admin_client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        make_variant(session, sku="TEA-GREEN")
        location_id = make_location(session).id
        supplier_id = make_supplier(session).id
    page = admin_client.get("/admin/purchasing/orders/new", headers=EN)

    response = admin_client.post(
        "/admin/purchasing/orders/new",
        data={
            "csrf_token": csrf_token_of(page.text),
            "supplier_id": str(supplier_id),
            "location_id": str(location_id),
            "lines": "TEA-GREEN 12 2,75\n",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    with db.transaction(readonly=True) as session:
        orders = service.list_purchase_orders(session, supplier_id=supplier_id).items
        assert [
            (o.status, o.lines[0].quantity_ordered, o.lines[0].unit_cost_minor) for o in orders
        ] == [("draft", 12, 275)]
