"""Abandoned carts: an open cart with lines and no activity for the configured time is
abandoned once, emits ``cart.abandoned``, and may be abandoned again after new activity."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.jobs.registry import all_schedules, task_named
from comptoir.orders import service
from comptoir.orders.abandoned import TASK, CartAbandonment, abandon_idle_carts
from comptoir.orders.models import Cart
from tests.orders.factories import Shop, make_article, make_shop


def _cart(session: Session, shop: Shop, *, quantity: int = 2) -> Cart:
    mug = make_article(session, shop, price_minor=1200, units=10)
    cart = service.create_cart(
        session, channel_id=shop.channel.id, customer_id=uuid.uuid4(), shopper_id=uuid.uuid4()
    )
    if quantity:
        service.add_line(session, cart, mug.id, quantity)
    session.flush()
    return cart


def _abandoned_events(session: Session, cart: Cart) -> list[dict[str, Any]]:
    return [
        event.payload
        for event in session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == "cart.abandoned", OutboxEvent.key == str(cart.id))
            .order_by(OutboxEvent.id)
        )
    ]


def test_an_idle_cart_is_abandoned_once_with_its_figures(
    session: Session, clock: FrozenClock
) -> None:
    # given a cart of 2 mugs at 12.00, untouched for an hour
    shop = make_shop(session)
    cart = _cart(session, shop)
    clock.advance(timedelta(minutes=60))

    # when the job runs twice
    first = abandon_idle_carts(session)
    second = abandon_idle_carts(session)

    # then the cart is abandoned once, still open for the shopper to come back
    assert (first, second) == (1, 0)
    (event,) = _abandoned_events(session, cart)
    assert event["cart_id"] == str(cart.id)
    assert event["channel_id"] == str(shop.channel.id)
    assert event["shopper_id"] == str(cart.shopper_id)
    assert event["customer_id"] == str(cart.customer_id)
    assert (event["total_gross_minor"], event["currency"], event["lines_count"]) == (
        2400,
        cart.currency,
        1,
    )
    assert cart.status == "open"


def test_a_cart_active_within_the_hour_is_not_abandoned(
    session: Session, clock: FrozenClock
) -> None:
    cart = _cart(session, make_shop(session))
    clock.advance(timedelta(minutes=59))

    assert abandon_idle_carts(session) == 0
    assert _abandoned_events(session, cart) == []


def test_empty_and_checked_out_carts_are_not_abandoned(
    session: Session, clock: FrozenClock
) -> None:
    shop = make_shop(session)
    empty = _cart(session, shop, quantity=0)
    converted = _cart(session, shop)
    converted.status = "converted"
    session.flush()
    clock.advance(timedelta(hours=3))

    assert abandon_idle_carts(session) == 0
    assert _abandoned_events(session, empty) == _abandoned_events(session, converted) == []


def test_a_cart_touched_again_may_be_abandoned_again_later(
    session: Session, clock: FrozenClock
) -> None:
    # given a cart abandoned once
    shop = make_shop(session)
    cart = _cart(session, shop)
    clock.advance(timedelta(minutes=61))
    assert abandon_idle_carts(session) == 1

    # when the shopper comes back and changes a line, then leaves again
    service.change_line(session, cart, cart.lines[0].id, 3)
    session.flush()
    assert abandon_idle_carts(session) == 0
    clock.advance(timedelta(minutes=61))

    # then it is abandoned a second time, with its new figures
    assert abandon_idle_carts(session) == 1
    events = _abandoned_events(session, cart)
    assert [event["total_gross_minor"] for event in events] == [2400, 3600]
    rows = session.scalars(select(CartAbandonment).where(CartAbandonment.cart_id == cart.id))
    assert len(rows.all()) == 2


def test_the_idle_time_comes_from_the_setting(
    session: Session, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPTOIR_CART_ABANDONED_AFTER_MINUTES", "15")
    cart = _cart(session, make_shop(session))
    clock.advance(timedelta(minutes=16))

    assert abandon_idle_carts(session) == 1
    assert len(_abandoned_events(session, cart)) == 1


def test_the_job_runs_every_ten_minutes(session: Session, clock: FrozenClock) -> None:
    (spec,) = [s for s in all_schedules() if s.name == TASK]
    assert (spec.task, spec.cron) == (TASK, "*/10 * * * *")
    cart = _cart(session, make_shop(session))
    clock.advance(timedelta(minutes=60))
    job = task_named(TASK)
    assert job is not None

    job.function(session, {})

    assert len(_abandoned_events(session, cart)) == 1
