"""Orders after checkout: numbers, the timeline, reading, paying and cancelling."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import StockReference
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.pagination import Page, paginate
from comptoir.orders import events
from comptoir.orders.delivery.models import OrderDelivery
from comptoir.orders.errors import OrderNotFound, OrderStateConflict
from comptoir.orders.models import Order, OrderCounter, OrderEvent, OrderLine, Payment
from comptoir.orders.schemas import OrderFilters
from comptoir.orders.service import refunds

COUNTERS = cast(Table, OrderCounter.__table__)
# Once units have left, what remains is handled by returns, not by cancelling.
SENT_STATUSES = ("partially_shipped", "shipped", "delivered", "collected")
CANCEL_KINDS = ("cancelled", "lines_cancelled")


def next_number(session: Session, channel_code: str, on: datetime) -> str:
    """The next order number of the channel's series for the year of ``on``:
    ``WEB-2026-000123``.

    Guarantees: the counter row is raised by one guarded atomic UPDATE in the caller's
    transaction, so two orders never get the same number and a rolled-back order gives its
    number back (no gap).
    """
    prefix = channel_code.upper()
    series = f"{prefix}-{on.year}"
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        COUNTERS,
        [{"id": uuid7(), "series": series, "value": 0, "created_at": now, "updated_at": now}],
        ["series"],
    )
    value = session.execute(
        update(COUNTERS)
        .where(COUNTERS.c.series == series)
        .values(value=COUNTERS.c.value + 1, updated_at=now)
        .returning(COUNTERS.c.value)
    ).scalar_one()
    return f"{series}-{int(value):06d}"


def record_event(
    session: Session,
    order: Order,
    kind: str,
    *,
    to_status: str | None = None,
    actor: str | None = None,
    note: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> OrderEvent:
    """Add an entry to the order's timeline; with ``to_status``, the order moves to it."""
    event = OrderEvent(
        order_id=order.id,
        kind=kind,
        from_status=order.status if to_status is not None else None,
        to_status=to_status,
        actor=actor,
        note=note,
        details=dict(details or {}),
        occurred_at=clock.now(),
    )
    if to_status is not None:
        order.status = to_status
    session.add(event)
    return event


def get_order(
    session: Session, order_id: uuid.UUID, *, within: Collection[uuid.UUID] | None = None
) -> Order:
    """The order; raises :class:`OrderNotFound`, also when ``within`` (the locations a
    restricted staff member works at) is given and the order touches none of them."""
    order = session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise OrderNotFound()
    if within is not None and not session.scalar(
        select(Order.id).where(Order.id == order.id, touching_locations(within))
    ):
        raise OrderNotFound()
    return order


def touching_locations(location_ids: Collection[uuid.UUID]) -> ColumnElement[bool]:
    """The condition "the order has a line allocated at one of ``location_ids`` or is to
    be collected at one of them"."""
    wanted = list(location_ids)
    return or_(
        Order.id.in_(select(OrderLine.order_id).where(OrderLine.location_id.in_(wanted))),
        Order.id.in_(select(OrderDelivery.order_id).where(OrderDelivery.location_id.in_(wanted))),
    )


def order_by_number(session: Session, number: str) -> Order | None:
    return session.scalar(select(Order).where(Order.number == number))


def list_orders(
    session: Session,
    filters: OrderFilters,
    *,
    limit: int = 50,
    cursor: str | None = None,
    within: Collection[uuid.UUID] | None = None,
) -> Page[Order]:
    """A page of orders, newest first, filtered by channel, customer, status, placing date
    (``placed_from`` included, ``placed_to`` excluded) and location (a line allocated there
    or collected there); ``within`` keeps only the orders touching those locations (a
    restricted staff member's). Raises ``InvalidCursor``."""
    stmt = select(Order)
    if filters.location_id is not None:
        stmt = stmt.where(touching_locations([filters.location_id]))
    if within is not None:
        stmt = stmt.where(touching_locations(within))
    if filters.channel_id is not None:
        stmt = stmt.where(Order.channel_id == filters.channel_id)
    if filters.customer_id is not None:
        stmt = stmt.where(Order.customer_id == filters.customer_id)
    if filters.status is not None:
        stmt = stmt.where(Order.status == filters.status)
    if filters.placed_from is not None:
        stmt = stmt.where(Order.placed_at >= filters.placed_from)
    if filters.placed_to is not None:
        stmt = stmt.where(Order.placed_at < filters.placed_to)
    return paginate(
        session,
        stmt,
        order_by=[(Order.placed_at, "desc")],
        id_column=Order.id,
        limit=limit,
        cursor=cursor,
    )


