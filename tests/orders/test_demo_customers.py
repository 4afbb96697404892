"""The demo orders and the demo customers: some buyers come back, every order has its
customer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.customers.demo import seed_customers
from comptoir.customers.models import Customer
from comptoir.kit.clock import FrozenClock
from comptoir.kit.settings import Settings
from comptoir.orders.demo import seed_orders
from comptoir.orders.models import Order
from tests.orders.factories import make_article, make_shop


def test_demo_orders_belong_to_customers_some_of_them_seeded_before(
    session: Session, settings: Settings, clock: FrozenClock
) -> None:
    # given the demo customers and a web shop with stock
    seed_customers(session, settings)
    shop = make_shop(session, code="web")
    for title in ("Mug", "Bowl", "Plate"):
        make_article(session, shop, units=100, title=title)
    seeded = set(session.scalars(select(Customer.id)))

    # when the demo orders are placed
    seed_orders(session, settings)

    # then every order has a customer, and half of them are demo customers coming back
    orders = list(session.scalars(select(Order)))
    assert all(order.customer_id is not None for order in orders)
    returning = [order for order in orders if order.customer_id in seeded]
    assert len(returning) == len(orders) // 2
