"""Returns through the admin API: a request with a reason per line, reception
(``return.received``), inspection (restock as a ``return`` movement, scrap written off),
refund through the payment provider (``refund.issued``), exchange as a new order at no
charge; and what is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.catalog.models import Variant
from tests.orders.factories import Shop, make_article, make_shop
from tests.orders.fulfilment.support import ORDERS, events_of, level, movements, place

RETURNS = f"{ORDERS}/returns"


@dataclass(frozen=True, slots=True)
class Shipped:
    order: dict[str, Any]
    lines: list[str]
    mug: Variant
    plate: Variant
    shop: Shop


def _shipped(
    api: TestClient,
    staff: TestClient,
    session: Session,
    *,
    units: int = 10,
    payment: dict[str, object] | None = None,
) -> Shipped:
    """3 mugs and a plate, paid and shipped."""
    shop = make_shop(session)
    mug = make_article(session, shop, units=units, price_minor=1200)
    plate = make_article(session, shop, units=units, price_minor=900)
    session.commit()
    wanted = [(mug.id, 3), (plate.id, 1)]
    order: dict[str, Any] = (
        place(api, shop, wanted) if payment is None else place(api, shop, wanted, payment=payment)
    )
    if order["status"] == "pending_payment":
        assert staff.post(f"{ORDERS}/{order['id']}/payments/confirm", json={}).status_code == 200
    assert staff.post(f"{ORDERS}/{order['id']}/shipments", json={}).status_code == 201
    return Shipped(order, [line["id"] for line in order["lines"]], mug, plate, shop)


def test_a_return_is_received_inspected_and_refunded_through_the_provider(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given 3 mugs and a plate shipped and paid by card
    given = _shipped(api, staff, session)
    order, (mug_line, plate_line), mug, plate, shop = (
        given.order, given.lines, given.mug, given.plate, given.shop,
    )  # fmt: skip

    # when the customer sends back 2 mugs (one broken) and the plate
    requested = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [
            {"line_id": mug_line, "quantity": 2, "reason": "too_small"},
            {"line_id": plate_line, "quantity": 1, "reason": "damaged", "comment": "Cracked"},
        ]},
    )  # fmt: skip
    rma = requested.json()
    received = staff.post(f"{RETURNS}/{rma['id']}/receive")
    mug_return, plate_return = (line["id"] for line in rma["lines"])
    inspected = staff.post(
        f"{RETURNS}/{rma['id']}/inspect",
        json={"decisions": [
            {"return_line_id": mug_return, "outcome": "restock"},
            {"return_line_id": plate_return, "outcome": "scrap"},
        ]},
    )  # fmt: skip
    refunded = staff.post(f"{RETURNS}/{rma['id']}/refund")

    # then stock and money followed, with every event emitted
    assert requested.status_code == 201, requested.text
    assert rma["number"] == f"RMA-{order['number']}-1"
    assert received.json()["status"] == "received"
    assert inspected.status_code == 200, inspected.text
    assert level(session, mug.id, shop.location_id) == (9, 0)
    assert level(session, plate.id, shop.location_id) == (9, 0)
    assert movements(session, mug.id) == [("sale", -3), ("return", 2)]
    assert movements(session, plate.id) == [
        ("sale", -1), ("return", 1), ("adjustment", -1),
    ]  # fmt: skip
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["refund"]["minor_units"] == 2 * 1200 + 900
    assert refunded.json()["refund_reference"].startswith("test-")
    assert [e for e in events_of(session, order["id"]) if e.startswith(("return", "refund"))] == [
        "return.received",
        "refund.issued",
    ]


def test_more_than_was_shipped_cannot_be_returned(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    given = _shipped(api, staff, session)
    order, mug_line = given.order, given.lines[0]
    first = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line_id": mug_line, "quantity": 2, "reason": "changed_mind"}]},
    )

    too_many = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line_id": mug_line, "quantity": 2, "reason": "changed_mind"}]},
    )

    assert first.status_code == 201
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "lines.0.quantity"
    assert staff.get(RETURNS, params={"order_id": order["id"]}).json()["items"] != []
    assert len(staff.get(RETURNS, params={"order_id": order["id"]}).json()["items"]) == 1


def test_an_unshipped_order_has_nothing_to_return(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop)
    session.commit()
    order = place(api, shop, [(mug.id, 1)])
    lines = order["lines"]
    assert isinstance(lines, list)

    refused = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line_id": lines[0]["id"], "quantity": 1, "reason": "other"}]},
    )

    assert refused.status_code == 409
    assert staff.get(RETURNS).json()["items"] == []


def test_steps_out_of_order_are_refused(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    given = _shipped(api, staff, session)
    order, mug_line = given.order, given.lines[0]
    rma = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line_id": mug_line, "quantity": 1, "reason": "defective"}]},
    ).json()

    early_refund = staff.post(f"{RETURNS}/{rma['id']}/refund")
    early_inspection = staff.post(
        f"{RETURNS}/{rma['id']}/inspect",
        json={"decisions": [{"return_line_id": rma["lines"][0]["id"], "outcome": "restock"}]},
    )

    assert (early_refund.status_code, early_inspection.status_code) == (409, 409)
    assert staff.get(f"{RETURNS}/{rma['id']}").json()["status"] == "requested"


def test_an_exchange_places_a_new_order_at_no_charge_and_refunds_the_rest(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given 3 mugs and a plate shipped; the customer wants a large mug instead of one
    given = _shipped(api, staff, session)
    order, (mug_line, plate_line), shop = given.order, given.lines, given.shop
    large = make_article(session, shop, units=4, title="Large mug")
    session.commit()
    rma = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [
            {"line_id": mug_line, "quantity": 1, "reason": "too_small",
             "replacement_variant_id": str(large.id)},
            {"line_id": plate_line, "quantity": 1, "reason": "changed_mind"},
        ]},
    ).json()  # fmt: skip
    staff.post(f"{RETURNS}/{rma['id']}/receive")
    staff.post(
        f"{RETURNS}/{rma['id']}/inspect",
        json={"decisions": [
            {"return_line_id": line["id"], "outcome": "restock"} for line in rma["lines"]
        ]},
    )  # fmt: skip

    # when it is settled
    settled = staff.post(f"{RETURNS}/{rma['id']}/refund").json()

    # then only the plate is refunded and the large mug leaves as a paid order of 0
    exchange = staff.get(f"{ORDERS}/{settled['exchange_order_id']}").json()
    assert settled["refund"]["minor_units"] == 900
    assert exchange["status"] == "paid"
    assert exchange["total_gross"]["minor_units"] == 0
    assert [(x["variant_id"], x["quantity"]) for x in exchange["lines"]] == [(str(large.id), 1)]
    assert level(session, large.id, shop.location_id) == (4, 1)
    assert events_of(session, exchange["id"]) == ["order.placed"]


def test_a_bank_transfer_refund_is_recorded_as_to_send(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    given = _shipped(api, staff, session, payment={"method": "bank_transfer"})
    order, mug_line = given.order, given.lines[0]
    rma = staff.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line_id": mug_line, "quantity": 1, "reason": "other"}]},
    ).json()
    staff.post(f"{RETURNS}/{rma['id']}/receive")
    staff.post(
        f"{RETURNS}/{rma['id']}/inspect",
        json={"decisions": [{"return_line_id": rma["lines"][0]["id"], "outcome": "restock"}]},
    )

    refunded = staff.post(f"{RETURNS}/{rma['id']}/refund")

    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["refund_reference"].startswith("transfer-refund-")
    timeline = staff.get(f"{ORDERS}/{order['id']}").json()["timeline"]
    assert timeline[-1]["details"]["status"] == "pending"
