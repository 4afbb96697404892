"""Events the catalogue emits, with their typed payloads."""

from __future__ import annotations

import uuid
from typing import Final

from pydantic import BaseModel

PRODUCT_CREATED: Final = "catalog.product.created"
PRODUCT_UPDATED: Final = "catalog.product.updated"
PRICE_CHANGED: Final = "catalog.price.changed"


class ProductCreated(BaseModel):
    product_id: uuid.UUID
    handle: str
    status: str
    variant_ids: list[uuid.UUID]


class ProductUpdated(BaseModel):
    product_id: uuid.UUID
    revision: int
    changed: list[str]


class PriceChanged(BaseModel):
    """A price was set, changed or removed (``amount_minor`` null) in a price list."""

    price_list_id: uuid.UUID
    variant_id: uuid.UUID
    min_quantity: int
    currency: str
    amount_minor: int | None
    previous_amount_minor: int | None
