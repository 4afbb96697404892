"""Posting entries: checks, numbering, idempotency, lock date, reversal, lettering."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.orm import Session

from comptoir.billing.ledger import service
from comptoir.billing.ledger.errors import (
    AccountInvalid,
    AccountTaken,
    AuxiliaryRequired,
    EntryEmpty,
    EntryUnbalanced,
    FiscalYearClosed,
    LedgerError,
    LetteringRefused,
    LineAmountInvalid,
    LockDateBackwards,
    PeriodLocked,
    UnknownAccount,
    UnknownAuxiliary,
    UnknownJournal,
)
from comptoir.billing.ledger.service import LineSpec
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.billing.ledger.helpers import numbers_by_journal, snapshot

DAY = date(2026, 3, 2)


def _sale(amount: int = 12000, *, aux: str = "CDIVERS") -> list[LineSpec]:
    return [
        LineSpec("411000", debit_minor=amount, auxiliary=aux),
        LineSpec("707000", credit_minor=amount - amount // 6),
        LineSpec("445711", credit_minor=amount // 6),
    ]


def _post(session: Session, lines: list[LineSpec], **more: object) -> object:
    arguments: dict[str, object] = {
        "journal": "OD",
        "entry_date": DAY,
        "label": "Test",
        "piece_ref": "P1",
        "lines": lines,
    }
    arguments.update(more)
    return service.post_entry(session, **arguments)  # type: ignore[arg-type]


@pytest.fixture
def session(db: Database) -> Session:
    session = db.session()
    service.ensure_chart(session)
    service.auxiliary_account(session, party_type="guest", party_id=None, label=None)
    return session


def test_ensure_chart_is_idempotent_and_seeds_the_journals(session: Session) -> None:
    service.ensure_chart(session)

    assert [j.code for j in service.journals(session)] == ["AC", "AN", "BQ", "CA", "OD", "VE"]
    numbers = [a.number for a in service.accounts(session)]
    assert len(numbers) == len(set(numbers)) == 37
    assert {"411000", "401000", "445719", "890000"} <= set(numbers)


def test_a_balanced_entry_is_numbered_per_journal_and_year(session: Session) -> None:
    first = service.post_entry(
        session, journal="VE", entry_date=DAY, label="A", piece_ref="FA-1", lines=_sale()
    )
    second = service.post_entry(
        session, journal="VE", entry_date=DAY, label="B", piece_ref="FA-2", lines=_sale()
    )
    other = service.post_entry(
        session, journal="OD", entry_date=DAY, label="C", piece_ref="X", lines=_sale()
    )
    next_year = service.post_entry(
        session, journal="VE", entry_date=date(2027, 1, 4), label="D", piece_ref="Y", lines=_sale()
    )

    assert (first.number, second.number, other.number, next_year.number) == (1, 2, 1, 1)
    assert first.fiscal_year_id != next_year.fiscal_year_id
    assert [line.position for line in first.lines] == [1, 2, 3]
    assert first.piece_date == DAY


@pytest.mark.parametrize(
    ("lines", "error", "field"),
    [
        ([], EntryEmpty, "lines"),
        ([LineSpec("512000", debit_minor=100)], EntryEmpty, "lines"),
        (
            [LineSpec("512000", debit_minor=100), LineSpec("706000", credit_minor=99)],
            EntryUnbalanced,
            "lines",
        ),
        (
            [LineSpec("512000", debit_minor=0), LineSpec("706000", credit_minor=0)],
            LineAmountInvalid,
            "lines.0.credit_minor",
        ),
        (
            [LineSpec("512000", debit_minor=100, credit_minor=100), LineSpec("706000")],
            LineAmountInvalid,
            "lines.0.debit_minor",
        ),
        (
            [LineSpec("999999", debit_minor=100), LineSpec("706000", credit_minor=100)],
            UnknownAccount,
            "lines.0.account",
        ),
        (
            [LineSpec("411000", debit_minor=100), LineSpec("706000", credit_minor=100)],
            AuxiliaryRequired,
            "lines.0.auxiliary",
        ),
        (
            [
                LineSpec("401000", debit_minor=100, auxiliary="CDIVERS"),
                LineSpec("706000", credit_minor=100),
            ],
            UnknownAuxiliary,
            "lines.0.auxiliary",
        ),
        (
            [
                LineSpec("512000", debit_minor=100, auxiliary="CDIVERS"),
                LineSpec("706000", credit_minor=100),
            ],
            UnknownAuxiliary,
            "lines.0.auxiliary",
        ),
    ],
)
def test_a_wrong_entry_is_refused_and_changes_nothing(
    session: Session, lines: list[LineSpec], error: type[LedgerError], field: str
) -> None:
    _post(session, _sale())
    before = snapshot(session)

    with pytest.raises(error) as raised:
        _post(session, lines)

    assert raised.value.field == field
    assert snapshot(session) == before


def test_an_unknown_journal_is_refused(session: Session) -> None:
    with pytest.raises(UnknownJournal) as raised:
        _post(session, _sale(), journal="ZZ")
    assert raised.value.field == "journal"


def test_the_french_message_names_the_rule(session: Session) -> None:
    with pytest.raises(EntryUnbalanced) as raised:
        _post(session, [LineSpec("512000", debit_minor=2), LineSpec("706000", credit_minor=1)])

    assert "équilibrée" in raised.value.detail("fr")


def test_posting_the_same_source_twice_returns_the_first_entry(session: Session) -> None:
    source = uuid.uuid4()
    first = _post(session, _sale(), source_type="manual", source_id=source, purpose="x")
    again = _post(session, _sale(500), source_type="manual", source_id=source, purpose="x")
    other_purpose = _post(session, _sale(), source_type="manual", source_id=source, purpose="y")

    assert again is first
    assert other_purpose is not first
    assert numbers_by_journal(session)[("OD", first.fiscal_year_id)] == [1, 2]  # type: ignore[attr-defined]


def test_nothing_is_posted_on_or_before_the_lock_date(session: Session, clock: FrozenClock) -> None:
    service.set_lock_date(session, date(2026, 3, 31), actor="ada")
    before = snapshot(session)

    for day in (date(2026, 3, 31), date(2026, 1, 1)):
        with pytest.raises(PeriodLocked) as raised:
            _post(session, _sale(), entry_date=day)
        assert raised.value.field == "entry_date"
    assert snapshot(session) == before
    assert _post(session, _sale(), entry_date=date(2026, 4, 1)).number == 1  # type: ignore[attr-defined]


def test_the_lock_date_only_moves_forward_and_not_past_today(
    session: Session, clock: FrozenClock
) -> None:
    service.set_lock_date(session, date(2026, 6, 30))
    service.set_lock_date(session, date(2026, 6, 30))

    with pytest.raises(LockDateBackwards):
        service.set_lock_date(session, date(2026, 5, 31))
    with pytest.raises(LockDateBackwards):
        service.set_lock_date(session, date(2026, 11, 24))
    assert service.lock_date(session) == date(2026, 6, 30)
    assert service.set_lock_date(session, date(2026, 11, 23)) == date(2026, 11, 23)


def test_reversing_mirrors_the_entry_once_and_cites_it(session: Session) -> None:
    original = _post(session, _sale())

    reversal = service.reverse_entry(session, original.id, on=date(2026, 3, 5))  # type: ignore[attr-defined]
    again = service.reverse_entry(session, original.id, on=date(2026, 3, 6))  # type: ignore[attr-defined]

    assert again is reversal
    assert reversal.reverses_entry_id == original.id  # type: ignore[attr-defined]
    assert [(x.account_number, x.debit_minor, x.credit_minor) for x in reversal.lines] == [
        ("411000", 0, 12000),
        ("707000", 10000, 0),
        ("445711", 2000, 0),
    ]
    assert reversal.lines[0].auxiliary_number == "CDIVERS"


def test_auxiliary_accounts_are_numbered_per_party_and_kept(session: Session) -> None:
    ada, bob, acme = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    first = service.auxiliary_account(session, party_type="customer", party_id=ada, label="Ada")
    second = service.auxiliary_account(session, party_type="customer", party_id=bob, label="Bob")
    again = service.auxiliary_account(session, party_type="customer", party_id=ada, label="Ada L.")
    supplier = service.auxiliary_account(
        session, party_type="supplier", party_id=acme, label="Acme"
    )
    guest = service.auxiliary_account(session, party_type="customer", party_id=None, label="X")

    assert (first, second, again, supplier, guest) == (
        "C000001",
        "C000002",
        "C000001",
        "F000001",
        "CDIVERS",
    )
    labels = {a.number: a.label for a in service.auxiliary_accounts(session, control="411000")}
    assert labels["C000001"] == "Ada L."
    with pytest.raises(LedgerError):
        service.auxiliary_account(session, party_type="employee", party_id=ada, label=None)


def test_lettering_matches_lines_that_settle_each_other(session: Session) -> None:
    invoice = _post(session, _sale())
    payment = _post(
        session,
        [
            LineSpec("512000", debit_minor=12000),
            LineSpec("411000", credit_minor=12000, auxiliary="CDIVERS"),
        ],
    )
    ids = [invoice.lines[0].id, payment.lines[1].id]  # type: ignore[attr-defined]

    code = service.letter(session, ids, on=date(2026, 3, 9))
    other = _post(session, _sale(600))
    pay_other = _post(
        session,
        [
            LineSpec("512000", debit_minor=600),
            LineSpec("411000", credit_minor=600, auxiliary="CDIVERS"),
        ],
    )
    second = service.letter(
        session,
        [other.lines[0].id, pay_other.lines[1].id],  # type: ignore[attr-defined]
        on=DAY,
    )

    assert (code, second) == ("A", "B")
    assert invoice.lines[0].lettering == "A"  # type: ignore[attr-defined]
    assert invoice.lines[0].lettered_on == date(2026, 3, 9)  # type: ignore[attr-defined]
    assert service.unletter(session, "A") == 2
    assert invoice.lines[0].lettering is None  # type: ignore[attr-defined]


def test_lettering_refuses_lines_that_do_not_settle(session: Session) -> None:
    invoice = _post(session, _sale())
    partial = _post(
        session,
        [
            LineSpec("512000", debit_minor=100),
            LineSpec("411000", credit_minor=100, auxiliary="CDIVERS"),
        ],
    )
    before = snapshot(session)

    for ids in (
        [invoice.lines[0].id, partial.lines[1].id],  # type: ignore[attr-defined]
        [invoice.lines[0].id, invoice.lines[1].id],  # type: ignore[attr-defined]
        [invoice.lines[0].id],  # type: ignore[attr-defined]
        [invoice.lines[0].id, uuid.uuid4()],  # type: ignore[attr-defined]
    ):
        with pytest.raises(LetteringRefused):
            service.letter(session, ids, on=DAY)
    with pytest.raises(LetteringRefused):
        service.unletter(session, "ZZ")
    assert snapshot(session) == before


def test_accounts_can_be_opened_with_a_pcg_number(session: Session) -> None:
    account = service.create_account(session, number="626100", label="Frais postaux")

    assert (account.kind, account.is_control) == ("expense", False)
    with pytest.raises(AccountTaken):
        service.create_account(session, number="626100", label="Again")
    with pytest.raises(AccountInvalid):
        service.create_account(session, number="62A", label="Bad")
    lines = [LineSpec("626100", debit_minor=5), LineSpec("512000", credit_minor=5)]
    assert _post(session, lines).lines[0].account_number == "626100"  # type: ignore[attr-defined]


def test_nothing_is_posted_in_a_closed_year(session: Session) -> None:
    _post(session, _sale(), entry_date=date(2025, 6, 1))
    service.close_year(session, 2025)
    before = snapshot(session)

    for day in (date(2025, 12, 31), date(2024, 5, 1)):
        with pytest.raises(FiscalYearClosed):
            _post(session, _sale(), entry_date=day)
    assert snapshot(session) == before
