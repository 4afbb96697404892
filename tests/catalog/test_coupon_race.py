"""Counters under concurrency: a coupon's usage limits hold when checkouts race for its
last uses, and concurrent receipts are all folded into a variant's average cost."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from comptoir.catalog import service
from comptoir.catalog.errors import CouponNotUsable
from comptoir.catalog.models import Coupon, Variant
from comptoir.kit.db.engine import Database
from comptoir.kit.money import Money
from tests.catalog.factories import make_coupon, make_variant

pytestmark = pytest.mark.committed

RACERS = 8
LIMIT = 3


def test_exactly_the_limit_of_racing_redemptions_succeed(committed_db: Database) -> None:
    with committed_db.transaction() as session:
        make_coupon(session, code="LASTONES", usage_limit=LIMIT)
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def checkout() -> None:
        barrier.wait()
        try:
            with committed_db.transaction() as session:
                service.redeem_coupon(session, "LASTONES")
            outcome = "redeemed"
        except CouponNotUsable:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=checkout) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with committed_db.transaction(readonly=True) as session:
        times_used = session.scalar(select(Coupon.times_used).where(Coupon.code == "LASTONES"))
    assert sorted(outcomes) == ["redeemed"] * LIMIT + ["refused"] * (RACERS - LIMIT)
    assert times_used == LIMIT


def test_one_customer_racing_for_a_once_per_customer_coupon_gets_it_once(
    committed_db: Database,
) -> None:
    with committed_db.transaction() as session:
        make_coupon(session, code="ONCEEACH", per_customer_limit=1)
    customer = uuid.uuid4()
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def checkout() -> None:
        barrier.wait()
        try:
            with committed_db.transaction() as session:
                service.redeem_coupon(session, "ONCEEACH", customer_id=customer)
            outcome = "redeemed"
        except CouponNotUsable:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=checkout) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with committed_db.transaction(readonly=True) as session:
        times_used = session.scalar(select(Coupon.times_used).where(Coupon.code == "ONCEEACH"))
    assert sorted(outcomes) == ["redeemed"] + ["refused"] * (RACERS - 1)
    assert times_used == 1


def test_concurrent_receipts_are_all_folded_into_the_cost(committed_db: Database) -> None:
    with committed_db.transaction() as session:
        variant_id = make_variant(session).id
    barrier = threading.Barrier(RACERS)

    def receive(unit_minor: int) -> None:
        barrier.wait()
        with committed_db.transaction() as session:
            service.record_receipt_cost(
                session, variant_id, 10, Money.from_minor(unit_minor, "EUR")
            )

    threads = [threading.Thread(target=receive, args=(100 * (n + 1),)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with committed_db.transaction(readonly=True) as session:
        variant = session.get(Variant, variant_id)
        assert variant is not None
        # 10 units at each of 1.00, 2.00 ... 8.00 EUR: 80 units averaging 4.50 EUR
        assert (variant.cost_quantity, variant.cost_value_minor, variant.cost_unit_minor) == (
            10 * RACERS,
            sum(1000 * (n + 1) for n in range(RACERS)),
            450,
        )
