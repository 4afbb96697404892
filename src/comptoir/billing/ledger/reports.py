"""The ledger's reports, read from the posted lines: trial balance, general ledger,
customer and supplier sub-ledgers and aged receivables (the VAT summary is in
:mod:`comptoir.billing.ledger.vat`).

A period lies within one fiscal year. Its opening balance is what the year's lines dated
before the period add up to, plus the year's opening entries (journal AN); the period's debits
and credits are its other lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.chart import CUSTOMERS
from comptoir.billing.ledger.models import (
    Account,
    AuxiliaryAccount,
    Entry,
    EntryLine,
    FiscalYear,
)
from comptoir.billing.ledger.periods import Period, period, year_period
from comptoir.billing.ledger.vat import Ca3Box, VatRate, VatSummary, vat_summary

__all__ = [
    "AgedRow",
    "Ca3Box",
    "LedgerAccount",
    "LedgerLine",
    "Period",
    "TrialBalanceRow",
    "VatRate",
    "VatSummary",
    "aged_receivables",
    "general_ledger",
    "period",
    "sub_ledger",
    "trial_balance",
    "vat_summary",
    "year_period",
]

OPENING_JOURNAL: Final = "AN"
AGE_BUCKETS: Final = ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90")


def _lines(when: Period) -> Select[EntryLine, Entry]:
    return (
        select(EntryLine, Entry)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(Entry.entry_date >= when.year_start, Entry.entry_date <= when.end)
    )


@dataclass(slots=True)
class TrialBalanceRow:
    """An account's balance: ``opening`` and ``closing`` are debit minus credit."""

    account: str
    label: str
    opening_minor: int = 0
    debit_minor: int = 0
    credit_minor: int = 0

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.debit_minor - self.credit_minor


def trial_balance(session: Session, when: Period) -> list[TrialBalanceRow]:
    """Every account with lines in the year up to the period's end, by number."""
    labels = dict(session.execute(select(Account.number, Account.label)).all())
    rows: dict[str, TrialBalanceRow] = {}
    for line, entry in session.execute(_lines(when)):
        row = rows.get(line.account_number)
        if row is None:
            row = rows[line.account_number] = TrialBalanceRow(
                line.account_number, labels.get(line.account_number, "")
            )
        if _opens(entry, when):
            row.opening_minor += line.debit_minor - line.credit_minor
        else:
            row.debit_minor += line.debit_minor
            row.credit_minor += line.credit_minor
    return [rows[number] for number in sorted(rows)]


def _opens(entry: Entry, when: Period) -> bool:
    return entry.entry_date < when.start or entry.journal_code == OPENING_JOURNAL


@dataclass(frozen=True, slots=True)
class LedgerLine:
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
    """The running balance after this line (debit minus credit)."""


@dataclass(slots=True)
class LedgerAccount:
    """An account's (or an auxiliary account's) lines over a period with running balance."""

    number: str
    label: str
    opening_minor: int = 0
    lines: list[LedgerLine] = field(default_factory=list)
    debit_minor: int = 0
    credit_minor: int = 0

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.debit_minor - self.credit_minor


def general_ledger(
    session: Session, when: Period, *, account: str | None = None
) -> list[LedgerAccount]:
    """The lines of every account (or of ``account``) over the period, with the opening
    balance and a running balance, by account number then date and entry number."""
    labels = dict(session.execute(select(Account.number, Account.label)).all())
    stmt = _lines(when)
    if account:
        stmt = stmt.where(EntryLine.account_number == account)
    return _accounts(session, stmt, when, key=lambda line: line.account_number, labels=labels)


def sub_ledger(
    session: Session, when: Period, *, control: str = CUSTOMERS, auxiliary: str | None = None
) -> list[LedgerAccount]:
    """The customer (411000) or supplier (401000) sub-ledger: each auxiliary account's lines
    over the period with its running balance."""
    stmt = _lines(when).where(EntryLine.account_number == control)
    if auxiliary:
        stmt = stmt.where(EntryLine.auxiliary_number == auxiliary)
    labels = {
        aux.number: aux.label or ""
        for aux in session.scalars(
            select(AuxiliaryAccount).where(AuxiliaryAccount.control_account == control)
        )
    }
    return _accounts(
        session, stmt, when, key=lambda line: line.auxiliary_number or "", labels=labels
    )


