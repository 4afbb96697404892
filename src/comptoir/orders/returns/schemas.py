"""The returns API's shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from comptoir.kit.money import MoneyOut

ReturnReason = Literal[
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "too_small",
    "too_large",
    "changed_mind",
    "other",
]
ReturnStatus = Literal["requested", "received", "inspected", "refunded", "cancelled"]
LineOutcome = Literal["restock", "scrap"]


class ReturnLineIn(BaseModel):
    line_id: uuid.UUID
    quantity: int = Field(ge=1)
    reason: ReturnReason
    comment: str | None = Field(default=None, max_length=2000)
    replacement_variant_id: uuid.UUID | None = None


class ReturnCreate(BaseModel):
    lines: list[ReturnLineIn] = Field(min_length=1)
    note: str | None = Field(default=None, max_length=2000)


class LineDecisionIn(BaseModel):
    return_line_id: uuid.UUID
    outcome: LineOutcome
    location_id: uuid.UUID | None = None


class ReturnInspection(BaseModel):
    decisions: list[LineDecisionIn] = Field(min_length=1)


class ReturnLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_line_id: uuid.UUID
    quantity: int
    reason: str
    comment: str | None
    replacement_variant_id: uuid.UUID | None
    outcome: str | None
    location_id: uuid.UUID | None


class ReturnOut(BaseModel):
    id: uuid.UUID
    number: str
    order_id: uuid.UUID
    status: str
    note: str | None
    refund: MoneyOut
    refund_reference: str | None
    exchange_order_id: uuid.UUID | None
    created_at: datetime
    received_at: datetime | None
    inspected_at: datetime | None
    refunded_at: datetime | None
    lines: list[ReturnLineOut]
