"""Posting entries: checks, fiscal years, the lock date and gap-free numbering per journal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from comptoir.billing.ledger.chart import ACCOUNTS, JOURNALS, ensure_chart, ledger_settings
from comptoir.billing.ledger.errors import (
    AuxiliaryRequired,
    EntryEmpty,
    EntryNotFound,
    EntryUnbalanced,
    FiscalYearClosed,
    LineAmountInvalid,
    LockDateBackwards,
    PeriodLocked,
    UnknownAccount,
    UnknownAuxiliary,
    UnknownJournal,
)
from comptoir.billing.ledger.models import (
    Account,
    AuxiliaryAccount,
    Entry,
    EntryLine,
    FiscalYear,
    Journal,
    JournalCounter,
)
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.pagination import Page, paginate

_STANDARD_ACCOUNTS = frozenset(number for number, *_ in ACCOUNTS)
_STANDARD_JOURNALS = frozenset(code for code, *_ in JOURNALS)


@dataclass(frozen=True, slots=True)
class LineSpec:
    """One line to post: a debit or a credit on an account (with its auxiliary account when
    the account is a control account, 411/401)."""

    account: str
    debit_minor: int = 0
    credit_minor: int = 0
    label: str = ""
    auxiliary: str | None = None
    currency_amount_minor: int | None = None
    currency: str | None = None
    due_date: date | None = None


def post_entry(
    session: Session,
    *,
    journal: str,
    entry_date: date,
    label: str,
    piece_ref: str,
    lines: Sequence[LineSpec],
    piece_date: date | None = None,
    source_type: str | None = None,
    source_id: uuid.UUID | None = None,
    purpose: str = "",
    actor: str | None = None,
) -> Entry:
    """Post a balanced entry and give it the next number of its journal in its fiscal year.

    Idempotent on (``source_type``, ``source_id``, ``purpose``): posting the same source again
    returns the entry already posted, unchanged. Raises :class:`EntryEmpty` (field "lines"),
    :class:`LineAmountInvalid` / :class:`UnknownAccount` / :class:`AuxiliaryRequired` /
    :class:`UnknownAuxiliary` (field "lines.N.<attribute>"), :class:`EntryUnbalanced` (field
    "lines"), :class:`UnknownJournal` (field "journal"), :class:`PeriodLocked` and
    :class:`FiscalYearClosed` (field "entry_date"). Nothing is written when it raises."""
    return post_checked(
        session,
        journal=journal,
        entry_date=entry_date,
        label=label,
        piece_ref=piece_ref,
        lines=lines,
        piece_date=piece_date,
        source_type=source_type,
        source_id=source_id,
        purpose=purpose,
        actor=actor,
    )


def post_checked(
    session: Session,
    *,
    journal: str,
    entry_date: date,
    label: str,
    piece_ref: str,
    lines: Sequence[LineSpec],
    piece_date: date | None = None,
    source_type: str | None = None,
    source_id: uuid.UUID | None = None,
    purpose: str = "",
    actor: str | None = None,
    reverses: uuid.UUID | None = None,
    within_lock: bool = False,
) -> Entry:
    """:func:`post_entry`, with what year-end closing and reversals also need:
    ``within_lock`` lets the closing entry of a year be dated on or before the lock date
    (never in a closed year)."""
    if source_type is not None and source_id is not None:
        existing = find_by_source(session, source_type, source_id, purpose)
        if existing is not None:
            return existing
    check_lines(lines)
    _check_references(session, journal, lines)
    if not within_lock:
        lock = ledger_settings(session).lock_date
        if lock is not None and entry_date <= lock:
            raise PeriodLocked(field="entry_date")
    year = fiscal_year_for(session, entry_date)
    entry = Entry(
        journal_code=journal,
        fiscal_year_id=year.id,
        number=_next_number(session, journal, year.id),
        entry_date=entry_date,
        label=(label or piece_ref)[:200],
        piece_ref=piece_ref[:60],
        piece_date=piece_date or entry_date,
        posted_at=clock.now(),
        posted_by=actor,
        source_type=source_type,
        source_id=source_id,
        purpose=purpose,
        reverses_entry_id=reverses,
        lines=[
            EntryLine(
                position=position,
                account_number=line.account,
                auxiliary_number=line.auxiliary,
                label=(line.label or label or piece_ref)[:200],
                debit_minor=line.debit_minor,
                credit_minor=line.credit_minor,
                currency_amount_minor=line.currency_amount_minor,
                currency=line.currency,
                due_date=line.due_date,
            )
            for position, line in enumerate(lines, start=1)
        ],
    )
    session.add(entry)
    session.flush()
    return entry


def check_lines(lines: Sequence[LineSpec]) -> None:
    """The amounts of an entry: at least two lines, each one-sided and positive, debits equal
    to credits."""
    if len(lines) < 2:
        raise EntryEmpty(field="lines")
    for index, line in enumerate(lines):
        one_sided = (line.debit_minor > 0) != (line.credit_minor > 0)
        if line.debit_minor < 0 or line.credit_minor < 0 or not one_sided:
            field = "debit_minor" if line.debit_minor else "credit_minor"
            raise LineAmountInvalid(field=f"lines.{index}.{field}")
    if sum(line.debit_minor for line in lines) != sum(line.credit_minor for line in lines):
        raise EntryUnbalanced(field="lines")


def _check_references(session: Session, journal: str, lines: Sequence[LineSpec]) -> None:
    numbers = {line.account for line in lines}
    accounts = _active_accounts(session, numbers)
    has_journal = session.scalar(select(Journal.id).where(Journal.code == journal)) is not None
    if (numbers - accounts.keys() and numbers & _STANDARD_ACCOUNTS) or (
        not has_journal and journal in _STANDARD_JOURNALS
    ):
        # A fresh database: the standard chart comes with the first posting.
        ensure_chart(session)
        accounts = _active_accounts(session, numbers)
        has_journal = session.scalar(select(Journal.id).where(Journal.code == journal)) is not None
    if not has_journal:
        raise UnknownJournal(field="journal")
    auxiliaries = _auxiliaries(session, {line.auxiliary for line in lines if line.auxiliary})
    for index, line in enumerate(lines):
        account = accounts.get(line.account)
        if account is None:
            raise UnknownAccount(field=f"lines.{index}.account")
        if account.is_control and not line.auxiliary:
            raise AuxiliaryRequired(field=f"lines.{index}.auxiliary")
        if line.auxiliary and (
            not account.is_control or auxiliaries.get(line.auxiliary) != line.account
        ):
            raise UnknownAuxiliary(field=f"lines.{index}.auxiliary")


def _active_accounts(session: Session, numbers: set[str]) -> dict[str, Account]:
    rows = session.scalars(
        select(Account).where(Account.number.in_(numbers), Account.is_active.is_(True))
    )
    return {account.number: account for account in rows}


def _auxiliaries(session: Session, numbers: set[str]) -> dict[str, str]:
    if not numbers:
        return {}
    rows = session.execute(
        select(AuxiliaryAccount.number, AuxiliaryAccount.control_account).where(
            AuxiliaryAccount.number.in_(numbers)
        )
    )
    return {str(number): str(control) for number, control in rows.all()}


def _next_number(session: Session, journal: str, fiscal_year_id: uuid.UUID) -> int:
    """The journal's next number in the year: the counter row is raised by a guarded UPDATE
    in the posting transaction, so concurrent posters queue on the row and a rolled-back
    posting gives its number back: numbers are continuous."""
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        JournalCounter.__table__,  # type: ignore[arg-type]
        [
            {
                "id": uuid.uuid4(),
                "journal_code": journal,
                "fiscal_year_id": fiscal_year_id,
                "last_value": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["journal_code", "fiscal_year_id"],
    )
    value: int = session.execute(
        update(JournalCounter)
        .where(
            JournalCounter.journal_code == journal,
            JournalCounter.fiscal_year_id == fiscal_year_id,
        )
        .values(last_value=JournalCounter.last_value + 1, updated_at=now)
        .returning(JournalCounter.last_value)
    ).scalar_one()
    return value


def find_by_source(
    session: Session, source_type: str, source_id: uuid.UUID, purpose: str = ""
) -> Entry | None:
    """The entry posted for this source and purpose, if any."""
    return session.scalar(
        select(Entry).where(
            Entry.source_type == source_type,
            Entry.source_id == source_id,
            Entry.purpose == purpose,
        )
    )


# -- fiscal years ---------------------------------------------------------------------------


def fiscal_year_for(session: Session, on: date) -> FiscalYear:
    """The open fiscal year that holds ``on``; when none does, the calendar year of ``on``
    (trimmed so as not to overlap its neighbours) is opened, provided ``on`` comes after
    every closed year. Raises :class:`FiscalYearClosed` (field "entry_date") otherwise."""
    year = session.scalar(
        select(FiscalYear).where(FiscalYear.start_date <= on, FiscalYear.end_date >= on)
    )
    if year is not None:
        if year.closed_at is not None:
            raise FiscalYearClosed(field="entry_date")
        return year
    last_closed = session.scalar(
        select(func.max(FiscalYear.end_date)).where(FiscalYear.closed_at.is_not(None))
    )
    if last_closed is not None and on <= last_closed:
        raise FiscalYearClosed(field="entry_date")
    start, end = date(on.year, 1, 1), date(on.year, 12, 31)
    previous_end = session.scalar(
        select(func.max(FiscalYear.end_date)).where(FiscalYear.end_date < on)
    )
    if previous_end is not None and previous_end >= start:
        start = previous_end + timedelta(days=1)
    next_start = session.scalar(
        select(func.min(FiscalYear.start_date)).where(FiscalYear.start_date > on)
    )
    if next_start is not None and next_start <= end:
        end = next_start - timedelta(days=1)
    return open_fiscal_year(session, start, end)


def open_fiscal_year(session: Session, start: date, end: date) -> FiscalYear:
    """The fiscal year starting on ``start`` (created from ``start`` to ``end`` when missing;
    safe when two postings open it at once)."""
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        FiscalYear.__table__,  # type: ignore[arg-type]
        [
            {
                "id": uuid.uuid4(),
                "start_date": start,
                "end_date": end,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["start_date"],
    )
    year = session.scalar(select(FiscalYear).where(FiscalYear.start_date == start))
    assert year is not None
    return year


def fiscal_years(session: Session) -> list[FiscalYear]:
    """Every fiscal year, oldest first."""
    return list(session.scalars(select(FiscalYear).order_by(FiscalYear.start_date)))


def fiscal_year_of(session: Session, year: int) -> FiscalYear | None:
    """The fiscal year that ends in calendar year ``year``."""
    return session.scalar(
        select(FiscalYear)
        .where(FiscalYear.end_date >= date(year, 1, 1), FiscalYear.end_date <= date(year, 12, 31))
        .order_by(FiscalYear.end_date.desc())
    )


# -- lock date ------------------------------------------------------------------------------


def lock_date(session: Session) -> date | None:
    """The lock date: nothing is posted on or before it."""
    return ledger_settings(session).lock_date


def set_lock_date(session: Session, on: date, *, actor: str | None = None) -> date:
    """Lock the books up to and including ``on``. The lock date only moves forward (an
    auditor relies on what was locked staying locked) and never past today (today's sales
    must still be postable). Raises :class:`LockDateBackwards` (field "lock_date")."""
    settings = ledger_settings(session)
    if (settings.lock_date is not None and on < settings.lock_date) or on > clock.now().date():
        raise LockDateBackwards(field="lock_date")
    settings.lock_date = on
    settings.locked_by = actor
    session.flush()
    return on


# -- reading and reversing --------------------------------------------------------------------


def get_entry(session: Session, entry_id: uuid.UUID) -> Entry:
    """The entry with its lines. Raises :class:`EntryNotFound`."""
    entry = session.scalar(
        select(Entry).where(Entry.id == entry_id).options(selectinload(Entry.lines))
    )
    if entry is None:
        raise EntryNotFound(field="entry_id")
    return entry


def list_entries(
    session: Session,
    *,
    journal: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    account: str | None = None,
    piece_ref: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Entry]:
    """Entries, newest first, filtered by journal, date range, account and piece."""
    stmt = select(Entry).options(selectinload(Entry.lines))
    if journal:
        stmt = stmt.where(Entry.journal_code == journal)
    if date_from:
        stmt = stmt.where(Entry.entry_date >= date_from)
    if date_to:
        stmt = stmt.where(Entry.entry_date <= date_to)
    if piece_ref:
        stmt = stmt.where(Entry.piece_ref == piece_ref)
    if account:
        stmt = stmt.where(
            Entry.id.in_(select(EntryLine.entry_id).where(EntryLine.account_number == account))
        )
    return paginate(
        session,
        stmt,
        order_by=[(Entry.entry_date, "desc"), (Entry.number, "desc")],
        id_column=Entry.id,
        limit=limit,
        cursor=cursor,
    )


def reverse_entry(
    session: Session, entry_id: uuid.UUID, *, on: date | None = None, actor: str | None = None
) -> Entry:
    """Post the mirror of an entry (debits become credits) in the same journal, dated ``on``
    (today by default), citing the original. Idempotent: an entry is reversed once. Raises
    :class:`EntryNotFound` and whatever :func:`post_entry` raises."""
    original = get_entry(session, entry_id)
    return post_checked(
        session,
        journal=original.journal_code,
        entry_date=on or clock.now().date(),
        label=f"Extourne {original.journal_code}-{original.number} {original.label}",
        piece_ref=original.piece_ref,
        piece_date=original.piece_date,
        lines=[
            LineSpec(
                account=line.account_number,
                debit_minor=line.credit_minor,
                credit_minor=line.debit_minor,
                label=line.label,
                auxiliary=line.auxiliary_number,
                currency_amount_minor=line.currency_amount_minor,
                currency=line.currency,
            )
            for line in original.lines
        ],
        source_type="ledger_entry",
        source_id=original.id,
        purpose="reversal",
        actor=actor,
        reverses=original.id,
    )
