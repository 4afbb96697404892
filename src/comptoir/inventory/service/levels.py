"""Stock levels and the movement ledger: every change of a level is one guarded atomic UPDATE
(never read-then-write), recorded in the same transaction as the movement or reservation that
explains it, and announced by a ``stock.changed`` event."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, select, tuple_, update
from sqlalchemy.orm import Session

from comptoir.inventory.errors import InsufficientStock
from comptoir.inventory.events import STOCK_CHANGED, StockChanged
from comptoir.inventory.models import Movement, StockLevel
from comptoir.inventory.schemas import StockReference
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts, is_postgresql
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7

LEVELS = cast(Table, StockLevel.__table__)


@dataclass(frozen=True, slots=True)
class LevelFigures:
    """A level's figures just after a change."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def allows_backorder(session: Session, variant_id: uuid.UUID) -> bool:
    """Whether the catalogue lets this variant be sold without stock."""
    from comptoir.catalog import service as catalog

    return catalog.variant_summary(session, variant_id).allows_backorder


def lock_levels(session: Session, keys: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """On PostgreSQL, lock the levels of these (variant, location) pairs in one fixed order
    (variant id, then location id), so that two transactions touching the same rows never
    deadlock. SQLite has a single writer: nothing to do."""
    ordered = sorted(set(keys))
    if not ordered or not is_postgresql(session):
        return
    session.execute(
        select(LEVELS.c.id)
        .where(tuple_(LEVELS.c.variant_id, LEVELS.c.location_id).in_(ordered))
        .order_by(LEVELS.c.variant_id, LEVELS.c.location_id)
        .with_for_update()
    )


def _guarded_update(
    session: Session,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    *,
    on_hand: int,
    reserved: int,
    needs_available: int,
    shortfall_allowed: bool,
    expected_on_hand: int | None = None,
) -> LevelFigures | None:
    """One UPDATE ... WHERE <guards> RETURNING: the figures, or ``None`` if no row passed."""
    guards: list[ColumnElement[bool]] = [
        LEVELS.c.variant_id == variant_id,
        LEVELS.c.location_id == location_id,
    ]
    if reserved < 0:
        guards.append(LEVELS.c.reserved >= -reserved)
    if expected_on_hand is not None:
        guards.append(LEVELS.c.on_hand == expected_on_hand)
    if not shortfall_allowed:
        if needs_available > 0:
            guards.append(LEVELS.c.on_hand - LEVELS.c.reserved >= needs_available)
        if on_hand < 0:
            guards.append(LEVELS.c.on_hand >= -on_hand)
    values: dict[str, Any] = {"updated_at": clock.now()}
    if on_hand:
        values["on_hand"] = LEVELS.c.on_hand + on_hand
    if reserved:
        values["reserved"] = LEVELS.c.reserved + reserved
    row = session.execute(
        update(LEVELS)
        .where(and_(*guards))
        .values(**values)
        .returning(LEVELS.c.on_hand, LEVELS.c.reserved)
    ).first()
    if row is None:
        return None
    return LevelFigures(variant_id, location_id, int(row.on_hand), int(row.reserved))


def _ensure_level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> None:
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        LEVELS,
        [
            {
                "id": uuid7(),
                "variant_id": variant_id,
                "location_id": location_id,
                "on_hand": 0,
                "reserved": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["variant_id", "location_id"],
    )


def change_level(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    on_hand: int = 0,
    reserved: int = 0,
    needs_available: int = 0,
    expected_on_hand: int | None = None,
) -> LevelFigures:
    """Add ``on_hand`` and ``reserved`` to a level in one guarded atomic UPDATE and emit
    ``stock.changed``.

    Guarantees: the change happens only if ``available`` was at least ``needs_available`` and
    ``on_hand`` and ``reserved`` stay at or above zero, all checked by the UPDATE itself; a
    variant that allows backorders waives the first two (``reserved`` never goes below zero).
    A missing level is created at zero. With ``expected_on_hand`` the change happens only if
    ``on_hand`` still has that value (compare-and-set). Raises :class:`InsufficientStock`
    (field ``quantity``) when a guard refuses; nothing is changed then.
    """
    figures = _guarded_update(
        session,
        variant_id,
        location_id,
        on_hand=on_hand,
        reserved=reserved,
        needs_available=needs_available,
        shortfall_allowed=False,
        expected_on_hand=expected_on_hand,
    )
    if figures is None:
        restricted = needs_available > 0 or on_hand < 0
        shortfall_allowed = restricted and allows_backorder(session, variant_id)
        if restricted and not shortfall_allowed:
            raise _insufficient(needs_available or -on_hand)
        _ensure_level(session, variant_id, location_id)
        figures = _guarded_update(
            session,
            variant_id,
            location_id,
            on_hand=on_hand,
            reserved=reserved,
            needs_available=needs_available,
            shortfall_allowed=shortfall_allowed,
            expected_on_hand=expected_on_hand,
        )
        if figures is None:
            raise _insufficient(needs_available or -on_hand or -reserved)
    emit(
        session,
        STOCK_CHANGED,
        StockChanged(
            variant_id=variant_id,
            location_id=location_id,
            on_hand=figures.on_hand,
            reserved=figures.reserved,
            available=figures.available,
        ),
        key=variant_id,
    )
    return figures


def _insufficient(quantity: int) -> InsufficientStock:
    return InsufficientStock(
        _l("{quantity} units are not available at this location."),
        field="quantity",
        quantity=quantity,
    )


def record_movement(
    session: Session,
    *,
    kind: str,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: StockReference | None = None,
    reason: str | None = None,
    actor: str | None = None,
    note: str | None = None,
    occurred_at: datetime | None = None,
) -> Movement:
    """Append one ledger line (the caller changes the level in the same transaction)."""
    now = clock.now()
    movement = Movement(
        kind=kind,
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reason=reason,
        reference_type=reference.type if reference else None,
        reference_id=reference.id if reference else None,
        actor=actor,
        note=note,
        occurred_at=occurred_at or now,
        created_at=now,
    )
    session.add(movement)
    return movement


def move_stock(
    session: Session,
    *,
    kind: str,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: StockReference | None = None,
    reason: str | None = None,
    actor: str | None = None,
    note: str | None = None,
    occurred_at: datetime | None = None,
) -> Movement:
    """Change ``on_hand`` by ``quantity`` (signed) and record the movement. A decrease needs
    that many available units (unreserved), unless the variant allows backorders.

    Raises :class:`InsufficientStock`; then neither the level nor the ledger changed.
    """
    change_level(
        session,
        variant_id=variant_id,
        location_id=location_id,
        on_hand=quantity,
        needs_available=max(0, -quantity),
    )
    return record_movement(
        session,
        kind=kind,
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reference=reference,
        reason=reason,
        actor=actor,
        note=note,
        occurred_at=occurred_at,
    )
