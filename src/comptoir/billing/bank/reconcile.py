"""From the books to the matching engine and back: the candidates a statement line may pay
(open invoices, card sales waiting for their payout, open supplier bills), and applying a
decided match (settle the invoice, post the payout or the fee, pay the bill, letter).

Card payouts are read from the ledger: each day's card takings sit as debits on ``511500``
(``511510`` for Stripe) until the acquirer's payout reaches the bank; applying the payout
posts D 512 / D 627 (the fee) / C 511 and letters the day's 511 lines with it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.bank.matching import (
    BANK_FEE_ACCOUNT,
    Allocation,
    Candidates,
    ExpectedPayout,
    OpenBill,
    OpenInvoice,
    fold,
)
from comptoir.billing.bank.models import APPLIED_STATUSES, BankAccount, BankLine, BankMatch
from comptoir.billing.bills import service as bills
from comptoir.billing.invoices import service as invoices
from comptoir.billing.ledger import posting
from comptoir.billing.ledger import service as ledger
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.orders import service as orders
from comptoir.purchasing import service as purchasing

CARD_ACCOUNTS: Final = {"511500": "CB", "511510": "Stripe"}


@dataclass(frozen=True, slots=True)
class CardFees:
    """What an acquirer keeps: ``rate`` of the takings plus ``fixed_minor`` per payment."""

    rate: Decimal
    fixed_minor: int

    def of(self, gross_minor: int, payments: int) -> int:
        share = (Decimal(gross_minor) * self.rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(share) + self.fixed_minor * payments


CARD_FEES: Final = {
    "511500": CardFees(Decimal("0.0120"), 5),
    "511510": CardFees(Decimal("0.0150"), 25),
}
"""The usual European rates (a bank's card terminal contract; Stripe's standard pricing)."""


@dataclass(slots=True)
class Books:
    """The candidates, and what the engine's keys stand for."""

    candidates: Candidates
    invoice_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    bill_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    parties: dict[tuple[str, str], str] = field(default_factory=dict)


def payout_key(account: str, day: date) -> str:
    return f"card:{account}:{day.isoformat()}"


def _known_ibans(session: Session) -> dict[str, frozenset[str]]:
    """Counterpart IBANs of applied matches, per party."""
    rows = session.execute(
        select(BankMatch.party_key, BankLine)
        .join(BankLine, BankLine.id == BankMatch.line_id)
        .where(BankMatch.status.in_(APPLIED_STATUSES), BankMatch.party_key.is_not(None))
    ).all()
    found: dict[str, set[str]] = defaultdict(set)
    for party, line in rows:
        if party and line.counterpart_iban:
            found[party].add(line.counterpart_iban)
    return {party: frozenset(ibans) for party, ibans in found.items()}


def _applied_keys(session: Session, target_type: str) -> set[str]:
    return set(
        session.scalars(
            select(BankMatch.target_key).where(
                BankMatch.target_type == target_type, BankMatch.status.in_(APPLIED_STATUSES)
            )
        )
    )


def gather(session: Session, currency: str) -> Books:
    """Everything a line in ``currency`` may pay, as the matching engine reads it."""
    ibans = _known_ibans(session)
    books = Books(candidates=Candidates())
    found_invoices = _invoices(session, currency, ibans, books)
    found_bills = _bills(session, currency, ibans, books)
    books.candidates = Candidates(
        invoices=found_invoices, payouts=expected_payouts(session, currency), bills=found_bills
    )
    return books


def _invoices(
    session: Session, currency: str, ibans: dict[str, frozenset[str]], books: Books
) -> list[OpenInvoice]:
    found = []
    for invoice in invoices.open_invoices(session, currency=currency):
        if invoice.kind != "invoice" or not invoice.number:
            continue
        remaining = invoices.amount_due(invoice)
        if remaining <= 0:
            continue
        key = str(invoice.id)
        party = _customer_party(invoice.customer_id, invoice.buyer_name)
        order_number = None
        if invoice.order_id is not None:
            order_number = orders.get_order(session, invoice.order_id).number
        found.append(
            OpenInvoice(
                key=key,
                number=invoice.number,
                remaining_minor=remaining,
                currency=invoice.currency,
                buyer_name=invoice.buyer_name,
                order_number=order_number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                party_key=party,
                known_ibans=ibans.get(party, frozenset()) if party else frozenset(),
            )
        )
        books.invoice_ids[key] = invoice.id
        if party:
            books.parties[("invoice", key)] = party
    return found


