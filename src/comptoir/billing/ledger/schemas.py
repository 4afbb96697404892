"""The ledger's API shapes. Amounts are integer cents of euros (``*_minor``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Account(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str = Field(examples=["411000"])
    label: str
    kind: str
    is_control: bool
    is_active: bool


class AccountCreate(BaseModel):
    number: str = Field(min_length=6, max_length=20, examples=["626100"])
    label: str = Field(min_length=1, max_length=200, examples=["Frais postaux"])
    kind: str | None = None


class Journal(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["VE"])
    label: str
    kind: str
    account_number: str | None


class Line(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    account_number: str
    auxiliary_number: str | None
    label: str
    debit_minor: int
    credit_minor: int
    currency_amount_minor: int | None
    currency: str | None
    due_date: date | None
    lettering: str | None
    lettered_on: date | None


class Entry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    journal_code: str
    number: int
    entry_date: date
    label: str
    piece_ref: str
    piece_date: date
    posted_at: datetime
    posted_by: str | None
    source_type: str | None
    source_id: uuid.UUID | None
    reverses_entry_id: uuid.UUID | None
    lines: list[Line]


class LineIn(BaseModel):
    account: str = Field(max_length=20, examples=["658000"])
    debit_minor: int = Field(default=0, ge=0)
    credit_minor: int = Field(default=0, ge=0)
    label: str = Field(default="", max_length=200)
    auxiliary: str | None = Field(default=None, max_length=20)


class EntryCreate(BaseModel):
    """A manual entry in journal OD (miscellaneous operations)."""

    entry_date: date
    label: str = Field(min_length=1, max_length=200)
    piece_ref: str = Field(min_length=1, max_length=60)
    lines: list[LineIn] = Field(max_length=200)


class ReverseRequest(BaseModel):
    on: date | None = None


class LetteringRequest(BaseModel):
    line_ids: list[uuid.UUID] = Field(min_length=2, max_length=500)
    on: date


class Lettering(BaseModel):
    code: str


class LockDate(BaseModel):
    lock_date: date | None


class CloseYearRequest(BaseModel):
    year: int = Field(ge=2000, le=2999)


class ClosingOut(BaseModel):
    year_start: date
    year_end: date
    result_minor: int
    closing_entry_id: uuid.UUID | None
    opening_entry_id: uuid.UUID | None


class TrialBalanceRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account: str
    label: str
    opening_minor: int
    debit_minor: int
    credit_minor: int
    closing_minor: int


class LedgerLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entry_id: str
    entry_date: date
    journal: str
    number: int
    piece_ref: str
    label: str
    auxiliary: str | None
    debit_minor: int
    credit_minor: int
    lettering: str | None
    due_date: date | None
    balance_minor: int


class LedgerAccount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    label: str
    opening_minor: int
    debit_minor: int
    credit_minor: int
    closing_minor: int
    lines: list[LedgerLine]


class AgedRow(BaseModel):
    auxiliary: str
    label: str
    buckets: dict[str, int]
    total_minor: int


class VatRate(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scheme: str
    rate: Decimal | None
    base_minor: int
    tax_minor: int


class Ca3Box(BaseModel):
    code: str = Field(examples=["08"])
    label: str
    base_minor: int | None
    tax_minor: int | None


class DistanceSales(BaseModel):
    """EU distance sales of goods to consumers (excluding VAT, euro cents) in the calendar
    year of the period's end and the year before, against the one-stop-shop threshold."""

    year: int
    current_year_minor: int
    previous_year_minor: int
    threshold_minor: int
    exceeded: bool
    setting_exceeded: bool = Field(description="COMPTOIR_OSS_THRESHOLD_EXCEEDED.")
    agrees: bool = Field(description="False: the threshold is passed, the setting says not.")


class VatSummary(BaseModel):
    date_from: date
    date_to: date
    rates: list[VatRate]
    boxes: list[Ca3Box]
    distance_sales: DistanceSales