def orders_of_customers(
    session: Session, customer_ids: Sequence[uuid.UUID], *, limit: int = 20
) -> tuple[list[Order], int]:
    """The latest ``limit`` orders of these customers, newest first, and how many they have
    in all."""
    if not customer_ids:
        return [], 0
    mine = Order.customer_id.in_(list(customer_ids))
    orders = session.scalars(
        select(Order).where(mine).order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit)
    )
    count = session.scalar(select(func.count()).select_from(Order).where(mine))
    return list(orders), int(count or 0)


def destinations_of(session: Session, order_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The destination country of each of these orders, in one query."""
    wanted = list(set(order_ids))
    if not wanted:
        return {}
    rows = session.execute(select(Order.id, Order.destination_country).where(Order.id.in_(wanted)))
    return {order_id: str(country) for order_id, country in rows}


def timeline(session: Session, order_id: uuid.UUID) -> list[OrderEvent]:
    """What happened to the order, oldest first."""
    return list(
        session.scalars(
            select(OrderEvent)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.occurred_at, OrderEvent.id)
        )
    )


def payments_of(session: Session, order_id: uuid.UUID) -> list[Payment]:
    return list(
        session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id))
    )


def mark_paid(
    session: Session, order_id: uuid.UUID, *, actor: str | None, note: str | None = None
) -> Order:
    """Confirm that a pending payment arrived (a bank transfer, a manual payment): the
    payment is captured, the order paid, ``order.paid`` emitted. Raises
    :class:`OrderNotFound`, :class:`OrderStateConflict` unless the order awaits payment."""
    order = get_order(session, order_id)
    if order.status != "pending_payment":
        raise OrderStateConflict(_l("Only an order awaiting payment can be marked paid."))
    payment = next((p for p in payments_of(session, order.id) if p.status == "pending"), None)
    if payment is None:
        raise OrderStateConflict(_l("This order has no pending payment."))
    payment.status = "captured"
    order.paid_at = clock.now()
    record_event(session, order, "paid", to_status="paid", actor=actor, note=note)
    emit_paid(session, order, payment)
    session.flush()
    return order


def emit_paid(session: Session, order: Order, payment: Payment) -> None:
    emit(
        session,
        events.ORDER_PAID,
        events.OrderPaid(
            order_id=order.id,
            number=order.number,
            payment_id=payment.id,
            provider=payment.provider,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
        ),
        key=order.id,
    )


def _reallocate(session: Session, line: OrderLine, keep: int) -> None:
    """Release the line's allocation and, if ``keep`` units remain, allocate them again at
    the same location (the units just freed are still there, in this transaction)."""
    if line.reservation_id is not None:
        try:
            inventory.release(session, line.reservation_id)
        except inventory.ReservationNotActive:
            raise OrderStateConflict(
                _l("The units of line {sku} have already left the stock."), sku=line.sku
            ) from None
        line.reservation_id = None
    if keep and line.location_id is not None:
        line.reservation_id = inventory.reserve(
            session,
            variant_id=line.variant_id,
            location_id=line.location_id,
            quantity=keep,
            reference=inventory_reference(line.order_id),
        ).id


def inventory_reference(order_id: uuid.UUID) -> StockReference:
    """How the order's allocations are referenced in the stock ledger."""
    return StockReference(type="order", id=str(order_id))


def cancel_order(
    session: Session,
    order_id: uuid.UUID,
    *,
    production: bool,
    lines: Mapping[uuid.UUID, int] | None = None,
    reason: str | None = None,
    actor: str | None = None,
) -> Order:
    """Cancel the whole order (``lines`` None) or some units of some lines; their
    allocated stock is available again. An order with nothing left open is cancelled.
    The money follows (:func:`~comptoir.orders.service.refunds.settle_cancelled_units`):
    a captured payment is refunded through its provider, VAT included, and the delivery fee
    too when nothing is left (``refunded`` on the timeline, ``refund.issued``); a pending
    one is called off or lowered.

    Raises :class:`OrderNotFound`, :class:`OrderStateConflict` (already cancelled, units
    already shipped or collected), :class:`InvalidInput` (``lines.<n>.quantity`` above
    what is open, ``lines.<n>.line_id`` unknown), :class:`RefundRefused` (the provider
    will not refund), ``PaymentProviderUnavailable``; nothing changes then.
    """
    order = get_order(session, order_id)
    if order.status == "cancelled":
        raise OrderStateConflict(_l("This order is already cancelled."))
    if order.status in SENT_STATUSES:
        raise OrderStateConflict(_l("Units of this order have left: record a return instead."))
    by_id = {line.id: line for line in order.lines}
    wanted = (
        {line.id: line.open_quantity for line in order.lines if line.open_quantity}
        if lines is None
        else dict(lines)
    )
    for n, (line_id, quantity) in enumerate(wanted.items()):
        line = by_id.get(line_id)
        if line is None:
            raise InvalidInput(_l("This order has no such line."), field=f"lines.{n}.line_id")
        if not 1 <= quantity <= line.open_quantity:
            raise InvalidInput(
                _l("At most {open} units of this line can be cancelled."),
                field=f"lines.{n}.quantity",
                open=line.open_quantity,
            )
    # Everything, the provider's answer last, in one savepoint: a refused refund leaves
    # the stock, the lines and the timeline as they were.
    with session.begin_nested():
        for line_id, quantity in sorted(
            wanted.items(), key=lambda item: (by_id[item[0]].variant_id, item[0])
        ):
            line = by_id[line_id]
            _reallocate(session, line, line.open_quantity - quantity)
            line.cancelled_quantity += quantity
        whole = all(line.open_quantity == 0 for line in order.lines)
        _record_cancellation(
            session, order, wanted, whole=whole, production=production, reason=reason,
            actor=actor,
        )  # fmt: skip
        session.flush()
    return order


def _record_cancellation(
    session: Session,
    order: Order,
    wanted: Mapping[uuid.UUID, int],
    *,
    whole: bool,
    production: bool,
    reason: str | None,
    actor: str | None,
) -> None:
    by_id = {line.id: line for line in order.lines}
    rounds = session.scalar(
        select(func.count())
        .select_from(OrderEvent)
        .where(OrderEvent.order_id == order.id, OrderEvent.kind.in_(CANCEL_KINDS))
    )
    # The n-th cancellation of the order: the provider's idempotency key for its refund.
    label = f"cancellation-{int(rounds or 0) + 1}"
    refund = refunds.settle_cancelled_units(
        session, order, {by_id[line_id]: quantity for line_id, quantity in wanted.items()},
        whole=whole, production=production, reason=label,
    )  # fmt: skip
    details = {str(line_id): quantity for line_id, quantity in wanted.items()}
    if whole:
        order.cancelled_at = clock.now()
        record_event(
            session, order, "cancelled", to_status="cancelled", actor=actor, note=reason,
            details={"lines": details},
        )  # fmt: skip
    else:
        record_event(
            session, order, "lines_cancelled", actor=actor, note=reason, details={"lines": details}
        )
    if refund is not None:
        record_event(session, order, "refunded", actor=actor, details={**refund, "cause": label})
        refunds.emit_refund_issued(
            session, order, refund, cause="cancellation", number=order.number
        )
    emit(
        session,
        events.ORDER_CANCELLED,
        events.OrderCancelled(order_id=order.id, number=order.number, whole=whole, lines=details),
        key=order.id,
    )