def _customer_party(customer_id: uuid.UUID | None, buyer_name: str | None) -> str | None:
    """A customer's key; a business invoiced by hand without a customer record is known by
    its name."""
    if customer_id is not None:
        return f"customer:{customer_id}"
    name = fold(buyer_name)
    return f"buyer:{name}"[:80] if name else None


def _bills(
    session: Session, currency: str, ibans: dict[str, frozenset[str]], books: Books
) -> list[OpenBill]:
    found = []
    names: dict[uuid.UUID, str] = {}
    for bill in bills.open_bills(session, currency=currency):
        remaining = bill.total_gross_minor - bill.amount_paid_minor
        if remaining <= 0 or bill.is_credit:
            continue
        if bill.supplier_id not in names:
            names[bill.supplier_id] = purchasing.get_supplier(session, bill.supplier_id).name
        key = str(bill.id)
        party = f"supplier:{bill.supplier_id}"
        found.append(
            OpenBill(
                key=key,
                number=bill.supplier_invoice_number,
                remaining_minor=remaining,
                currency=bill.currency,
                supplier_name=names[bill.supplier_id],
                due_date=bill.due_date,
                party_key=party,
                known_ibans=ibans.get(party, frozenset()),
            )
        )
        books.bill_ids[key] = bill.id
        books.parties[("bill", key)] = party
    return found


