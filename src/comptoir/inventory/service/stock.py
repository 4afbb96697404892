"""What a merchant does to stock outside reservations: receive, sell over the counter, take
back, adjust; and how levels and the ledger are read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.inventory.models import Movement, StockLevel
from comptoir.inventory.schemas import StockReference
from comptoir.inventory.service.levels import move_stock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.kit.pagination import Page, paginate


def _positive(quantity: int) -> None:
    if quantity < 1:
        raise InvalidInput(_l("The quantity must be at least 1."), field="quantity")


def receive(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    unit_cost: Money | None,
    reference: StockReference,
    actor: str | None = None,
    occurred_at: datetime | None = None,
) -> Movement:
    """Put ``quantity`` received units into ``location_id`` (a purchase receipt, an initial
    stock): a ``receipt`` movement and the level, in the caller's transaction; with a
    ``unit_cost``, the catalogue folds it into the variant's weighted average cost, given the
    units on hand over every location before the receipt.

    Raises :class:`InvalidInput` for a quantity below 1, and what
    ``catalog.service.record_receipt_cost`` raises (another cost currency, an unknown
    variant); the caller's transaction is then to be rolled back.
    """
    _positive(quantity)
    movement = move_stock(
        session,
        kind="receipt",
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reference=reference,
        actor=actor,
        occurred_at=occurred_at,
    )
    if unit_cost is not None:
        from comptoir.catalog import service as catalog

        catalog.record_receipt_cost(
            session,
            variant_id,
            quantity,
            unit_cost,
            on_hand_before=max(0, total_on_hand(session, variant_id) - quantity),
        )
    return movement


def total_on_hand(session: Session, variant_id: uuid.UUID) -> int:
    """Units of a variant on hand over every location."""
    total = session.scalar(
        select(func.sum(StockLevel.on_hand)).where(StockLevel.variant_id == variant_id)
    )
    return int(total or 0)


def sell(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: StockReference,
    actor: str | None = None,
) -> Movement:
    """A sale without a prior reservation (a till): ``on_hand`` drops by ``quantity`` if that
    many units are available. Raises :class:`InsufficientStock` (nothing changes then),
    :class:`InvalidInput`."""
    _positive(quantity)
    return move_stock(
        session,
        kind="sale",
        variant_id=variant_id,
        location_id=location_id,
        quantity=-quantity,
        reference=reference,
        actor=actor,
    )


def record_return(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: StockReference,
    actor: str | None = None,
    note: str | None = None,
) -> Movement:
    """Units a customer brought back, put back into stock at ``location_id``.
    Raises :class:`InvalidInput`."""
    _positive(quantity)
    return move_stock(
        session,
        kind="return",
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reference=reference,
        actor=actor,
        note=note,
    )


def adjust(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reason: str,
    actor: str | None = None,
    note: str | None = None,
    reference: StockReference | None = None,
) -> Movement:
    """A manual correction of ``on_hand`` by ``quantity`` (signed) with its ``reason``. A
    decrease needs that many available units (reserved ones are not taken).
    Raises :class:`InsufficientStock` (nothing changes then), :class:`InvalidInput` for 0."""
    if quantity == 0:
        raise InvalidInput(_l("The quantity must not be 0."), field="quantity")
    return move_stock(
        session,
        kind="adjustment",
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reason=reason,
        actor=actor,
        note=note,
        reference=reference,
    )


def get_level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> StockLevel | None:
    """The level of a variant at a location, fresh from the database (``None``: never
    stocked there)."""
    return session.scalars(
        select(StockLevel)
        .where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
        .execution_options(populate_existing=True)
    ).first()


def list_levels(
    session: Session,
    *,
    variant_ids: Sequence[uuid.UUID] | None = None,
    location_ids: Sequence[uuid.UUID] | None = None,
    only_short: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[StockLevel]:
    """A page of levels (cursor pagination), filtered by variants and locations;
    ``only_short`` keeps those with nothing available. Raises :class:`InvalidCursor`."""
    stmt = select(StockLevel).execution_options(populate_existing=True)
    if variant_ids is not None:
        stmt = stmt.where(StockLevel.variant_id.in_(list(variant_ids)))
    if location_ids is not None:
        stmt = stmt.where(StockLevel.location_id.in_(list(location_ids)))
    if only_short:
        stmt = stmt.where(StockLevel.on_hand - StockLevel.reserved <= 0)
    return paginate(session, stmt, order_by=[], id_column=StockLevel.id, limit=limit, cursor=cursor)


def list_movements(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_ids: Sequence[uuid.UUID] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Movement]:
    """A page of the ledger of one variant, newest first; ``location_ids`` narrows it.
    Raises :class:`InvalidCursor`."""
    stmt = select(Movement).where(Movement.variant_id == variant_id)
    if location_ids is not None:
        stmt = stmt.where(Movement.location_id.in_(list(location_ids)))
    return paginate(
        session,
        stmt,
        order_by=[(Movement.occurred_at, "desc")],
        id_column=Movement.id,
        limit=limit,
        cursor=cursor,
    )
