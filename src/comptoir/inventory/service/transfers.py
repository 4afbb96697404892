"""Transfers between locations: draft -> shipped (units leave the source and are in transit)
-> received, possibly in several partial receipts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from comptoir.inventory.errors import InsufficientStock, TransferStateConflict
from comptoir.inventory.models import Reservation, Transfer, TransferLine
from comptoir.inventory.schemas import StockReference, TransferCreate
from comptoir.inventory.service.levels import lock_levels, move_stock
from comptoir.inventory.service.locations import get_location
from comptoir.inventory.service.reservations import release
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l

TRANSFERS = cast(Table, Transfer.__table__)
LINES = cast(Table, TransferLine.__table__)


def _reference(transfer_id: uuid.UUID) -> StockReference:
    return StockReference(type="transfer", id=str(transfer_id))


def create_transfer(session: Session, data: TransferCreate) -> Transfer:
    """A draft transfer (no stock moves yet). Raises :class:`LocationNotFound`,
    :class:`InvalidInput` for the same location twice or a variant listed twice."""
    if data.source_location_id == data.destination_location_id:
        raise InvalidInput(
            _l("The destination must differ from the source."), field="destination_location_id"
        )
    get_location(session, data.source_location_id)
    get_location(session, data.destination_location_id)
    variants = [line.variant_id for line in data.lines]
    if len(set(variants)) != len(variants):
        raise InvalidInput(_l("Each variant may appear on one line only."), field="lines")
    transfer = Transfer(
        source_location_id=data.source_location_id,
        destination_location_id=data.destination_location_id,
        note=data.note,
        status="draft",
    )
    session.add(transfer)
    for line in data.lines:
        session.add(
            TransferLine(
                transfer_id=transfer.id,
                variant_id=line.variant_id,
                quantity=line.quantity,
                received=0,
            )
        )
    session.flush()
    return get_transfer(session, transfer.id)


def get_transfer(session: Session, transfer_id: uuid.UUID) -> Transfer:
    """The transfer with its lines; raises :class:`NotFound`."""
    transfer = session.get(Transfer, transfer_id, populate_existing=True)
    if transfer is None:
        raise NotFound()
    session.refresh(transfer, ["lines"])
    return transfer


def _move_status(
    session: Session, transfer_id: uuid.UUID, from_statuses: Sequence[str], **values: object
) -> None:
    """Guarded state change: only one caller moves a transfer out of a state."""
    result = session.execute(
        update(TRANSFERS)
        .where(TRANSFERS.c.id == transfer_id, TRANSFERS.c.status.in_(list(from_statuses)))
        .values(updated_at=clock.now(), **values)
    )
    if not getattr(result, "rowcount", 0):
        get_transfer(session, transfer_id)
        raise TransferStateConflict()


def ship_transfer(
    session: Session, transfer_id: uuid.UUID, *, actor: str | None = None
) -> Transfer:
    """Ship a draft: each line leaves the source as a ``transfer_out`` movement (it needs that
    many available units there) and is in transit until received. Units reserved for the
    transfer itself at the source (reference ``transfer``, as a click & collect order sets
    them aside) are released first: they are the ones leaving.

    Raises :class:`TransferStateConflict` if it is not a draft, :class:`InsufficientStock`
    (field ``lines.<n>.quantity``); nothing changes then.
    """
    with session.begin_nested():
        _move_status(session, transfer_id, ["draft"], status="shipped", shipped_at=clock.now())
        transfer = get_transfer(session, transfer_id)
        source = transfer.source_location_id
        _release_set_aside(session, transfer_id, source)
        lock_levels(session, ((line.variant_id, source) for line in transfer.lines))
        for n, line in enumerate(transfer.lines):
            try:
                move_stock(
                    session,
                    kind="transfer_out",
                    variant_id=line.variant_id,
                    location_id=source,
                    quantity=-line.quantity,
                    reference=_reference(transfer_id),
                    actor=actor,
                )
            except InsufficientStock as error:
                error.field = f"lines.{n}.quantity"
                raise
    return get_transfer(session, transfer_id)


def _release_set_aside(session: Session, transfer_id: uuid.UUID, source: uuid.UUID) -> None:
    """Release the active reservations made for the transfer at its source (reservation
    row, then level: the order every release follows)."""
    held = session.scalars(
        select(Reservation.id)
        .where(
            Reservation.reference_type == "transfer",
            Reservation.reference_id == str(transfer_id),
            Reservation.location_id == source,
            Reservation.status == "active",
        )
        .order_by(Reservation.variant_id, Reservation.id)
    ).all()
    for reservation_id in held:
        release(session, reservation_id)


def receive_transfer(
    session: Session,
    transfer_id: uuid.UUID,
    *,
    quantities: Mapping[uuid.UUID, int] | None = None,
    actor: str | None = None,
) -> Transfer:
    """Receive units of a shipped transfer at its destination (``transfer_in`` movements):
    ``quantities`` per variant, or everything still in transit. The transfer becomes
    ``received`` once nothing is in transit, ``partially_received`` before.

    Raises :class:`TransferStateConflict` if it was not shipped, :class:`InvalidInput` for a
    variant not on it or more than is in transit (field ``lines``); nothing changes then.
    """
    with session.begin_nested():
        _move_status(session, transfer_id, ["shipped", "partially_received"])
        transfer = get_transfer(session, transfer_id)
        lines = {line.variant_id: line for line in transfer.lines}
        wanted = (
            {v: line.quantity - line.received for v, line in lines.items()}
            if quantities is None
            else dict(quantities)
        )
        if set(wanted) - set(lines) or any(q < 0 for q in wanted.values()):
            raise InvalidInput(_l("A variant is not on this transfer."), field="lines")
        destination = transfer.destination_location_id
        lock_levels(session, ((variant, destination) for variant in wanted))
        for variant_id in sorted(wanted):
            quantity = wanted[variant_id]
            if quantity == 0:
                continue
            taken = session.execute(
                update(LINES)
                .where(
                    LINES.c.id == lines[variant_id].id,
                    LINES.c.quantity - LINES.c.received >= quantity,
                )
                .values(received=LINES.c.received + quantity)
            )
            if not getattr(taken, "rowcount", 0):
                raise InvalidInput(
                    _l("More units than are in transit cannot be received."), field="lines"
                )
            move_stock(
                session,
                kind="transfer_in",
                variant_id=variant_id,
                location_id=destination,
                quantity=quantity,
                reference=_reference(transfer_id),
                actor=actor,
            )
        in_transit = session.scalars(
            select(LINES.c.id).where(
                LINES.c.transfer_id == transfer_id, LINES.c.received < LINES.c.quantity
            )
        ).first()
        now = clock.now()
        session.execute(
            update(TRANSFERS)
            .where(TRANSFERS.c.id == transfer_id)
            .values(
                status="partially_received" if in_transit is not None else "received",
                received_at=now if in_transit is None else None,
                updated_at=now,
            )
        )
    return get_transfer(session, transfer_id)


def cancel_transfer(session: Session, transfer_id: uuid.UUID) -> Transfer:
    """Cancel a draft (nothing moved yet). Raises :class:`TransferStateConflict` otherwise."""
    _move_status(session, transfer_id, ["draft"], status="cancelled")
    return get_transfer(session, transfer_id)


def list_transfers(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Transfer]:
    """Transfers, newest first; ``location_ids`` keeps those leaving or reaching them."""
    stmt = select(Transfer).order_by(Transfer.id.desc()).limit(limit)
    if location_ids is not None:
        ids = list(location_ids)
        stmt = stmt.where(
            Transfer.source_location_id.in_(ids) | Transfer.destination_location_id.in_(ids)
        )
    if status is not None:
        stmt = stmt.where(Transfer.status == status)
    return list(session.scalars(stmt))


def in_transit(session: Session, transfer: Transfer) -> dict[uuid.UUID, int]:
    """Units still in transit per variant."""
    return {line.variant_id: line.quantity - line.received for line in transfer.lines}
