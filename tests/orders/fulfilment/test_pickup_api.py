"""Click & collect through the admin API: ready for pickup with a short code (stored hashed,
sent in ``pickup.ready``), collected with that code (stock consumed), refused with another,
and cancelled by the scheduled job when nobody came."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock
from comptoir.kit.events.models import OutboxEvent
from comptoir.orders.fulfilment.models import Pickup
from comptoir.orders.fulfilment.service import CODE_ALPHABET, DEFAULT_PICKUP_DAYS, expire_pickups
from tests.orders.factories import make_article, make_shop
from tests.orders.fulfilment.support import ORDERS, events_of, level, movements, place


def test_a_ready_order_is_collected_with_its_code_and_leaves_the_stock(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given a paid click & collect order of 2 mugs
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = place(api, shop, [(mug.id, 2)], pickup=True)

    # when the store marks it ready, then the customer gives the code at the counter
    ready = staff.post(f"{ORDERS}/{order['id']}/ready-for-pickup")
    code = ready.json()["code"]
    collected = staff.post(f"{ORDERS}/{order['id']}/collect", json={"code": code.lower()})

    # then the code was short and unambiguous, stored hashed, and the units left as a sale
    assert ready.status_code == 200, ready.text
    assert len(code) == 6
    assert set(code) <= set(CODE_ALPHABET)
    stored = session.scalars(select(Pickup).where(Pickup.order_id == order["id"])).one()
    assert code not in stored.code_hash
    sent = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "pickup.ready")).one()
    assert sent.payload["code"] == code
    assert collected.status_code == 200, collected.text
    assert collected.json()["status"] == "collected"
    assert collected.json()["shipments"][0]["method"] == "pickup"
    assert level(session, mug.id, shop.location_id) == (8, 0)
    assert movements(session, mug.id) == [("sale", -2)]
    assert events_of(session, order["id"])[-2:] == ["pickup.ready", "order.delivered"]


def test_a_wrong_code_is_refused_and_the_order_still_waits(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = place(api, shop, [(mug.id, 1)], pickup=True)
    code = staff.post(f"{ORDERS}/{order['id']}/ready-for-pickup").json()["code"]
    wrong = "".join(c for c in CODE_ALPHABET if c not in code)[:6]

    refused = staff.post(f"{ORDERS}/{order['id']}/collect", json={"code": wrong})

    assert refused.status_code == 422
    assert refused.json()["field"] == "code"
    assert staff.get(f"{ORDERS}/{order['id']}/fulfilment").json()["status"] == "ready_for_pickup"
    assert level(session, mug.id, shop.location_id) == (10, 1)
    assert movements(session, mug.id) == []


def test_a_shipping_order_cannot_be_made_ready_nor_a_pickup_order_shipped(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    shipped_kind = place(api, shop, [(mug.id, 1)])
    pickup_kind = place(api, shop, [(mug.id, 1)], pickup=True)

    not_ready = staff.post(f"{ORDERS}/{shipped_kind['id']}/ready-for-pickup")
    not_shipped = staff.post(f"{ORDERS}/{pickup_kind['id']}/shipments", json={})

    assert (not_ready.status_code, not_shipped.status_code) == (409, 409)


def test_an_order_nobody_collects_is_cancelled_and_its_units_released(
    api: TestClient, staff: TestClient, session: Session, clock: FrozenClock
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    waiting = place(api, shop, [(mug.id, 2)], pickup=True)
    staff.post(f"{ORDERS}/{waiting['id']}/ready-for-pickup")

    clock.advance(timedelta(days=DEFAULT_PICKUP_DAYS) - timedelta(minutes=1))
    early = expire_pickups(session)
    clock.advance(timedelta(minutes=2))
    late = expire_pickups(session)

    assert (early, late) == (0, 1)
    fulfilment = staff.get(f"{ORDERS}/{waiting['id']}/fulfilment").json()
    assert fulfilment["status"] == "cancelled"
    assert fulfilment["pickup"]["status"] == "expired"
    assert level(session, mug.id, shop.location_id) == (10, 0)
    assert events_of(session, waiting["id"])[-1] == "order.cancelled"
