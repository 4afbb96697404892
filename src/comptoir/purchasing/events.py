"""The events purchasing emits (keyed by the purchase order's id)."""

from __future__ import annotations

import uuid
from typing import Final

from pydantic import BaseModel

ORDER_SENT: Final = "purchasing.order.sent"
ORDER_RECEIVED: Final = "purchasing.order.received"


class OrderSent(BaseModel):
    order_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    location_id: uuid.UUID


class ReceivedLine(BaseModel):
    variant_id: uuid.UUID
    quantity: int


class OrderReceived(BaseModel):
    """A delivery was received; ``is_complete`` once every line is fully received."""

    order_id: uuid.UUID
    number: str
    receipt_id: uuid.UUID
    location_id: uuid.UUID
    lines: list[ReceivedLine]
    is_complete: bool
