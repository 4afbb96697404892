"""The events of fulfilment, as typed payloads (keyed by the order id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from pydantic import BaseModel

ORDER_SHIPPED: Final = "order.shipped"
ORDER_DELIVERED: Final = "order.delivered"
PICKUP_READY: Final = "pickup.ready"


class OrderShipped(BaseModel):
    """Units left the shop; ``complete`` when nothing remains to ship."""

    order_id: uuid.UUID
    number: str
    shipment_id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    lines: dict[str, int]
    complete: bool


class OrderDelivered(BaseModel):
    """The customer has the units: delivered by a carrier, or collected at a store."""

    order_id: uuid.UUID
    number: str
    method: str
    complete: bool


class PickupReady(BaseModel):
    """A click & collect order waits at a store; ``code`` is what the customer shows at the
    counter (the messaging module sends it; it is stored hashed only)."""

    order_id: uuid.UUID
    number: str
    location_id: uuid.UUID
    code: str
    collect_by: datetime
