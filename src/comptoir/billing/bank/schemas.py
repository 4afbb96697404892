"""The bank's API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.billing.bank.models import BankLine, BankMatch, BankStatement
from comptoir.kit.money import Money, MoneyOut

LineStatus = Literal["unmatched", "suggested", "matched", "ignored"]
TargetType = Literal["invoice", "card_payout", "bill", "bank_fee"]


def money(minor: int, currency: str) -> MoneyOut:
    return MoneyOut.from_money(Money.from_minor(minor, currency))


class BankAccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    iban: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, pattern=r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{10,40}$"
        ),
    ] = Field(examples=["FR76 3000 4000 0312 3456 7890 143"])
    bic: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8}([A-Za-z0-9]{3})?$")] | None = (
        None
    )
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    ledger_account: Annotated[str, StringConstraints(pattern=r"^512[0-9]{3,17}$")] = "512000"
    journal_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,8}$")] = "BQ"


class BankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str
    iban: str
    bic: str | None
    currency: str
    ledger_account: str
    journal_code: str
    is_active: bool


class StatementOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    format: str
    file_name: str
    reference: str | None
    period_start: date | None
    period_end: date | None
    opening_balance: MoneyOut | None
    closing_balance: MoneyOut | None
    line_count: int
    created_at: datetime

    @classmethod
    def of(cls, statement: BankStatement) -> StatementOut:
        def opt(minor: int | None) -> MoneyOut | None:
            return None if minor is None else money(minor, statement.currency)

        return cls(
            id=statement.id,
            account_id=statement.account_id,
            format=statement.format,
            file_name=statement.file_name,
            reference=statement.reference,
            period_start=statement.period_start,
            period_end=statement.period_end,
            opening_balance=opt(statement.opening_balance_minor),
            closing_balance=opt(statement.closing_balance_minor),
            line_count=statement.line_count,
            created_at=statement.created_at,
        )


class ImportOut(BaseModel):
    statement: StatementOut
    is_new: bool = Field(description="False when the same file had already been imported.")
    matched: int = Field(description="Lines reconciled automatically by this import.")
    suggested: int
    unmatched: int


class ReasonOut(BaseModel):
    code: str = Field(examples=["invoice_number"])
    points: float
    detail: str


class MatchOut(BaseModel):
    id: uuid.UUID
    proposal_id: uuid.UUID
    target_type: TargetType
    target_key: str
    target_label: str
    amount: MoneyOut
    confidence: Decimal
    reasons: list[ReasonOut]
    status: Literal["proposed", "auto", "confirmed", "rejected"]
    decided_by: str | None
    decided_at: datetime | None
    lettering: str | None

    @classmethod
    def of(cls, match: BankMatch, currency: str) -> MatchOut:
        return cls(
            id=match.id,
            proposal_id=match.proposal_id,
            target_type=match.target_type,
            target_key=match.target_key,
            target_label=match.target_label,
            amount=money(match.amount_minor, currency),
            confidence=match.confidence,
            reasons=[ReasonOut.model_validate(r) for r in match.reasons],
            status=match.status,
            decided_by=match.decided_by,
            decided_at=match.decided_at,
            lettering=match.lettering,
        )


class LineOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    statement_id: uuid.UUID
    booking_date: date
    value_date: date | None
    amount: MoneyOut
    label: str
    reference: str | None
    end_to_end_id: str | None
    bank_reference: str | None
    counterpart_name: str | None
    counterpart_iban: str | None
    status: LineStatus
    note: str | None
    matches: list[MatchOut]

    @classmethod
    def of(cls, line: BankLine) -> LineOut:
        return cls(
            id=line.id,
            account_id=line.account_id,
            statement_id=line.statement_id,
            booking_date=line.booking_date,
            value_date=line.value_date,
            amount=money(line.amount_minor, line.currency),
            label=line.label,
            reference=line.reference,
            end_to_end_id=line.end_to_end_id,
            bank_reference=line.bank_reference,
            counterpart_name=line.counterpart_name,
            counterpart_iban=line.counterpart_iban,
            status=line.status,
            note=line.note,
            matches=[MatchOut.of(m, line.currency) for m in line.matches],
        )


class ManualMatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType
    target_key: str = Field(
        min_length=1,
        max_length=80,
        description="The invoice or bill id, the payout key (card:511500:2026-03-14), 627000.",
    )


class IgnoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class TargetOut(BaseModel):
    target_type: TargetType
    target_key: str
    label: str
    detail: str
    amount: MoneyOut


class ReconcileOut(BaseModel):
    matched: int
    suggested: int
    unmatched: int
