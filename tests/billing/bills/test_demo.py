"""The demo's supplier bills, on a small set of received purchase orders."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from comptoir.billing.bills import service
from comptoir.billing.bills.demo import bill_received_orders
from comptoir.kit.clock import FrozenClock
from tests.billing.bills.factories import received_order

TODAY = date(2026, 11, 23)


def test_the_demo_bills_each_received_order_once_and_holds_a_price_rise(
    session: Session, clock: FrozenClock
) -> None:
    orders = [received_order(session, [(10, "3.50", 10), (4, "6.00", 2)]) for _ in range(4)]
    not_received = received_order(session, [(5, "2.00", 0)])

    made = bill_received_orders(session, until=TODAY)
    again = bill_received_orders(session, until=TODAY)

    assert (made, again) == (4, 0)
    bills = {
        received.order.id: service.list_bills(session, purchase_order_id=received.order.id).items
        for received in [*orders, not_received]
    }
    assert bills[not_received.order.id] == []
    statuses = sorted(items[0].status for order_id, items in bills.items() if items)
    assert statuses == ["on_hold", "posted", "posted", "posted"]
    held = next(items[0] for items in bills.values() if items and items[0].status == "on_hold")
    assert [d["code"] for d in held.discrepancies] == ["price_difference"]
    assert [line.quantity for line in held.lines] == [10, 2]
    assert all(items[0].bill_date <= TODAY for items in bills.values() if items)


def test_orders_received_after_the_day_are_not_billed_yet(
    session: Session, clock: FrozenClock
) -> None:
    received_order(session, [(1, "3.50", 1)])

    assert bill_received_orders(session, until=date(2026, 1, 1)) == 0
