"""Fifty buyers race for the last ten units, on PostgreSQL with real threads and
connections: the guarded UPDATE lets exactly ten through."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from comptoir.inventory import service
from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, ref, stock

pytestmark = [pytest.mark.postgresql_only, pytest.mark.committed]

BUYERS = 50
UNITS = 10


def test_fifty_buyers_for_ten_units_leave_exactly_ten_reserved(committed_db: Database) -> None:
    # given a variant with 10 units on hand at one location
    with committed_db.transaction() as session:
        variant_id = make_variant(session).id
        location_id = make_location(session).id
        stock(session, variant_id=variant_id, location_id=location_id, quantity=UNITS)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(BUYERS)

    def buy(n: int) -> None:
        start.wait()
        try:
            with committed_db.transaction() as session:
                service.reserve(
                    session,
                    variant_id=variant_id,
                    location_id=location_id,
                    quantity=1,
                    reference=ref("cart", f"cart-{n}"),
                )
            outcome = "reserved"
        except service.InsufficientStock:
            outcome = "insufficient_stock"
        with lock:
            outcomes.append(outcome)

    # when 50 threads each try to reserve one unit at the same moment
    threads = [threading.Thread(target=buy, args=(n,)) for n in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly 10 succeed, 40 are refused, and the level says 10 reserved
    assert outcomes.count("reserved") == UNITS
    assert outcomes.count("insufficient_stock") == BUYERS - UNITS
    with committed_db.transaction(readonly=True) as session:
        level = service.get_level(session, variant_id, location_id)
        assert level is not None
        assert (level.on_hand, level.reserved) == (UNITS, UNITS)
        assert len(service.list_reservations(session, variant_id=variant_id)) == UNITS
        assert service.check_levels(session) == []


def test_two_orders_sharing_variants_in_opposite_order_both_succeed(
    committed_db: Database,
) -> None:
    # given two variants with stock for both orders
    with committed_db.transaction() as session:
        first, second = make_variant(session).id, make_variant(session).id
        location_id = make_location(session).id
        for variant_id in (first, second):
            stock(session, variant_id=variant_id, location_id=location_id, quantity=40)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def order(variants: tuple[uuid.UUID, uuid.UUID]) -> None:
        from comptoir.inventory.schemas import ReservationLine

        start.wait()
        try:
            for _ in range(5):
                with committed_db.transaction() as session:
                    service.reserve_lines(
                        session,
                        lines=[
                            ReservationLine(variant_id=v, location_id=location_id, quantity=1)
                            for v in variants
                        ],
                        reference=ref("order"),
                    )
        except BaseException as error:  # collected, asserted below
            errors.append(error)

    # when eight threads reserve both variants, half of them listing them in reverse order
    threads = [
        threading.Thread(target=order, args=((first, second) if n % 2 else (second, first),))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then no deadlock was detected and every order reserved its lines
    assert errors == []
    with committed_db.transaction(readonly=True) as session:
        for variant_id in (first, second):
            level = service.get_level(session, variant_id, location_id)
            assert level is not None
            assert level.reserved == 40


def test_the_expiry_job_skips_a_hold_being_consumed_without_waiting(
    committed_db: Database,
) -> None:
    # given a hold that has expired
    with committed_db.transaction() as session:
        variant_id = make_variant(session).id
        location_id = make_location(session).id
        stock(session, variant_id=variant_id, location_id=location_id, quantity=3)
        hold_id = service.reserve(
            session,
            variant_id=variant_id,
            location_id=location_id,
            quantity=2,
            expires_at=clock.now() - timedelta(minutes=1),
            reference=ref("cart"),
        ).id
    # when an order consumes it in a transaction still open, and the expiry job runs meanwhile
    ordering = committed_db.session()
    try:
        service.consume(ordering, hold_id)
        with committed_db.transaction() as session:
            expired = service.expire_holds(session)
        ordering.commit()
    finally:
        ordering.close()
    # then the job skipped it instead of waiting on its lock, and the sale stands
    assert expired == 0
    with committed_db.transaction(readonly=True) as session:
        assert service.get_reservation(session, hold_id).status == "consumed"
        level = service.get_level(session, variant_id, location_id)
        assert level is not None
        assert (level.on_hand, level.reserved) == (1, 0)
