"""Promotions on a set of lines, and coupons with usage limits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.errors import CouponNotUsable
from comptoir.catalog.models import CouponCustomerUse
from comptoir.catalog.schemas import ProductUpdate
from comptoir.catalog.service import PromotionLine, PromotionSpec
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import InvalidInput
from comptoir.kit.money import Money
from tests.catalog.factories import (
    make_category,
    make_channel,
    make_coupon,
    make_product,
    make_promotion,
    make_variant,
)


def eur(minor: int) -> Money:
    return Money.from_minor(minor, "EUR")


def line(variant_id: uuid.UUID, quantity: int, unit_minor: int, name: str = "") -> PromotionLine:
    return PromotionLine(name or str(variant_id), variant_id, quantity, eur(unit_minor))


def test_a_percentage_is_shared_between_lines_to_the_cent(session: Session) -> None:
    a, b, c = (make_variant(session) for _ in range(3))
    make_promotion(session, percent=Decimal("10"))

    result = service.apply_promotions(
        session,
        [line(a.id, 1, 333, "a"), line(b.id, 1, 333, "b"), line(c.id, 1, 334, "c")],
        channel_id=None,
    )

    assert [d.amount for d in result.lines] == [eur(33), eur(33), eur(34)]
    assert result.total == eur(100)


def test_a_promotion_scoped_to_a_category_skips_other_products(session: Session) -> None:
    shoes = make_category(session)
    in_category = make_variant(session)
    other = make_variant(session)
    service.update_product(session, in_category.product_id, ProductUpdate(category_ids=[shoes.id]))
    make_promotion(
        session,
        kind="fixed_amount",
        percent=None,
        amount_minor=200,
        currency="EUR",
        category_ids=[str(shoes.id)],
    )

    result = service.apply_promotions(
        session,
        [line(in_category.id, 2, 1000, "in"), line(other.id, 2, 1000, "out")],
        channel_id=None,
    )

    assert [d.amount for d in result.lines] == [eur(400), eur(0)]


def test_a_promotion_for_another_channel_does_not_apply(session: Session) -> None:
    variant = make_variant(session)
    app, web = make_channel(session), make_channel(session)
    make_promotion(session, channel_ids=[str(app.id)])

    result = service.apply_promotions(session, [line(variant.id, 1, 1000)], channel_id=web.id)

    assert result.total == eur(0)


def test_buy_two_get_one_makes_the_cheapest_unit_free(session: Session) -> None:
    a, b = make_variant(session), make_variant(session)
    make_promotion(session, kind="buy_x_get_y", percent=None, buy_quantity=2, get_quantity=1)

    result = service.apply_promotions(
        session, [line(a.id, 2, 1500, "a"), line(b.id, 1, 900, "b")], channel_id=None
    )

    assert [d.amount for d in result.lines] == [eur(0), eur(900)]


def test_a_scheduled_promotion_applies_only_in_its_period(
    session: Session, clock: FrozenClock
) -> None:
    variant = make_variant(session)
    make_promotion(
        session, starts_at=clock.now() + timedelta(days=1), ends_at=clock.now() + timedelta(days=2)
    )
    lines = [line(variant.id, 1, 1000)]

    before = service.apply_promotions(session, lines, channel_id=None)
    during = service.apply_promotions(
        session, lines, channel_id=None, on=clock.now() + timedelta(days=1, hours=1)
    )

    assert (before.total, during.total) == (eur(0), eur(100))


def test_free_shipping_unlocked_by_a_coupon(session: Session) -> None:
    variant = make_variant(session)
    promotion = make_promotion(session, kind="free_shipping", percent=None, requires_coupon=True)
    make_coupon(session, promotion=promotion, code="SHIPFREE")

    without = service.apply_promotions(session, [line(variant.id, 1, 1000)], channel_id=None)
    with_code = service.apply_promotions(
        session, [line(variant.id, 1, 1000)], channel_id=None, coupon_codes=["shipfree"]
    )

    assert (without.free_shipping, with_code.free_shipping) == (False, True)
    assert with_code.accepted_coupons == ["SHIPFREE"]


def test_a_used_up_coupon_is_refused_in_evaluation(session: Session) -> None:
    variant = make_variant(session)
    make_coupon(session, code="ONCE", usage_limit=1, times_used=1)

    result = service.apply_promotions(
        session, [line(variant.id, 1, 1000)], channel_id=None, coupon_codes=["ONCE"]
    )

    assert (result.total, result.refused_coupons) == (eur(0), ["ONCE"])


def test_a_coupon_is_redeemed_up_to_its_per_customer_limit(session: Session) -> None:
    coupon = make_coupon(session, code="TWICE", per_customer_limit=1, usage_limit=10)
    customer = uuid.uuid4()

    service.redeem_coupon(session, "twice", customer_id=customer)
    with pytest.raises(CouponNotUsable):
        service.redeem_coupon(session, "TWICE", customer_id=customer)

    session.refresh(coupon)
    uses = session.scalar(
        select(CouponCustomerUse.times_used).where(CouponCustomerUse.coupon_id == coupon.id)
    )
    assert (coupon.times_used, uses) == (1, 1)


def test_a_percentage_promotion_needs_a_percentage(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.create_promotion(session, PromotionSpec(name="Sale", kind="percentage"))
    assert caught.value.field == "percent"


amounts = st.integers(min_value=0, max_value=100_000)
line_specs = st.lists(
    st.tuples(amounts, st.integers(min_value=1, max_value=5)), min_size=1, max_size=6
)
percents = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)


def _lines(session: Session, specs: list[tuple[int, int]]) -> list[PromotionLine]:
    product = make_product(session)
    return [
        line(make_variant(session, product=product).id, quantity, unit, f"l{i}")
        for i, (unit, quantity) in enumerate(specs)
    ]


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    specs=line_specs,
    stacked=st.lists(percents, min_size=1, max_size=3),
    fixed=st.integers(min_value=1, max_value=5_000),
)
def test_stacked_discounts_never_exceed_line_totals(
    db: Database, specs: list[tuple[int, int]], stacked: list[Decimal], fixed: int
) -> None:
    with db.session() as session:
        lines = _lines(session, specs)
        for percent in stacked:
            make_promotion(session, percent=percent)
        make_promotion(
            session, kind="fixed_amount", percent=None, amount_minor=fixed, currency="EUR"
        )
        make_promotion(session, kind="buy_x_get_y", percent=None, buy_quantity=1, get_quantity=1)

        result = service.apply_promotions(session, lines, channel_id=None)

        for given_line, discount in zip(lines, result.lines, strict=True):
            assert eur(0) <= discount.amount <= given_line.total
            assert discount.amount.is_rounded
        session.rollback()


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(specs=line_specs, percent=percents)
def test_a_percentage_adds_up_exactly_to_the_rounded_discount_of_the_total(
    db: Database, specs: list[tuple[int, int]], percent: Decimal
) -> None:
    with db.session() as session:
        lines = _lines(session, specs)
        make_promotion(session, percent=percent)

        result = service.apply_promotions(session, lines, channel_id=None)

        base = sum(unit * quantity for unit, quantity in specs)
        assert result.total == eur(base).percent(percent).round()
        session.rollback()
