"""The bank tables: the shop's bank accounts, the statements imported for them, the
statement lines, and the matches between a line and what it pays.

A statement is imported once: ``file_hash`` (SHA-256 of the file) is unique per account, so
importing the same file twice adds nothing. A line's counterpart name and IBAN are personal
data (a customer paying by transfer): they are encrypted under the line's own data key
(``subject_id`` = the line's id), and the IBAN has a blind index so that a counterpart already
seen can be recognised without reading it in clear.

A match joins a line to one target (``target_type`` + ``target_key``): an invoice, a day's
card payout, a supplier bill or the bank-fees account. ``proposed`` matches wait for a person;
``auto`` (applied by the matching) and ``confirmed`` (applied by a person) have been applied;
``rejected`` ones are kept so that they are not proposed again. A target is applied to at most
one line (a partial unique index).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.crypto import blind_index_column, encrypted_column
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

SUBJECT_TYPE = "bank_line"
"""Each statement line is the subject of its own data key."""

STATEMENT_FORMATS = ("camt053", "ofx", "csv")
LINE_STATUSES = ("unmatched", "suggested", "matched", "ignored")
MATCH_STATUSES = ("proposed", "auto", "confirmed", "rejected")
APPLIED_STATUSES = ("auto", "confirmed")
TARGET_TYPES = ("invoice", "card_payout", "bill", "bank_fee")


class BankAccount(IdMixin, TimestampMixin, Base):
    """One of the shop's bank accounts and where its movements are booked: a ``512xxx``
    account in the ``BQ`` journal (or another bank journal)."""

    __tablename__ = "billing_bank_accounts"

    label: Mapped[str] = mapped_column(String(100))
    iban: Mapped[str] = mapped_column(String(34), unique=True)
    """Stored without spaces, upper case."""
    bic: Mapped[str | None] = mapped_column(String(11), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    ledger_account: Mapped[str] = mapped_column(String(20), default="512000")
    journal_code: Mapped[str] = mapped_column(String(8), default="BQ")
    is_active: Mapped[bool] = mapped_column(default=True)


class BankStatement(IdMixin, TimestampMixin, Base):
    """An imported statement file: its period and balances, checked against its lines when
    the file gives them (opening + sum of lines = closing)."""

    __tablename__ = "billing_bank_statements"
    __table_args__ = (
        UniqueConstraint("account_id", "file_hash", name="file_once"),
        CheckConstraint("format IN ('camt053', 'ofx', 'csv')", name="format"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_bank_accounts.id", ondelete="RESTRICT"), index=True
    )
    format: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(255))
    file_hash: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    """The bank's identifier of the statement (CAMT ``Stmt/Id``, OFX ``FID`` ...)."""
    period_start: Mapped[date | None] = mapped_column(Date, default=None)
    period_end: Mapped[date | None] = mapped_column(Date, default=None)
    currency: Mapped[str] = mapped_column(String(3))
    opening_balance_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    closing_balance_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    line_count: Mapped[int] = mapped_column(default=0)
    imported_by: Mapped[str | None] = mapped_column(String(200), default=None)


class BankLine(IdMixin, TimestampMixin, Base):
    """A movement on the account: ``amount_minor`` is positive for money received (a
    credit), negative for money paid out (a debit)."""

    __tablename__ = "billing_bank_lines"
    __table_args__ = (
        CheckConstraint(
            "status IN ('unmatched', 'suggested', 'matched', 'ignored')", name="status"
        ),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        Index("ix_billing_bank_lines_account_status", "account_id", "status", "booking_date"),
    )

    statement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_bank_statements.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_bank_accounts.id", ondelete="RESTRICT")
    )
    position: Mapped[int]
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date, default=None)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    label: Mapped[str] = mapped_column(String(500), default="")
    """The bank's wording (CAMT ``AddtlNtryInf`` / unstructured remittance, OFX ``NAME``
    and ``MEMO``, the CSV's label column)."""
    reference: Mapped[str | None] = mapped_column(String(140), default=None)
    """The payer's reference: structured creditor reference, or remittance information."""
    end_to_end_id: Mapped[str | None] = mapped_column(String(64), default=None)
    bank_reference: Mapped[str | None] = mapped_column(String(64), default=None)
    """The bank's own id of the movement (``AcctSvcrRef``, OFX ``FITID``)."""
    bank_code: Mapped[str | None] = mapped_column(String(40), default=None)
    """The bank transaction code (``BkTxCd``, OFX ``TRNTYPE``)."""
    subject_id: Mapped[uuid.UUID]
    counterpart_name: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    counterpart_iban: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    counterpart_iban_index: Mapped[bytes | None] = blind_index_column("counterpart_iban")
    status: Mapped[str] = mapped_column(String(16), default="unmatched")
    note: Mapped[str | None] = mapped_column(Text, default=None)

    statement: Mapped[BankStatement] = relationship()
    matches: Mapped[list[BankMatch]] = relationship(
        back_populates="line", order_by="BankMatch.confidence.desc()"
    )


class BankMatch(IdMixin, TimestampMixin, Base):
    """A line paired with what it pays, for ``amount_minor`` (of the line's currency, signed
    like the line), with the matching's ``confidence`` (0 to 1) and its ``reasons``."""

    __tablename__ = "billing_bank_matches"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'auto', 'confirmed', 'rejected')", name="status"),
        CheckConstraint(
            "target_type IN ('invoice', 'card_payout', 'bill', 'bank_fee')", name="target_type"
        ),
        Index(
            "uq_billing_bank_matches_applied_target",
            "target_type",
            "target_key",
            unique=True,
            postgresql_where=text("status IN ('auto', 'confirmed') AND target_type <> 'bank_fee'"),
            sqlite_where=text("status IN ('auto', 'confirmed') AND target_type <> 'bank_fee'"),
        ),
    )

    line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_bank_lines.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[uuid.UUID]
    """Shared by the matches of one proposal (a transfer paying two invoices is decided
    as a whole)."""
    target_type: Mapped[str] = mapped_column(String(16))
    target_key: Mapped[str] = mapped_column(String(80))
    """The target's id (invoice, bill) or key (``card:2026-03-14`` for a day's card payout,
    ``627000`` for bank fees)."""
    target_label: Mapped[str] = mapped_column(String(200))
    party_key: Mapped[str | None] = mapped_column(String(80), default=None, index=True)
    """Who the target belongs to (``customer:<id>``, ``supplier:<id>``): the counterpart
    IBAN of an applied match becomes "known" for that party."""
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    confidence: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    """``[{"code": "invoice_number", "points": 0.6, "detail": "FA-2026-000045"}, ...]``"""
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    lettering: Mapped[str | None] = mapped_column(String(8), default=None)

    line: Mapped[BankLine] = relationship(back_populates="matches")
