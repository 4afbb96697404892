"""API shapes of carts, checkout and orders."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.customers.schemas import ConsentChoice
from comptoir.kit.money import MoneyOut
from comptoir.orders.delivery.schemas import CartDeliveryOut, OrderDeliveryOut, PickupPoint

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
OrderStatus = Literal[
    "pending_payment",
    "paid",
    "picking",
    "packed",
    "partially_shipped",
    "shipped",
    "delivered",
    "ready_for_pickup",
    "collected",
    "cancelled",
]
DeliveryMethod = Literal["shipping", "pickup"]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]


def rate_text(rate: Decimal) -> str:
    """A percent rate without trailing zeros: ``20``, ``5.5``."""
    reduced = rate.normalize()
    return str(reduced.quantize(Decimal(1)) if reduced == reduced.to_integral_value() else reduced)


# -- carts ---------------------------------------------------------------------------------


class CartCreate(BaseModel):
    """A new cart. Its customer is never taken from the body (``customer_id`` is refused with
    a 422): a signed-in shopper's cart is her customer's, a guest's has none until checkout."""

    model_config = ConfigDict(extra="forbid")

    destination_country: CountryCode | None = None


class CartLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    quantity: int = Field(default=1, ge=1, le=999)


class CartLineUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=1, le=999)


class CartDestination(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: CountryCode
    delivery_method: DeliveryMethod = "shipping"
    vat_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    # The delivery postcode when known: a French overseas one (971 to 976...) is an export.
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] | None = (
        None
    )
    # An ``id`` from ``GET /carts/{id}/delivery-options``; a pickup-point carrier also needs
    # the shopper's ``pickup_point``. Omitted: the cart has no delivery option (and no fee).
    delivery_option: Annotated[str, StringConstraints(max_length=80)] | None = None
    pickup_point: PickupPoint | None = None


class CouponApply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CartLineOut(BaseModel):
    id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price: MoneyOut
    unit_price_excl_tax: MoneyOut
    unit_price_incl_tax: MoneyOut
    vat_rate: str = Field(examples=["20"])
    subtotal: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    location_id: uuid.UUID | None
    reservation_id: uuid.UUID | None


class TaxTotalOut(BaseModel):
    """Base and VAT of one rate; ``category`` is the EN 16931 code (S, K, G)."""

    category: str
    rate: str
    base: MoneyOut
    tax: MoneyOut


class CartOut(BaseModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    status: str
    currency: str
    customer_id: uuid.UUID | None
    destination_country: str | None
    delivery_method: str
    vat_number: str | None
    vat_scheme: str
    prices_include_tax: bool
    coupon_codes: list[str]
    refused_coupons: list[str]
    expires_at: datetime
    lines: list[CartLineOut]
    tax_totals: list[TaxTotalOut]
    discount: MoneyOut
    total_net: MoneyOut
    total_tax: MoneyOut
    total_gross: MoneyOut
    delivery: CartDeliveryOut | None = None


# -- checkout ------------------------------------------------------------------------------


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text200
    company: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    line1: Text200
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
    city: Text200
    country: CountryCode


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Annotated[str, StringConstraints(max_length=32)] = Field(examples=["test_card"])
    card_number: Annotated[str, StringConstraints(max_length=32)] | None = None


class CheckoutRequest(BaseModel):
    """The buyer's details and payment. ``consents``: the consent boxes shown at checkout, as
    the buyer left them (unticked by default; only the ticked ones are recorded)."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    billing_address: Address
    shipping_address: Address | None = None
    payment: PaymentIn
    consents: list[ConsentChoice] = Field(default_factory=list, max_length=8)


# -- orders --------------------------------------------------------------------------------


class OrderLineOut(BaseModel):
    id: uuid.UUID
    position: int
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    cancelled_quantity: int
    unit_price_excl_tax: MoneyOut
    unit_price_incl_tax: MoneyOut
    vat_rate: str
    vat_category: str
    discount: MoneyOut
    total: MoneyOut
    location_id: uuid.UUID | None
    reservation_id: uuid.UUID | None


class PaymentOut(BaseModel):
    id: uuid.UUID
    provider: str
    status: str
    amount: MoneyOut
    reference: str
    card_last4: str | None
    instructions: str | None


class OrderEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    from_status: str | None
    to_status: str | None
    actor: str | None
    note: str | None
    details: dict[str, object]
    occurred_at: datetime


class OrderSummary(BaseModel):
    id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    status: OrderStatus
    # The marketplace's order id, for an order imported from a marketplace.
    external_reference: str | None = None
    customer_id: uuid.UUID | None
    total_gross: MoneyOut
    placed_at: datetime


class OrderOut(OrderSummary):
    email: str | None
    phone: str | None
    billing_address: Address | None
    shipping_address: Address | None
    destination_country: str
    delivery_method: str
    vat_scheme: str
    vat_number: str | None
    prices_include_tax: bool
    coupon_codes: list[str]
    lines: list[OrderLineOut]
    tax_totals: list[TaxTotalOut]
    discount: MoneyOut
    total_net: MoneyOut
    total_tax: MoneyOut
    payments: list[PaymentOut]
    paid_at: datetime | None
    cancelled_at: datetime | None
    delivery: OrderDeliveryOut | None = None


class OrderDetail(OrderOut):
    timeline: list[OrderEventOut]


class OrderFilters(BaseModel):
    channel_id: uuid.UUID | None = None
    status: OrderStatus | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    # Orders with a line allocated at this location or collected at this store.
    location_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None


class CancelLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: uuid.UUID
    quantity: int = Field(ge=1)


class OrderCancel(BaseModel):
    """Cancel the whole order (no ``lines``) or some units of some lines."""

    model_config = ConfigDict(extra="forbid")

    lines: list[CancelLine] | None = Field(default=None, min_length=1)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class PaymentConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class LineSource(BaseModel):
    """Where staff send a line not yet picked: one of the channel's selling locations."""

    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID
