"""Money back when an order is cancelled: a captured payment is refunded through its
provider for what was cancelled (VAT included, the delivery fee with the whole order),
recorded on the timeline with ``refund.issued``; an unpaid one is called off; an uncollected
click & collect order is refunded when it expires."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.settings import Settings
from comptoir.orders.fulfilment.service import DEFAULT_PICKUP_DAYS, expire_pickups
from comptoir.orders.models import Payment
from tests.orders.delivery.factories import make_carrier
from tests.orders.factories import checkout_body, make_article, make_shop
from tests.orders.fulfilment.support import CARTS, ORDERS, events_of, level, place


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    from tests.support.auth import act_as

    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


def _place_delivered_by_colissimo(
    api: TestClient, session: Session, *, units: int, price_minor: int, **shop: Any
) -> dict[str, Any]:
    """``units`` mugs sent by Colissimo (4.95 EUR) to France, paid with the test card."""
    made = make_shop(session, **shop)
    mug = make_article(session, made, price_minor=price_minor, units=10)
    make_carrier(session)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=made.headers).json()["id"]
    api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(mug.id), "quantity": units},
        headers=made.headers,
    )
    chosen = api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "FR", "delivery_option": "colissimo"},
        headers=made.headers,
    )
    assert chosen.status_code == 200, chosen.text
    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=made.headers)
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    assert order["status"] == "paid"
    return order


def _refunds(staff: TestClient, order_id: object) -> list[dict[str, Any]]:
    timeline = staff.get(f"{ORDERS}/{order_id}").json()["timeline"]
    return [entry["details"] for entry in timeline if entry["kind"] == "refunded"]


def _payment_status(session: Session, order_id: object) -> str:
    session.expire_all()
    payment = session.scalars(
        select(Payment).where(Payment.order_id == uuid.UUID(str(order_id)))
    ).one()
    return payment.status


def _issued(session: Session, order_id: object) -> list[dict[str, Any]]:
    return [
        event.payload
        for event in session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.key == str(order_id), OutboxEvent.type == "refund.issued")
            .order_by(OutboxEvent.id)
        )
    ]


def test_cancelling_a_card_paid_order_refunds_the_lines_and_the_delivery_fee(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given 3 mugs at 12.00 EUR sent for 4.95 EUR, paid by card: 40.95 EUR
    order = _place_delivered_by_colissimo(api, session, units=3, price_minor=1200)
    assert order["total_gross"]["minor_units"] == 4095

    # when staff cancel the whole order
    cancelled = staff.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "Out of stock"})

    # then all 40.95 EUR went back through the test card provider
    assert cancelled.status_code == 200, cancelled.text
    (refund,) = _refunds(staff, order["id"])
    assert (refund["amount_minor"], refund["status"]) == (4095, "refunded")
    assert refund["reference"].startswith(f"test-{order['id']}-refund-")
    assert _payment_status(session, order["id"]) == "refunded"
    # and refund.issued carries the cancellation, after which the order is cancelled
    (issued,) = _issued(session, order["id"])
    assert issued == {
        "return_id": None,
        "number": order["number"],
        "order_id": order["id"],
        "cause": "cancellation",
        "provider": "test_card",
        "status": "refunded",
        "amount_minor": 4095,
        "currency": "EUR",
        "reference": refund["reference"],
    }
    assert events_of(session, order["id"])[-2:] == ["refund.issued", "order.cancelled"]
    kinds = [entry["kind"] for entry in cancelled.json()["timeline"]]
    assert kinds[-2:] == ["cancelled", "refunded"]


def test_a_partial_cancellation_refunds_the_units_with_their_vat_to_the_cent(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given 3 mugs at 11.99 EUR before 20 % VAT (43.16 EUR with VAT) plus 4.95 EUR delivery
    order = _place_delivered_by_colissimo(
        api, session, units=3, price_minor=1199, prices_include_tax=False
    )
    (line,) = order["lines"]
    total = order["total_gross"]["minor_units"]

    # when one mug is cancelled, then the rest
    one = staff.post(
        f"{ORDERS}/{order['id']}/cancel",
        json={"lines": [{"line_id": line["id"], "quantity": 1}]},
    )
    one_refunds = _refunds(staff, order["id"])
    status_after_one = _payment_status(session, order["id"])
    rest = staff.post(f"{ORDERS}/{order['id']}/cancel", json={})

    # then one mug gave back 11.99 x 1.20 = 14.388, so 14.39 EUR, the payment still captured
    assert one.status_code == 200, one.text
    assert [r["amount_minor"] for r in one_refunds] == [1439]
    assert status_after_one == "captured"
    # and the rest gave back everything else, delivery included: nothing more, nothing less
    assert rest.status_code == 200, rest.text
    assert [r["amount_minor"] for r in _refunds(staff, order["id"])] == [1439, total - 1439]
    assert _payment_status(session, order["id"]) == "refunded"
    assert [i["amount_minor"] for i in _issued(session, order["id"])] == [1439, total - 1439]


def test_cancelling_an_unpaid_bank_transfer_order_refunds_nothing(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given an order waiting for its bank transfer
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = place(api, shop, [(mug.id, 2)], payment={"method": "bank_transfer"})
    assert order["status"] == "pending_payment"

    # when staff cancel it
    cancelled = staff.post(f"{ORDERS}/{order['id']}/cancel", json={})

    # then the transfer is no longer expected and no refund exists
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert _payment_status(session, order["id"]) == "cancelled"
    assert _refunds(staff, order["id"]) == []
    assert _issued(session, order["id"]) == []
    assert level(session, mug.id, shop.location_id) == (10, 0)


def test_an_uncollected_paid_pickup_is_refunded_when_it_expires(
    api: TestClient, staff: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a click & collect order of 2 mugs at 12.00 EUR, paid, ready, never collected
    shop = make_shop(session)
    mug = make_article(session, shop, units=10, price_minor=1200)
    session.commit()
    waiting = place(api, shop, [(mug.id, 2)], pickup=True)
    assert staff.post(f"{ORDERS}/{waiting['id']}/ready-for-pickup").status_code == 200

    # when its time is up
    clock.advance(timedelta(days=DEFAULT_PICKUP_DAYS, minutes=1))
    expired = expire_pickups(session)
    session.commit()

    # then the order is cancelled and its 24.00 EUR refunded, once
    assert expired == 1
    (refund,) = _refunds(staff, waiting["id"])
    assert (refund["amount_minor"], refund["status"]) == (2400, "refunded")
    assert _payment_status(session, waiting["id"]) == "refunded"
    assert [i["cause"] for i in _issued(session, waiting["id"])] == ["cancellation"]
    assert level(session, mug.id, shop.location_id) == (10, 0)
