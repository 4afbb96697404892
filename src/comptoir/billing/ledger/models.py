"""The ledger tables: the chart of accounts (PCG numbers), auxiliary accounts (one per customer
or supplier, the FEC's ``CompAuxNum``), journals, fiscal years, the lock date, and entries with
their lines.

Entries are append-only: an entry is never updated or deleted once posted; a mistake is undone
by a reversing entry. Only the lettering of a line (``lettering``, ``lettered_on``) is written
after posting. ``number`` is continuous per journal and fiscal year (the FEC's
``EcritureNum``), given by a guarded UPDATE of :class:`JournalCounter` in the posting
transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.crypto.columns import encrypted_column
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin

SUBJECT_TYPE = "ledger_party"
"""An auxiliary account's label (a customer's or supplier's name) is encrypted under the
auxiliary account's own data key: it belongs to the accounting archive kept ten years."""

ACCOUNT_KINDS = ("asset", "liability", "equity", "income", "expense", "off_balance")
JOURNAL_KINDS = ("sales", "purchases", "bank", "cash", "miscellaneous", "opening")


class Account(IdMixin, TimestampMixin, Base):
    """A general account of the plan comptable général: ``number`` is at least six digits
    (``411000`` customers, ``706000`` services sold, ``445711`` VAT collected at 20 %)."""

    __tablename__ = "billing_accounts"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    is_control: Mapped[bool] = mapped_column(default=False)
    """A control account (411, 401) whose lines carry an auxiliary account."""
    is_active: Mapped[bool] = mapped_column(default=True)


class AuxiliaryAccount(IdMixin, TimestampMixin, Base):
    """A customer's or supplier's own account under a control account (``C000123`` under
    ``411000``); ``party_type`` + ``party_id`` name who it is."""

    __tablename__ = "billing_auxiliary_accounts"
    __table_args__ = (UniqueConstraint("party_type", "party_id"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    control_account: Mapped[str] = mapped_column(String(20))
    party_type: Mapped[str] = mapped_column(String(16))
    """``customer``, ``supplier`` or ``guest`` (all guest buyers share one account)."""
    party_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    label: Mapped[str | None] = encrypted_column(subject_type=SUBJECT_TYPE)


class Journal(IdMixin, TimestampMixin, Base):
    """A journal: ``VE`` sales, ``AC`` purchases, ``BQ`` bank, ``CA`` cash, ``OD``
    miscellaneous, ``AN`` opening balances ("à-nouveaux")."""

    __tablename__ = "billing_journals"

    code: Mapped[str] = mapped_column(String(8), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    account_number: Mapped[str | None] = mapped_column(String(20), default=None)
    """The bank or cash account a treasury journal moves (``512000``)."""


class FiscalYear(IdMixin, TimestampMixin, Base):
    """An accounting year (usually the calendar year; 12 months, or up to 24 for the first).
    ``closed_at`` is set by year-end closing, after which nothing is posted in it."""

    __tablename__ = "billing_fiscal_years"
    __table_args__ = (CheckConstraint("end_date > start_date", name="dates"),)

    start_date: Mapped[date] = mapped_column(Date, unique=True)
    end_date: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(200), default=None)


class LedgerSettings(IdMixin, TimestampMixin, Base):
    """One row: the lock date (nothing is posted on or before it) and who set it."""

    __tablename__ = "billing_ledger_settings"

    lock_date: Mapped[date | None] = mapped_column(Date, default=None)
    locked_by: Mapped[str | None] = mapped_column(String(200), default=None)
    lettering_counter: Mapped[int] = mapped_column(BigInteger, default=0)
    """The last lettering code given (``A``, ``B``, ... ``AA``: the FEC's ``EcritureLet``)."""


class JournalCounter(IdMixin, TimestampMixin, Base):
    """The last entry number of a journal in a fiscal year."""

    __tablename__ = "billing_journal_counters"
    __table_args__ = (UniqueConstraint("journal_code", "fiscal_year_id"),)

    journal_code: Mapped[str] = mapped_column(String(8))
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_fiscal_years.id", ondelete="RESTRICT")
    )
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class Entry(IdMixin, TimestampMixin, Base):
    """A balanced entry in a journal: the sum of its lines' debits equals their credits.

    ``piece_ref`` / ``piece_date`` name the document behind it (an invoice number, a bank
    statement line); ``source_type`` + ``source_id`` make automatic posting idempotent."""

    __tablename__ = "billing_entries"
    __table_args__ = (
        UniqueConstraint("journal_code", "fiscal_year_id", "number"),
        UniqueConstraint("source_type", "source_id", "purpose"),
        Index("ix_billing_entries_date", "entry_date"),
    )

    journal_code: Mapped[str] = mapped_column(String(8))
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_fiscal_years.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(BigInteger)
    entry_date: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200))
    piece_ref: Mapped[str] = mapped_column(String(60))
    piece_date: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime]
    """The FEC's ``ValidDate``: when the entry became final."""
    posted_by: Mapped[str | None] = mapped_column(String(200), default=None)
    source_type: Mapped[str | None] = mapped_column(String(32), default=None)
    source_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    purpose: Mapped[str] = mapped_column(String(32), default="")
    """Tells apart several entries from one source (an invoice's ``issue`` and ``payment``)."""
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("billing_entries.id", ondelete="RESTRICT"), default=None
    )

    lines: Mapped[list[EntryLine]] = relationship(
        back_populates="entry", order_by="EntryLine.position", cascade="all, delete-orphan"
    )


class EntryLine(IdMixin, Base):
    """One side of an entry: a debit or a credit (never both) on an account, with the
    auxiliary account when the account is a control account. ``currency_amount_minor`` and
    ``currency`` keep the foreign-currency amount (the FEC's ``Montantdevise`` / ``Idevise``)."""

    __tablename__ = "billing_entry_lines"
    __table_args__ = (
        CheckConstraint("debit_minor >= 0 AND credit_minor >= 0", name="not_negative"),
        CheckConstraint("debit_minor = 0 OR credit_minor = 0", name="one_side"),
        Index("ix_billing_entry_lines_account", "account_number", "auxiliary_number"),
        Index("ix_billing_entry_lines_lettering", "lettering"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_entries.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int]
    account_number: Mapped[str] = mapped_column(String(20))
    auxiliary_number: Mapped[str | None] = mapped_column(String(20), default=None)
    label: Mapped[str] = mapped_column(String(200))
    debit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency_amount_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    lettering: Mapped[str | None] = mapped_column(String(8), default=None)
    lettered_on: Mapped[date | None] = mapped_column(Date, default=None)

    entry: Mapped[Entry] = relationship(back_populates="lines")
