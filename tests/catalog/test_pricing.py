"""Price resolution: channel, currency, tiers, customer groups, validity dates, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.errors import PriceNotFound
from comptoir.catalog.models import PriceHistory
from comptoir.catalog.schemas import PriceSet
from comptoir.kit.clock import FrozenClock
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.money import Money
from tests.catalog.factories import (
    make_channel,
    make_price,
    make_price_list,
    make_variant,
)


def eur(minor: int) -> Money:
    return Money.from_minor(minor, "EUR")


def test_the_channel_list_wins_over_the_general_one(session: Session) -> None:
    variant = make_variant(session)
    web, store = make_channel(session), make_channel(session)
    make_price(session, price_list=make_price_list(session), variant=variant, amount_minor=1000)
    make_price(
        session, price_list=make_price_list(session, channel=web), variant=variant, amount_minor=900
    )

    on_web = service.price_for(session, variant.id, channel_id=web.id, currency="EUR")
    in_store = service.price_for(session, variant.id, channel_id=store.id, currency="EUR")

    assert (on_web.unit_price, in_store.unit_price) == (eur(900), eur(1000))


def test_another_currency_uses_its_own_list(session: Session) -> None:
    variant = make_variant(session)
    make_price(session, price_list=make_price_list(session), variant=variant, amount_minor=1000)
    make_price(
        session,
        price_list=make_price_list(session, currency="CHF"),
        variant=variant,
        amount_minor=1100,
    )

    quote = service.price_for(session, variant.id, channel_id=None, currency="CHF")

    assert quote.unit_price == Money.from_minor(1100, "CHF")


def test_a_currency_without_a_list_has_no_price(session: Session) -> None:
    variant = make_variant(session)
    make_price(session, price_list=make_price_list(session), variant=variant)

    with pytest.raises(PriceNotFound):
        service.price_for(session, variant.id, channel_id=None, currency="USD")


@pytest.mark.parametrize(("quantity", "expected"), [(1, 1000), (9, 1000), (10, 850), (50, 700)])
def test_the_highest_tier_reached_applies(session: Session, quantity: int, expected: int) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    for min_quantity, amount in ((1, 1000), (10, 850), (50, 700)):
        make_price(
            session,
            price_list=prices,
            variant=variant,
            amount_minor=amount,
            min_quantity=min_quantity,
        )

    quote = service.price_for(
        session, variant.id, channel_id=None, currency="EUR", quantity=quantity
    )

    assert quote.unit_price == eur(expected)


def test_a_customer_group_gets_its_list_and_others_do_not(session: Session) -> None:
    variant = make_variant(session)
    make_price(session, price_list=make_price_list(session), variant=variant, amount_minor=1000)
    make_price(
        session,
        price_list=make_price_list(session, customer_group="pro", prices_include_tax=False),
        variant=variant,
        amount_minor=700,
    )

    pro = service.price_for(
        session, variant.id, channel_id=None, currency="EUR", customer_group="pro"
    )
    anyone = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert (pro.unit_price, pro.includes_tax) == (eur(700), False)
    assert (anyone.unit_price, anyone.includes_tax) == (eur(1000), True)


def test_a_list_applies_only_within_its_validity_dates(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    now = clock.now()
    make_price(session, price_list=make_price_list(session), variant=variant, amount_minor=1000)
    make_price(
        session,
        price_list=make_price_list(
            session,
            priority=10,
            valid_from=now + timedelta(days=1),
            valid_to=now + timedelta(days=8),
        ),
        variant=variant,
        amount_minor=800,
    )

    today = service.price_for(session, variant.id, channel_id=None, currency="EUR")
    sale = service.price_for(
        session, variant.id, channel_id=None, currency="EUR", on=now + timedelta(days=2)
    )
    after = service.price_for(
        session, variant.id, channel_id=None, currency="EUR", on=now + timedelta(days=8)
    )

    assert [today.unit_price, sale.unit_price, after.unit_price] == [eur(1000), eur(800), eur(1000)]


def test_every_change_is_appended_to_the_history_with_an_event(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    clock.advance(timedelta(days=1))
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1200))

    history = session.execute(
        select(PriceHistory.amount_minor, PriceHistory.previous_amount_minor)
        .where(PriceHistory.variant_id == variant.id)
        .order_by(PriceHistory.effective_at)
    ).all()
    changes = session.scalars(
        select(OutboxEvent.type).where(
            OutboxEvent.key == str(variant.id), OutboxEvent.type == "catalog.price.changed"
        )
    ).all()
    assert [tuple(row) for row in history] == [(1000, None), (1200, 1000)]
    assert len(changes) == 2
