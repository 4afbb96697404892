"""The orders' admin API: list with filters, detail with timeline, cancel (whole or some
units) releasing stock, confirming a pending payment; each route checks its scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.orders.factories import Shop, checkout_body, make_article, make_shop
from tests.support.auth import act_as

CARTS = "/store/v1/carts"
ORDERS = "/api/v1/orders"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


def _place(
    api: TestClient, shop: Shop, variant_id: uuid.UUID, quantity: int, **body: object
) -> dict[str, object]:
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant_id), "quantity": quantity},
        headers=shop.headers,
    )
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout", json={**checkout_body(), **body}, headers=shop.headers
    )
    assert placed.status_code == 201, placed.text
    result: dict[str, object] = placed.json()
    return result


def _level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    level = inventory.get_level(session, variant_id, location_id)
    assert level is not None
    return level.on_hand, level.reserved


def test_orders_are_listed_newest_first_and_filtered_by_channel_and_status(
    api: TestClient, staff: TestClient, session: Session, clock: FrozenClock
) -> None:
    web, app_shop = make_shop(session), make_shop(session)
    mug, cup = make_article(session, web), make_article(session, app_shop)
    session.commit()
    paid = _place(api, web, mug.id, 1)
    pending = _place(api, app_shop, cup.id, 1, payment={"method": "bank_transfer"})

    everything = staff.get(ORDERS).json()["items"]
    on_web = staff.get(ORDERS, params={"channel_id": str(web.channel.id)}).json()["items"]
    waiting = staff.get(ORDERS, params={"status": "pending_payment"}).json()["items"]
    later = staff.get(ORDERS, params={"placed_from": "2026-11-24T00:00:00Z"}).json()["items"]

    assert {o["id"] for o in everything} == {paid["id"], pending["id"]}
    assert [o["id"] for o in on_web] == [paid["id"]]
    assert [o["id"] for o in waiting] == [pending["id"]]
    assert later == []


def test_the_detail_shows_lines_vat_payments_and_the_timeline(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200)
    session.commit()
    placed = _place(api, shop, mug.id, 2)

    detail = staff.get(f"{ORDERS}/{placed['id']}").json()

    assert [(e["kind"], e["to_status"]) for e in detail["timeline"]] == [
        ("placed", "pending_payment"),
        ("sourced", None),
        ("paid", "paid"),
    ]
    assert detail["lines"][0]["unit_price_incl_tax"]["minor_units"] == 1200
    assert detail["lines"][0]["unit_price_excl_tax"]["minor_units"] == 1000
    assert detail["billing_address"]["city"] == "Paris"


def test_cancelling_some_units_then_the_rest_gives_the_stock_back(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    placed = _place(api, shop, mug.id, 3)
    line_id = placed["lines"][0]["id"]  # type: ignore[index]

    partly = staff.post(
        f"{ORDERS}/{placed['id']}/cancel",
        json={"lines": [{"line_id": line_id, "quantity": 2}], "reason": "Changed her mind"},
    )
    after_part = _level(session, mug.id, shop.location_id)
    rest = staff.post(f"{ORDERS}/{placed['id']}/cancel", json={})
    again = staff.post(f"{ORDERS}/{placed['id']}/cancel", json={})

    assert (partly.status_code, partly.json()["status"]) == (200, "paid")
    assert partly.json()["lines"][0]["cancelled_quantity"] == 2
    assert after_part == (10, 1)
    assert (rest.status_code, rest.json()["status"]) == (200, "cancelled")
    # (each cancellation of this card-paid order is followed by its refund)
    kinds = [e["kind"] for e in rest.json()["timeline"]]
    assert kinds[-4:] == ["lines_cancelled", "refunded", "cancelled", "refunded"]
    assert _level(session, mug.id, shop.location_id) == (10, 0)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/order-state-conflict")


def test_cancelling_more_units_than_are_open_is_refused_and_changes_nothing(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    placed = _place(api, shop, mug.id, 2)
    line_id = placed["lines"][0]["id"]  # type: ignore[index]

    refused = staff.post(
        f"{ORDERS}/{placed['id']}/cancel", json={"lines": [{"line_id": line_id, "quantity": 3}]}
    )

    assert (refused.status_code, refused.json()["field"]) == (422, "lines.0.quantity")
    assert _level(session, mug.id, shop.location_id) == (10, 2)


def test_confirming_a_bank_transfer_marks_the_order_paid(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop)
    session.commit()
    placed = _place(api, shop, mug.id, 1, payment={"method": "bank_transfer"})

    confirmed = staff.post(f"{ORDERS}/{placed['id']}/payments/confirm", json={"note": "Received"})

    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "paid")
    assert confirmed.json()["payments"][0]["status"] == "captured"
    assert confirmed.json()["timeline"][-1]["note"] == "Received"


def test_reading_orders_needs_its_scope(settings: Settings, db: Database) -> None:
    app = create_app(settings, db)
    act_as(app, "catalog:read")
    with TestClient(app) as client:
        refused = client.get(ORDERS)
        cancel = client.post(f"{ORDERS}/{uuid.uuid4()}/cancel", json={})

    assert (refused.status_code, refused.json()["type"]) == (403, "/problems/missing-scope")
    assert (cancel.status_code, cancel.json()["type"]) == (403, "/problems/missing-scope")
