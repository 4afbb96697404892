"""The events the inventory emits, as typed payloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from pydantic import BaseModel

STOCK_CHANGED: Final = "stock.changed"
RESERVATION_EXPIRED: Final = "stock.reservation_expired"


class StockChanged(BaseModel):
    """A stock level's figures after a change; keyed by the variant id, so that a channel
    connector receives the changes of one variant in order."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int


class ReservationExpired(BaseModel):
    """A cart hold reached its expiry and its units went back to available."""

    reservation_id: uuid.UUID
    variant_id: uuid.UUID
    location_id: uuid.UUID
    quantity: int
    expires_at: datetime
    reference_type: str | None
    reference_id: str | None
