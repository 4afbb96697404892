"""The marketplace order format (JSON; the CSV format of :mod:`.csv_format` maps onto it) and
the import report."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from comptoir.kit.errors import FieldProblem
from comptoir.orders.schemas import Address

MAX_ORDERS = 500
MAX_LINES = 200

MarketplaceOrderId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]


class MarketplaceBuyer(BaseModel):
    """Who bought. The e-mail (else the phone) finds the customer seen on the other channels,
    or makes a new one; with neither, the order is a guest order."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = Field(
        default=None, examples=["ada@example.com"]
    )
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = Field(
        default=None, examples=["+33 6 12 34 56 78"]
    )


class MarketplaceLine(BaseModel):
    """Units of one SKU as the marketplace sold them. Amounts are checked per order (an
    order with a bad amount is rejected alone), not by the schema."""

    model_config = ConfigDict(extra="forbid")

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    quantity: int = Field(description="Units sold, at least 1.", examples=[2])
    unit_price_minor: int = Field(
        description="The unit price the buyer paid, VAT included, in minor units (cents).",
        examples=[1490],
    )


class MarketplaceOrder(BaseModel):
    """One order as the marketplace gives it."""

    model_config = ConfigDict(extra="forbid")

    marketplace_order_id: MarketplaceOrderId = Field(
        description="The order's id on the marketplace: an order is imported once per channel.",
        examples=["405-1234567-1234567"],
    )
    placed_at: AwareDatetime = Field(description="When the buyer ordered, with a time zone.")
    currency: CurrencyCode = Field(description="The channel's currency.", examples=["EUR"])
    buyer: MarketplaceBuyer
    shipping_address: Address
    billing_address: Address | None = Field(
        default=None, description="Omitted: the shipping address."
    )
    lines: list[MarketplaceLine] = Field(min_length=1, max_length=MAX_LINES)
    shipping_fee_minor: int = Field(
        default=0, description="What the buyer paid for delivery, VAT included, in minor units."
    )
    total_minor: int | None = Field(
        default=None,
        description="The total the buyer paid, VAT included, in minor units. When given, it "
        "must equal the lines plus the shipping fee.",
    )
    paid_by_marketplace: bool = Field(
        default=True,
        description="The marketplace collected the payment: the order is imported paid. "
        "False: it awaits a payment to confirm.",
    )


class MarketplaceImport(BaseModel):
    """Orders of one marketplace channel to import. Each is imported, or rejected, alone."""

    model_config = ConfigDict(extra="forbid")

    channel_id: uuid.UUID = Field(description="A channel of kind ``marketplace``.")
    orders: list[MarketplaceOrder] = Field(min_length=1, max_length=MAX_ORDERS)


class ImportedOrderOut(BaseModel):
    """An order of the batch and the Comptoir order it is."""

    index: int = Field(description="Its position in the batch, from 0.")
    marketplace_order_id: str
    order_id: uuid.UUID
    number: str


class RejectedOrderOut(BaseModel):
    """An order of the batch that was not imported (nothing of it was kept), and why."""

    index: int = Field(description="Its position in the batch, from 0.")
    marketplace_order_id: str
    type: str = Field(description="The problem type.", examples=["/problems/unknown-sku"])
    field: str | None = Field(
        default=None, description="The field at fault, in the order.", examples=["lines.0.sku"]
    )
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


class MarketplaceImportReport(BaseModel):
    """What happened to each order of the batch."""

    channel_id: uuid.UUID
    created: list[ImportedOrderOut]
    duplicates: list[ImportedOrderOut] = Field(
        description="Orders already imported on this channel: the existing order is named."
    )
    rejected: list[RejectedOrderOut]
