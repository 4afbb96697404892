"""Receipts, till sales, returns and adjustments: the level and the ledger move together,
and stock never goes below zero unless the variant allows backorders."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.inventory import service
from comptoir.inventory.models import Movement
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.money import Money
from tests.catalog.factories import make_variant
from tests.inventory.factories import ref, stock


def _figures(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    level = service.get_level(session, variant_id, location_id)
    return (level.on_hand, level.reserved) if level else (0, 0)


def _movements(session: Session, variant_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Movement).where(Movement.variant_id == variant_id)
        )
        or 0
    )


def test_receive_creates_the_level_and_a_receipt_movement(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given no stock / when 7 units are received
    movement = service.receive(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=7,
        unit_cost=None,
        reference=ref("purchase_receipt", "PR-1"),
    )
    session.flush()
    # then the level holds 7 and the ledger says why
    assert _figures(session, variant_id, location_id) == (7, 0)
    assert (movement.kind, movement.quantity) == ("receipt", 7)
    assert (movement.reference_type, movement.reference_id) == ("purchase_receipt", "PR-1")


def test_each_change_emits_stock_changed_keyed_by_variant(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given / when 5 received then 2 sold at the till
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    service.sell(
        session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref()
    )
    session.flush()
    # then two stock.changed events carry the figures after each change
    events = session.scalars(
        select(OutboxEvent).where(OutboxEvent.type == "stock.changed").order_by(OutboxEvent.id)
    ).all()
    assert [e.key for e in events] == [str(variant_id), str(variant_id)]
    assert [e.payload["on_hand"] for e in events] == [5, 3]
    assert events[1].payload == {
        "variant_id": str(variant_id),
        "location_id": str(location_id),
        "on_hand": 3,
        "reserved": 0,
        "available": 3,
    }


def test_a_sale_beyond_available_is_refused_and_changes_nothing(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 3 on hand of which 2 reserved
    stock(session, variant_id=variant_id, location_id=location_id, quantity=3)
    service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref()
    )
    # when the till sells 2
    with pytest.raises(service.InsufficientStock) as refused:
        service.sell(
            session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref()
        )
    # then it is refused on the quantity and nothing moved
    assert refused.value.field == "quantity"
    assert refused.value.status == 409
    assert refused.value.slug == "insufficient-stock"
    assert _figures(session, variant_id, location_id) == (3, 2)
    assert _movements(session, variant_id) == 1


def test_a_variant_allowing_backorders_can_be_sold_below_zero(
    session: Session, location_id: uuid.UUID
) -> None:
    # given a variant that allows backorders and has no stock
    variant_id = make_variant(session, allows_backorder=True).id
    # when 2 are sold
    service.sell(
        session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref()
    )
    # then on hand is -2 and the ledger agrees
    assert _figures(session, variant_id, location_id) == (-2, 0)
    assert service.check_levels(session) == []


def test_a_return_puts_units_back(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given / when a customer returns 2 units
    movement = service.record_return(
        session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref("rma")
    )
    # then they are on hand again
    assert (movement.kind, movement.quantity) == ("return", 2)
    assert _figures(session, variant_id, location_id) == (2, 0)


def test_a_negative_adjustment_records_its_reason(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 4 on hand / when 1 is written off as damaged
    stock(session, variant_id=variant_id, location_id=location_id, quantity=4)
    movement = service.adjust(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=-1,
        reason="damaged",
        actor="Claire",
        note="Box crushed",
    )
    # then
    assert (movement.kind, movement.quantity, movement.reason) == ("adjustment", -1, "damaged")
    assert (movement.actor, movement.note) == ("Claire", "Box crushed")
    assert _figures(session, variant_id, location_id) == (3, 0)


def test_an_adjustment_of_zero_is_invalid(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.adjust(
            session, variant_id=variant_id, location_id=location_id, quantity=0, reason="other"
        )
    assert refused.value.field == "quantity"
    assert _movements(session, variant_id) == 0


def test_a_receipt_with_a_unit_cost_updates_the_catalogue_average_cost(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 10 units on hand bought at 4.00
    service.receive(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=10,
        unit_cost=Money.from_minor(400, "EUR"),
        reference=ref("purchase_order", "PO-1"),
    )
    # when 10 more are received at 6.00
    service.receive(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=10,
        unit_cost=Money.from_minor(600, "EUR"),
        reference=ref("purchase_order", "PO-2"),
    )
    # then the catalogue's average unit cost is 5.00
    assert catalog.variant_summary(session, variant_id).unit_cost == Money.from_minor(500, "EUR")
