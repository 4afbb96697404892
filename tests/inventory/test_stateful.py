"""Invariants under random sequences of receipts, reservations, releases, sales, returns,
transfers and counts: no level is ever negative, and every level equals its ledger."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.models import StockLevel
from comptoir.inventory.schemas import CountCreate, CountEntry, TransferCreate, TransferLineCreate
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, ref

quantities = st.integers(min_value=1, max_value=6)


class StockMachine(RuleBasedStateMachine):
    """Two variants, two locations; a Python model of the expected figures is kept alongside,
    so that a refused operation is checked to be refused for the right reason."""

    engine: Engine
    reservations = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        self.connection = self.engine.connect()
        self.outer = self.connection.begin()
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint")
        self.variants: list[uuid.UUID] = []
        self.locations: list[uuid.UUID] = []
        self.on_hand: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        self.reserved: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        self.open: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID, int]] = {}

    @initialize()
    def catalogue(self) -> None:
        self.variants = [make_variant(self.session).id for _ in range(2)]
        self.locations = [make_location(self.session).id for _ in range(2)]
        for v in self.variants:
            for loc in self.locations:
                self.on_hand[(v, loc)] = 0
                self.reserved[(v, loc)] = 0

    def teardown(self) -> None:
        self.session.close()
        self.outer.rollback()
        self.connection.close()

    def _available(self, key: tuple[uuid.UUID, uuid.UUID]) -> int:
        return self.on_hand[key] - self.reserved[key]

    def _attempt(self, work: object) -> bool:
        """Run ``work`` in a savepoint, as a request would in its transaction: True if it
        succeeded, False (and rolled back) if stock was insufficient."""
        try:
            with self.session.begin_nested():
                assert callable(work)
                work()
        except service.InsufficientStock:
            return False
        return True

    @rule(v=st.integers(0, 1), loc=st.integers(0, 1), q=quantities)
    def receipt(self, v: int, loc: int, q: int) -> None:
        key = (self.variants[v], self.locations[loc])
        service.receive(
            self.session,
            variant_id=key[0],
            location_id=key[1],
            quantity=q,
            unit_cost=None,
            reference=ref("receipt"),
        )
        self.on_hand[key] += q

    @rule(target=reservations, v=st.integers(0, 1), loc=st.integers(0, 1), q=quantities)
    def reserve(self, v: int, loc: int, q: int) -> uuid.UUID | None:
        key = (self.variants[v], self.locations[loc])
        made: list[uuid.UUID] = []

        def work() -> None:
            made.append(
                service.reserve(
                    self.session,
                    variant_id=key[0],
                    location_id=key[1],
                    quantity=q,
                    reference=ref("cart"),
                ).id
            )

        ok = self._attempt(work)
        assert ok == (self._available(key) >= q)
        if not ok:
            return None
        self.reserved[key] += q
        self.open[made[0]] = (key[0], key[1], q)
        return made[0]

    @rule(reservation=consumes(reservations))
    def release(self, reservation: uuid.UUID | None) -> None:
        if reservation is None or reservation not in self.open:
            return
        service.release(self.session, reservation)
        v, loc, q = self.open.pop(reservation)
        self.reserved[(v, loc)] -= q

    @rule(reservation=consumes(reservations))
    def sale_of_reservation(self, reservation: uuid.UUID | None) -> None:
        if reservation is None or reservation not in self.open:
            return
        v, loc, q = self.open[reservation]
        ok = self._attempt(lambda: service.consume(self.session, reservation))
        # Only a count that found fewer units than reserved can make this fail.
        assert ok == (self.on_hand[(v, loc)] >= q)
        if ok:
            self.open.pop(reservation)
            self.on_hand[(v, loc)] -= q
            self.reserved[(v, loc)] -= q

    @rule(v=st.integers(0, 1), loc=st.integers(0, 1), q=quantities)
    def till_sale(self, v: int, loc: int, q: int) -> None:
        key = (self.variants[v], self.locations[loc])
        ok = self._attempt(
            lambda: service.sell(
                self.session,
                variant_id=key[0],
                location_id=key[1],
                quantity=q,
                reference=ref("till"),
            )
        )
        assert ok == (self._available(key) >= q)
        if ok:
            self.on_hand[key] -= q

    @rule(v=st.integers(0, 1), loc=st.integers(0, 1), q=quantities)
    def customer_return(self, v: int, loc: int, q: int) -> None:
        key = (self.variants[v], self.locations[loc])
        service.record_return(
            self.session,
            variant_id=key[0],
            location_id=key[1],
            quantity=q,
            reference=ref("return"),
        )
        self.on_hand[key] += q

    @rule(v=st.integers(0, 1), source=st.integers(0, 1), q=quantities, received=st.booleans())
    def transfer(self, v: int, source: int, q: int, received: bool) -> None:
        variant, origin, target = (
            self.variants[v],
            self.locations[source],
            self.locations[1 - source],
        )
        transfer = service.create_transfer(
            self.session,
            TransferCreate(
                source_location_id=origin,
                destination_location_id=target,
                lines=[TransferLineCreate(variant_id=variant, quantity=q)],
            ),
        )
        ok = self._attempt(lambda: service.ship_transfer(self.session, transfer.id))
        assert ok == (self._available((variant, origin)) >= q)
        if not ok:
            return
        self.on_hand[(variant, origin)] -= q
        if received:
            service.receive_transfer(self.session, transfer.id)
            self.on_hand[(variant, target)] += q

    @rule(v=st.integers(0, 1), loc=st.integers(0, 1), counted=st.integers(0, 12))
    def count(self, v: int, loc: int, counted: int) -> None:
        key = (self.variants[v], self.locations[loc])
        sheet = service.create_count(
            self.session, CountCreate(location_id=key[1], variant_ids=[key[0]])
        )
        service.record_counted(
            self.session, sheet.id, [CountEntry(variant_id=key[0], counted=counted)]
        )
        applied = service.apply_count(self.session, sheet.id)
        assert applied.lines[0].variance == counted - self.on_hand[key]
        self.on_hand[key] = counted

    @invariant()
    def levels_match_model_and_ledger(self) -> None:
        if not self.variants:
            return
        self.session.flush()
        levels = {
            (level.variant_id, level.location_id): (level.on_hand, level.reserved)
            for level in self.session.scalars(
                select(StockLevel).execution_options(populate_existing=True)
            )
        }
        for key, (on_hand, reserved) in levels.items():
            assert on_hand >= 0
            assert reserved >= 0
            assert (on_hand, reserved) == (self.on_hand[key], self.reserved[key])
        assert service.check_levels(self.session) == []


def test_levels_stay_non_negative_and_equal_to_their_ledger(engine: Engine) -> None:
    # given a random sequence of stock operations / when each runs / then the invariants hold
    StockMachine.engine = engine
    run = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )(StockMachine)
    run.TestCase().runTest()
