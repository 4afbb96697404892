"""The invoices' API shapes: the seller's identity, channel policies, exchange rates, drafts,
credit notes, settlements, and invoices as they are read.

Rates are written in percent (``"20"``, ``"5.5"``) as the orders API writes them; amounts
are integer minor units in, :class:`~comptoir.kit.money.MoneyOut` out.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from comptoir.kit.money import MoneyOut

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
SeriesCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,9}$")]

InvoiceKind = Literal["invoice", "credit_note", "proforma"]
DraftKind = Literal["invoice", "proforma"]
InvoiceStatus = Literal["draft", "issued", "partially_paid", "paid", "cancelled"]
VatScheme = Literal["domestic", "oss", "reverse_charge", "intra_eu_goods", "export", "exempt"]
LineKind = Literal["goods", "service", "shipping", "fee"]
IssueOn = Literal["payment", "shipment", "manual"]
SettlementMethod = Literal[
    "card", "stripe", "bank_transfer", "cash", "cheque", "marketplace", "credit_note", "other"
]


class SellerProfileIn(BaseModel):
    """The shop's legal identity as its invoices print it."""

    model_config = ConfigDict(extra="forbid")

    legal_name: Text
    trade_name: OptionalText = None
    legal_form: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = (
        None
    )
    share_capital_minor: Annotated[int, Field(ge=0)] | None = None
    siren: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = Field(
        examples=["732829320"]
    )
    siret: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    vat_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=24)] | None = (
        None
    )
    rcs: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    naf_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] | None = None
    address_line1: Text
    address_line2: OptionalText = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    country: CountryCode = "FR"
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    iban: Annotated[str, StringConstraints(strip_whitespace=True, max_length=42)] | None = None
    bic: Annotated[str, StringConstraints(strip_whitespace=True, max_length=11)] | None = None
    currency: CurrencyCode = "EUR"
    vat_on_debits: bool = False
    payment_terms_days: Annotated[int, Field(ge=0, le=60)] = 30
    late_penalty_rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)] = Decimal("0.1215")
    recovery_indemnity_minor: Annotated[int, Field(ge=4000)] = 4000
    early_payment_discount: OptionalText = None
    footer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class SellerProfileOut(SellerProfileIn):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    updated_at: datetime


class ChannelPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issue_on: IssueOn = Field(description="When the channel's orders are invoiced.")
    series: SeriesCode = Field(
        default="FA", description="The numbering series of the channel's invoices."
    )


class ChannelPolicyOut(ChannelPolicyIn):
    channel_id: uuid.UUID


class ExchangeRateIn(BaseModel):
    """One unit of ``currency`` is worth ``rate`` of the seller's currency on ``rate_date``."""

    model_config = ConfigDict(extra="forbid")

    currency: CurrencyCode = Field(examples=["USD"])
    rate_date: date
    rate: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8)] = Field(
        examples=["0.92"]
    )
    source: OptionalText = None


class ExchangeRateOut(ExchangeRateIn):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: LineKind = "goods"
    sku: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
    quantity: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=3)]
    unit_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,3}$")] = "C62"
    unit_price_excl_minor: Annotated[int, Field(ge=0)]
    discount_minor: Annotated[int, Field(ge=0)] = 0
    vat_rate: Annotated[Decimal, Field(ge=0, lt=100, decimal_places=2)] = Field(
        description="Percent: 20, 10, 5.5, 2.1 (0 when VAT is not charged).", examples=["20"]
    )


