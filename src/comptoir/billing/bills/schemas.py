"""Supplier bills' API shapes, also what the back office and other modules pass the service.

Amounts coming in are decimals in the bill's currency (``"8.40"``); amounts going out are
:class:`MoneyOut`. VAT rates are fractions (``0.20`` for 20 %)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from comptoir.kit.money import MoneyOut

BillStatus = Literal["draft", "matched", "on_hold", "approved", "posted", "partially_paid", "paid"]
VatTreatment = Literal["domestic", "intra_eu"]
MatchResult = Literal["ok", "over_billed", "price_difference", "over_billed_and_price", "free"]
_ACCOUNT = r"^[26]\d{5,7}$"
_CURRENCY = r"^[A-Z]{3}$"
STANDARD_RATE = Decimal("0.2000")


class BillLineIn(BaseModel):
    """A line: units of a purchase order line, or a free line (no ``order_line_id``) on its
    own account, e.g. ``624100`` transport or ``622600`` fees."""

    order_line_id: uuid.UUID | None = None
    description: str = Field(default="", max_length=200)
    quantity: int = Field(default=1, gt=0, le=1_000_000)
    unit_cost: Decimal = Field(ge=0, max_digits=14, decimal_places=4, examples=["8.40"])
    vat_rate: Decimal = Field(
        default=STANDARD_RATE, ge=0, lt=1, max_digits=5, decimal_places=4, examples=["0.20"]
    )
    account: str | None = Field(
        default=None,
        pattern=_ACCOUNT,
        description="Charge account (PCG); 607000 for purchase order lines when left out.",
        examples=["624100"],
    )


class StatedVat(BaseModel):
    """The VAT the supplier printed for one rate."""

    rate: Decimal = Field(ge=0, lt=1, max_digits=5, decimal_places=4)
    vat: Decimal = Field(ge=0, max_digits=14, decimal_places=4)


class BillCreate(BaseModel):
    purchase_order_id: uuid.UUID | None = Field(
        default=None, description="The purchase order billed; the supplier is its supplier."
    )
    supplier_id: uuid.UUID | None = Field(
        default=None, description="Needed only for a bill without a purchase order."
    )
    supplier_invoice_number: str = Field(min_length=1, max_length=60, examples=["F-2026-0412"])
    bill_date: date
    due_date: date | None = Field(
        default=None, description="Defaults to the bill date plus the supplier's payment terms."
    )
    exchange_rate: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=18,
        decimal_places=8,
        description="Euros for one unit of the bill's currency; required when it is not EUR.",
    )
    vat_treatment: VatTreatment = "domestic"
    is_credit: bool = Field(default=False, description="A supplier credit note.")
    lines: list[BillLineIn] | None = Field(
        default=None,
        max_length=500,
        description=(
            "Without lines, the bill is prefilled with what was received and not yet billed on "
            "the purchase order, at the order's unit cost."
        ),
    )
    extra_lines: list[BillLineIn] = Field(
        default_factory=list, max_length=50, description="Free lines added to the prefill."
    )
    default_vat_rate: Decimal = Field(default=STANDARD_RATE, ge=0, lt=1, decimal_places=4)
    stated_total: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=14,
        decimal_places=4,
        description="The total the supplier printed (VAT included, or net under reverse charge).",
    )
    stated_vat: list[StatedVat] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=2000)


class BillUpdate(BaseModel):
    """Changes to a bill not yet approved; ``lines`` replaces every line."""

    supplier_invoice_number: str | None = Field(default=None, min_length=1, max_length=60)
    bill_date: date | None = None
    due_date: date | None = None
    exchange_rate: Decimal | None = Field(default=None, gt=0, max_digits=18, decimal_places=8)
    vat_treatment: VatTreatment | None = None
    lines: list[BillLineIn] | None = Field(default=None, min_length=1, max_length=500)
    stated_total: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    stated_vat: list[StatedVat] | None = Field(default=None, max_length=10)
    note: str | None = Field(default=None, max_length=2000)


class ApproveRequest(BaseModel):
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Required to approve a bill the match put on hold: why it is right anyway.",
    )


class PaymentIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=4, examples=["120.00"])
    paid_on: date
    reference: str | None = Field(default=None, max_length=100)


class BillLine(BaseModel):
    id: uuid.UUID
    position: int
    order_line_id: uuid.UUID | None
    variant_id: uuid.UUID | None
    sku: str | None
    description: str
    quantity: int
    unit_cost: MoneyOut
    net: MoneyOut
    vat_rate: Decimal
    account: str
    match_result: MatchResult | None
    ordered: int | None
    received: int | None
    already_billed: int | None
    order_unit_cost: MoneyOut | None
    price_difference: MoneyOut | None


class TaxTotal(BaseModel):
    rate: Decimal
    base: MoneyOut
    vat: MoneyOut
    stated_vat: MoneyOut | None


class Discrepancy(BaseModel):
    """Something the three-way match found wrong, named for a person."""

    code: Literal[
        "over_billed", "over_credited", "price_difference", "vat_difference", "total_difference"
    ]
    line_id: uuid.UUID | None
    message: str


class Payment(BaseModel):
    id: uuid.UUID
    amount: MoneyOut
    paid_on: date
    reference: str | None
    source_type: str
    created_at: datetime


class SupplierBill(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    supplier_name: str
    supplier_invoice_number: str
    purchase_order_id: uuid.UUID | None
    purchase_order_number: str | None
    is_credit: bool
    status: BillStatus
    bill_date: date
    due_date: date
    currency: str
    exchange_rate: Decimal
    vat_treatment: VatTreatment
    total_net: MoneyOut
    total_vat: MoneyOut
    total_gross: MoneyOut
    stated_total: MoneyOut | None
    amount_paid: MoneyOut
    amount_due: MoneyOut
    note: str
    discrepancies: list[Discrepancy]
    matched_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    approval_reason: str | None
    posted_at: datetime | None
    entry_id: uuid.UUID | None
    paid_at: datetime | None
    created_at: datetime
    lines: list[BillLine]
    tax_totals: list[TaxTotal]
    payments: list[Payment]
