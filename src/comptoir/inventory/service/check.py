"""Levels against their ledger: what ``comptoir inventory check`` reports."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.inventory.models import Movement, Reservation, StockLevel
from comptoir.inventory.schemas import LevelDifference

Key = tuple[uuid.UUID, uuid.UUID]


def ledger_on_hand(session: Session) -> dict[Key, int]:
    """The sum of the movements per (variant, location)."""
    rows = session.execute(
        select(Movement.variant_id, Movement.location_id, func.sum(Movement.quantity)).group_by(
            Movement.variant_id, Movement.location_id
        )
    ).all()
    return {(v, loc): int(total or 0) for v, loc, total in rows}


def ledger_reserved(session: Session) -> dict[Key, int]:
    """The open quantity of the active reservations per (variant, location)."""
    rows = session.execute(
        select(
            Reservation.variant_id,
            Reservation.location_id,
            func.sum(Reservation.quantity - Reservation.consumed),
        )
        .where(Reservation.status == "active")
        .group_by(Reservation.variant_id, Reservation.location_id)
    ).all()
    return {(v, loc): int(total or 0) for v, loc, total in rows}


def check_levels(session: Session) -> list[LevelDifference]:
    """Every level whose ``on_hand`` differs from the sum of its movements, or whose
    ``reserved`` differs from its active reservations; a ledger without a level counts as a
    level at zero. Empty when all is consistent. Reads only."""
    on_hand = ledger_on_hand(session)
    reserved = ledger_reserved(session)
    levels = {
        (v, loc): (int(h), int(r))
        for v, loc, h, r in session.execute(
            select(
                StockLevel.variant_id,
                StockLevel.location_id,
                StockLevel.on_hand,
                StockLevel.reserved,
            )
        ).all()
    }
    differences = []
    for key in sorted(set(levels) | set(on_hand) | set(reserved)):
        level_on_hand, level_reserved = levels.get(key, (0, 0))
        expected_on_hand, expected_reserved = on_hand.get(key, 0), reserved.get(key, 0)
        if (level_on_hand, level_reserved) != (expected_on_hand, expected_reserved):
            differences.append(
                LevelDifference(
                    variant_id=key[0],
                    location_id=key[1],
                    on_hand=level_on_hand,
                    ledger_on_hand=expected_on_hand,
                    reserved=level_reserved,
                    ledger_reserved=expected_reserved,
                )
            )
    return differences
