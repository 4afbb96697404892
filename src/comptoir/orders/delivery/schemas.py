"""API shapes of carriers, rate tables and delivery options."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.kit.money import MoneyOut

CarrierKind = Literal["home", "pickup_point", "click_collect"]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]


class RateBand(BaseModel):
    """A parcel up to ``max_weight_grams`` costs ``price_minor`` (tax included)."""

    model_config = ConfigDict(extra="forbid")

    max_weight_grams: int = Field(gt=0, le=1_000_000)
    price_minor: int = Field(ge=0, le=100_000_000)
    currency: Currency = "EUR"


class ZoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    countries: list[Country] = Field(min_length=1)
    rates: list[RateBand] = Field(min_length=1)


class CarrierIn(BaseModel):
    """A carrier and its whole rate table (a PUT replaces the table)."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    kind: CarrierKind = "home"
    is_active: bool = True
    transit_days: int = Field(default=2, ge=0, le=60)
    transfer_lead_days: int = Field(default=2, ge=0, le=60)
    free_from_minor: int | None = Field(default=None, ge=0)
    zones: list[ZoneIn] = Field(default_factory=list)


class ZoneOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    countries: list[str]
    rates: list[RateBand]


class CarrierOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: CarrierKind
    is_active: bool
    transit_days: int
    transfer_lead_days: int
    free_from_minor: int | None
    zones: list[ZoneOut]


class PickupPoint(BaseModel):
    """A relay the shopper chose on the carrier's map: its id and label, kept as data."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class DeliveryOptionOut(BaseModel):
    """One way the cart can be delivered. Send ``id`` back as ``delivery_option``."""

    id: str = Field(examples=["colissimo", "click-collect:PARIS-01"])
    kind: CarrierKind
    carrier_code: str
    carrier_name: str
    location_id: uuid.UUID | None = None
    location_name: str | None = None
    needs_pickup_point: bool
    price: MoneyOut
    price_excl_tax: MoneyOut
    vat_rate: str
    is_free: bool
    estimated_on: date
    ships_from: Literal["warehouse", "store", "transfer"] | None = Field(
        default=None,
        description="warehouse, store (ship-from-store) or transfer (the store gets the units "
        "from the warehouse first)",
    )


class CartDeliveryOut(BaseModel):
    option: str
    kind: CarrierKind
    carrier_name: str
    location_id: uuid.UUID | None
    pickup_point: PickupPoint | None
    fee: MoneyOut | None
    vat_rate: str | None


class OrderDeliveryOut(BaseModel):
    carrier_code: str
    carrier_name: str
    kind: str
    location_id: uuid.UUID | None
    pickup_point: PickupPoint | None
    fee_excl_tax: MoneyOut
    fee_incl_tax: MoneyOut
    vat_rate: str
    weight_grams: int
    estimated_on: date | None
