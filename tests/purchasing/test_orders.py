"""Purchase orders: numbering, states, receipts into stock at cost, over-receipt refused."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import StockReference
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.money import Money
from comptoir.purchasing import service
from comptoir.purchasing.models import Receipt
from comptoir.purchasing.schemas import ReceiveLine, ReceiveRequest
from tests.catalog.factories import make_variant
from tests.purchasing.factories import make_purchase_order, make_supplier


def _on_hand(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> int:
    level = inventory.get_level(session, variant_id, location_id)
    return 0 if level is None else level.on_hand


def _events(session: Session, event_type: str) -> int:
    stmt = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == event_type)
    return session.scalar(stmt) or 0


def test_numbers_follow_each_other_within_a_year(session: Session) -> None:
    first = service.next_number(session, year=2031)
    second = service.next_number(session, year=2031)
    other_year = service.next_number(session, year=2032)

    assert (first, second, other_year) == ("PO-2031-000001", "PO-2031-000002", "PO-2032-000001")


def test_a_new_order_is_a_numbered_draft_at_the_given_costs(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant_id, 10, Decimal("2.50"))], send=False
    )

    view = service.order_view(session, order)
    assert view.status == "draft"
    assert view.number.startswith("PO-2026-")
    assert (view.total.amount, view.total.currency) == ("25.00", "EUR")
    assert [(line.quantity_ordered, line.unit_cost.amount) for line in view.lines] == [(10, "2.50")]


def test_a_line_without_cost_takes_the_supplier_price(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    from comptoir.purchasing.schemas import (
        PurchaseOrderCreate,
        PurchaseOrderLineCreate,
        SupplierPriceCreate,
    )

    supplier = make_supplier(session)
    service.set_supplier_price(
        session,
        supplier.id,
        SupplierPriceCreate(variant_id=variant_id, supplier_sku="ACME-1", unit_cost=Decimal("3.1")),
    )

    order = service.create_purchase_order(
        session,
        PurchaseOrderCreate(
            supplier_id=supplier.id,
            location_id=location_id,
            lines=[PurchaseOrderLineCreate(variant_id=variant_id, quantity=4)],
        ),
    )

    assert [(line.supplier_sku, line.unit_cost_minor) for line in order.lines] == [("ACME-1", 310)]


def test_sending_emits_the_event_once(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    before = _events(session, "purchasing.order.sent")

    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant_id, 1, Decimal("1"))]
    )

    assert order.status == "sent"
    assert _events(session, "purchasing.order.sent") == before + 1
    with pytest.raises(service.PurchaseOrderStateConflict):
        service.send_purchase_order(session, order.id)
    assert _events(session, "purchasing.order.sent") == before + 1


def test_receiving_puts_units_in_stock_and_updates_the_average_cost(
    session: Session, location_id: uuid.UUID
) -> None:
    # given: 10 units on hand at 2.00, then an order of 10 at 4.00
    variant = make_variant(session)
    inventory.receive(
        session,
        variant_id=variant.id,
        location_id=location_id,
        quantity=10,
        unit_cost=Money(Decimal("2.00"), "EUR"),
        reference=inventory_reference(),
    )
    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant.id, 10, Decimal("4.00"))]
    )
    received_before = _events(session, "purchasing.order.received")

    # when
    service.receive_purchase_order(
        session,
        order.id,
        ReceiveRequest(lines=[ReceiveLine(line_id=order.lines[0].id, quantity=10)]),
    )

    # then
    assert _on_hand(session, variant.id, location_id) == 20
    assert catalog.variant_summary(session, variant.id).unit_cost == Money(Decimal("3.00"), "EUR")
    assert order.status == "received"
    assert order.lines[0].quantity_received == 10
    assert _events(session, "purchasing.order.received") == received_before + 1


def inventory_reference() -> StockReference:
    return StockReference(type="initial", id="opening")


def test_a_partial_receipt_leaves_the_order_partly_received(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant_id, 10, Decimal("1"))]
    )
    line_id = order.lines[0].id

    service.receive_purchase_order(
        session, order.id, ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=4)])
    )
    assert (order.status, order.lines[0].quantity_received) == ("partly_received", 4)

    service.receive_purchase_order(
        session, order.id, ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=6)])
    )
    assert (order.status, order.lines[0].quantity_received) == ("received", 10)
    assert _on_hand(session, variant_id, location_id) == 10


def test_over_receipt_is_refused_and_changes_nothing(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given: 8 of 10 already received
    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant_id, 10, Decimal("1"))]
    )
    line_id = order.lines[0].id
    service.receive_purchase_order(
        session, order.id, ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=8)])
    )
    receipts = session.scalar(select(func.count()).select_from(Receipt))
    received_events = _events(session, "purchasing.order.received")

    # when: 3 more arrive
    with pytest.raises(service.OverReceipt) as caught:
        service.receive_purchase_order(
            session, order.id, ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=3)])
        )

    # then
    assert caught.value.field == "lines.0.quantity"
    assert caught.value.params == {"remaining": 2, "ordered": 10}
    session.expire_all()
    order = service.get_purchase_order(session, order.id)
    assert (order.status, order.lines[0].quantity_received) == ("partly_received", 8)
    assert _on_hand(session, variant_id, location_id) == 8
    assert session.scalar(select(func.count()).select_from(Receipt)) == receipts
    assert _events(session, "purchasing.order.received") == received_events


def test_a_draft_cannot_be_received(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant_id, 1, Decimal("1"))], send=False
    )

    with pytest.raises(service.PurchaseOrderStateConflict):
        service.receive_purchase_order(
            session,
            order.id,
            ReceiveRequest(lines=[ReceiveLine(line_id=order.lines[0].id, quantity=1)]),
        )

    assert _on_hand(session, variant_id, location_id) == 0


def test_a_received_order_cannot_be_cancelled(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    order = make_purchase_order(
        session, location_id=location_id, lines=[(variant_id, 1, Decimal("1"))]
    )
    service.receive_purchase_order(
        session,
        order.id,
        ReceiveRequest(lines=[ReceiveLine(line_id=order.lines[0].id, quantity=1)]),
    )

    with pytest.raises(service.PurchaseOrderStateConflict):
        service.cancel_purchase_order(session, order.id)

    assert order.status == "received"


def test_a_line_without_cost_nor_supplier_price_is_refused_naming_it(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    from comptoir.kit.errors import InvalidInput
    from comptoir.purchasing.schemas import PurchaseOrderCreate, PurchaseOrderLineCreate

    supplier = make_supplier(session)
    before = service.list_purchase_orders(session, supplier_id=supplier.id).items

    with pytest.raises(InvalidInput) as caught:
        service.create_purchase_order(
            session,
            PurchaseOrderCreate(
                supplier_id=supplier.id,
                location_id=location_id,
                lines=[PurchaseOrderLineCreate(variant_id=variant_id, quantity=2)],
            ),
        )

    assert caught.value.field == "lines.0.unit_cost"
    assert before == []
    assert service.list_purchase_orders(session, supplier_id=supplier.id).items == []
