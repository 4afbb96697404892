"""Purchase orders under concurrency, on PostgreSQL with real threads and connections."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest

from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.purchasing import service
from comptoir.purchasing.schemas import ReceiveLine, ReceiveRequest
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_purchase_order

pytestmark = [pytest.mark.postgresql_only, pytest.mark.committed]

WORKERS = 20


def _race(work: list[threading.Thread]) -> None:
    for thread in work:
        thread.start()
    for thread in work:
        thread.join()


def test_concurrent_numbers_are_unique_and_consecutive(committed_db: Database) -> None:
    numbers: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def take() -> None:
        start.wait()
        with committed_db.transaction() as session:
            number = service.next_number(session, year=2041)
        with lock:
            numbers.append(number)

    _race([threading.Thread(target=take) for _ in range(WORKERS)])

    assert sorted(numbers) == [f"PO-2041-{n:06d}" for n in range(1, WORKERS + 1)]


def test_racing_deliveries_never_receive_more_than_ordered(committed_db: Database) -> None:
    # given an order of 10 units, and 20 clerks each receiving 1 at the same moment
    with committed_db.transaction() as session:
        variant_id = make_variant(session).id
        location_id = make_location(session).id
        order = make_purchase_order(
            session, location_id=location_id, lines=[(variant_id, 10, Decimal("1.00"))]
        )
        order_id, line_id = order.id, order.lines[0].id
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def receive(order_id: uuid.UUID = order_id, line_id: uuid.UUID = line_id) -> None:
        start.wait()
        try:
            with committed_db.transaction() as session:
                service.receive_purchase_order(
                    session,
                    order_id,
                    ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=1)]),
                )
            outcome = "received"
        except (service.OverReceipt, service.PurchaseOrderStateConflict):
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    # when
    _race([threading.Thread(target=receive) for _ in range(WORKERS)])

    # then exactly 10 deliveries got through, and stock says 10
    assert outcomes.count("received") == 10
    assert outcomes.count("refused") == WORKERS - 10
    with committed_db.transaction(readonly=True) as session:
        order = service.get_purchase_order(session, order_id)
        assert (order.status, order.lines[0].quantity_received) == ("received", 10)
        level = inventory.get_level(session, variant_id, location_id)
        assert level is not None
        assert level.on_hand == 10