def _accounts(
    session: Session,
    stmt: Select[EntryLine, Entry],
    when: Period,
    *,
    key: Callable[[EntryLine], str],
    labels: dict[str, str],
) -> list[LedgerAccount]:
    ordered = stmt.order_by(Entry.entry_date, Entry.journal_code, Entry.number, EntryLine.position)
    found: dict[str, LedgerAccount] = {}
    for line, entry in session.execute(ordered):
        number = key(line)
        view = found.get(number)
        if view is None:
            view = found[number] = LedgerAccount(number, labels.get(number, ""))
        if _opens(entry, when):
            view.opening_minor += line.debit_minor - line.credit_minor
            continue
        view.debit_minor += line.debit_minor
        view.credit_minor += line.credit_minor
        running = view.lines[-1].balance_minor if view.lines else view.opening_minor
        view.lines.append(
            LedgerLine(
                entry_id=str(entry.id),
                entry_date=entry.entry_date,
                journal=entry.journal_code,
                number=entry.number,
                piece_ref=entry.piece_ref,
                label=line.label,
                auxiliary=line.auxiliary_number,
                debit_minor=line.debit_minor,
                credit_minor=line.credit_minor,
                lettering=line.lettering,
                due_date=line.due_date,
                balance_minor=running + line.debit_minor - line.credit_minor,
            )
        )
    return [found[number] for number in sorted(found)]


@dataclass(slots=True)
class AgedRow:
    """A customer's open amount by age of its due date (debit minus credit)."""

    auxiliary: str
    label: str
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGE_BUCKETS, 0))

    @property
    def total_minor(self) -> int:
        return sum(self.buckets.values())


def age_bucket(due: date, as_of: date) -> str:
    """``not_due``, ``days_1_30``, ``days_31_60``, ``days_61_90`` or ``over_90``."""
    late = (as_of - due).days
    if late <= 0:
        return "not_due"
    if late <= 30:
        return "days_1_30"
    if late <= 60:
        return "days_31_60"
    if late <= 90:
        return "days_61_90"
    return "over_90"


def aged_receivables(session: Session, *, as_of: date, control: str = CUSTOMERS) -> list[AgedRow]:
    """Open customer items on ``as_of``: unlettered 411000 lines of open fiscal years (a
    closed year's open items live on as opening lines of the next), dated up to ``as_of``,
    by how late they are against their due date (their date when they have none)."""
    stmt = (
        select(EntryLine, Entry)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .join(FiscalYear, FiscalYear.id == Entry.fiscal_year_id)
        .where(
            EntryLine.account_number == control,
            EntryLine.lettering.is_(None),
            FiscalYear.closed_at.is_(None),
            Entry.entry_date <= as_of,
        )
    )
    labels = {
        aux.number: aux.label or ""
        for aux in session.scalars(
            select(AuxiliaryAccount).where(AuxiliaryAccount.control_account == control)
        )
    }
    rows: dict[str, AgedRow] = {}
    for line, entry in session.execute(stmt):
        number = line.auxiliary_number or ""
        row = rows.get(number)
        if row is None:
            row = rows[number] = AgedRow(number, labels.get(number, ""))
        bucket = age_bucket(line.due_date or entry.entry_date, as_of)
        row.buckets[bucket] += line.debit_minor - line.credit_minor
    return [rows[number] for number in sorted(rows) if rows[number].total_minor]


def aged_totals(rows: Sequence[AgedRow]) -> dict[str, int]:
    """Each bucket's total over every customer."""
    return {bucket: sum(row.buckets[bucket] for row in rows) for bucket in AGE_BUCKETS}