class InvoiceDraftIn(BaseModel):
    """A draft written by hand: a B2B invoice (payment terms, due date, penalties) or a
    proforma. Drafts change freely; issuing numbers them for good."""

    model_config = ConfigDict(extra="forbid")

    kind: DraftKind = "invoice"
    customer_id: uuid.UUID | None = None
    currency: CurrencyCode = "EUR"
    language: Literal["fr", "en"] = "fr"
    vat_scheme: VatScheme = "domestic"
    exemption_reason: OptionalText = Field(
        default=None, description="The legal wording when the scheme is 'exempt'."
    )
    buyer_name: Text
    buyer_address: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ] = Field(description="Lines separated by newlines.")
    buyer_country: CountryCode = "FR"
    buyer_email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = (
        None
    )
    buyer_is_business: bool = True
    buyer_siren: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    buyer_vat_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=24)] | None
    ) = None
    buyer_reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None
    ) = None
    delivery_address: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None
    ) = None
    delivery_date: date | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=60)] | None = Field(
        default=None, description="Days after the issue date; the seller's default if omitted."
    )
    due_date: date | None = Field(default=None, description="Overrides payment_terms_days.")
    payment_terms: OptionalText = None
    late_penalty_rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: uuid.UUID = Field(description="A line of the original invoice.")
    quantity: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=3)]


class CreditNoteIn(BaseModel):
    """``lines``: units of the invoice's lines; ``amount_minor``: an amount including VAT
    (a commercial gesture, a refund without a return) spread over the invoice's VAT rates;
    neither: the whole of what remains uncredited."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    lines: list[CreditLineIn] | None = Field(default=None, min_length=1)
    amount_minor: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _lines_or_amount(self) -> CreditNoteIn:
        if self.lines is not None and self.amount_minor is not None:
            raise ValueError("give either lines or amount_minor, not both")
        return self


class SettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: Annotated[int, Field(gt=0)]
    settled_on: date
    method: SettlementMethod
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )


class InvoiceLineOut(BaseModel):
    id: uuid.UUID
    position: int
    kind: str
    sku: str | None
    title: str
    quantity: Decimal
    unit_code: str
    unit_price_excl_tax: MoneyOut
    discount: MoneyOut
    net: MoneyOut
    vat_category: str
    vat_rate: str = Field(description="Percent.", examples=["20"])
    order_line_id: uuid.UUID | None
    original_line_id: uuid.UUID | None


class TaxTotalOut(BaseModel):
    category: str
    rate: str
    base: MoneyOut
    tax: MoneyOut
    exemption_reason: str | None


class SettlementOut(BaseModel):
    id: uuid.UUID
    amount: MoneyOut
    settled_on: date
    method: str
    reference: str | None
    source_type: str
    source_id: uuid.UUID


class InvoiceSummary(BaseModel):
    id: uuid.UUID
    kind: InvoiceKind
    status: InvoiceStatus
    number: str | None
    issue_date: date | None
    due_date: date | None
    buyer_name: str | None
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    original_invoice_id: uuid.UUID | None
    currency: str
    total_net: MoneyOut
    total_tax: MoneyOut
    total_gross: MoneyOut
    rounding: MoneyOut = Field(
        description="EN 16931 BT-114: what a tax-included sale was paid less net + VAT."
    )
    total_payable: MoneyOut = Field(description="Total incl. VAT plus the rounding amount.")
    amount_paid: MoneyOut
    amount_due: MoneyOut
    created_at: datetime


class InvoiceOut(InvoiceSummary):
    """An invoice with every mention it prints."""

    series: str
    issued_at: datetime | None
    issued_by: str | None
    delivery_date: date | None
    language: str
    exchange_rate: Decimal
    exchange_rate_date: date | None
    channel_id: uuid.UUID | None
    source_type: str | None
    source_id: uuid.UUID | None
    supply_type: str
    vat_scheme: str
    vat_on_debits: bool
    exemption_reason: str | None
    seller: dict[str, object]
    buyer_address: str | None
    buyer_email: str | None
    delivery_address: str | None
    buyer_country: str | None
    buyer_is_business: bool
    buyer_siren: str | None
    buyer_vat_number: str | None
    buyer_reference: str | None
    payment_terms: str | None
    late_penalty_rate: Decimal | None
    recovery_indemnity: MoneyOut | None
    note: str | None
    paid_at: datetime | None
    mentions: list[str] = Field(description="The legal mentions printed at the bottom.")
    lines: list[InvoiceLineOut]
    tax_totals: list[TaxTotalOut]
    settlements: list[SettlementOut]
    credit_notes: list[InvoiceSummary]
