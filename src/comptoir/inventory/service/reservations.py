"""Reservations: cart holds (with an expiry) and order allocations. ``reserved`` on a level is
always the open quantity of its active reservations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, case, select, update
from sqlalchemy.orm import Session

from comptoir.inventory.errors import InsufficientStock, ReservationNotActive
from comptoir.inventory.events import RESERVATION_EXPIRED, ReservationExpired
from comptoir.inventory.models import Movement, Reservation
from comptoir.inventory.schemas import ReservationLine, StockReference
from comptoir.inventory.service.levels import change_level, lock_levels, record_movement
from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l

RESERVATIONS = cast(Table, Reservation.__table__)


def reserve(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    expires_at: datetime | None = None,
    reference: StockReference,
) -> Reservation:
    """Set ``quantity`` units aside: a hold until ``expires_at``, or an allocation (no expiry)
    until it is consumed or released.

    Guarantees: ``reserved`` grows by ``quantity`` only if ``on_hand - reserved >= quantity``,
    checked by one atomic UPDATE (a variant that allows backorders is not checked); concurrent
    callers can never reserve the same units twice. Raises :class:`InsufficientStock` (field
    ``quantity``, nothing changed) or :class:`InvalidInput` for a quantity below 1.
    """
    if quantity < 1:
        raise InvalidInput(_l("The quantity must be at least 1."), field="quantity")
    change_level(
        session,
        variant_id=variant_id,
        location_id=location_id,
        reserved=quantity,
        needs_available=quantity,
    )
    reservation = Reservation(
        variant_id=variant_id,
        location_id=location_id,
        kind="hold" if expires_at is not None else "allocation",
        status="active",
        quantity=quantity,
        consumed=0,
        expires_at=expires_at,
        reference_type=reference.type,
        reference_id=reference.id,
    )
    session.add(reservation)
    return reservation


def reserve_lines(
    session: Session,
    *,
    lines: Sequence[ReservationLine],
    expires_at: datetime | None = None,
    reference: StockReference,
) -> list[Reservation]:
    """Reserve several lines (an order) all or nothing: the levels are locked, and reserved,
    in (variant, location) order so that two orders sharing variants never deadlock.

    Raises :class:`InsufficientStock` for the first line short of stock (field
    ``lines.<n>.quantity``); no line is reserved then.
    """
    order = sorted(range(len(lines)), key=lambda n: (lines[n].variant_id, lines[n].location_id))
    reservations: dict[int, Reservation] = {}
    with session.begin_nested():
        lock_levels(session, ((line.variant_id, line.location_id) for line in lines))
        for n in order:
            line = lines[n]
            try:
                reservations[n] = reserve(
                    session,
                    variant_id=line.variant_id,
                    location_id=line.location_id,
                    quantity=line.quantity,
                    expires_at=expires_at,
                    reference=reference,
                )
            except (InsufficientStock, InvalidInput) as error:
                error.field = f"lines.{n}.quantity"
                raise
    return [reservations[n] for n in range(len(lines))]


def get_reservation(session: Session, reservation_id: uuid.UUID) -> Reservation:
    """The reservation; raises :class:`NotFound`."""
    reservation = session.get(Reservation, reservation_id, populate_existing=True)
    if reservation is None:
        raise NotFound()
    return reservation


def _close(session: Session, reservation_id: uuid.UUID, status: str) -> Reservation:
    """Move an active reservation to ``status`` (guarded: only one closer wins) and give its
    open units back to ``available``."""
    row = session.execute(
        update(RESERVATIONS)
        .where(RESERVATIONS.c.id == reservation_id, RESERVATIONS.c.status == "active")
        .values(status=status, updated_at=clock.now())
        .returning(
            RESERVATIONS.c.variant_id,
            RESERVATIONS.c.location_id,
            RESERVATIONS.c.quantity,
            RESERVATIONS.c.consumed,
        )
    ).first()
    if row is None:
        get_reservation(session, reservation_id)  # NotFound first
        raise ReservationNotActive()
    open_quantity = int(row.quantity) - int(row.consumed)
    if open_quantity:
        change_level(
            session,
            variant_id=row.variant_id,
            location_id=row.location_id,
            reserved=-open_quantity,
        )
    return get_reservation(session, reservation_id)


def release(session: Session, reservation_id: uuid.UUID) -> Reservation:
    """Cancel an active reservation: its open units are available again.

    Raises :class:`NotFound`, or :class:`ReservationNotActive` if it was already released,
    consumed or expired (nothing changes then).
    """
    return _close(session, reservation_id, "released")


def consume(
    session: Session,
    reservation_id: uuid.UUID,
    *,
    quantity: int | None = None,
    actor: str | None = None,
) -> Movement:
    """Turn reserved units into a sale: ``on_hand`` and ``reserved`` both drop by
    ``quantity`` (default: all that is open) and a ``sale`` movement is recorded.

    Guarantees: the reservation's open quantity and the level are checked and changed by
    guarded UPDATEs; ``on_hand`` never goes below zero unless the variant allows backorders.
    Raises :class:`NotFound`, :class:`ReservationNotActive`, :class:`InvalidInput` when
    ``quantity`` exceeds what is open, :class:`InsufficientStock`.
    """
    current = get_reservation(session, reservation_id)
    take = current.quantity - current.consumed if quantity is None else quantity
    if current.status != "active":
        raise ReservationNotActive()
    if take < 1:
        raise InvalidInput(_l("The quantity must be at least 1."), field="quantity")
    done = RESERVATIONS.c.consumed + take >= RESERVATIONS.c.quantity
    # Reservation row first, then the level: the same order as release(), so the two never
    # deadlock; the savepoint undoes the first write if the level refuses.
    with session.begin_nested():
        row = session.execute(
            update(RESERVATIONS)
            .where(
                RESERVATIONS.c.id == reservation_id,
                RESERVATIONS.c.status == "active",
                RESERVATIONS.c.quantity - RESERVATIONS.c.consumed >= take,
            )
            .values(
                consumed=RESERVATIONS.c.consumed + take,
                status=case((done, "consumed"), else_=RESERVATIONS.c.status),
                updated_at=clock.now(),
            )
            .returning(RESERVATIONS.c.variant_id, RESERVATIONS.c.location_id)
        ).first()
        if row is None:
            raise InvalidInput(
                _l("Only the open quantity of the reservation can be consumed."), field="quantity"
            )
        change_level(
            session,
            variant_id=row.variant_id,
            location_id=row.location_id,
            on_hand=-take,
            reserved=-take,
        )
    session.expire(current)
    return record_movement(
        session,
        kind="sale",
        variant_id=row.variant_id,
        location_id=row.location_id,
        quantity=-take,
        reference=StockReference(
            type=current.reference_type or "reservation",
            id=current.reference_id or str(reservation_id),
        ),
        actor=actor,
    )


def expire_holds(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Expire the active holds whose ``expires_at`` has passed (up to ``limit``), in
    (variant, location) order; each gives its units back and emits
    ``stock.reservation_expired``. A hold being released or consumed by another transaction
    meanwhile is skipped (the next run sees it if it is still active).

    Returns how many holds expired.
    """
    moment = now or clock.now()
    # Locks in the same order as release() and consume(): reservation rows first, then
    # levels. Holds another transaction is closing right now are skipped (PostgreSQL).
    stmt = (
        select(Reservation)
        .where(Reservation.status == "active", Reservation.expires_at <= moment)
        .order_by(Reservation.variant_id, Reservation.location_id, Reservation.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    due = [
        (r.id, r.variant_id, r.location_id, r.expires_at, r.reference_type, r.reference_id)
        for r in session.scalars(lock_for_update(session, stmt, skip_locked=True))
    ]
    lock_levels(session, ((variant_id, location_id) for _, variant_id, location_id, *_ in due))
    expired = 0
    for reservation_id, variant_id, location_id, expires_at, ref_type, ref_id in due:
        try:
            reservation = _close(session, reservation_id, "expired")
        except ReservationNotActive:
            continue
        expired += 1
        emit(
            session,
            RESERVATION_EXPIRED,
            ReservationExpired(
                reservation_id=reservation_id,
                variant_id=variant_id,
                location_id=location_id,
                quantity=reservation.quantity - reservation.consumed,
                expires_at=expires_at,
                reference_type=ref_type,
                reference_id=ref_id,
            ),
            key=variant_id,
        )
    return expired


def list_reservations(
    session: Session,
    *,
    variant_id: uuid.UUID | None = None,
    location_ids: Sequence[uuid.UUID] | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Reservation]:
    """Reservations, newest first, filtered."""
    stmt = select(Reservation).order_by(Reservation.id.desc()).limit(limit)
    if variant_id is not None:
        stmt = stmt.where(Reservation.variant_id == variant_id)
    if location_ids is not None:
        stmt = stmt.where(Reservation.location_id.in_(location_ids))
    if status is not None:
        stmt = stmt.where(Reservation.status == status)
    return list(session.scalars(stmt))
