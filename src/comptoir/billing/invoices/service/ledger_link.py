"""The ledger entries of invoices and settlements, through
:mod:`comptoir.billing.ledger.posting` (imported when first used, so that loading the
invoices never depends on loading the ledger)."""

from __future__ import annotations

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
