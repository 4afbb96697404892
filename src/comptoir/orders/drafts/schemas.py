"""API shapes of draft orders and quotes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.kit.money import MoneyOut
from comptoir.orders.schemas import Address, DeliveryMethod, TaxTotalOut

DraftStatus = Literal["draft", "quote_sent", "accepted", "declined", "expired", "confirmed"]
PaymentMethod = Literal["bank_transfer", "manual"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
VatNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]


class DraftLineIn(BaseModel):
    """A variant and its quantity; ``agreed_price_minor`` replaces the catalogue's unit price
    (in the draft's price basis, see ``prices_include_tax``) and needs a ``price_reason``."""

    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    quantity: int = Field(default=1, ge=1, le=9999)
    agreed_price_minor: Annotated[int, Field(ge=0, le=10**12)] | None = None
    price_reason: Reason | None = None


class DraftCreate(BaseModel):
    """A new draft for a customer on a channel (whose price lists and currency apply).
    Without addresses, the customer's default ones are taken; without ``vat_number``, the
    customer's."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    channel_id: uuid.UUID
    billing_address: Address | None = None
    shipping_address: Address | None = None
    delivery_method: DeliveryMethod = "shipping"
    vat_number: VatNumber | None = None
    payment_method: PaymentMethod = "bank_transfer"
    payment_terms_days: Annotated[int, Field(ge=0, le=120)] | None = None
    note: Note | None = None
    lines: list[DraftLineIn] = Field(default_factory=list, max_length=200)


class DraftUpdate(BaseModel):
    """The fields given change (``null`` clears an optional one)."""

    model_config = ConfigDict(extra="forbid")

    billing_address: Address | None = None
    shipping_address: Address | None = None
    delivery_method: DeliveryMethod | None = None
    vat_number: VatNumber | None = None
    payment_method: PaymentMethod | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=120)] | None = None
    note: Note | None = None


class DraftLines(BaseModel):
    """The draft's lines, all of them: lines left out are removed."""

    model_config = ConfigDict(extra="forbid")

    lines: list[DraftLineIn] = Field(max_length=200)


class QuoteSend(BaseModel):
    """How many days the quote's prices hold (30 by default)."""

    model_config = ConfigDict(extra="forbid")

    valid_days: int = Field(default=30, ge=1, le=365)


class QuoteDecline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class DraftLineOut(BaseModel):
    id: uuid.UUID
    position: int
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    list_price: MoneyOut
    agreed_price: MoneyOut | None
    price_reason: str | None
    unit_price: MoneyOut
    unit_price_excl_tax: MoneyOut
    unit_price_incl_tax: MoneyOut
    vat_rate: str = Field(examples=["20"])
    vat_category: str
    total: MoneyOut


class DraftSummary(BaseModel):
    id: uuid.UUID
    number: str
    status: DraftStatus
    quote_number: str | None
    channel_id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    total_gross: MoneyOut
    quote_expires_at: datetime | None
    order_id: uuid.UUID | None
    created_at: datetime


class DraftOut(DraftSummary):
    currency: str
    prices_include_tax: bool
    destination_country: str | None
    delivery_method: str
    vat_number: str | None
    vat_scheme: str
    billing_address: Address | None
    shipping_address: Address | None
    payment_method: PaymentMethod
    payment_terms_days: int | None
    note: str | None
    lines: list[DraftLineOut]
    tax_totals: list[TaxTotalOut]
    total_net: MoneyOut
    total_tax: MoneyOut
    created_by: str | None
    quote_sent_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
    decline_reason: str | None
    confirmed_at: datetime | None
    order_number: str | None


class DraftFilters(BaseModel):
    status: DraftStatus | None = None
    customer_id: uuid.UUID | None = None
