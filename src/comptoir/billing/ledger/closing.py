"""Year-end closing: the result of the year carried to 120000 / 129000, the year closed, and
the balances of the balance-sheet accounts (classes 1 to 5) opened in the next year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.chart import LOSS, OPENING_BALANCE, PROFIT
from comptoir.billing.ledger.entries import LineSpec, open_fiscal_year, post_checked
from comptoir.billing.ledger.errors import FiscalYearNotFound, YearNotClosable
from comptoir.billing.ledger.models import Account, Entry, EntryLine, FiscalYear
from comptoir.kit import clock
from comptoir.kit.i18n import lazy_gettext as _l


@dataclass(frozen=True, slots=True)
class Closing:
    """What closing a year did."""

    fiscal_year: FiscalYear
    result_minor: int
    """The year's profit (negative: its loss)."""
    closing_entry: Entry | None
    opening_entry: Entry | None
    next_year: FiscalYear


def close_year(session: Session, year: int, *, actor: str | None = None) -> Closing:
    """Close the fiscal year that ends in calendar ``year``.

    Checks that the year exists and is open, that the year before it is closed, and that
    every entry of the year balances. Then posts in OD, dated the last day, the entry that
    empties the income and expense accounts (classes 6 and 7) into 120000 (profit) or 129000
    (loss), even on or before the lock date; marks the year closed; and posts in AN, on the
    first day of the next year (opened if needed), the balances of classes 1 to 5, with
    one line per open (unlettered) item on the customer and supplier control accounts so
    that they can still be lettered. Raises :class:`FiscalYearNotFound` (field "year"),
    :class:`YearNotClosable` (field "year")."""
    fiscal_year = _closable_year(session, year)
    closing_entry, result = _close_income_and_expenses(session, fiscal_year, actor)
    fiscal_year.closed_at = clock.now()
    fiscal_year.closed_by = actor
    session.flush()
    next_year = _next_year(session, fiscal_year)
    opening_entry = _open_next_year(session, fiscal_year, next_year, actor)
    return Closing(fiscal_year, result, closing_entry, opening_entry, next_year)


def _closable_year(session: Session, year: int) -> FiscalYear:
    fiscal_year = session.scalar(
        select(FiscalYear)
        .where(FiscalYear.end_date >= date(year, 1, 1), FiscalYear.end_date <= date(year, 12, 31))
        .order_by(FiscalYear.end_date.desc())
    )
    if fiscal_year is None:
        raise FiscalYearNotFound(field="year")
    if fiscal_year.closed_at is not None:
        raise YearNotClosable(_l("This fiscal year is already closed."), field="year")
    earlier_open = session.scalar(
        select(FiscalYear.id).where(
            FiscalYear.end_date < fiscal_year.start_date, FiscalYear.closed_at.is_(None)
        )
    )
    if earlier_open is not None:
        raise YearNotClosable(_l("Close the previous fiscal year first."), field="year")
    unbalanced = session.scalar(
        select(Entry.id)
        .join(EntryLine, EntryLine.entry_id == Entry.id)
        .where(Entry.fiscal_year_id == fiscal_year.id)
        .group_by(Entry.id)
        .having(func.sum(EntryLine.debit_minor) != func.sum(EntryLine.credit_minor))
        .limit(1)
    )
    if unbalanced is not None:
        raise YearNotClosable(_l("An entry of this year does not balance."), field="year")
    return fiscal_year


def _balances(
    session: Session, fiscal_year: FiscalYear, classes: tuple[str, ...]
) -> list[tuple[str, int]]:
    """(account, debit minus credit) of the year's accounts of these classes, nonzero ones."""
    rows = session.execute(
        select(
            EntryLine.account_number,
            func.sum(EntryLine.debit_minor - EntryLine.credit_minor),
        )
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(
            Entry.fiscal_year_id == fiscal_year.id,
            func.substr(EntryLine.account_number, 1, 1).in_(classes),
        )
        .group_by(EntryLine.account_number)
        .order_by(EntryLine.account_number)
    )
    return [(account, int(balance)) for account, balance in rows if balance]


