"""Reservations: holds and allocations, release, consumption, expiry."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.schemas import ReservationLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.jobs.registry import all_schedules
from tests.catalog.factories import make_variant
from tests.inventory.factories import ref, stock


def _figures(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    level = service.get_level(session, variant_id, location_id)
    return (level.on_hand, level.reserved) if level else (0, 0)


def test_reserve_sets_units_aside(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 5 on hand / when 3 are allocated to an order
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    reservation = service.reserve(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=3,
        reference=ref("order", "SO-1"),
    )
    # then 3 are reserved, 2 available, and it is an allocation
    assert _figures(session, variant_id, location_id) == (5, 3)
    assert (reservation.kind, reservation.status) == ("allocation", "active")


def test_reserving_more_than_available_is_refused_and_changes_nothing(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 2 on hand
    stock(session, variant_id=variant_id, location_id=location_id, quantity=2)
    # when 3 are asked for
    with pytest.raises(service.InsufficientStock) as refused:
        service.reserve(
            session,
            variant_id=variant_id,
            location_id=location_id,
            quantity=3,
            reference=ref(),
        )
    # then
    assert refused.value.field == "quantity"
    assert _figures(session, variant_id, location_id) == (2, 0)
    assert service.list_reservations(session, variant_id=variant_id) == []


def test_reserving_where_nothing_was_ever_stocked_is_refused(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    with pytest.raises(service.InsufficientStock):
        service.reserve(
            session, variant_id=variant_id, location_id=location_id, quantity=1, reference=ref()
        )
    assert service.get_level(session, variant_id, location_id) is None


def test_a_backorderable_variant_can_be_reserved_without_stock(
    session: Session, location_id: uuid.UUID
) -> None:
    variant_id = make_variant(session, allows_backorder=True).id
    service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=4, reference=ref()
    )
    assert _figures(session, variant_id, location_id) == (0, 4)


def test_release_gives_the_units_back_once(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given a hold of 2 out of 5
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    reservation = service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref()
    )
    # when it is released, then released again
    released = service.release(session, reservation.id)
    with pytest.raises(service.ReservationNotActive):
        service.release(session, reservation.id)
    # then the units came back once
    assert released.status == "released"
    assert _figures(session, variant_id, location_id) == (5, 0)


def test_consume_turns_the_reservation_into_a_sale(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 3 of 5 reserved for an order
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    reservation = service.reserve(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=3,
        reference=ref("order", "SO-7"),
    )
    # when the order ships
    movement = service.consume(session, reservation.id)
    # then on hand and reserved both dropped by 3 and the sale names the order
    assert _figures(session, variant_id, location_id) == (2, 0)
    assert (movement.kind, movement.quantity) == ("sale", -3)
    assert (movement.reference_type, movement.reference_id) == ("order", "SO-7")
    assert service.get_reservation(session, reservation.id).status == "consumed"


def test_a_partial_consumption_keeps_the_rest_reserved(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    reservation = service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=3, reference=ref()
    )
    service.consume(session, reservation.id, quantity=1)
    current = service.get_reservation(session, reservation.id)
    assert (current.status, current.consumed) == ("active", 1)
    assert _figures(session, variant_id, location_id) == (4, 2)
    assert service.check_levels(session) == []


def test_consuming_more_than_is_open_is_refused(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    reservation = service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=2, reference=ref()
    )
    with pytest.raises(InvalidInput):
        service.consume(session, reservation.id, quantity=3)
    assert _figures(session, variant_id, location_id) == (5, 2)
    assert service.get_reservation(session, reservation.id).consumed == 0


def test_expired_holds_are_released_with_an_event(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID, clock: FrozenClock
) -> None:
    # given a hold expiring in 15 minutes and an allocation without expiry
    stock(session, variant_id=variant_id, location_id=location_id, quantity=5)
    hold = service.reserve(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=2,
        expires_at=clock.now() + timedelta(minutes=15),
        reference=ref("cart", "C-1"),
    )
    service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=1, reference=ref()
    )
    # when the job runs before and after the expiry
    early = service.expire_holds(session)
    clock.advance(timedelta(minutes=16))
    late = service.expire_holds(session)
    # then only the hold expired, once, and said so
    assert (early, late) == (0, 1)
    assert service.get_reservation(session, hold.id).status == "expired"
    assert _figures(session, variant_id, location_id) == (5, 1)
    expired = session.scalars(
        select(OutboxEvent).where(OutboxEvent.type == "stock.reservation_expired")
    ).all()
    assert [(e.payload["reservation_id"], e.payload["quantity"]) for e in expired] == [
        (str(hold.id), 2)
    ]


def test_reserve_lines_is_all_or_nothing(session: Session, location_id: uuid.UUID) -> None:
    # given one variant in stock and one not
    in_stock, out_of_stock = make_variant(session).id, make_variant(session).id
    stock(session, variant_id=in_stock, location_id=location_id, quantity=5)
    lines = [
        ReservationLine(variant_id=in_stock, location_id=location_id, quantity=2),
        ReservationLine(variant_id=out_of_stock, location_id=location_id, quantity=1),
    ]
    # when an order asks for both
    with pytest.raises(service.InsufficientStock) as refused:
        service.reserve_lines(session, lines=lines, reference=ref("order"))
    # then the short line is named and nothing was reserved
    assert refused.value.field == "lines.1.quantity"
    assert _figures(session, in_stock, location_id) == (5, 0)
    assert service.list_reservations(session) == []


def test_the_expiry_job_is_scheduled_every_minute() -> None:
    import comptoir.inventory.tasks  # noqa: F401  (registers the schedule)

    [schedule] = [s for s in all_schedules() if s.name == "inventory.expire_holds"]
    assert (schedule.task, schedule.cron) == ("inventory.expire_holds", "* * * * *")
