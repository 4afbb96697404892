"""Readings of the ledger tables for ledger tests: balances, numbering, snapshots."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.models import (
    Entry,
    EntryLine,
    FiscalYear,
    JournalCounter,
    LedgerSettings,
)

Snapshot = tuple[object, ...]


def snapshot(session: Session) -> Snapshot:
    """Everything a refused operation must leave as it was."""
    session.flush()
    lines = session.execute(
        select(
            EntryLine.id,
            EntryLine.debit_minor,
            EntryLine.credit_minor,
            EntryLine.lettering,
        ).order_by(EntryLine.id)
    ).all()
    return (
        tuple(session.execute(select(Entry.id, Entry.number).order_by(Entry.id)).all()),
        tuple(lines),
        tuple(
            session.execute(
                select(JournalCounter.journal_code, JournalCounter.last_value).order_by(
                    JournalCounter.journal_code, JournalCounter.fiscal_year_id
                )
            ).all()
        ),
        tuple(
            session.execute(
                select(FiscalYear.start_date, FiscalYear.closed_at).order_by(FiscalYear.start_date)
            ).all()
        ),
        tuple(session.execute(select(LedgerSettings.lock_date)).all()),
    )


def unbalanced_entries(session: Session) -> list[object]:
    return list(
        session.scalars(
            select(EntryLine.entry_id)
            .group_by(EntryLine.entry_id)
            .having(func.sum(EntryLine.debit_minor) != func.sum(EntryLine.credit_minor))
        )
    )


def numbers_by_journal(session: Session) -> dict[tuple[str, object], list[int]]:
    found: dict[tuple[str, object], list[int]] = {}
    for journal, year, number in session.execute(
        select(Entry.journal_code, Entry.fiscal_year_id, Entry.number).order_by(Entry.number)
    ):
        found.setdefault((journal, year), []).append(number)
    return found


def account_sums(session: Session, fiscal_year_id: object) -> dict[str, int]:
    """Each account's lines in a fiscal year, debit minus credit, straight from SQL."""
    rows = session.execute(
        select(EntryLine.account_number, func.sum(EntryLine.debit_minor - EntryLine.credit_minor))
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(Entry.fiscal_year_id == fiscal_year_id)
        .group_by(EntryLine.account_number)
    )
    return {account: int(total) for account, total in rows}
