"""API shapes of till sales: what the till sends, and the receipt it gets back."""

from __future__ import annotations

import uuid
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.kit.money import MoneyOut
from comptoir.orders.returns.schemas import LineOutcome, ReturnReason
from comptoir.orders.schemas import Email, OrderOut

MAX_LINES: Final = 200
MAX_PAYMENTS: Final = 10

TenderMethod = Literal["cash", "card_terminal", "voucher"]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TillLine(BaseModel):
    """Units of one article, named by exactly one of ``variant_id``, ``sku`` or ``barcode``
    (what the scanner read). Its price is the channel's catalogue price, promotions applied:
    a till does not type prices."""

    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID | None = None
    sku: Code | None = Field(default=None, examples=["MUG-BLUE"])
    barcode: Code | None = Field(default=None, examples=["3760123456789"])
    quantity: int = Field(default=1, ge=1, le=999)


class TillPayment(BaseModel):
    """What the customer handed over one way. ``amount_minor`` is what was tendered, in
    minor units: cash may exceed what is due (the change is given back from the cash); a
    card on the terminal or a voucher never does."""

    model_config = ConfigDict(extra="forbid")

    method: TenderMethod
    amount_minor: int = Field(gt=0, le=10**9, examples=[5000])
    reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None
    ) = Field(
        default=None,
        description="The terminal's authorisation number, or the voucher's number.",
    )
    card_last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = Field(
        default=None, description="The last four digits the terminal printed (cards only)."
    )


class TillSaleCreate(BaseModel):
    """A sale at the counter of ``location_id`` (one of the channel's stores)."""

    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID
    lines: list[TillLine] = Field(min_length=1, max_length=MAX_LINES)
    payments: list[TillPayment] = Field(default_factory=list, max_length=MAX_PAYMENTS)
    coupon_codes: list[Code] = Field(default_factory=list, max_length=5)
    email: Email | None = Field(
        default=None,
        description="The customer's e-mail for the receipt: the sale is then the one "
        "customer of that address across channels (found or created).",
    )


class TillSaleOut(OrderOut):
    """The receipt: the order (lines, VAT per rate, payments as recorded) with the store, what
    was tendered and the change given back."""

    location_id: uuid.UUID
    cashier_id: uuid.UUID | None
    tendered: MoneyOut
    change: MoneyOut


class TillReturnLine(BaseModel):
    """Units of a line of the sale brought back, and what becomes of them."""

    model_config = ConfigDict(extra="forbid")

    line_id: uuid.UUID
    quantity: int = Field(ge=1)
    reason: ReturnReason
    comment: str | None = Field(default=None, max_length=2000)
    outcome: LineOutcome = Field(
        default="restock",
        description="restock: back on the store's shelf; scrap: written off (damaged).",
    )


class TillReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[TillReturnLine] = Field(min_length=1)
    note: str | None = Field(default=None, max_length=2000)
