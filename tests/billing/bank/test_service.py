"""Importing statements and reconciling them against the books, through the service on the
real database: what is written, what is refused with nothing written, and what each
decision books."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from comptoir.billing.bank import demo, service
from comptoir.billing.bank.errors import (
    BankLineNotReconciled,
    BankLineStateConflict,
    BankMatchStateConflict,
    MatchTargetInvalid,
    StatementWrongAccount,
)
from comptoir.billing.bank.models import BankLine, BankMatch, BankStatement
from comptoir.billing.bank.parsers import StatementRejected
from comptoir.billing.bills import service as bills
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.clock import FrozenClock
from tests.billing.bank.factories import (
    IBAN,
    approved_bill,
    issue_invoice,
    make_account,
    post_takings,
)
from tests.billing.invoices.factories import make_seller
from tests.purchasing.factories import make_supplier

FIXTURES = Path(__file__).parent / "fixtures"
DAY = date(2026, 12, 1)


def _statement(*lines: demo.DemoLine, opening: int = 0) -> bytes:
    numbered = [
        dataclasses.replace(line, bank_reference=f"REF{n:04d}")
        for n, line in enumerate(lines, start=1)
    ]
    closing = opening + sum(line.amount_minor for line in lines)
    return demo.camt053_xml(
        numbered, month=DAY.replace(day=1), number=1, iban=IBAN, opening=opening, closing=closing
    )


def _transfer(amount: int, reference: str | None, name: str, on: date = DAY) -> demo.DemoLine:
    return demo.DemoLine(
        booking_date=on,
        amount_minor=amount,
        label=f"VIR SEPA RECU /DE {name.upper()}",
        kind="invoice",
        truth=frozenset(),
        structured_reference=reference,
        name=name.upper(),
        iban=demo.iban_for(name),
    )


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_camt_file_is_imported_once_with_the_counterpart_encrypted(session: Session) -> None:
    account = make_account(session)
    content = (FIXTURES / "camt053_001_02.xml").read_bytes()

    first = service.import_statement(
        session, account.id, file_name="mars.xml", content=content, auto_match=False
    )
    again = service.import_statement(session, account.id, file_name="copie.xml", content=content)

    assert first.is_new
    assert first.lines == 5
    assert not again.is_new
    assert again.statement.id == first.statement.id
    assert _count(session, BankStatement) == 1
    assert _count(session, BankLine) == 5
    stored = first.statement
    assert (stored.opening_balance_minor, stored.closing_balance_minor) == (100000, 14254)
    line = session.scalars(select(BankLine).where(BankLine.position == 1)).one()
    assert line.counterpart_name == "DUPONT JEAN"
    raw = session.execute(
        text("SELECT counterpart_name FROM billing_bank_lines WHERE id = :id"),
        {
            "id": line.id.bytes
            if session.bind and session.bind.dialect.name == "sqlite"
            else line.id
        },
    ).scalar_one()
    assert b"DUPONT" not in bytes(raw)
    assert [
        found.id for found in service.lines_with_iban(session, "FR76 3000 6000 0112 3456 7890 189")
    ] == [line.id]


def test_a_bad_file_is_refused_with_nothing_written(session: Session) -> None:
    account = make_account(session)
    content = (FIXTURES / "releve_fr.csv").read_bytes().replace(b"240,00", b"2 4O,00")

    with pytest.raises(StatementRejected) as caught:
        service.import_statement(session, account.id, file_name="releve.csv", content=content)

    assert [issue.field for issue in caught.value.issues] == ["line 4 / Crédit"]
    assert _count(session, BankStatement) == 0
    assert _count(session, BankLine) == 0


def test_a_statement_of_another_account_is_refused(session: Session) -> None:
    account = make_account(session, iban="FR1420041010050500013M02606")

    with pytest.raises(StatementWrongAccount):
        service.import_statement(
            session,
            account.id,
            file_name="x.xml",
            content=(FIXTURES / "camt053_001_08.xml").read_bytes(),
        )

    assert _count(session, BankLine) == 0


def test_a_transfer_citing_an_invoice_settles_it_and_letters_the_customer(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    invoice = issue_invoice(session, clock, "Atelier Durand SARL", date(2026, 11, 24), 20000)
    account = make_account(session)
    content = _statement(_transfer(24000, invoice.number, "Atelier Durand SARL"))

    outcome = service.import_statement(session, account.id, file_name="d.xml", content=content)

    assert outcome.reconciled is not None
    assert outcome.reconciled.matched == 1
    session.refresh(invoice)
    assert invoice.status == "paid"
    assert invoice.amount_paid_minor == 24000
    line = session.scalars(select(BankLine)).one()
    assert line.status == "matched"
    match = session.scalars(select(BankMatch)).one()
    assert (match.status, match.target_key, match.amount_minor) == ("auto", str(invoice.id), 24000)
    assert match.confidence >= Decimal("0.85")
    customer_lines = session.scalars(
        select(EntryLine).where(EntryLine.account_number == "411000")
    ).all()
    assert len(customer_lines) == 2
    assert all(cl.lettering for cl in customer_lines)
    bank_line = session.scalars(select(EntryLine).where(EntryLine.account_number == "512000")).one()
    assert bank_line.debit_minor == 24000


def test_fees_and_card_payouts_are_posted_and_the_takings_lettered(session: Session) -> None:
    from comptoir.billing.ledger import service as ledger

    ledger.ensure_chart(session)
    post_takings(session, date(2026, 11, 30), [10000, 5000], account="511510")
    account = make_account(session)
    payout = demo.DemoLine(
        date(2026, 12, 2),
        15000 - (225 + 50),
        "VIR STRIPE PAYMENTS EUROPE PAYOUT",
        "payout",
        frozenset(),
    )
    fee = demo.DemoLine(date(2026, 12, 3), -1290, "FRAIS TENUE DE COMPTE", "fee", frozenset())

    outcome = service.import_statement(
        session, account.id, file_name="d.xml", content=_statement(payout, fee)
    )

    assert outcome.reconciled is not None
    assert outcome.reconciled.matched == 2
    takings = session.scalars(select(EntryLine).where(EntryLine.account_number == "511510")).all()
    assert sum(t.debit_minor for t in takings) == sum(t.credit_minor for t in takings) == 15000
    assert len({t.lettering for t in takings}) == 1
    assert takings[0].lettering
    fees = session.scalars(select(EntryLine).where(EntryLine.account_number == "627000")).all()
    assert sorted(f.debit_minor for f in fees) == [275, 1290]
    bank = session.scalars(select(EntryLine).where(EntryLine.account_number == "512000")).all()
    assert sum(b.debit_minor - b.credit_minor for b in bank) == 14725 - 1290


def test_a_supplier_payment_pays_the_bill(session: Session) -> None:
    from comptoir.billing.ledger import service as ledger

    ledger.ensure_chart(session)
    supplier = make_supplier(session, name="Papeterie Moderne")
    bill_id = approved_bill(session, supplier.id, "F-2611-004", date(2026, 11, 2), Decimal("100"))
    account = make_account(session)
    payment = demo.DemoLine(
        date(2026, 12, 2),
        -12000,
        "VIR SEPA EMIS /A PAPETERIE MODERNE",
        "bill",
        frozenset(),
        unstructured="FACTURE F-2611-004",
        name="Papeterie Moderne",
    )

    outcome = service.import_statement(
        session, account.id, file_name="d.xml", content=_statement(payment)
    )

    assert outcome.reconciled is not None
    assert outcome.reconciled.matched == 1
    bill = bills.get_bill(session, bill_id)
    assert (bill.status, bill.amount_paid_minor) == ("paid", 12000)
    supplier_lines = session.scalars(
        select(EntryLine).where(EntryLine.account_number == "401000")
    ).all()
    assert len(supplier_lines) == 2
    assert {sl.lettering for sl in supplier_lines} == {
        session.scalars(select(BankMatch)).one().lettering
    }


def test_a_doubtful_line_waits_then_a_person_confirms_or_rejects(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    first = issue_invoice(session, clock, "Hôtel du Parc", date(2026, 11, 24), 25000)
    second = issue_invoice(session, clock, "Hôtel du Parc", date(2026, 11, 25), 25000)
    account = make_account(session)
    content = _statement(
        _transfer(30000, None, "Hôtel du Parc"),
        _transfer(30000, None, "Hôtel du Parc", date(2026, 12, 2)),
    )

    outcome = service.import_statement(session, account.id, file_name="d.xml", content=content)

    # the same customer owes the same amount twice: nothing is applied on its own
    assert outcome.reconciled is not None
    assert (outcome.reconciled.matched, outcome.reconciled.suggested) == (0, 2)
    line = session.scalars(select(BankLine).where(BankLine.position == 1)).one()
    proposals = service.line_matches(session, line.id)
    assert {p.target_key for p in proposals} == {str(first.id), str(second.id)}
    assert all(p.status == "proposed" for p in proposals)

    # a person rejects one, confirms the other
    rejected = next(p for p in proposals if p.target_key == str(second.id))
    chosen = next(p for p in proposals if p.target_key == str(first.id))
    service.reject_match(session, rejected.id, actor="compta")
    service.confirm_match(session, chosen.id, actor="compta")

    assert line.status == "matched"
    session.refresh(first)
    session.refresh(second)
    assert (first.status, second.status) == ("paid", "issued")
    assert rejected.status == "rejected"
    assert rejected.decided_by == "compta"
    with pytest.raises(BankMatchStateConflict):
        service.confirm_match(session, rejected.id, actor="compta")
    # the other line is proposed only what is left: the second invoice
    summary = service.reconcile_account(session, account.id)
    assert (summary.matched, summary.suggested) == (0, 1)
    other = session.scalars(select(BankLine).where(BankLine.position == 2)).one()
    assert [p.target_key for p in service.line_matches(session, other.id)] == [str(second.id)]


def test_manual_match_and_ignore(session: Session, clock: FrozenClock) -> None:
    make_seller(session)
    invoice = issue_invoice(session, clock, "Librairie Lefèvre", date(2026, 11, 24), 10000)
    account = make_account(session)
    stranger = _transfer(12000, "MERCI", "Inconnu Total")
    other = _transfer(5000, None, "Personne")
    service.import_statement(
        session, account.id, file_name="d.xml", content=_statement(stranger, other)
    )
    first, second = session.scalars(select(BankLine).order_by(BankLine.position)).all()
    assert (first.status, second.status) == ("unmatched", "unmatched")

    options = service.search_targets(session, first.id, "lefevre")
    assert [(o.target_type, o.target_key) for o in options] == [("invoice", str(invoice.id))]
    with pytest.raises(MatchTargetInvalid):
        service.manual_match(
            session, first.id, target_type="bill", target_key=str(invoice.id), actor="a"
        )
    service.manual_match(
        session, first.id, target_type="invoice", target_key=str(invoice.id), actor="a"
    )
    service.ignore_line(session, second.id, note="Virement interne", actor="a")

    assert (first.status, second.status) == ("matched", "ignored")
    session.refresh(invoice)
    assert invoice.status == "paid"
    assert session.scalars(select(BankMatch)).one().status == "confirmed"
    with pytest.raises(BankLineStateConflict):
        service.ignore_line(session, first.id, note=None, actor="a")
    entries = session.scalars(select(Entry).where(Entry.source_type == "settlement")).all()
    assert len(entries) == 1


def test_the_database_refuses_one_target_applied_to_two_lines(session: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    from comptoir.kit.ids import uuid7

    account = make_account(session)
    service.import_statement(
        session,
        account.id,
        file_name="m.xml",
        content=(FIXTURES / "camt053_001_02.xml").read_bytes(),
        auto_match=False,
    )
    first, second = session.scalars(select(BankLine).order_by(BankLine.position).limit(2)).all()

    def applied(line: BankLine, target_type: str = "invoice") -> BankMatch:
        return BankMatch(
            line_id=line.id,
            proposal_id=uuid7(),
            target_type=target_type,
            target_key="627000" if target_type == "bank_fee" else "same-invoice",
            target_label="x",
            amount_minor=line.amount_minor,
            confidence=Decimal("0.9"),
            reasons=[],
            status="auto",
        )

    # bank fees are one account for every line; any other target is applied once
    session.add_all([applied(first, "bank_fee"), applied(second, "bank_fee"), applied(first)])
    session.flush()
    session.add(applied(second))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def _balances(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(
            EntryLine.account_number, func.sum(EntryLine.debit_minor - EntryLine.credit_minor)
        ).group_by(EntryLine.account_number)
    )
    return {account: int(balance) for account, balance in rows if balance}


def _open_items(session: Session, account_number: str) -> int:
    """How many lines of the account are not lettered."""
    stmt = select(func.count()).select_from(EntryLine)
    stmt = stmt.where(EntryLine.lettering.is_(None), EntryLine.account_number == account_number)
    return session.scalar(stmt) or 0


def test_a_line_matched_by_mistake_is_reopened_and_matched_again_by_hand(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    right = issue_invoice(session, clock, "Atelier Durand SARL", date(2026, 11, 24), 20000)
    wrong = issue_invoice(session, clock, "Atelier Durand SARL", date(2026, 11, 25), 20000)
    account = make_account(session)
    service.import_statement(
        session,
        account.id,
        file_name="d.xml",
        content=_statement(_transfer(24000, wrong.number, "Atelier Durand SARL")),
    )
    line = session.scalars(select(BankLine)).one()
    session.refresh(wrong)
    assert (line.status, wrong.status) == ("matched", "paid")
    before = _balances(session)

    service.reopen_line(session, line.id, actor="compta")

    session.refresh(wrong)
    assert (line.status, wrong.status, wrong.amount_paid_minor) == ("unmatched", "issued", 0)
    assert wrong.paid_at is None
    match = session.scalars(select(BankMatch)).one()
    assert (match.status, match.decided_by, match.lettering) == ("rejected", "compta", None)
    # the books: the settlement is reversed (nothing deleted), the bank is back where it was
    balances = _balances(session)
    assert balances.get("512000", 0) == before["512000"] - 24000
    assert balances["411000"] == before["411000"] + 24000
    reversal = session.scalars(select(Entry).where(Entry.purpose == "reversal")).one()
    assert reversal.entry_date == DAY
    # both invoices are open items again; the settlement and its reversal letter each other
    assert _open_items(session, "411000") == 2
    # reconciling again never proposes the match that was undone: the other invoice of the
    # customer, for the same amount, is now the only candidate
    summary = service.reconcile_account(session, account.id)

    assert summary.matched == 1
    matches = {(m.target_key, m.status) for m in service.line_matches(session, line.id)}
    assert matches == {(str(wrong.id), "rejected"), (str(right.id), "auto")}
    session.refresh(right)
    assert right.status == "paid"
    assert _open_items(session, "411000") == 1  # the wrong invoice, owed again


def test_an_undone_payout_and_fee_free_the_takings_and_a_set_aside_line_is_reopened(
    session: Session,
) -> None:
    from comptoir.billing.ledger import service as ledger

    ledger.ensure_chart(session)
    post_takings(session, date(2026, 11, 30), [10000, 5000], account="511510")
    account = make_account(session)
    payout = demo.DemoLine(
        date(2026, 12, 2), 14725, "VIR STRIPE PAYMENTS EUROPE PAYOUT", "payout", frozenset()
    )
    fee = demo.DemoLine(date(2026, 12, 3), -1290, "FRAIS TENUE DE COMPTE", "fee", frozenset())
    stranger = _transfer(5000, None, "Personne")
    service.import_statement(
        session, account.id, file_name="d.xml", content=_statement(payout, fee, stranger)
    )
    paid_out, charged, unknown = session.scalars(select(BankLine).order_by(BankLine.position))
    service.ignore_line(session, unknown.id, note="Virement interne", actor="a")
    assert (paid_out.status, charged.status, unknown.status) == ("matched", "matched", "ignored")
    assert _open_items(session, "511510") == 0

    for line in (paid_out, charged, unknown):
        service.reopen_line(session, line.id, actor="compta")

    assert {line.status for line in (paid_out, charged, unknown)} == {"unmatched"}
    assert unknown.note is None
    balances = _balances(session)
    assert balances["511510"] == 15000  # the takings wait for their payout again
    assert "512000" not in balances
    assert "627000" not in balances
    assert _open_items(session, "511510") == 2  # the two takings; transfer and reversal lettered
    with pytest.raises(BankLineNotReconciled):
        service.reopen_line(session, paid_out.id, actor="compta")


def test_a_bill_paid_by_mistake_is_owed_again(session: Session) -> None:
    from comptoir.billing.ledger import service as ledger

    ledger.ensure_chart(session)
    supplier = make_supplier(session, name="Papeterie Moderne")
    bill_id = approved_bill(session, supplier.id, "F-2611-004", date(2026, 11, 2), Decimal("100"))
    account = make_account(session)
    payment = demo.DemoLine(
        date(2026, 12, 2),
        -12000,
        "VIR SEPA EMIS /A PAPETERIE MODERNE",
        "bill",
        frozenset(),
        unstructured="FACTURE F-2611-004",
        name="Papeterie Moderne",
    )
    service.import_statement(session, account.id, file_name="d.xml", content=_statement(payment))
    line = session.scalars(select(BankLine)).one()

    service.reopen_line(session, line.id, actor="compta")

    bill = bills.get_bill(session, bill_id)
    assert (bill.status, bill.amount_paid_minor, bill.payments) == ("posted", 0, [])
    assert _balances(session)["401000"] == -12000
    assert _open_items(session, "401000") == 1  # the bill; payment and reversal lettered
