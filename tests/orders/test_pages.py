"""The back-office order pages: the list by status, an order's page with its timeline, and
cancelling it from there, which gives its units back."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from tests.backoffice.conftest import csrf_token_of
from tests.orders.factories import checkout_body, make_article, make_shop

CARTS = "/store/v1/carts"


def _place(
    api: TestClient, session: Session, units: int = 10
) -> tuple[dict[str, str], tuple[uuid.UUID, uuid.UUID]]:
    shop = make_shop(session)
    mug = make_article(session, shop, units=units, title="Enamel mug")
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(mug.id), "quantity": 2},
        headers=shop.headers,
    )
    placed: dict[str, str] = api.post(
        f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers
    ).json()
    return placed, (mug.id, shop.location_id)


def test_the_order_list_shows_placed_orders_by_status(
    api: TestClient, client: TestClient, session: Session
) -> None:
    placed, _ = _place(api, session)

    listed = client.get("/admin/orders")
    cancelled_only = client.get("/admin/orders", params={"status": "cancelled"})

    assert listed.status_code == 200
    assert placed["number"] in listed.text
    assert placed["number"] not in cancelled_only.text
    assert 'id="orders"' not in cancelled_only.text


def test_an_order_page_shows_its_lines_and_timeline_and_cancels_it(
    api: TestClient, client: TestClient, session: Session
) -> None:
    placed, (variant_id, location_id) = _place(api, session)

    page = client.get(f"/admin/orders/{placed['id']}")
    cancelled = client.post(
        f"/admin/orders/{placed['id']}/cancel",
        data={"csrf_token": csrf_token_of(page.text), "reason": "Out of reach"},
        follow_redirects=True,
    )

    assert page.status_code == 200
    assert "Enamel mug" in page.text
    assert placed["number"] in page.text
    assert page.text.count("<li><strong>") == 3  # placed, locations chosen, paid
    assert cancelled.status_code == 200
    assert 'class="badge badge--cancelled" id="order-status"' in cancelled.text
    # cancelled, and the card payment refunded
    assert cancelled.text.count("<li><strong>") == 5
    assert "Remboursement émis" in cancelled.text
    assert "Out of reach" in cancelled.text
    level = inventory.get_level(session, variant_id, location_id)
    assert level is not None
    assert (level.on_hand, level.reserved) == (10, 0)
