"""Money received on an order before it is invoiced (a channel invoicing on shipment): a
customer advance (PCG 4191), booked on the day it was paid so that card takings wait for their
payout on the right day.

- received: D treasury / C 419100, in the treasury's journal, dated the payment;
- invoiced: the invoice's settlement from that payment moves it to the customer's account,
  D 419100 / C 411000 (the customer's auxiliary), in OD;
- refunded before any invoice: D 419100 / C treasury.

Goods owe their VAT on delivery, so an advance carries none. Every entry of an order's advance
has the order's number as piece reference; the 419100 lines of a piece are lettered once they
cancel out. Every rule is idempotent through its source."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.entries import LineSpec, find_by_source, post_entry
from comptoir.billing.ledger.lettering import letter
from comptoir.billing.ledger.models import Entry, EntryLine

ADVANCES: Final = "419100"
ADVANCE_PURPOSE: Final = "advance"


def advance_of(session: Session, payment_id: uuid.UUID) -> Entry | None:
    """The advance booked for a payment, if any."""
    return find_by_source(session, "payment", payment_id, ADVANCE_PURPOSE)


def post_advance(
    session: Session,
    *,
    payment_id: uuid.UUID,
    amount_minor: int,
    treasury: tuple[str, str],
    paid_on: date,
    piece_ref: str,
    reference: str | None,
) -> Entry:
    """Book money received before the invoice: D treasury / C 419100 (``treasury`` is the
    (account, journal) where the money waits)."""
    account, journal = treasury
    label = " ".join(p for p in ("Acompte commande", piece_ref, reference) if p)[:200]
    return post_entry(
        session,
        journal=journal,
        entry_date=paid_on,
        label=label,
        piece_ref=piece_ref[:60],
        lines=[
            LineSpec(account=account, debit_minor=amount_minor, label=label),
            LineSpec(account=ADVANCES, credit_minor=amount_minor, label=label),
        ],
        source_type="payment",
        source_id=payment_id,
        purpose=ADVANCE_PURPOSE,
    )


def apply_advance(
    session: Session,
    *,
    advance: Entry,
    settlement_id: uuid.UUID,
    amount_minor: int,
    on: date,
    customers_account: str,
    auxiliary: str,
    label: str,
) -> Entry:
    """The invoice settled from an advance: D 419100 / C the customer's account, in OD."""
    entry = post_entry(
        session,
        journal="OD",
        entry_date=on,
        label=label,
        piece_ref=advance.piece_ref,
        lines=[
            LineSpec(account=ADVANCES, debit_minor=amount_minor, label=label),
            LineSpec(
                account=customers_account,
                credit_minor=amount_minor,
                label=label,
                auxiliary=auxiliary,
            ),
        ],
        source_type="settlement",
        source_id=settlement_id,
        purpose="payment",
    )
    letter_advances(session, advance.piece_ref, on)
    return entry


def advance_left(session: Session, advance: Entry) -> int:
    """What is left of the advances of ``advance``'s piece (its order): credits less debits
    of their 419100 lines."""
    rows = session.execute(
        select(EntryLine.credit_minor, EntryLine.debit_minor)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(EntryLine.account_number == ADVANCES, Entry.piece_ref == advance.piece_ref)
    )
    return sum(credit - debit for credit, debit in rows)


def refund_advance(
    session: Session,
    *,
    advance: Entry,
    amount_minor: int,
    treasury: tuple[str, str],
    on: date,
    reference: str | None,
    source_id: uuid.UUID,
) -> Entry:
    """Money paid back before any invoice: D 419100 / C treasury."""
    account, journal = treasury
    label = " ".join(
        p for p in ("Remboursement acompte commande", advance.piece_ref, reference) if p
    )[:200]
    entry = post_entry(
        session,
        journal=journal,
        entry_date=on,
        label=label,
        piece_ref=advance.piece_ref,
        lines=[
            LineSpec(account=ADVANCES, debit_minor=amount_minor, label=label),
            LineSpec(account=account, credit_minor=amount_minor, label=label),
        ],
        source_type="refund",
        source_id=source_id,
        purpose=ADVANCE_PURPOSE,
    )
    letter_advances(session, advance.piece_ref, on)
    return entry


def letter_advances(session: Session, piece_ref: str, on: date) -> str | None:
    """Letter the open 419100 lines of an order once they cancel out."""
    lines = list(
        session.scalars(
            select(EntryLine)
            .join(Entry, Entry.id == EntryLine.entry_id)
            .where(
                EntryLine.account_number == ADVANCES,
                EntryLine.lettering.is_(None),
                Entry.piece_ref == piece_ref,
            )
        )
    )
    balance = sum(line.credit_minor - line.debit_minor for line in lines)
    if len(lines) < 2 or balance != 0:
        return None
    return letter(session, [line.id for line in lines], on=on)
