"""The demo seeder: a dozen web orders through real carts and checkouts, once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from comptoir.kit.settings import Settings
from comptoir.orders.demo import ORDER_COUNT, seed_orders
from comptoir.orders.models import Order
from tests.orders.factories import make_article, make_shop


def test_seeding_twice_places_one_dozen_orders_with_their_stock_allocated(
    session: Session, settings: Settings, clock: FrozenClock
) -> None:
    # given a web shop selling three articles with plenty of stock
    shop = make_shop(session, code="web")
    for title in ("Mug", "Bowl", "Plate"):
        make_article(session, shop, units=100, title=title)

    first = seed_orders(session, settings)
    second = seed_orders(session, settings)

    orders = list(session.scalars(select(Order)))
    assert first == f"Orders: {ORDER_COUNT} web orders placed."
    assert second == "Orders: already seeded."
    assert len(orders) == ORDER_COUNT
    assert {order.status for order in orders} == {"paid", "pending_payment"}
    allocated = sum(line.quantity for order in orders for line in order.lines)
    levels = inventory.list_levels(session, location_ids=[shop.location_id]).items
    assert sum(level.reserved for level in levels) == allocated
    assert inventory.check_levels(session) == []
