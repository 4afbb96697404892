"""The ledger entries of invoices and settlements, through
:mod:`comptoir.billing.ledger.posting` (imported when first used, so that loading the
invoices never depends on loading the ledger)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice, Settlement


def post_invoice(session: Session, invoice: Invoice, *, actor: str | None) -> None:
    """The sales-journal entry of an issued invoice or credit note (idempotent)."""
    from comptoir.billing.ledger import posting

    posting.post_invoice(session, invoice, actor=actor)


def post_settlement(session: Session, invoice: Invoice, settlement: Settlement) -> None:
    """The treasury entry of money received or paid back (none for a credit-note set-off)."""
    from comptoir.billing.ledger import posting

    posting.post_settlement(session, invoice, settlement)


def cancel_settlement(session: Session, settlement: Settlement, *, actor: str | None) -> None:
    """Reverse the treasury entry of a settlement recorded by mistake (if it posted one)."""
    from comptoir.billing.ledger import service

    entry = service.find_by_source(session, "settlement", settlement.id, "payment")
    if entry is not None:
        service.cancel_entry(session, entry.id, actor=actor)


def post_advance(
    session: Session,
    *,
    payment_id: uuid.UUID,
    amount_minor: int,
    method: str,
    reference: str | None,
    paid_on: date,
    piece_ref: str,
) -> None:
    """The customer advance of a payment received before its order is invoiced (idempotent)."""
    from comptoir.billing.ledger import advances, posting

    advances.post_advance(
        session, payment_id=payment_id, amount_minor=amount_minor,
        treasury=posting.treasury_of(method, reference), paid_on=paid_on, piece_ref=piece_ref,
        reference=reference,
    )  # fmt: skip


def has_advance(session: Session, payment_id: uuid.UUID) -> bool:
    from comptoir.billing.ledger import advances

    return advances.advance_of(session, payment_id) is not None


def refund_advance(
    session: Session,
    *,
    payment_id: uuid.UUID,
    amount_minor: int,
    method: str,
    reference: str | None,
    on: date,
    source_id: uuid.UUID,
) -> int:
    """Give back, from the payment's order advance, up to ``amount_minor`` refunded before
    any invoice; returns the amount booked (0: no advance left)."""
    from comptoir.billing.ledger import advances, posting
    from comptoir.billing.ledger.entries import find_by_source

    advance = advances.advance_of(session, payment_id)
    if advance is None:
        return 0
    existing = find_by_source(session, "refund", source_id, advances.ADVANCE_PURPOSE)
    if existing is not None:
        return sum(line.credit_minor for line in existing.lines)
    amount = min(amount_minor, advances.advance_left(session, advance))
    if amount <= 0:
        return 0
    advances.refund_advance(
        session, advance=advance, amount_minor=amount,
        treasury=posting.treasury_of(method, reference), on=on, reference=reference,
        source_id=source_id,
    )  # fmt: skip
    return amount
