"""The fulfilment API's shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ShipLine(BaseModel):
    line_id: uuid.UUID
    quantity: int = Field(ge=1)


class ShipmentCreate(BaseModel):
    """Units to ship: by default every unit left at the first line's location."""

    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    lines: list[ShipLine] | None = None


class DeliveryConfirm(BaseModel):
    """One shipment delivered, or (no id) every shipment on its way."""

    shipment_id: uuid.UUID | None = None


class PickupCode(BaseModel):
    code: str = Field(min_length=1, max_length=20)


class ShipmentLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_line_id: uuid.UUID
    quantity: int


class ShipmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID
    location_id: uuid.UUID | None
    method: str
    status: str
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime
    delivered_at: datetime | None
    lines: list[ShipmentLineOut]


class PickupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_id: uuid.UUID
    location_id: uuid.UUID | None
    status: str
    ready_at: datetime
    collect_by: datetime
    collected_at: datetime | None


class PickupReadyOut(PickupOut):
    """The pickup just made ready, with its code: shown this once, stored hashed."""

    code: str


class FulfilmentOut(BaseModel):
    """Where an order stands: its status, its shipments, its pickup, what is left."""

    order_id: uuid.UUID
    status: str
    shipments: list[ShipmentOut]
    pickup: PickupOut | None
    to_ship: dict[str, int]
