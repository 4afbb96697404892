"""Prices of several variants at once: each quote is the one ``price_for`` gives, and the
number of queries does not grow with the number of variants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.errors import PriceNotFound
from comptoir.catalog.models import Variant
from comptoir.kit.clock import FrozenClock
from comptoir.kit.errors import InvalidInput
from tests.catalog.factories import (
    make_channel,
    make_price,
    make_price_list,
    make_product,
    make_promotion,
    make_variant,
)


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session sends inside the block."""
    statements: list[str] = []
    connection = session.connection()

    def note(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", note)


def _variants(session: Session, count: int) -> list[Variant]:
    return [make_variant(session, product=make_product(session)) for _ in range(count)]


def test_each_quote_is_the_one_price_for_gives(session: Session, clock: FrozenClock) -> None:
    # given a general and a channel list, tiers, a promoted product and an unpriced variant
    web = make_channel(session)
    general, own = make_price_list(session), make_price_list(session, channel=web)
    plain, tiered, promoted, channel_priced, unpriced = _variants(session, 5)
    make_price(session, price_list=general, variant=plain, amount_minor=1000)
    for min_quantity, amount in ((1, 2000), (10, 1700)):
        make_price(
            session, price_list=general, variant=tiered, amount_minor=amount,
            min_quantity=min_quantity,
        )  # fmt: skip
    make_price(session, price_list=general, variant=promoted, amount_minor=3000)
    make_price(session, price_list=general, variant=channel_priced, amount_minor=900)
    make_price(session, price_list=own, variant=channel_priced, amount_minor=800)
    make_promotion(
        session, product_ids=[str(promoted.product_id)], starts_at=clock.now() - timedelta(days=1)
    )
    wanted = [(plain.id, 1), (tiered.id, 3), (tiered.id, 12), (promoted.id, 2),
              (channel_priced.id, 1), (unpriced.id, 1)]  # fmt: skip

    # when they are priced together
    quotes = service.prices_for(session, wanted, channel_id=web.id, currency="EUR")

    # then every priced pair has price_for's quote, and the unpriced one is left out
    assert set(quotes) == set(wanted[:-1])
    for variant_id, quantity in wanted[:-1]:
        alone = service.price_for(
            session, variant_id, channel_id=web.id, currency="EUR", quantity=quantity
        )
        assert quotes[(variant_id, quantity)] == alone
    assert quotes[(tiered.id, 12)].unit_price.minor_units == 1700
    assert quotes[(promoted.id, 2)].unit_price.minor_units == 2700
    assert quotes[(channel_priced.id, 1)].unit_price.minor_units == 800
    with pytest.raises(PriceNotFound):
        service.price_for(session, unpriced.id, channel_id=web.id, currency="EUR")


def test_the_queries_do_not_grow_with_the_number_of_variants(session: Session) -> None:
    # given a list pricing twenty variants, and a promotion running on one of them
    prices = make_price_list(session)
    variants = _variants(session, 20)
    for variant in variants:
        make_price(session, price_list=prices, variant=variant, amount_minor=1500)
    make_promotion(session, product_ids=[str(variants[0].product_id)])
    session.expunge_all()

    # when two of them, then all twenty, are priced
    with counted(session) as for_two:
        service.prices_for(
            session, [(v.id, 1) for v in variants[:2]], channel_id=None, currency="EUR"
        )
    session.expunge_all()
    with counted(session) as for_twenty:
        quotes = service.prices_for(
            session, [(v.id, 1) for v in variants], channel_id=None, currency="EUR"
        )

    # then both take the same queries (lists, prices, variants, promotions, categories,
    # plus the 30-day reference of the promoted price), and every variant is priced
    assert len(for_twenty) == len(for_two)
    assert len(quotes) == 20


def test_a_quantity_below_one_is_refused(session: Session) -> None:
    (variant,) = _variants(session, 1)

    with pytest.raises(InvalidInput) as refused:
        service.prices_for(session, [(variant.id, 0)], channel_id=None, currency="EUR")

    assert refused.value.field == "quantity"
