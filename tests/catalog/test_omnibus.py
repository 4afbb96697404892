"""EU Omnibus: a reduced price shows the lowest price of the 30 days before the reduction."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.schemas import PriceSet
from comptoir.kit.clock import FrozenClock
from comptoir.kit.money import Money
from tests.catalog.factories import make_price_list, make_promotion, make_variant


def eur(minor: int) -> Money:
    return Money.from_minor(minor, "EUR")


def test_a_promotion_shows_the_lowest_price_of_the_30_days_before_it(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    clock.advance(timedelta(days=10))
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=900))
    clock.advance(timedelta(days=5))
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1200))
    clock.advance(timedelta(days=10))
    make_promotion(session, percent=Decimal("20"), starts_at=clock.now())

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert (quote.list_price, quote.unit_price, quote.lowest_price_30d) == (
        eur(1200),
        eur(960),
        eur(900),
    )
    assert quote.promotion_id is not None


def test_prices_older_than_30_days_before_the_reduction_do_not_count(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=500))
    clock.advance(timedelta(days=40))
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    clock.advance(timedelta(days=31))
    make_promotion(session, percent=Decimal("10"), starts_at=clock.now())

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert quote.lowest_price_30d == eur(1000)


def test_a_compare_at_price_uses_the_30_days_before_the_reduced_price(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1100))
    clock.advance(timedelta(days=20))
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1300))
    clock.advance(timedelta(days=20))
    service.set_price(
        session,
        prices.id,
        PriceSet(variant_id=variant.id, amount_minor=999, compare_at_minor=1300),
    )
    clock.advance(timedelta(days=3))

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert (quote.unit_price, quote.compare_at, quote.lowest_price_30d) == (
        eur(999),
        eur(1300),
        eur(1100),
    )


def test_a_full_price_carries_no_reference(session: Session, clock: FrozenClock) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert (quote.promotion_id, quote.lowest_price_30d) == (None, None)


def test_a_promotion_20_days_ago_is_the_reference_of_a_new_one(
    session: Session, clock: FrozenClock
) -> None:
    # given a price of 10 € for two months, lowered to 7.50 € by a promotion 20 to 13 days ago
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    clock.advance(timedelta(days=60))
    make_promotion(
        session,
        percent=Decimal("25"),
        starts_at=clock.now() - timedelta(days=20),
        ends_at=clock.now() - timedelta(days=13),
    )

    # when a new promotion of 10 % starts now
    make_promotion(session, percent=Decimal("10"), starts_at=clock.now())
    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    # then the reference is the price charged during the earlier promotion
    assert (quote.list_price, quote.unit_price, quote.lowest_price_30d) == (
        eur(1000),
        eur(900),
        eur(750),
    )


def test_a_promotion_older_than_30_days_or_switched_off_does_not_count(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    clock.advance(timedelta(days=90))
    make_promotion(
        session,
        percent=Decimal("50"),
        starts_at=clock.now() - timedelta(days=45),
        ends_at=clock.now() - timedelta(days=31),
    )
    make_promotion(
        session,
        percent=Decimal("40"),
        starts_at=clock.now() - timedelta(days=10),
        ends_at=clock.now() - timedelta(days=5),
        is_active=False,
    )
    make_promotion(session, percent=Decimal("10"), starts_at=clock.now())

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert quote.lowest_price_30d == eur(1000)


def test_a_promotion_of_another_channel_or_product_does_not_count(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    other = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1000))
    clock.advance(timedelta(days=60))
    earlier = clock.now() - timedelta(days=15)
    make_promotion(
        session, percent=Decimal("30"), starts_at=earlier, product_ids=[str(other.product_id)]
    )
    make_promotion(
        session,
        kind="fixed_amount",
        percent=None,
        amount_minor=400,
        currency="EUR",
        starts_at=earlier,
        ends_at=clock.now() - timedelta(days=1),
        channel_ids=[str(uuid.uuid4())],
    )
    make_promotion(session, percent=Decimal("10"), starts_at=clock.now())

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert quote.lowest_price_30d == eur(1000)


def test_a_compare_at_price_counts_an_earlier_promotion(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    prices = make_price_list(session)
    service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=1300))
    clock.advance(timedelta(days=40))
    make_promotion(
        session,
        kind="fixed_amount",
        percent=None,
        amount_minor=200,
        currency="EUR",
        starts_at=clock.now() - timedelta(days=12),
        ends_at=clock.now() - timedelta(days=8),
    )
    service.set_price(
        session,
        prices.id,
        PriceSet(variant_id=variant.id, amount_minor=999, compare_at_minor=1300),
    )

    quote = service.price_for(session, variant.id, channel_id=None, currency="EUR")

    assert (quote.unit_price, quote.lowest_price_30d) == (eur(999), eur(1100))
