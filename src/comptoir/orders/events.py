"""The events the orders module emits, as typed payloads (keyed by the order id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from pydantic import BaseModel

ORDER_PLACED: Final = "order.placed"
ORDER_PAID: Final = "order.paid"
ORDER_CANCELLED: Final = "order.cancelled"


class OrderLinePlaced(BaseModel):
    variant_id: uuid.UUID
    sku: str
    quantity: int
    total_minor: int


class OrderPlaced(BaseModel):
    """An order was placed; no personal data travels in the event (readers load the order)."""

    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    customer_id: uuid.UUID | None
    currency: str
    total_gross_minor: int
    total_tax_minor: int
    placed_at: datetime
    lines: list[OrderLinePlaced]


class OrderPaid(BaseModel):
    order_id: uuid.UUID
    number: str
    payment_id: uuid.UUID
    provider: str
    amount_minor: int
    currency: str


class OrderCancelled(BaseModel):
    """Units of an order were cancelled (all of them when ``whole`` is true)."""

    order_id: uuid.UUID
    number: str
    whole: bool
    lines: dict[str, int]
