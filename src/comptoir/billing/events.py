"""The events billing emits, as typed payloads keyed by the invoice id. No personal data
travels in them: readers load the invoice."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Final

from pydantic import BaseModel

INVOICE_ISSUED: Final = "invoice.issued"
INVOICE_PAID: Final = "invoice.paid"
INVOICE_OVERDUE: Final = "invoice.overdue"


class InvoiceIssued(BaseModel):
    """An invoice or a credit note (``kind``) got its number; proformas emit nothing."""

    invoice_id: uuid.UUID
    number: str
    kind: str
    issue_date: date
    due_date: date | None
    currency: str
    total_net_minor: int
    total_tax_minor: int
    total_gross_minor: int
    # What the customer is asked to pay (EN 16931 BT-115): the gross total plus the rounding
    # amount of a tax-included sale (BT-114), a cent or two at most.
    payable_minor: int
    order_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    original_invoice_id: uuid.UUID | None


class InvoicePaid(BaseModel):
    """Settlements now cover the whole invoice (or the whole credit note was paid back)."""

    invoice_id: uuid.UUID
    number: str
    kind: str
    currency: str
    total_gross_minor: int
    payable_minor: int  # BT-115, as in ``InvoiceIssued``
    amount_paid_minor: int
    paid_on: date
    order_id: uuid.UUID | None
    customer_id: uuid.UUID | None


class InvoiceOverdue(BaseModel):
    """An invoice is still unpaid after its due date (emitted once per invoice)."""

    invoice_id: uuid.UUID
    number: str
    due_date: date
    currency: str
    amount_due_minor: int
    customer_id: uuid.UUID | None
