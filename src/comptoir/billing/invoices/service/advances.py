"""Payments received before their order is invoiced (channels invoicing on shipment, orders
invoiced by hand): each is a customer advance in the books on the day it was paid, applied to
the invoices when they come (see :mod:`comptoir.billing.ledger.advances`)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Settlement
from comptoir.billing.invoices.service import ledger_link
from comptoir.billing.invoices.service.common import SHOP_ZONE, today
from comptoir.billing.invoices.service.from_orders import (
    apply_order_payments,
    order_invoices,
    settlement_method,
)
from comptoir.billing.invoices.service.settlements import OPEN_STATUSES
from comptoir.orders import service as orders

BOOK_CURRENCY = "EUR"


def _applied(session: Session, payment_id: uuid.UUID) -> int:
    applied = session.scalar(
        select(func.coalesce(func.sum(Settlement.amount_minor), 0)).where(
            Settlement.source_type == "payment", Settlement.source_id == payment_id
        )
    )
    return int(applied or 0)


def record_advances(session: Session, order_id: uuid.UUID) -> int:
    """An order paid that its channel does not invoice on payment: its invoices already
    issued (shipped before being paid) are settled first, and what is left of each captured
    payment is booked as a customer advance on the day it was paid. Orders in another currency
    than the books' are left to their invoices. Idempotent. Returns how many advances were
    booked."""
    order = orders.get_order(session, order_id)
    for invoice in order_invoices(session, order.id):
        if invoice.status in OPEN_STATUSES:
            apply_order_payments(session, invoice)
    if order.currency != BOOK_CURRENCY:
        return 0
    paid_on = order.paid_at.astimezone(SHOP_ZONE).date() if order.paid_at else today()
    booked = 0
    for payment in orders.payments_of(session, order.id):
        if payment.status not in ("captured", "refunded"):
            continue
        left = payment.amount_minor - _applied(session, payment.id)
        if left <= 0 or ledger_link.has_advance(session, payment.id):
            continue
        ledger_link.post_advance(
            session, payment_id=payment.id, amount_minor=left,
            method=settlement_method(payment.provider), reference=payment.reference,
            paid_on=paid_on, piece_ref=order.number,
        )  # fmt: skip
        booked += 1
    return booked


def refund_advances(
    session: Session,
    order_id: uuid.UUID,
    *,
    amount_minor: int,
    provider: str,
    reference: str | None,
    source_id: uuid.UUID,
) -> int:
    """Money refunded on an order before an invoice could take it: given back from the
    order's advance. Returns the part booked (0 when the order has no advance left)."""
    order = orders.get_order(session, order_id)
    for payment in orders.payments_of(session, order.id):
        booked = ledger_link.refund_advance(
            session, payment_id=payment.id, amount_minor=amount_minor,
            method=settlement_method(provider), reference=reference, on=today(),
            source_id=source_id,
        )  # fmt: skip
        if booked:
            return booked
    return 0
