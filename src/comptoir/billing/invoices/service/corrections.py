"""Credit notes of orders: units returned or cancelled, or money refunded outside Comptoir,
are credited on the order's invoices (the oldest first), and the money refunded is settled on
those credit notes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice, InvoiceLine, Settlement
from comptoir.billing.invoices.service.amount_credits import credit_amount, creditable_minor
from comptoir.billing.invoices.service.common import ZERO, amount_due, payable
from comptoir.billing.invoices.service.credit_notes import (
    credit_note,
    credit_notes_of,
    find_credit_note,
    remaining,
)
from comptoir.billing.invoices.service.from_orders import order_invoices, settlement_method
from comptoir.billing.invoices.service.settlements import settle
from comptoir.orders import service as orders


def credit_order_units(
    session: Session,
    order_id: uuid.UUID,
    units: Mapping[uuid.UUID, int],
    *,
    with_shipping: bool,
    reason: str,
    source_type: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> list[Invoice]:
    """Credit ``units`` (order line id to units) of the order, and its delivery fee with
    ``with_shipping``, on its invoices, never more than each invoice has uncredited.
    Idempotent on the source. Returns the credit notes (none when nothing was invoiced)."""
    wanted = {line_id: Decimal(quantity) for line_id, quantity in units.items()}
    notes = []
    for invoice in order_invoices(session, order_id):
        existing = find_credit_note(session, invoice.id, source_type, source_id)
        if existing is not None:
            for line in existing.lines:
                if line.order_line_id in wanted:
                    wanted[line.order_line_id] -= Decimal(line.quantity)
            notes.append(existing)
            continue
        left = remaining(session, invoice)
        lines: dict[uuid.UUID, Decimal] = {}
        for line in invoice.lines:
            units_left = left[line.id][0]
            if units_left <= ZERO:
                continue
            if line.kind == "shipping" and with_shipping:
                lines[line.id] = units_left
            elif line.order_line_id is not None and wanted.get(line.order_line_id, ZERO) > ZERO:
                quantity = min(wanted[line.order_line_id], units_left)
                lines[line.id] = quantity
                wanted[line.order_line_id] -= quantity
        if lines:
            notes.append(
                credit_note(
                    session,
                    invoice.id,
                    lines=lines,
                    reason=reason,
                    source_type=source_type,
                    source_id=source_id,
                    actor=actor,
                )
            )
    return notes


def _credited_for_cancellations(session: Session, order_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            Invoice.order_id == order_id,
            Invoice.kind == "credit_note",
            Invoice.source_type == "cancellation",
            InvoiceLine.order_line_id.is_not(None),
        )
        .group_by(InvoiceLine.order_line_id)
    )
    return {line_id: int(quantity) for line_id, quantity in rows if line_id is not None}


def credit_cancellation(
    session: Session, order_id: uuid.UUID, *, source_id: uuid.UUID, reason: str
) -> list[Invoice]:
    """Credit the order's cancelled units not credited yet (and the delivery fee once the
    whole order is cancelled). Returns the credit notes made."""
    order = orders.get_order(session, order_id)
    done = _credited_for_cancellations(session, order.id)
    units = {
        line.id: line.cancelled_quantity - done.get(line.id, 0)
        for line in order.lines
        if line.cancelled_quantity > done.get(line.id, 0)
    }
    whole = order.status == "cancelled"
    if not units and not whole:
        return []
    return credit_order_units(
        session, order.id, units, with_shipping=whole, reason=reason,
        source_type="cancellation", source_id=source_id,
    )  # fmt: skip


def credit_refund(
    session: Session,
    order_id: uuid.UUID,
    *,
    amount_minor: int,
    reason: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> tuple[list[Invoice], int]:
    """Credit money refunded without naming units (a refund made in the payment provider's
    dashboard) on the order's invoices, the oldest first: an invoice not yet credited and
    refunded in full gets a credit note of all its lines, otherwise a credit note of the
    amount spread over its VAT rates (:func:`credit_amount`), each never more than the
    invoice may still give back. Idempotent on the source. Returns the credit notes and the
    part of the amount no invoice could take (nothing invoiced yet, everything credited)."""
    left = amount_minor
    notes = []
    for invoice in order_invoices(session, order_id):
        if left <= 0:
            break
        existing = find_credit_note(session, invoice.id, "refund", source_id)
        if existing is None:
            most = creditable_minor(session, invoice)
            if most <= 0:
                continue
            untouched = not any(
                n.status != "cancelled" for n in credit_notes_of(session, invoice.id)
            )
            if untouched and left >= most:
                existing = credit_note(
                    session, invoice.id, lines=None, reason=reason,
                    source_type="refund", source_id=source_id, actor=actor,
                )  # fmt: skip
            else:
                existing = credit_amount(
                    session, invoice.id, amount_minor=min(left, most), reason=reason,
                    source_type="refund", source_id=source_id, actor=actor,
                )  # fmt: skip
        notes.append(existing)
        left -= payable(existing)
    return notes, max(left, 0)


def settle_refund(
    session: Session,
    notes: Sequence[Invoice],
    *,
    amount_minor: int,
    provider: str,
    reference: str,
    source_id: uuid.UUID,
    settled_on: date,
) -> list[Settlement]:
    """Settle the money refunded on the credit notes, each up to what it still has to pay
    back; the last takes what is left (a cent of VAT rounding included)."""
    left = amount_minor
    settled = []
    open_notes = [note for note in notes if amount_due(note) > 0]
    for n, note in enumerate(open_notes):
        take = left if n == len(open_notes) - 1 else min(left, amount_due(note))
        if take <= 0:
            break
        settled.append(
            settle(
                session,
                note.id,
                amount_minor=take,
                settled_on=settled_on,
                method=settlement_method(provider),
                reference=reference,
                source_type="refund",
                source_id=source_id,
            )
        )
        left -= take
    return settled
