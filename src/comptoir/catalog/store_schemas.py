"""API shapes of the catalogue on the channel API (``/store/v1/products``)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from comptoir.catalog.schemas import Attribute, PriceQuoteOut


class PickupPoint(BaseModel):
    """A store of the channel where the variant can be collected (click & collect)."""

    location_id: uuid.UUID
    name: str
    city: str | None
    available: int = Field(description="Units that can be promised for collection there.")


class StoreVariant(BaseModel):
    id: uuid.UUID
    sku: str
    title: str
    option_values: dict[str, str]
    allows_backorder: bool
    price: PriceQuoteOut | None = Field(
        description="The channel's price (promotion and EU Omnibus 30-day lowest price "
        "included); null when the variant has no price in the channel's currency."
    )
    available: int = Field(
        description="Units the channel can promise: over its locations, on hand minus "
        "reserved minus the channel's safety buffer."
    )
    in_stock: bool = Field(description="Available, or sold on backorder.")
    pickup: list[PickupPoint] = Field(
        description="Click & collect stores of the channel and what each can promise."
    )


class StoreProduct(BaseModel):
    """A product as a channel sells it: its listed variants at the channel's price, with
    what the channel can promise of each."""

    id: uuid.UUID
    handle: str
    title: str
    description: str
    vendor: str | None
    option_names: list[str]
    attributes: list[Attribute]
    variants: list[StoreVariant]
