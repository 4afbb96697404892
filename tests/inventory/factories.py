"""Typed factories for inventory rows: keyword defaults, unique codes, flushed."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.models import Location
from comptoir.inventory.schemas import LocationCreate, StockReference

_sequence = itertools.count(1)


def make_location(session: Session, **kw: Any) -> Location:
    n = next(_sequence)
    values: dict[str, Any] = {
        "code": f"LOC{n}-{uuid.uuid4().hex[:6]}",
        "name": f"Location {n}",
        "kind": "warehouse",
    }
    values.update(kw)
    return service.create_location(session, LocationCreate(**values))


def ref(kind: str = "test", ident: str | None = None) -> StockReference:
    """A document reference for tests."""
    return StockReference(type=kind, id=ident or uuid.uuid4().hex[:12])


def stock(
    session: Session, *, variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int
) -> None:
    """Put ``quantity`` units on hand through a receipt (ledger-consistent)."""
    service.receive(
        session,
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        unit_cost=None,
        reference=ref("initial"),
    )
