"""Ledger invariants over any sequence of operations (hypothesis): every entry balances, the
trial balance's debits equal its credits and each account's balance is the sum of its lines,
every lettering brings together lines of one account that cancel out, refusals change
nothing, numbering has no gap. Operations: entries, reversals, cancellations (reversal and
lettering with the original), customer advances used and given back, sales paid and
lettered, lock dates, year-end closing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.ledger import advances, reports, service
from comptoir.billing.ledger.entries import check_lines
from comptoir.billing.ledger.errors import (
    EntryUnbalanced,
    FiscalYearNotFound,
    LedgerError,
    YearNotClosable,
)
from comptoir.billing.ledger.models import Entry, EntryLine, FiscalYear
from comptoir.billing.ledger.service import LineSpec
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.billing.ledger.helpers import (
    account_sums,
    numbers_by_journal,
    snapshot,
    unbalanced_entries,
)

START = date(2025, 1, 1)
ACCOUNTS = ("512000", "607000", "706000", "445711", "411000", "530000", "101300")
JOURNALS = ("OD", "VE", "BQ")

amounts = st.integers(min_value=1, max_value=1_000_000)
days = st.integers(min_value=0, max_value=690)  # 2025-01-01 .. 2026-11-22 (before "today")
line_sets = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), amounts, st.booleans()), min_size=1, max_size=5
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.sampled_from(JOURNALS), days, line_sets),
        st.tuples(st.just("unbalanced"), st.sampled_from(JOURNALS), days, line_sets),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50), days),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("advance"), amounts, days, st.integers(min_value=0, max_value=100)),
        st.tuples(st.just("sale_paid"), amounts, days),
        st.tuples(st.just("lock"), days),
        st.tuples(
            st.just("close"),
        ),
    ),
    min_size=1,
    max_size=14,
)


def _spec(account: str, amount: int, debit: bool) -> LineSpec:
    aux = "CDIVERS" if account == "411000" else None
    return LineSpec(
        account,
        debit_minor=amount if debit else 0,
        credit_minor=0 if debit else amount,
        auxiliary=aux,
    )


def _balanced(raw: list[tuple[str, int, bool]]) -> list[LineSpec]:
    lines = [_spec(*item) for item in raw]
    difference = sum(x.debit_minor - x.credit_minor for x in lines)
    if difference:
        lines.append(_spec("580000", abs(difference), difference < 0))
    if len(lines) < 2:
        lines.append(_spec("580000", raw[0][1], not raw[0][2]))
        lines[0] = _spec(raw[0][0], raw[0][1], raw[0][2])
    return lines


def _apply(session: Session, operation: tuple[object, ...], posted: list[Entry]) -> None:
    kind = operation[0]
    before = snapshot(session)
    try:
        if kind == "post":
            _journal, day, raw = operation[1], operation[2], operation[3]
            posted.append(
                service.post_entry(
                    session,
                    journal=str(_journal),
                    entry_date=START + timedelta(days=int(day)),  # type: ignore[call-overload]
                    label="Op",
                    piece_ref="P",
                    lines=_balanced(raw),  # type: ignore[arg-type]
                )
            )
        elif kind == "unbalanced":
            raw = operation[3]
            lines = [*_balanced(raw), _spec("580000", 1, True)]  # type: ignore[arg-type]
            try:
                service.post_entry(
                    session,
                    journal=str(operation[1]),
                    entry_date=START,
                    label="Bad",
                    piece_ref="B",
                    lines=lines,
                )
            except LedgerError:
                pass
            else:
                raise AssertionError("an unbalanced entry was posted")
            assert snapshot(session) == before
        elif kind == "reverse" and posted:
            original = posted[int(operation[1]) % len(posted)]  # type: ignore[call-overload]
            posted.append(
                service.reverse_entry(
                    session,
                    original.id,
                    on=START + timedelta(days=int(operation[2])),  # type: ignore[call-overload]
                )
            )
        elif kind == "sale_paid":
            amount, day = int(operation[1]), START + timedelta(days=int(operation[2]))  # type: ignore[call-overload]
            sale = service.post_entry(
                session,
                journal="VE",
                entry_date=day,
                label="S",
                piece_ref="S",
                lines=[_spec("411000", amount, True), _spec("706000", amount, False)],
            )
            paid = service.post_entry(
                session,
                journal="BQ",
                entry_date=day,
                label="R",
                piece_ref="R",
                lines=[_spec("512000", amount, True), _spec("411000", amount, False)],
            )
            posted += [sale, paid]
            service.letter(session, [sale.lines[0].id, paid.lines[1].id], on=day)
        elif kind == "cancel" and posted:
            original = posted[int(operation[1]) % len(posted)]  # type: ignore[call-overload]
            was_lettered = {line.id for line in original.lines if line.lettering}
            reversal = service.cancel_entry(session, original.id)
            posted.append(reversal)
            _check_cancelled(session, original, reversal, was_lettered)
        elif kind == "advance":
            _advance(session, int(operation[1]), int(operation[2]), int(operation[3]), posted)  # type: ignore[call-overload]
        elif kind == "lock":
            service.set_lock_date(session, START + timedelta(days=int(operation[1])))  # type: ignore[call-overload]
        elif kind == "close":
            service.close_year(session, 2025)
    except (LedgerError, YearNotClosable, FiscalYearNotFound):
        assert snapshot(session) == before, f"{kind} was refused but changed the books"


def _advance(session: Session, amount: int, day: int, percent: int, posted: list[Entry]) -> None:
    """Money received before its invoice, ``percent`` of it invoiced, the rest given back."""
    on = START + timedelta(days=day)
    piece = f"ORD-{uuid.uuid4().hex[:8]}"
    received = advances.post_advance(
        session, payment_id=uuid.uuid4(), amount_minor=amount, treasury=("511500", "BQ"),
        paid_on=on, piece_ref=piece, reference=None,
    )  # fmt: skip
    posted.append(received)
    invoiced = amount * percent // 100
    if invoiced:
        posted.append(
            advances.apply_advance(
                session,
                advance=received,
                settlement_id=uuid.uuid4(),
                amount_minor=invoiced,
                on=on,
                customers_account="411000",
                auxiliary="CDIVERS",
                label="Règlement",
            )
        )
    if amount - invoiced:
        posted.append(
            advances.refund_advance(
                session,
                advance=received,
                amount_minor=amount - invoiced,
                treasury=("511500", "BQ"),
                on=on,
                reference=None,
                source_id=uuid.uuid4(),
            )
        )
    assert advances.advance_left(session, received) == 0


def _check_cancelled(
    session: Session, original: Entry, reversal: Entry, was_lettered: set[uuid.UUID]
) -> None:
    """A cancelled entry's lines that were lettered are now lettered with their mirror in the
    reversal, and with nothing else: what they settled is open again."""
    session.expire_all()
    mirrors = {line.id for line in reversal.lines}
    for line in original.lines:
        if line.id not in was_lettered or reversal.reverses_entry_id != original.id:
            continue
        assert line.lettering is not None
        partners = {
            x.id
            for x in session.scalars(select(EntryLine).where(EntryLine.lettering == line.lettering))
        }
        assert len(partners) == 2
        assert (partners - {line.id}) <= mirrors


def _check_invariants(session: Session) -> None:
    assert unbalanced_entries(session) == []
    # every lettering code brings together lines of one account that cancel out
    lettered: dict[str, tuple[set[str], int]] = {}
    for line in session.scalars(select(EntryLine).where(EntryLine.lettering.is_not(None))):
        accounts, net = lettered.get(str(line.lettering), (set(), 0))
        lettered[str(line.lettering)] = (
            accounts | {line.account_number},
            net + line.debit_minor - line.credit_minor,
        )
    assert all(len(accounts) == 1 and net == 0 for accounts, net in lettered.values())
    for numbers in numbers_by_journal(session).values():
        assert numbers == list(range(1, len(numbers) + 1))
    for year in session.scalars(select(FiscalYear)):
        rows = reports.trial_balance(
            session, reports.period(session, year.start_date, year.end_date)
        )
        assert sum(r.debit_minor for r in rows) == sum(r.credit_minor for r in rows)
        assert sum(r.opening_minor for r in rows) == 0
        sums = account_sums(session, year.id)
        assert {r.account: r.closing_minor for r in rows} == sums


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_books_stay_balanced_whatever_happens(
    db: Database, clock: FrozenClock, ops: list[tuple[object, ...]]
) -> None:
    session: Session = db.session()
    savepoint = session.begin_nested()
    try:
        service.ensure_chart(session)
        service.auxiliary_account(session, party_type="guest", party_id=None, label=None)
        posted: list[Entry] = []
        for operation in ops:
            _apply(session, operation, posted)
            _check_invariants(session)
    finally:
        savepoint.rollback()
        session.close()


@settings(max_examples=40, deadline=None)
@given(raw=line_sets)
def test_every_balanced_line_set_balances_and_every_unbalanced_one_is_refused(
    raw: list[tuple[str, int, bool]],
) -> None:
    lines = _balanced(raw)
    check_lines(lines)
    assert sum(x.debit_minor for x in lines) == sum(x.credit_minor for x in lines)
    with pytest.raises(EntryUnbalanced) as refused:
        check_lines([*lines, _spec("580000", 1, False)])
    assert refused.value.field == "lines"
