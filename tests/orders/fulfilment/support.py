"""Orders placed through the real store API, for the fulfilment and returns tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.inventory.models import Movement
from comptoir.kit.events.models import OutboxEvent
from tests.orders.factories import Shop, checkout_body

CARTS = "/store/v1/carts"
ORDERS = "/api/v1/orders"


def place(
    api: TestClient,
    shop: Shop,
    lines: Sequence[tuple[uuid.UUID, int]],
    *,
    pickup: bool = False,
    **body: object,
) -> dict[str, object]:
    """Check a cart out on the store API; with ``pickup`` the cart is click & collect."""
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    for variant_id, quantity in lines:
        added = api.post(
            f"{CARTS}/{cart_id}/lines",
            json={"variant_id": str(variant_id), "quantity": quantity},
            headers=shop.headers,
        )
        assert added.status_code == 201, added.text
    if pickup:
        chosen = api.put(
            f"{CARTS}/{cart_id}/destination",
            json={"country": "FR", "delivery_method": "pickup"},
            headers=shop.headers,
        )
        assert chosen.status_code == 200, chosen.text
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout", json={**checkout_body(), **body}, headers=shop.headers
    )
    assert placed.status_code == 201, placed.text
    result: dict[str, object] = placed.json()
    return result


def level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    """(on hand, reserved) of the variant at the location, fresh from the database."""
    session.expire_all()
    found = inventory.get_level(session, variant_id, location_id)
    assert found is not None
    return found.on_hand, found.reserved


def movements(session: Session, variant_id: uuid.UUID) -> list[tuple[str, int]]:
    """The variant's ledger (kind, signed quantity), oldest first, receipts left out."""
    rows = session.execute(
        select(Movement.kind, Movement.quantity)
        .where(Movement.variant_id == variant_id, Movement.kind != "receipt")
        .order_by(Movement.id)
    )
    return [(kind, int(quantity)) for kind, quantity in rows]


def events_of(session: Session, order_id: object) -> list[str]:
    """The types of the events emitted for the order, in order."""
    return list(
        session.scalars(
            select(OutboxEvent.type)
            .where(OutboxEvent.key == str(order_id))
            .order_by(OutboxEvent.id)
        )
    )
