"""Available-to-promise: what a channel, or a location, can still sell. Each answer is one
query, whatever the number of variants asked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from comptoir.inventory.models import ChannelLocation, Location, StockLevel


def _clamped(expression: ColumnElement[int]) -> ColumnElement[int]:
    """``max(expression, 0)`` in SQL both databases understand."""
    return case((expression > 0, expression), else_=literal(0))


def available_to_promise(
    session: Session, *, channel_id: uuid.UUID, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Units each variant can be promised on ``channel_id``: over the channel's active
    locations, the sum of ``max(on_hand - reserved - buffer, 0)``.

    One query. Every variant asked for is in the answer (0 when it has no stock there). A
    channel with no location sells nothing. Backorders are not counted here: a storefront
    asks the catalogue whether a variant allows them.
    """
    answer = dict.fromkeys(variant_ids, 0)
    if not answer:
        return answer
    per_location = _clamped(StockLevel.on_hand - StockLevel.reserved - ChannelLocation.buffer)
    rows = session.execute(
        select(StockLevel.variant_id, func.sum(per_location))
        .join(ChannelLocation, ChannelLocation.location_id == StockLevel.location_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(
            ChannelLocation.channel_id == channel_id,
            Location.is_active.is_(True),
            StockLevel.variant_id.in_(list(answer)),
        )
        .group_by(StockLevel.variant_id)
    ).all()
    for variant_id, units in rows:
        answer[variant_id] = int(units or 0)
    return answer


def available_by_location(
    session: Session,
    *,
    variant_ids: Sequence[uuid.UUID],
    channel_id: uuid.UUID | None = None,
    location_ids: Sequence[uuid.UUID] | None = None,
) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """Units available per variant and active location, never below zero: for a channel
    (its locations, minus its buffer at each), or for every location (``location_ids``
    narrows it, for a principal restricted to some stores). Locations without a level are left
    out. One query."""
    answer: dict[uuid.UUID, dict[uuid.UUID, int]] = {variant: {} for variant in variant_ids}
    if not answer:
        return answer
    stmt = (
        select(StockLevel.variant_id, StockLevel.location_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(Location.is_active.is_(True), StockLevel.variant_id.in_(list(answer)))
    )
    if channel_id is not None:
        stmt = stmt.join(
            ChannelLocation, ChannelLocation.location_id == StockLevel.location_id
        ).where(ChannelLocation.channel_id == channel_id)
        units = _clamped(StockLevel.on_hand - StockLevel.reserved - ChannelLocation.buffer)
    else:
        units = _clamped(StockLevel.on_hand - StockLevel.reserved)
    if location_ids is not None:
        stmt = stmt.where(StockLevel.location_id.in_(list(location_ids)))
    for variant_id, location_id, available in session.execute(stmt.add_columns(units)).all():
        answer[variant_id][location_id] = int(available)
    return answer