def expected_payouts(session: Session, currency: str) -> list[ExpectedPayout]:
    """Each day's card takings not yet paid out (unlettered debits on 511500 / 511510)."""
    if currency != "EUR":
        return []
    rows = session.execute(
        select(
            EntryLine.account_number,
            Entry.entry_date,
            func.sum(EntryLine.debit_minor),
            func.count(EntryLine.id),
        )
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(
            EntryLine.account_number.in_(list(CARD_ACCOUNTS)),
            EntryLine.lettering.is_(None),
            EntryLine.debit_minor > 0,
        )
        .group_by(EntryLine.account_number, Entry.entry_date)
    ).all()
    applied = _applied_keys(session, "card_payout")
    payouts = []
    for account, day, gross, count in rows:
        key = payout_key(account, day)
        if key in applied or not gross:
            continue
        fees = CARD_FEES[account]
        expected_fee = fees.of(int(gross), int(count))
        payouts.append(
            ExpectedPayout(
                key=key,
                label=f"{CARD_ACCOUNTS[account]} {day:%d/%m/%Y}",
                sales_date=day,
                gross_minor=int(gross),
                currency=currency,
                expected_fee_minor=expected_fee,
                # a fixed fee per payment weighs more than 4 % on a day of small sales
                max_fee_minor=max(int(gross) * 4 // 100, 2 * expected_fee),
            )
        )
    return payouts


# ---------------------------------------------------------------- applying


def apply_allocation(
    session: Session, account: BankAccount, line: BankLine, allocation: Allocation
) -> str | None:
    """Book what ``allocation`` says the line pays; returns the lettering code when the
    treasury account's lines could be lettered here (invoices are lettered by the ledger's
    settlement posting itself)."""
    reference = (line.reference or line.end_to_end_id or line.label or "")[:100] or None
    if allocation.target_type == "invoice":
        invoices.settle(
            session,
            uuid.UUID(allocation.target_key),
            amount_minor=allocation.amount_minor,
            settled_on=line.booking_date,
            method="bank_transfer",
            reference=reference,
            source_type="bank_line",
            source_id=line.id,
        )
        return None
    if allocation.target_type == "bill":
        bills.pay(
            session,
            uuid.UUID(allocation.target_key),
            amount_minor=-allocation.amount_minor,
            paid_on=line.booking_date,
            reference=reference,
            source_type="bank_line",
            source_id=line.id,
        )
        return _letter_bill(session, uuid.UUID(allocation.target_key), line.booking_date)
    if allocation.target_type == "card_payout":
        return _apply_payout(session, account, line, allocation)
    _apply_fee(session, account, line)
    return None


def undo_allocation(
    session: Session, line: BankLine, match: BankMatch, *, actor: str | None
) -> None:
    """Take back what :func:`apply_allocation` booked for ``match``: the invoice's settlement
    or the bill's payment is cancelled, the payout transfer or the bank fee reversed; each
    reversal leaves the open items with its original (the card takings wait for a payout
    again)."""
    if match.target_type == "invoice":
        invoices.cancel_settlement(
            session,
            uuid.UUID(match.target_key),
            source_type="bank_line",
            source_id=line.id,
            actor=actor,
        )
        return
    if match.target_type == "bill":
        bills.cancel_payment(
            session,
            uuid.UUID(match.target_key),
            source_type="bank_line",
            source_id=line.id,
            actor=actor,
        )
        return
    purpose = "transfer" if match.target_type == "card_payout" else "fee"
    entry = ledger.find_by_source(session, "bank_line", line.id, purpose)
    if entry is not None:
        ledger.cancel_entry(session, entry.id, actor=actor)


def _letter_bill(session: Session, bill_id: uuid.UUID, on: date) -> str | None:
    """Letter the supplier's 401 lines of the bill and its payments once they cancel out."""
    bill = bills.get_bill(session, bill_id)
    entry_ids = [bill.entry_id, *(p.entry_id for p in bill.payments)]
    lines = list(
        session.scalars(
            select(EntryLine).where(
                EntryLine.entry_id.in_([e for e in entry_ids if e is not None]),
                EntryLine.account_number == "401000",
                EntryLine.lettering.is_(None),
            )
        )
    )
    balance = sum(item.debit_minor - item.credit_minor for item in lines)
    if len(lines) < 2 or balance != 0 or len({item.auxiliary_number for item in lines}) != 1:
        return None
    return ledger.letter(session, [item.id for item in lines], on=on)


def _piece_ref(line: BankLine) -> str:
    return (line.bank_reference or f"BQ-{line.booking_date:%Y%m%d}-{line.position}")[:60]


def _apply_fee(session: Session, account: BankAccount, line: BankLine) -> None:
    fee = -line.amount_minor
    label = (line.label or "Frais bancaires")[:200]
    ledger.post_entry(
        session,
        journal=account.journal_code,
        entry_date=line.booking_date,
        label=label,
        piece_ref=_piece_ref(line),
        lines=[
            ledger.LineSpec(account=BANK_FEE_ACCOUNT, debit_minor=fee, label=label),
            ledger.LineSpec(account=account.ledger_account, credit_minor=fee, label=label),
        ],
        source_type="bank_line",
        source_id=line.id,
        purpose="fee",
    )


def _apply_payout(
    session: Session, account: BankAccount, line: BankLine, allocation: Allocation
) -> str | None:
    _, card_account, day_text = allocation.target_key.split(":", 2)
    day = date.fromisoformat(day_text)
    takings = list(
        session.scalars(
            select(EntryLine)
            .join(Entry, Entry.id == EntryLine.entry_id)
            .where(
                EntryLine.account_number == card_account,
                EntryLine.lettering.is_(None),
                EntryLine.debit_minor > 0,
                Entry.entry_date == day,
            )
        )
    )
    gross = sum(taking.debit_minor for taking in takings)
    label = f"Remise {allocation.target_label}"[:200]
    entry = posting.post_bank_transfer(
        session,
        amount_minor=line.amount_minor,
        on=line.booking_date,
        from_account=card_account,
        to_account=account.ledger_account,
        fee_minor=gross - line.amount_minor,
        label=label,
        piece_ref=_piece_ref(line),
        source_type="bank_line",
        source_id=line.id,
    )
    cleared = [item for item in entry.lines if item.account_number == card_account]
    if not takings or not cleared:
        return None
    return ledger.letter(
        session, [*(t.id for t in takings), *(c.id for c in cleared)], on=line.booking_date
    )
