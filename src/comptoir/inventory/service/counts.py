"""Cycle counts: a count sheet per location, counted quantities, and on application the
variances become ``count`` movements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from comptoir.inventory.errors import CountStateConflict, InsufficientStock
from comptoir.inventory.models import StockCount, StockCountLine, StockLevel
from comptoir.inventory.schemas import CountCreate, CountEntry, StockReference
from comptoir.inventory.service.levels import change_level, lock_levels, record_movement
from comptoir.inventory.service.locations import get_location
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l

COUNTS = cast(Table, StockCount.__table__)


def _on_hand(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> int:
    value = session.scalar(
        select(StockLevel.on_hand).where(
            StockLevel.variant_id == variant_id, StockLevel.location_id == location_id
        )
    )
    return int(value or 0)


def create_count(session: Session, data: CountCreate) -> StockCount:
    """An open count sheet listing ``variant_ids`` with what the system expects now.
    Raises :class:`LocationNotFound`."""
    get_location(session, data.location_id)
    count = StockCount(location_id=data.location_id, status="open", note=data.note)
    session.add(count)
    for variant_id in sorted(set(data.variant_ids)):
        session.add(
            StockCountLine(
                count_id=count.id,
                variant_id=variant_id,
                expected=_on_hand(session, variant_id, data.location_id),
            )
        )
    session.flush()
    return get_count(session, count.id)


def get_count(session: Session, count_id: uuid.UUID) -> StockCount:
    """The count sheet with its lines; raises :class:`NotFound`."""
    count = session.get(StockCount, count_id, populate_existing=True)
    if count is None:
        raise NotFound()
    session.refresh(count, ["lines"])
    return count


def record_counted(
    session: Session, count_id: uuid.UUID, entries: Sequence[CountEntry]
) -> StockCount:
    """Write counted quantities on an open sheet (a variant not yet on it is added).
    Raises :class:`CountStateConflict` if the sheet is not open, :class:`InvalidInput`."""
    count = get_count(session, count_id)
    if count.status != "open":
        raise CountStateConflict()
    lines = {line.variant_id: line for line in count.lines}
    for n, entry in enumerate(entries):
        if entry.counted < 0:
            raise InvalidInput(_l("A counted quantity cannot be negative."), field=f"{n}.counted")
        line = lines.get(entry.variant_id)
        if line is None:
            line = StockCountLine(
                count_id=count.id,
                variant_id=entry.variant_id,
                expected=_on_hand(session, entry.variant_id, count.location_id),
            )
            session.add(line)
            lines[entry.variant_id] = line
        line.counted = entry.counted
    session.flush()
    return get_count(session, count_id)


def apply_count(session: Session, count_id: uuid.UUID, *, actor: str | None = None) -> StockCount:
    """Apply an open sheet: for each counted line, ``on_hand`` becomes the counted quantity
    and the difference from what was on hand at that moment is recorded on the line and as a
    ``count`` movement. Uncounted lines are left alone. A count records what is physically
    there, so it is never refused for lack of stock (``available`` may then be negative:
    more units are reserved than exist, which the back office shows as oversold).

    Raises :class:`CountStateConflict` if the sheet is not open (nothing changes).
    """
    with session.begin_nested():
        moved = session.execute(
            update(COUNTS)
            .where(COUNTS.c.id == count_id, COUNTS.c.status == "open")
            .values(status="applied", applied_at=clock.now(), updated_at=clock.now())
        )
        if not getattr(moved, "rowcount", 0):
            get_count(session, count_id)
            raise CountStateConflict()
        count = get_count(session, count_id)
        counted = [line for line in count.lines if line.counted is not None]
        lock_levels(session, ((line.variant_id, count.location_id) for line in counted))
        reference = StockReference(type="count", id=str(count_id))
        for line in counted:
            assert line.counted is not None
            variance = _set_on_hand(session, line.variant_id, count.location_id, line.counted)
            line.variance = variance
            if variance:
                record_movement(
                    session,
                    kind="count",
                    variant_id=line.variant_id,
                    location_id=count.location_id,
                    quantity=variance,
                    reason="cycle_count",
                    reference=reference,
                    actor=actor,
                )
        session.flush()
    return get_count(session, count_id)


def _set_on_hand(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID, counted: int
) -> int:
    """Set ``on_hand`` to ``counted`` by compare-and-set (retried if another writer changed
    it between our read and our write); returns the variance applied."""
    for _attempt in range(5):
        seen = _on_hand(session, variant_id, location_id)
        if seen == counted:
            return 0
        try:
            change_level(
                session,
                variant_id=variant_id,
                location_id=location_id,
                on_hand=counted - seen,
                expected_on_hand=seen,
            )
        except InsufficientStock:
            continue  # on_hand moved between our read and our write: read it again
        return counted - seen
    raise CountStateConflict(_l("The stock kept changing while the count was applied."))


def cancel_count(session: Session, count_id: uuid.UUID) -> StockCount:
    """Cancel an open sheet. Raises :class:`CountStateConflict` otherwise."""
    moved = session.execute(
        update(COUNTS)
        .where(COUNTS.c.id == count_id, COUNTS.c.status == "open")
        .values(status="cancelled", updated_at=clock.now())
    )
    if not getattr(moved, "rowcount", 0):
        get_count(session, count_id)
        raise CountStateConflict()
    return get_count(session, count_id)


def list_counts(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[StockCount]:
    stmt = select(StockCount).order_by(StockCount.id.desc()).limit(limit)
    if location_ids is not None:
        stmt = stmt.where(StockCount.location_id.in_(list(location_ids)))
    if status is not None:
        stmt = stmt.where(StockCount.status == status)
    return list(session.scalars(stmt))
