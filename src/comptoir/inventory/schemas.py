"""The inventory's API shapes, also used by other modules calling its service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LocationKind = Literal["warehouse", "store", "external"]
ExternalKind = Literal["3pl", "marketplace"]
MovementKind = Literal[
    "receipt", "sale", "return", "adjustment", "transfer_out", "transfer_in", "count"
]
AdjustmentReason = Literal["damaged", "lost", "found", "theft", "expired", "correction", "other"]
ReservationKind = Literal["hold", "allocation"]
ReservationStatus = Literal["active", "released", "consumed", "expired"]
TransferStatus = Literal["draft", "shipped", "partially_received", "received", "cancelled"]
CountStatus = Literal["open", "applied", "cancelled"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The most units a channel may keep back at one location (the column is a 32-bit integer).
MAX_CHANNEL_BUFFER = 1_000_000
_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class StockReference(BaseModel):
    """The document a stock change answers to: ``("purchase_receipt", "<id>")``,
    ``("order", "SO-2026-000123")``."""

    model_config = ConfigDict(frozen=True)

    type: str = Field(min_length=1, max_length=40, examples=["order"])
    id: str = Field(min_length=1, max_length=64, examples=["SO-2026-000123"])


class OpeningInterval(BaseModel):
    opens: str = Field(pattern=_TIME, examples=["09:30"])
    closes: str = Field(pattern=_TIME, examples=["19:00"])


OpeningHours = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[OpeningInterval]]


class LocationFields(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    is_active: bool = True
    external_kind: ExternalKind | None = None
    external_partner: str | None = Field(default=None, max_length=200)
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    opening_hours: OpeningHours = Field(default_factory=dict)
    click_and_collect: bool = False


class LocationCreate(LocationFields):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    kind: LocationKind


class LocationUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_active: bool | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)
    opening_hours: OpeningHours | None = None
    click_and_collect: bool | None = None


class Location(LocationFields):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    kind: LocationKind
    created_at: datetime
    updated_at: datetime


class StockLevel(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    variant_id: uuid.UUID
    location_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int
    updated_at: datetime


class Movement(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    variant_id: uuid.UUID
    location_id: uuid.UUID
    kind: MovementKind
    quantity: int
    reason: str | None
    reference_type: str | None
    reference_id: str | None
    actor: str | None
    note: str | None
    occurred_at: datetime


class AdjustmentCreate(BaseModel):
    variant_id: uuid.UUID
    location_id: uuid.UUID
    quantity: int = Field(description="Signed change of on-hand units.")
    reason: AdjustmentReason
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("quantity")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


class ReservationCreate(BaseModel):
    variant_id: uuid.UUID
    location_id: uuid.UUID
    quantity: int = Field(gt=0)
    expires_at: datetime | None = Field(
        default=None, description="A cart hold's expiry; none for an order allocation."
    )
    reference: StockReference


class Reservation(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    variant_id: uuid.UUID
    location_id: uuid.UUID
    kind: ReservationKind
    status: ReservationStatus
    quantity: int
    consumed: int
    expires_at: datetime | None
    reference_type: str | None
    reference_id: str | None
    created_at: datetime


class ReservationConsume(BaseModel):
    quantity: int | None = Field(default=None, gt=0, description="Default: all that is open.")


class ReservationLine(BaseModel):
    """One line of a multi-line reservation (an order)."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    quantity: int = Field(gt=0)


class ChannelLocation(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel_id: uuid.UUID
    location_id: uuid.UUID
    buffer: int = Field(ge=0, le=MAX_CHANNEL_BUFFER)


class TransferLineCreate(BaseModel):
    variant_id: uuid.UUID
    quantity: int = Field(gt=0)


class TransferCreate(BaseModel):
    source_location_id: uuid.UUID
    destination_location_id: uuid.UUID
    lines: list[TransferLineCreate] = Field(min_length=1)
    note: str | None = Field(default=None, max_length=2000)


class TransferLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    variant_id: uuid.UUID
    quantity: int
    received: int

    @property
    def in_transit(self) -> int:
        return self.quantity - self.received


class Transfer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_location_id: uuid.UUID
    destination_location_id: uuid.UUID
    status: TransferStatus
    note: str | None
    shipped_at: datetime | None
    received_at: datetime | None
    created_at: datetime
    lines: list[TransferLine]


class TransferReceiptLine(BaseModel):
    variant_id: uuid.UUID
    quantity: int = Field(gt=0)


class TransferReceive(BaseModel):
    lines: list[TransferReceiptLine] | None = Field(
        default=None, description="Default: everything still in transit."
    )


class CountCreate(BaseModel):
    location_id: uuid.UUID
    variant_ids: list[uuid.UUID] = Field(min_length=1)
    note: str | None = Field(default=None, max_length=2000)


class CountEntry(BaseModel):
    variant_id: uuid.UUID
    counted: int = Field(ge=0)


class CountLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    variant_id: uuid.UUID
    expected: int
    counted: int | None
    variance: int | None


class StockCount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    location_id: uuid.UUID
    status: CountStatus
    note: str | None
    applied_at: datetime | None
    created_at: datetime
    lines: list[CountLine]


class ReorderParametersUpdate(BaseModel):
    minimum: int = Field(ge=0)
    maximum: int = Field(ge=0)
    lead_time_days: int = Field(ge=0)
    preferred_supplier_id: uuid.UUID | None = None


class ReorderParameters(ReorderParametersUpdate):
    model_config = ConfigDict(from_attributes=True)

    variant_id: uuid.UUID
    location_id: uuid.UUID


class Availability(BaseModel):
    variant_id: uuid.UUID
    available: int


class LevelDifference(BaseModel):
    """A stock level that does not match its ledger (``comptoir inventory check``)."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int
