"""The ledger's service: the chart of accounts, posting entries (balanced, numbered without
gaps per journal and fiscal year, idempotent on their source), auxiliary accounts, lettering,
reversals, the lock date and year-end closing.

Entries are never changed once posted: a mistake is undone by :func:`reverse_entry`."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.cancelling import cancel_entry
from comptoir.billing.ledger.chart import KIND_BY_CLASS, ensure_chart, ledger_settings
from comptoir.billing.ledger.closing import Closing, close_year
from comptoir.billing.ledger.entries import (
    LineSpec,
    find_by_source,
    fiscal_year_for,
    fiscal_year_of,
    fiscal_years,
    get_entry,
    list_entries,
    lock_date,
    post_entry,
    reverse_entry,
    set_lock_date,
)
from comptoir.billing.ledger.errors import (
    AccountInvalid,
    AccountNotFound,
    AccountTaken,
    LedgerError,
)
from comptoir.billing.ledger.lettering import (
    auxiliary_account,
    auxiliary_accounts,
    letter,
    unletter,
)
from comptoir.billing.ledger.models import ACCOUNT_KINDS, Account, Journal

__all__ = [
    "Closing",
    "LineSpec",
    "accounts",
    "auxiliary_account",
    "auxiliary_accounts",
    "cancel_entry",
    "close_year",
    "create_account",
    "ensure_chart",
    "find_by_source",
    "fiscal_year_for",
    "fiscal_year_of",
    "fiscal_years",
    "get_account",
    "get_entry",
    "journals",
    "ledger_settings",
    "letter",
    "list_entries",
    "lock_date",
    "post_entry",
    "reverse_entry",
    "set_lock_date",
    "unletter",
]

_ACCOUNT_NUMBER = re.compile(r"[1-8][0-9]{5,19}")


def accounts(session: Session, *, active_only: bool = False) -> list[Account]:
    """The chart of accounts by number (seeded on first use)."""
    ensure_chart(session)
    stmt = select(Account).order_by(Account.number)
    if active_only:
        stmt = stmt.where(Account.is_active.is_(True))
    return list(session.scalars(stmt))


def get_account(session: Session, number: str) -> Account:
    """The account. Raises :class:`AccountNotFound`."""
    found = session.scalar(select(Account).where(Account.number == number))
    if found is None:
        raise AccountNotFound(field="number")
    return found


def create_account(
    session: Session, *, number: str, label: str, kind: str | None = None
) -> Account:
    """Open a general account (``626100``, ``Frais postaux``). Its kind follows its PCG
    class unless given. Raises :class:`AccountInvalid` (field "number"), :class:`LedgerError`
    (field "kind" or "label"), :class:`AccountTaken`."""
    if not _ACCOUNT_NUMBER.fullmatch(number):
        raise AccountInvalid(field="number")
    if not label.strip():
        raise LedgerError(field="label")
    chosen = kind or KIND_BY_CLASS[number[0]]
    if chosen not in ACCOUNT_KINDS:
        raise LedgerError(field="kind")
    ensure_chart(session)
    if session.scalar(select(Account.id).where(Account.number == number)) is not None:
        raise AccountTaken(field="number")
    account = Account(number=number, label=label.strip()[:200], kind=chosen, is_control=False)
    session.add(account)
    session.flush()
    return account


def journals(session: Session) -> list[Journal]:
    """The journals by code (seeded on first use)."""
    ensure_chart(session)
    return list(session.scalars(select(Journal).order_by(Journal.code)))
