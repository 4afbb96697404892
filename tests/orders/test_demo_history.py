"""The demo shop's trading history: the calendar's model on its own, and a month of history
placed through the real services on a small shop."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.channels.models import Channel
from comptoir.inventory import service as inventory
from comptoir.inventory.demo import LOCATIONS
from comptoir.inventory.models import StockLevel
from comptoir.kit.clock import FrozenClock
from comptoir.kit.settings import Settings
from comptoir.orders.abandoned import CartAbandonment
from comptoir.orders.demo_calendar import channel_shares, sales_period_on, trading_day
from comptoir.orders.demo_history import HistoryOptions, seed_history
from comptoir.orders.demo_restock import reorders
from comptoir.orders.models import Order
from comptoir.orders.returns.models import Return
from comptoir.purchasing import service as purchasing
from comptoir.purchasing.schemas import SupplierCreate
from tests.catalog.factories import (
    make_channel,
    make_listing,
    make_price,
    make_price_list,
    make_product,
    make_tax_class,
    make_tax_rate,
    make_variant,
)
from tests.inventory.factories import make_location, stock


def test_december_is_busier_than_july_and_sales_periods_are_flagged() -> None:
    # given the same weekday in December, in July and in the winter sales
    december, july = date(2025, 12, 10), date(2025, 7, 30)
    winter_sales, before = date(2026, 1, 14), date(2026, 1, 13)

    # when the calendar tells what each day expects
    # then December beats July, the sales boost their days, and they start on the 2nd
    # Wednesday of January (14 January 2026) and the last Wednesday of June (24 June 2026)
    assert trading_day(december, 4).expected_orders > trading_day(july, 4).expected_orders
    assert trading_day(winter_sales, 4).sales is not None
    assert trading_day(before, 4).sales is None
    assert trading_day(winter_sales, 4).expected_orders > trading_day(before, 4).expected_orders
    summer = sales_period_on(date(2026, 6, 24))
    assert summer is not None
    assert summer.name == "Soldes d'été 2026"
    assert summer.ends_on == date(2026, 7, 22)
    assert sales_period_on(date(2026, 6, 23)) is None
    assert sales_period_on(date(2026, 7, 22)) is None


def test_saturday_is_the_busiest_day_and_most_stores_close_on_sunday() -> None:
    # given a week of November 2026 (Monday 16 to Sunday 22)
    week = [date(2026, 11, 16) + timedelta(days=n) for n in range(7)]

    # when the calendar tells each day's orders and channels
    expected = [trading_day(day, 10).expected_orders for day in week]
    sunday = channel_shares(week[6])

    # then Saturday leads, and on Sunday only Bordeaux's till sells among the stores
    assert max(expected) == expected[5]
    assert {code for code in sunday if code.startswith("store-")} == {"store-bordeaux"}
    assert abs(sum(sunday.values()) - 1) < 1e-9


def test_a_variant_is_reordered_up_to_its_target_only_below_the_reorder_point() -> None:
    # given three variants with 1, 2 and 9 units available
    low, at_point, plenty = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    # when the weekly reorder looks at them (reorder below 2, up to 6)
    wanted = reorders({low: 1, at_point: 2, plenty: 9}, (2, 6))

    # then only the low one is ordered, up to the target
    assert wanted == {low: 5}


def _small_shop(session: Session) -> list[uuid.UUID]:
    """Four channels (web, app, marketplace, the Paris till) selling eight articles from a
    warehouse and the Paris store, and a supplier to reorder from."""
    warehouse = make_location(session, code="WH-TEST")
    store = inventory.create_location(session, LOCATIONS[1])
    channels = {
        code: make_channel(session, code=code, kind=kind)
        for code, kind in (
            ("web", "web"), ("app", "app"), ("marketplace", "marketplace"),
            ("store-paris", "store"),
        )
    }  # fmt: skip
    for code, channel in channels.items():
        location = store if code == "store-paris" else warehouse
        inventory.set_channel_location(
            session, channel_id=channel.id, location_id=location.id, buffer=0
        )
    prices = make_price_list(session, channel=None)
    tax_class = make_tax_class(session, code=f"fr-{uuid.uuid4().hex[:6]}-standard")
    make_tax_rate(session, tax_class=tax_class, rate=Decimal("20"))
    variant_ids = []
    for n in range(8):
        product = make_product(session, title=f"Article {n}", tax_class_id=tax_class.id)
        variant = make_variant(session, product=product, title="Blue")
        for channel in channels.values():
            make_listing(session, channel=channel, variant=variant)
        make_price(session, price_list=prices, variant=variant, amount_minor=1500 + 100 * n)
        stock(session, variant_id=variant.id, location_id=warehouse.id, quantity=20)
        stock(session, variant_id=variant.id, location_id=store.id, quantity=4)
        variant_ids.append(variant.id)
    purchasing.create_supplier(session, SupplierCreate(name="Fournisseur test"))
    return variant_ids


def test_a_month_of_history_trades_on_every_channel_once_with_stock_consistent(
    session: Session, settings: Settings, clock: FrozenClock
) -> None:
    # given a small shop on four channels
    _small_shop(session)
    options = HistoryOptions(days=30, orders_per_day=4, seed=7)
    days_reported: list[int] = []

    # when a month of history is generated, twice
    first = seed_history(
        session, settings, options=options, report=lambda done, _: days_reported.append(done)
    )
    orders_after_first = session.scalar(select(func.count()).select_from(Order))
    second = seed_history(session, settings, options=options)

    # then orders were placed on the four channels over many days, and the second run added
    # nothing
    assert first.startswith("History: ")
    assert second == "History: already generated."
    assert days_reported == list(range(1, 32))
    assert session.scalar(select(func.count()).select_from(Order)) == orders_after_first
    orders = list(session.scalars(select(Order)))
    assert len(orders) >= 60
    codes = set(
        session.scalars(
            select(Channel.code).where(Channel.id.in_({order.channel_id for order in orders}))
        )
    )
    assert codes == {"web", "app", "marketplace", "store-paris"}
    assert len({order.placed_at.date() for order in orders}) >= 20
    assert min(order.placed_at for order in orders) < clock.now() - timedelta(days=25)
    # and the history has its deliveries, till sales, returns and abandoned carts
    statuses = {order.status for order in orders}
    assert {"delivered", "collected"} <= statuses
    assert (session.scalar(select(func.count()).select_from(Return)) or 0) >= 1
    assert (session.scalar(select(func.count()).select_from(CartAbandonment)) or 0) >= 1
    # and the stock levels equal the ledger, none below zero
    assert inventory.check_levels(session) == []
    assert (session.scalar(select(func.min(StockLevel.on_hand))) or 0) >= 0
