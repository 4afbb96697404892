"""The events of returns, as typed payloads (keyed by the order id)."""

from __future__ import annotations

import uuid
from typing import Final, Literal

from pydantic import BaseModel

RETURN_RECEIVED: Final = "return.received"
REFUND_ISSUED: Final = "refund.issued"


class ReturnReceived(BaseModel):
    """The units of a return arrived at the shop (``lines``: order line id to units)."""

    return_id: uuid.UUID
    number: str
    order_id: uuid.UUID
    lines: dict[str, int]


class RefundIssued(BaseModel):
    """Money went back (``refunded``) or is to be sent back by the shop (``pending``).

    ``cause``: a ``return`` (``return_id`` and ``number`` are the return's), a
    ``cancellation`` of units (``number`` is the order's) or a refund made in the
    ``provider``'s own dashboard (``number`` is the order's)."""

    return_id: uuid.UUID | None
    number: str
    order_id: uuid.UUID
    cause: Literal["return", "cancellation", "provider"] = "return"
    provider: str
    status: str
    amount_minor: int
    currency: str
    reference: str
