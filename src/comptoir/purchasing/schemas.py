"""Purchasing's API shapes, also used by other modules calling its service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from comptoir.kit.money import MoneyOut

OrderStatus = Literal["draft", "sent", "partly_received", "received", "cancelled"]
_CURRENCY = r"^[A-Z]{3}$"


class SupplierFields(BaseModel):
    contact_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    siret: str | None = Field(default=None, pattern=r"^\d{14}$", examples=["73282932000074"])
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    lead_time_days: int = Field(default=7, ge=0, le=365)
    notes: str = Field(default="", max_length=5000)


class SupplierCreate(SupplierFields):
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(default="EUR", pattern=_CURRENCY)


class SupplierUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    contact_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    siret: str | None = Field(default=None, pattern=r"^\d{14}$")
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    lead_time_days: int | None = Field(default=None, ge=0, le=365)
    is_active: bool | None = None
    notes: str | None = Field(default=None, max_length=5000)


class Supplier(SupplierFields):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    currency: str
    is_active: bool
    created_at: datetime


class SupplierPriceCreate(BaseModel):
    variant_id: uuid.UUID
    supplier_sku: str = Field(min_length=1, max_length=100)
    unit_cost: Decimal = Field(ge=0, max_digits=14, decimal_places=4, examples=["4.20"])
    min_order_quantity: int = Field(default=1, ge=1)
    lead_time_days: int | None = Field(default=None, ge=0, le=365)


class SupplierPrice(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    variant_id: uuid.UUID
    supplier_sku: str
    unit_cost: MoneyOut
    min_order_quantity: int
    lead_time_days: int
    """The price's own lead time, or the supplier's usual one."""
    lead_time_from: Literal["price_list", "supplier"]
    """Where ``lead_time_days`` comes from: this price, or the supplier's usual lead time."""


class PurchaseOrderLineCreate(BaseModel):
    variant_id: uuid.UUID
    quantity: int = Field(gt=0, le=1_000_000)
    unit_cost: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=14,
        decimal_places=4,
        description="In the supplier's currency; defaults to the supplier's price list.",
    )


class PurchaseOrderCreate(BaseModel):
    supplier_id: uuid.UUID
    location_id: uuid.UUID
    expected_on: date | None = Field(
        default=None,
        description=(
            "The expected delivery date; without it, today plus the longest lead time of the "
            "lines (the price list's, else the supplier's usual one)."
        ),
    )
    notes: str = Field(default="", max_length=5000)
    lines: list[PurchaseOrderLineCreate] = Field(min_length=1, max_length=500)


class PurchaseOrderLine(BaseModel):
    id: uuid.UUID
    variant_id: uuid.UUID
    supplier_sku: str | None
    quantity_ordered: int
    quantity_received: int
    unit_cost: MoneyOut
    total: MoneyOut


class PurchaseOrder(BaseModel):
    id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    supplier_name: str
    location_id: uuid.UUID
    status: OrderStatus
    currency: str
    expected_on: date | None
    notes: str
    total: MoneyOut
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    lines: list[PurchaseOrderLine]


class ReceiveLine(BaseModel):
    line_id: uuid.UUID
    quantity: int = Field(gt=0, le=1_000_000)


class ReceiveRequest(BaseModel):
    lines: list[ReceiveLine] = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=2000)
