"""Checkout through the store API: all or nothing, idempotent, events in the same
transaction, personal data encrypted."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from comptoir.catalog.models import Coupon
from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from comptoir.kit.crypto import destroy_subject_key, is_erased
from comptoir.kit.events.models import OutboxEvent
from comptoir.orders.models import Order
from tests.catalog.factories import make_coupon, make_promotion
from tests.orders.factories import Shop, checkout_body, make_article, make_shop

CARTS = "/store/v1/carts"


def _cart_with(api: TestClient, shop: Shop, variant_id: uuid.UUID, quantity: int) -> str:
    cart_id: str = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant_id), "quantity": quantity},
        headers=shop.headers,
    )
    assert added.status_code == 201
    return cart_id


def _events(session: Session, order_id: object) -> list[str]:
    return list(
        session.scalars(
            select(OutboxEvent.type)
            .where(OutboxEvent.key == str(order_id))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
    )


def _orders(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def test_checkout_with_an_accepted_card_places_a_paid_order_with_its_stock_allocated(
    api: TestClient, session: Session
) -> None:
    # given a cart holding 3 of 10 mugs
    shop = make_shop(session, code="web")
    mug = make_article(session, shop, price_minor=1200, units=10)
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 3)
    hold_id = api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()["lines"][0][
        "reservation_id"
    ]

    # when the storefront checks out with the accepted test card
    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers)

    # then the order is paid, numbered in the channel's series, its units allocated
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["number"], order["status"]) == ("WEB-2026-000001", "paid")
    assert (order["total_gross"]["minor_units"], order["total_tax"]["minor_units"]) == (3600, 600)
    assert order["payments"][0]["card_last4"] == "4242"
    assert order["email"] == "ada@example.com"
    line = order["lines"][0]
    allocation = inventory.get_reservation(session, line["reservation_id"])
    assert (allocation.kind, allocation.status, allocation.quantity) == ("allocation", "active", 3)
    assert inventory.get_reservation(session, hold_id).status == "released"
    level = inventory.get_level(session, mug.id, shop.location_id)
    assert level is not None
    assert (level.on_hand, level.reserved) == (10, 3)
    assert _events(session, order["id"]) == ["order.placed", "order.paid"]
    # and the personal data is stored encrypted
    stored = session.execute(
        text("SELECT email FROM orders_orders WHERE number = :n"), {"n": order["number"]}
    ).scalar_one()
    assert b"ada@example.com" not in bytes(stored)


def test_a_declined_card_leaves_no_order_no_allocation_no_event(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 2)
    hold_id = api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()["lines"][0][
        "reservation_id"
    ]

    declined = api.post(
        f"{CARTS}/{cart_id}/checkout",
        json=checkout_body(card="4000 0000 0000 0002"),
        headers=shop.headers,
    )

    assert declined.status_code == 402
    assert (declined.json()["type"], declined.json()["field"]) == (
        "/problems/payment-declined",
        "payment.card_number",
    )
    assert _orders(session) == 0
    assert session.scalar(select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.type.like("order.%")
    )) == 0  # fmt: skip
    assert inventory.get_reservation(session, hold_id).status == "active"
    level = inventory.get_level(session, mug.id, shop.location_id)
    assert level is not None
    assert (level.on_hand, level.reserved) == (10, 2)
    assert api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()["status"] == "open"


def test_the_same_checkout_twice_with_one_key_places_one_order(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 1)
    headers = {**shop.headers, "Idempotency-Key": "checkout-1"}

    first = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=headers)
    again = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=headers)
    without_key = api.post(
        f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (without_key.status_code, without_key.json()["type"]) == (
        409,
        "/problems/cart-not-open",
    )
    assert _orders(session) == 1


def test_a_bank_transfer_order_waits_for_its_payment(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 1)

    placed = api.post(
        f"{CARTS}/{cart_id}/checkout",
        json=checkout_body(method="bank_transfer", card=None),
        headers=shop.headers,
    ).json()

    assert placed["status"] == "pending_payment"
    assert placed["payments"][0]["status"] == "pending"
    assert placed["payments"][0]["instructions"] == placed["number"]
    assert _events(session, placed["id"]) == ["order.placed"]


def test_an_expired_hold_is_reserved_again_at_checkout_when_stock_allows(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=5)
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 2)
    clock.advance(timedelta(hours=1))
    inventory.expire_holds(session)
    session.commit()

    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers)

    assert placed.status_code == 201, placed.text
    level = inventory.get_level(session, mug.id, shop.location_id)
    assert level is not None
    assert (level.on_hand, level.reserved) == (5, 2)


def test_when_the_units_went_to_someone_else_checkout_is_refused_and_changes_nothing(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a cart whose hold expired, and another cart that took every unit since
    shop = make_shop(session)
    mug = make_article(session, shop, units=2)
    session.commit()
    late = _cart_with(api, shop, mug.id, 2)
    clock.advance(timedelta(hours=1))
    inventory.expire_holds(session)
    session.commit()
    _cart_with(api, shop, mug.id, 2)

    refused = api.post(f"{CARTS}/{late}/checkout", json=checkout_body(), headers=shop.headers)

    assert refused.status_code == 409
    assert (refused.json()["type"], refused.json()["field"]) == (
        "/problems/insufficient-stock",
        "lines.0.quantity",
    )
    assert _orders(session) == 0
    level = inventory.get_level(session, mug.id, shop.location_id)
    assert level is not None
    assert (level.on_hand, level.reserved) == (2, 2)


def test_a_coupon_is_counted_once_when_the_order_is_placed(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1000, units=10)
    coupon = make_coupon(
        session, promotion=make_promotion(session, requires_coupon=True), code="TEN", usage_limit=5
    )
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 1)
    api.post(f"{CARTS}/{cart_id}/coupons", json={"code": "TEN"}, headers=shop.headers)

    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers)

    assert placed.json()["coupon_codes"] == ["TEN"]
    assert placed.json()["total_gross"]["minor_units"] == 900
    session.expire_all()
    assert session.get(Coupon, coupon.id).times_used == 1  # type: ignore[union-attr]


def test_an_empty_cart_cannot_be_checked_out(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]

    refused = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers)

    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/cart-incomplete")


def test_erasing_a_guest_orders_customer_makes_its_personal_data_unreadable(
    api: TestClient, session: Session
) -> None:
    # given a guest order: it belongs to the customer of its e-mail, its data subject
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    cart_id = _cart_with(api, shop, mug.id, 1)
    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers)
    order_id = uuid.UUID(placed.json()["id"])
    customer_id = uuid.UUID(placed.json()["customer_id"])

    # when that customer's data key is destroyed (crypto-shredding)
    destroy_subject_key(session, "customer", customer_id)
    session.commit()
    session.expire_all()

    # then its personal fields read as erased, and the rest of the order is intact
    order = session.get(Order, order_id)
    assert order is not None
    assert (order.email, order.phone, order.billing_address) == (None, None, None)
    assert is_erased(order, "email")
    assert order.total_gross_minor == placed.json()["total_gross"]["minor_units"]
