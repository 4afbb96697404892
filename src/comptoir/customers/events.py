"""The events the customers module emits, as typed payloads. They carry ids and codes, never
personal values (the outbox is not encrypted)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from pydantic import BaseModel

CUSTOMER_CREATED: Final = "customer.created"
CUSTOMER_MERGED: Final = "customer.merged"
CUSTOMER_UNMERGED: Final = "customer.unmerged"
CUSTOMER_ERASED: Final = "customer.erased"
CONSENT_CHANGED: Final = "consent.changed"


class CustomerCreated(BaseModel):
    customer_id: uuid.UUID
    kind: str
    source: str


class CustomerMerged(BaseModel):
    """``source_id`` now lives on as ``target_id``; keyed by the target."""

    merge_id: uuid.UUID
    target_id: uuid.UUID
    source_id: uuid.UUID
    merged_by: str


class CustomerUnmerged(BaseModel):
    merge_id: uuid.UUID
    target_id: uuid.UUID
    source_id: uuid.UUID
    unmerged_by: str


class CustomerErased(BaseModel):
    customer_id: uuid.UUID
    erased_ids: list[uuid.UUID]


class ConsentChanged(BaseModel):
    """A consent was granted or withdrawn; keyed by the customer, so in order per customer."""

    customer_id: uuid.UUID
    channel: str
    purpose: str
    granted: bool
    wording_version: str | None
    source: str
    occurred_at: datetime
