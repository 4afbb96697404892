"""Invariants of receiving, over any sequence of deliveries (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.purchasing import service
from comptoir.purchasing.schemas import ReceiveLine, ReceiveRequest
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_purchase_order


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ordered=st.integers(min_value=1, max_value=20),
    deliveries=st.lists(st.integers(min_value=1, max_value=25), min_size=1, max_size=6),
)
def test_received_never_exceeds_ordered_and_stock_follows(
    db: Database, ordered: int, deliveries: list[int]
) -> None:
    session: Session = db.session()
    savepoint = session.begin_nested()
    try:
        variant_id = make_variant(session).id
        location_id = make_location(session).id
        order = make_purchase_order(
            session, location_id=location_id, lines=[(variant_id, ordered, Decimal("2"))]
        )
        line_id = order.lines[0].id
        accepted = 0
        for quantity in deliveries:
            try:
                service.receive_purchase_order(
                    session,
                    order.id,
                    ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=quantity)]),
                )
                accepted += quantity
            except (service.OverReceipt, service.PurchaseOrderStateConflict):
                pass
            line = service.get_purchase_order(session, order.id).lines[0]
            level = inventory.get_level(session, variant_id, location_id)
            assert line.quantity_received == accepted <= ordered
            assert (level.on_hand if level else 0) == accepted
        status = service.get_purchase_order(session, order.id).status
        assert status == (
            "received" if accepted == ordered else "partly_received" if accepted else "sent"
        )
    finally:
        savepoint.rollback()
        session.close()
