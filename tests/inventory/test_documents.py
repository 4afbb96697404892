"""Transfers (in transit, partial receipt) and cycle counts (variance -> movements)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.models import Movement
from comptoir.inventory.schemas import (
    CountCreate,
    CountEntry,
    TransferCreate,
    TransferLineCreate,
)
from comptoir.kit.errors import InvalidInput
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, ref, stock


def _on_hand(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> int:
    level = service.get_level(session, variant_id, location_id)
    return level.on_hand if level else 0


def _transfer(
    session: Session, variant_id: uuid.UUID, source: uuid.UUID, target: uuid.UUID, quantity: int
) -> uuid.UUID:
    return service.create_transfer(
        session,
        TransferCreate(
            source_location_id=source,
            destination_location_id=target,
            lines=[TransferLineCreate(variant_id=variant_id, quantity=quantity)],
        ),
    ).id


def test_a_shipped_transfer_is_in_transit_until_received_in_parts(session: Session) -> None:
    # given 10 at the warehouse and a transfer of 6 to a store
    variant_id = make_variant(session).id
    warehouse, store = make_location(session).id, make_location(session).id
    stock(session, variant_id=variant_id, location_id=warehouse, quantity=10)
    transfer_id = _transfer(session, variant_id, warehouse, store, 6)
    # when it ships, then 4 arrive, then the rest
    shipped = service.ship_transfer(session, transfer_id).status
    after_ship = (_on_hand(session, variant_id, warehouse), _on_hand(session, variant_id, store))
    partial = service.receive_transfer(session, transfer_id, quantities={variant_id: 4})
    after_partial = (partial.status, partial.lines[0].quantity - partial.lines[0].received)
    done = service.receive_transfer(session, transfer_id).status
    # then
    assert shipped == "shipped"
    assert after_ship == (4, 0)
    assert after_partial == ("partially_received", 2)
    assert done == "received"
    assert _on_hand(session, variant_id, store) == 6
    kinds = session.scalars(
        select(Movement.kind).where(Movement.reference_id == str(transfer_id)).order_by(Movement.id)
    ).all()
    assert kinds == ["transfer_out", "transfer_in", "transfer_in"]
    assert service.check_levels(session) == []


def test_shipping_more_than_available_is_refused_and_the_transfer_stays_a_draft(
    session: Session,
) -> None:
    variant_id = make_variant(session).id
    warehouse, store = make_location(session).id, make_location(session).id
    stock(session, variant_id=variant_id, location_id=warehouse, quantity=2)
    transfer_id = _transfer(session, variant_id, warehouse, store, 3)
    with pytest.raises(service.InsufficientStock) as refused:
        service.ship_transfer(session, transfer_id)
    assert refused.value.field == "lines.0.quantity"
    assert service.get_transfer(session, transfer_id).status == "draft"
    assert _on_hand(session, variant_id, warehouse) == 2


def test_receiving_more_than_in_transit_is_refused(session: Session) -> None:
    variant_id = make_variant(session).id
    warehouse, store = make_location(session).id, make_location(session).id
    stock(session, variant_id=variant_id, location_id=warehouse, quantity=5)
    transfer_id = _transfer(session, variant_id, warehouse, store, 3)
    service.ship_transfer(session, transfer_id)
    with pytest.raises(InvalidInput):
        service.receive_transfer(session, transfer_id, quantities={variant_id: 4})
    assert service.get_transfer(session, transfer_id).status == "shipped"
    assert _on_hand(session, variant_id, store) == 0


def test_a_draft_cannot_be_received(session: Session) -> None:
    variant_id = make_variant(session).id
    warehouse, store = make_location(session).id, make_location(session).id
    transfer_id = _transfer(session, variant_id, warehouse, store, 1)
    with pytest.raises(service.TransferStateConflict):
        service.receive_transfer(session, transfer_id)


def test_applying_a_count_records_each_variance_as_a_count_movement(session: Session) -> None:
    # given 5 and 2 on hand, counted 3 and 2, a third variant counted 1 without any stock
    store = make_location(session).id
    short, exact, found = (make_variant(session).id for _ in range(3))
    stock(session, variant_id=short, location_id=store, quantity=5)
    stock(session, variant_id=exact, location_id=store, quantity=2)
    sheet = service.create_count(
        session, CountCreate(location_id=store, variant_ids=[short, exact])
    )
    service.record_counted(
        session,
        sheet.id,
        [
            CountEntry(variant_id=short, counted=3),
            CountEntry(variant_id=exact, counted=2),
            CountEntry(variant_id=found, counted=1),
        ],
    )
    # when the sheet is applied
    applied = service.apply_count(session, sheet.id, actor="Inès")
    # then on hand is what was counted and each difference is in the ledger
    assert applied.status == "applied"
    assert {line.variant_id: line.variance for line in applied.lines} == {
        short: -2,
        exact: 0,
        found: 1,
    }
    assert [_on_hand(session, v, store) for v in (short, exact, found)] == [3, 2, 1]
    movements = session.scalars(
        select(Movement).where(Movement.reference_id == str(sheet.id))
    ).all()
    assert sorted((m.variant_id == short, m.quantity, m.kind) for m in movements) == [
        (False, 1, "count"),
        (True, -2, "count"),
    ]
    assert service.check_levels(session) == []


def test_an_applied_count_cannot_be_applied_again(session: Session) -> None:
    store = make_location(session).id
    variant_id = make_variant(session).id
    sheet = service.create_count(session, CountCreate(location_id=store, variant_ids=[variant_id]))
    service.record_counted(session, sheet.id, [CountEntry(variant_id=variant_id, counted=4)])
    service.apply_count(session, sheet.id)
    with pytest.raises(service.CountStateConflict):
        service.apply_count(session, sheet.id)
    assert _on_hand(session, variant_id, store) == 4


def test_a_count_below_the_reserved_units_is_recorded_as_it_is(session: Session) -> None:
    store = make_location(session).id
    variant_id = make_variant(session).id
    stock(session, variant_id=variant_id, location_id=store, quantity=4)
    service.reserve(session, variant_id=variant_id, location_id=store, quantity=3, reference=ref())
    sheet = service.create_count(session, CountCreate(location_id=store, variant_ids=[variant_id]))
    service.record_counted(session, sheet.id, [CountEntry(variant_id=variant_id, counted=1)])
    service.apply_count(session, sheet.id)
    level = service.get_level(session, variant_id, store)
    assert level is not None
    assert (level.on_hand, level.reserved, level.available) == (1, 3, -2)
