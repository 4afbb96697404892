"""The events of quotes, as typed payloads (keyed by the draft order id). Confirming a
draft emits the orders module's ``order.placed``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from pydantic import BaseModel

QUOTE_SENT: Final = "quote.sent"
QUOTE_ACCEPTED: Final = "quote.accepted"


class QuoteSent(BaseModel):
    """A quote went to its customer; its prices hold until ``expires_at``. No personal data
    travels in the event (readers load the customer)."""

    draft_id: uuid.UUID
    quote_number: str
    channel_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    total_gross_minor: int
    total_tax_minor: int
    expires_at: datetime


class QuoteAccepted(BaseModel):
    """The customer accepted the quote; the shop confirms it into an order."""

    draft_id: uuid.UUID
    quote_number: str
    customer_id: uuid.UUID
    currency: str
    total_gross_minor: int
    accepted_at: datetime
