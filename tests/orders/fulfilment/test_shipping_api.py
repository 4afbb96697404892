"""Shipping through the admin API: picking, packing, a partial shipment then the rest, each
consuming its allocation as a ``sale`` in the ledger; delivery; what is refused and why."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.orders.factories import make_article, make_shop
from tests.orders.fulfilment.support import ORDERS, events_of, level, movements, place


def _lines(order: dict[str, object]) -> list[dict[str, object]]:
    lines = order["lines"]
    assert isinstance(lines, list)
    return lines


def test_a_partial_shipment_then_the_rest_consume_the_allocation_as_sales(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given a paid order of 3 mugs and 1 plate
    shop = make_shop(session)
    mug, plate = make_article(session, shop, units=10), make_article(session, shop, units=5)
    session.commit()
    order = place(api, shop, [(mug.id, 3), (plate.id, 1)])
    mug_line, plate_line = (line["id"] for line in _lines(order))

    # when it is picked, packed, 2 mugs ship, then the rest
    picking = staff.post(f"{ORDERS}/{order['id']}/picking")
    packed = staff.post(f"{ORDERS}/{order['id']}/pack")
    first = staff.post(
        f"{ORDERS}/{order['id']}/shipments",
        json={"carrier": "Colissimo", "tracking_number": "6A123",
              "lines": [{"line_id": mug_line, "quantity": 2}]},
    )  # fmt: skip
    partly = staff.get(f"{ORDERS}/{order['id']}/fulfilment").json()
    mug_after_first = level(session, mug.id, shop.location_id)
    rest = staff.post(f"{ORDERS}/{order['id']}/shipments", json={"carrier": "Colissimo"})
    done = staff.get(f"{ORDERS}/{order['id']}/fulfilment").json()

    # then each step moved the order and the stock left through the ledger
    assert (picking.json()["status"], packed.json()["status"]) == ("picking", "packed")
    assert first.status_code == 201, first.text
    assert first.json()["lines"] == [{"order_line_id": mug_line, "quantity": 2}]
    assert partly["status"] == "partially_shipped"
    assert partly["to_ship"] == {mug_line: 1, plate_line: 1}
    assert mug_after_first == (8, 1)
    assert rest.status_code == 201, rest.text
    assert sorted((x["order_line_id"], x["quantity"]) for x in rest.json()["lines"]) == sorted(
        [(mug_line, 1), (plate_line, 1)]
    )
    assert done["status"] == "shipped"
    assert done["to_ship"] == {}
    assert level(session, mug.id, shop.location_id) == (7, 0)
    assert level(session, plate.id, shop.location_id) == (4, 0)
    assert movements(session, mug.id) == [("sale", -2), ("sale", -1)]
    assert events_of(session, order["id"]).count("order.shipped") == 2


def test_delivery_completes_a_shipped_order_and_emits_order_delivered(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop)
    session.commit()
    order = place(api, shop, [(mug.id, 1)])
    staff.post(f"{ORDERS}/{order['id']}/shipments", json={"tracking_number": "X1"})

    delivered = staff.post(f"{ORDERS}/{order['id']}/deliver", json={})
    again = staff.post(f"{ORDERS}/{order['id']}/deliver", json={})

    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["shipments"][0]["status"] == "delivered"
    assert again.status_code == 409
    detail = staff.get(f"{ORDERS}/{order['id']}").json()
    assert [e["kind"] for e in detail["timeline"]] == [
        "placed", "sourced", "paid", "shipped", "delivered",
    ]  # fmt: skip
    assert events_of(session, order["id"])[-1] == "order.delivered"


def test_shipping_more_than_is_left_is_refused_and_changes_nothing(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = place(api, shop, [(mug.id, 2)])
    line_id = _lines(order)[0]["id"]

    refused = staff.post(
        f"{ORDERS}/{order['id']}/shipments", json={"lines": [{"line_id": line_id, "quantity": 3}]}
    )
    unknown = staff.post(
        f"{ORDERS}/{order['id']}/shipments",
        json={"lines": [{"line_id": str(uuid.uuid4()), "quantity": 1}]},
    )

    assert refused.status_code == 422
    assert refused.json()["field"] == "lines.0.quantity"
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "lines.0.line_id"
    assert staff.get(f"{ORDERS}/{order['id']}/fulfilment").json()["shipments"] == []
    assert level(session, mug.id, shop.location_id) == (10, 2)
    assert movements(session, mug.id) == []


def test_an_order_awaiting_payment_cannot_be_picked_or_shipped(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop)
    session.commit()
    order = place(api, shop, [(mug.id, 1)], payment={"method": "bank_transfer"})

    picking = staff.post(f"{ORDERS}/{order['id']}/picking")
    shipping = staff.post(f"{ORDERS}/{order['id']}/shipments", json={})

    assert picking.status_code == 409
    assert shipping.status_code == 409
    assert picking.json()["type"].endswith("order-state-conflict")


def test_a_shipped_order_can_no_longer_be_cancelled(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = place(api, shop, [(mug.id, 2)])
    line_id = _lines(order)[0]["id"]
    staff.post(
        f"{ORDERS}/{order['id']}/shipments", json={"lines": [{"line_id": line_id, "quantity": 1}]}
    )

    cancelled = staff.post(f"{ORDERS}/{order['id']}/cancel", json={})

    assert cancelled.status_code == 409
    assert level(session, mug.id, shop.location_id) == (9, 1)


def test_fulfilment_steps_need_the_write_scope(
    api: TestClient, reader: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop)
    session.commit()
    order = place(api, shop, [(mug.id, 1)])

    shown = reader.get(f"{ORDERS}/{order['id']}/fulfilment")
    refused = [
        reader.post(f"{ORDERS}/{order['id']}/{step}", json=body).status_code
        for step, body in [
            ("picking", {}), ("pack", {}), ("shipments", {}), ("deliver", {}),
            ("ready-for-pickup", {}), ("collect", {"code": "ABCDEF"}),
        ]
    ]  # fmt: skip

    assert shown.status_code == 200
    assert refused == [403] * 6
    assert shown.json()["status"] == "paid"
