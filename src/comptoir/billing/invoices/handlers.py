"""What invoicing does when orders move: an order paid is invoiced (channel policy
``payment``) and the invoice settled with the payment; units shipped are invoiced (policy
``shipment``); a refund is a credit note settled with the money sent back; a cancellation
of invoiced units is a credit note set off against what was still due.

One handler takes the four events so that they are applied in the order they happened for
each order (the outbox keeps the order per handler and key). Each is idempotent: invoices
and credit notes are found again by their source, settlements by theirs."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from comptoir.billing.invoices import service
from comptoir.kit.events import Event, subscribe
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.orders import events as order_events
from comptoir.orders.fulfilment import events as fulfilment_events
from comptoir.orders.returns import events as return_events
from comptoir.orders.returns import service as returns

log = logging.getLogger(__name__)


@subscribe(
    order_events.ORDER_PAID,
    fulfilment_events.ORDER_SHIPPED,
    return_events.REFUND_ISSUED,
    order_events.ORDER_CANCELLED,
    name="billing.invoices.orders",
)
def invoice_orders(session: Session, event: Event) -> None:
    """Route an order's event to what invoicing does with it."""
    if event.type == order_events.ORDER_PAID:
        paid = order_events.OrderPaid.model_validate(event.payload)
        invoice = service.issue_for_order(session, paid.order_id, trigger="payment")
        if invoice is not None:
            service.apply_order_payments(session, invoice)
        else:
            # Invoiced later (on shipment, by hand): the money is a customer advance.
            service.record_advances(session, paid.order_id)
    elif event.type == fulfilment_events.ORDER_SHIPPED:
        shipped = fulfilment_events.OrderShipped.model_validate(event.payload)
        invoice = service.issue_for_order(
            session,
            shipped.order_id,
            trigger="shipment",
            shipment_lines=shipped.lines,
            shipment_id=shipped.shipment_id,
        )
        if invoice is not None:
            service.apply_order_payments(session, invoice)
    elif event.type == return_events.REFUND_ISSUED:
        _refund(session, event)
    elif event.type == order_events.ORDER_CANCELLED:
        cancelled = order_events.OrderCancelled.model_validate(event.payload)
        service.credit_cancellation(
            session,
            cancelled.order_id,
            source_id=event.id,
            reason=translate(_l("Cancellation of order {number}"), "fr", number=cancelled.number),
        )


def _refund(session: Session, event: Event) -> None:
    refund = return_events.RefundIssued.model_validate(event.payload)
    uncovered = 0
    if refund.cause == "return" and refund.return_id is not None:
        rma = returns.get_return(session, refund.return_id)
        units = {
            line.order_line_id: line.quantity
            for line in rma.lines
            if line.replacement_variant_id is None
        }
        notes = service.credit_order_units(
            session, refund.order_id, units, with_shipping=False,
            reason=translate(_l("Return {number}"), "fr", number=refund.number),
            source_type="return", source_id=rma.id,
        )  # fmt: skip
    elif refund.cause == "cancellation":
        notes = service.credit_cancellation(
            session, refund.order_id, source_id=event.id,
            reason=translate(_l("Cancellation of order {number}"), "fr", number=refund.number),
        )  # fmt: skip
    else:
        # A refund made in the provider's dashboard names no units: the amount is credited.
        notes, uncovered = service.credit_refund(
            session, refund.order_id, amount_minor=refund.amount_minor, source_id=event.id,
            reason=translate(_l("Refund of order {number}"), "fr", number=refund.number),
        )  # fmt: skip
    if refund.status != "refunded":
        return
    if not notes:
        uncovered = refund.amount_minor
    to_notes = refund.amount_minor - uncovered
    if uncovered:
        # Not invoiced yet: the money goes back out of the order's advance.
        uncovered -= service.refund_advances(
            session, refund.order_id, amount_minor=uncovered, provider=refund.provider,
            reference=refund.reference, source_id=event.id,
        )  # fmt: skip
    if uncovered:
        log.warning(
            "refund neither invoiced nor paid in advance: book it by hand",
            extra={"order": str(refund.order_id), "amount_minor": uncovered},
        )
    if notes:
        service.settle_refund(
            session, notes, amount_minor=to_notes, provider=refund.provider,
            reference=refund.reference, source_id=event.id, settled_on=service.today(),
        )  # fmt: skip