def _close_income_and_expenses(
    session: Session, fiscal_year: FiscalYear, actor: str | None
) -> tuple[Entry | None, int]:
    balances = _balances(session, fiscal_year, ("6", "7"))
    result = -sum(balance for _account, balance in balances)
    if not balances:
        return None, 0
    lines = [
        LineSpec(
            account=account,
            debit_minor=max(-balance, 0),
            credit_minor=max(balance, 0),
            label="Solde du compte",
        )
        for account, balance in balances
    ]
    if result > 0:
        lines.append(LineSpec(account=PROFIT, credit_minor=result, label="Bénéfice"))
    elif result < 0:
        lines.append(LineSpec(account=LOSS, debit_minor=-result, label="Perte"))
    entry = post_checked(
        session,
        journal="OD",
        entry_date=fiscal_year.end_date,
        label=f"Clôture de l'exercice {fiscal_year.end_date.year}",
        piece_ref=f"CLOTURE-{fiscal_year.end_date.year}",
        lines=lines,
        source_type="fiscal_year",
        source_id=fiscal_year.id,
        purpose="closing",
        actor=actor,
        within_lock=True,
    )
    return entry, result


def _next_year(session: Session, fiscal_year: FiscalYear) -> FiscalYear:
    start = fiscal_year.end_date + timedelta(days=1)
    following = session.scalar(select(FiscalYear).where(FiscalYear.start_date == start))
    if following is not None:
        return following
    end = date(start.year + 1, start.month, start.day) - timedelta(days=1)
    return open_fiscal_year(session, start, end)


def _open_next_year(
    session: Session, fiscal_year: FiscalYear, next_year: FiscalYear, actor: str | None
) -> Entry | None:
    control = set(session.scalars(select(Account.number).where(Account.is_control.is_(True))))
    lines: list[LineSpec] = []
    for account, balance in _balances(session, fiscal_year, ("1", "2", "3", "4", "5")):
        if account in control:
            lines.extend(_open_items(session, fiscal_year, account))
        else:
            lines.append(
                LineSpec(
                    account=account,
                    debit_minor=max(balance, 0),
                    credit_minor=max(-balance, 0),
                    label="À-nouveau",
                )
            )
    remainder = sum(line.debit_minor - line.credit_minor for line in lines)
    if remainder:
        # Only when class 8 carried a balance: 890000 keeps the opening balanced.
        lines.append(
            LineSpec(
                account=OPENING_BALANCE,
                debit_minor=max(-remainder, 0),
                credit_minor=max(remainder, 0),
                label="Bilan d'ouverture",
            )
        )
    if not lines:
        return None
    return post_checked(
        session,
        journal="AN",
        entry_date=next_year.start_date,
        label=f"À-nouveaux de l'exercice {next_year.start_date.year}",
        piece_ref=f"AN-{next_year.start_date.year}",
        lines=lines,
        source_type="fiscal_year",
        source_id=fiscal_year.id,
        purpose="opening",
        actor=actor,
        within_lock=True,
    )


def _open_items(session: Session, fiscal_year: FiscalYear, account: str) -> list[LineSpec]:
    """The open lines of a control account, carried one by one: unlettered lines, and lines
    lettered with lines of another year (a lettering group inside the year settles itself,
    so what is carried adds up to the account's balance)."""
    across_years = (
        select(EntryLine.lettering)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(Entry.fiscal_year_id != fiscal_year.id, EntryLine.lettering.is_not(None))
    )
    rows = session.scalars(
        select(EntryLine)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(
            Entry.fiscal_year_id == fiscal_year.id,
            EntryLine.account_number == account,
            EntryLine.lettering.is_(None) | EntryLine.lettering.in_(across_years),
        )
        .order_by(EntryLine.auxiliary_number, Entry.entry_date, Entry.number, EntryLine.position)
    )
    return [
        LineSpec(
            account=account,
            debit_minor=line.debit_minor,
            credit_minor=line.credit_minor,
            label=line.label,
            auxiliary=line.auxiliary_number,
            currency_amount_minor=line.currency_amount_minor,
            currency=line.currency,
            due_date=line.due_date,
        )
        for line in rows
    ]
