"""The invoice documents' API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class InvoiceSending(BaseModel):
    """An e-mail of the invoice's PDF, queued for its buyer."""

    invoice_id: uuid.UUID
    number: str | None = Field(description="The invoice number (none for a proforma draft).")
    queued: bool = Field(description="The e-mail waits in the job queue.")
    last_sent_at: datetime | None = Field(
        description="When the invoice was last e-mailed, before this request."
    )
