"""Returns (RMA): the customer sends back shipped units with a reason per line; the shop
receives them, inspects them (restocked at a location through a ``return`` movement, or
scrapped: returned then written off as ``damaged``), then settles: the money goes back
through the payment provider, and units asked in exchange leave as a new order at no charge.
Every function works in the caller's transaction and never commits."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.errors import VariantNotFound
from comptoir.channels import service as channels
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import StockReference
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.kit.pagination import Page, paginate
from comptoir.orders import events as order_events
from comptoir.orders.errors import OrderStateConflict
from comptoir.orders.fulfilment.service import shipped_quantities
from comptoir.orders.models import Order, OrderLine, Payment
from comptoir.orders.payments import RefundRequest, refund_provider
from comptoir.orders.returns import events
from comptoir.orders.returns.errors import ReturnNotFound, ReturnStateConflict
from comptoir.orders.returns.models import Return, ReturnLine
from comptoir.orders.service.orders import (
    get_order,
    inventory_reference,
    next_number,
    payments_of,
    record_event,
    touching_locations,
)

RETURNABLE: Final = ("partially_shipped", "shipped", "delivered", "collected")


@dataclass(frozen=True, slots=True)
class LineRequest:
    line_id: uuid.UUID
    quantity: int
    reason: str
    comment: str | None = None
    replacement_variant_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class LineDecision:
    return_line_id: uuid.UUID
    outcome: str
    location_id: uuid.UUID | None = None


def get_return(
    session: Session, return_id: uuid.UUID, *, within: Collection[uuid.UUID] | None = None
) -> Return:
    """The return; raises :class:`ReturnNotFound`, also when ``within`` (the locations a
    restricted staff member works at) is given and its order touches none of them."""
    found = session.get(Return, return_id, populate_existing=True)
    if found is None:
        raise ReturnNotFound()
    if within is not None and not session.scalar(
        select(Order.id).where(Order.id == found.order_id, touching_locations(within))
    ):
        raise ReturnNotFound()
    return found


def list_returns(
    session: Session,
    *,
    status: str | None = None,
    order_id: uuid.UUID | None = None,
    limit: int = 50,
    cursor: str | None = None,
    within: Collection[uuid.UUID] | None = None,
) -> Page[Return]:
    """Returns, newest first, by status and order; ``within`` keeps only the returns of
    orders touching those locations (a restricted staff member's). Raises
    ``InvalidCursor``."""
    stmt = select(Return)
    if within is not None:
        stmt = stmt.where(Return.order_id.in_(select(Order.id).where(touching_locations(within))))
    if status is not None:
        stmt = stmt.where(Return.status == status)
    if order_id is not None:
        stmt = stmt.where(Return.order_id == order_id)
    return paginate(
        session,
        stmt,
        order_by=[(Return.created_at, "desc")],
        id_column=Return.id,
        limit=limit,
        cursor=cursor,
    )


def returned_quantities(session: Session, order_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Units of each order line in returns that are not cancelled."""
    rows = session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, Return.status != "cancelled")
        .group_by(ReturnLine.order_line_id)
    )
    return {line_id: int(total) for line_id, total in rows}


def _check_lines(session: Session, order: Order, lines: Sequence[LineRequest]) -> None:
    if not lines:
        raise InvalidInput(_l("Choose at least one line to return."), field="lines")
    shipped = shipped_quantities(session, order.id)
    returned = returned_quantities(session, order.id)
    known = {line.id for line in order.lines}
    seen: set[uuid.UUID] = set()
    for n, line in enumerate(lines):
        if line.line_id not in known or line.line_id in seen:
            raise InvalidInput(_l("This order has no such line."), field=f"lines.{n}.line_id")
        seen.add(line.line_id)
        left = shipped.get(line.line_id, 0) - returned.get(line.line_id, 0)
        if not 1 <= line.quantity <= left:
            raise InvalidInput(
                _l("At most {left} units of this line can be returned."),
                field=f"lines.{n}.quantity",
                left=max(left, 0),
            )
        if line.replacement_variant_id is not None:
            try:
                catalog.variant_summary(session, line.replacement_variant_id)
            except VariantNotFound:
                raise InvalidInput(
                    _l("No such variant."), field=f"lines.{n}.replacement_variant_id"
                ) from None


def request_return(
    session: Session,
    order_id: uuid.UUID,
    lines: Sequence[LineRequest],
    *,
    note: str | None = None,
    actor: str | None,
) -> Return:
    """Open a return of shipped units, with the customer's reason per line (a replacement
    variant asks for an exchange). Numbered ``RMA-<order number>-<n>``.

    Raises ``OrderNotFound``, ``OrderStateConflict`` (nothing shipped yet),
    :class:`InvalidInput` (``lines``, ``lines.<n>.*``: more than shipped and not already
    returned, unknown variant); nothing changes then."""
    order = get_order(session, order_id)
    if order.status not in RETURNABLE:
        raise OrderStateConflict(_l("Only units that have left can be returned."))
    _check_lines(session, order, lines)
    count = session.scalar(select(func.count()).where(Return.order_id == order.id)) or 0
    rma = Return(
        number=f"RMA-{order.number}-{count + 1}",
        order_id=order.id,
        note=note,
        currency=order.currency,
        lines=[
            ReturnLine(
                order_line_id=line.line_id,
                quantity=line.quantity,
                reason=line.reason,
                comment=line.comment,
                replacement_variant_id=line.replacement_variant_id,
            )
            for line in lines
        ],
    )
    session.add(rma)
    record_event(
        session, order, "return_requested", actor=actor, note=note,
        details={"return": rma.number},
    )  # fmt: skip
    session.flush()
    return rma


def _move(rma: Return, allowed: str, to: str, message: LazyString) -> None:
    if rma.status != allowed:
        raise ReturnStateConflict(message)
    rma.status = to


def receive_return(session: Session, return_id: uuid.UUID, *, actor: str | None) -> Return:
    """The parcel arrived at the shop. Emits ``return.received``.
    Raises :class:`ReturnNotFound`, :class:`ReturnStateConflict`."""
    rma = get_return(session, return_id)
    _move(rma, "requested", "received", _l("Only a requested return can be received."))
    rma.received_at = clock.now()
    order = get_order(session, rma.order_id)
    record_event(session, order, "return_received", actor=actor, details={"return": rma.number})
    emit(
        session,
        events.RETURN_RECEIVED,
        events.ReturnReceived(
            return_id=rma.id,
            number=rma.number,
            order_id=order.id,
            lines={str(line.order_line_id): line.quantity for line in rma.lines},
        ),
        key=order.id,
    )
    session.flush()
    return rma


def inspect_return(
    session: Session,
    return_id: uuid.UUID,
    decisions: Sequence[LineDecision],
    *,
    actor: str | None,
) -> Return:
    """Decide the fate of every line: ``restock`` puts the units back at ``location_id``
    (default: where they were sold from) as a ``return`` movement; ``scrap`` records them
    returned then written off (``adjustment``, reason ``damaged``), so the ledger shows both.

    Raises :class:`ReturnNotFound`, :class:`ReturnStateConflict`, :class:`InvalidInput`
    (``decisions``: every line once; ``decisions.<n>.location_id``), ``LocationNotFound``."""
    rma = get_return(session, return_id)
    _move(rma, "received", "inspected", _l("Only a received return can be inspected."))
    by_id = {line.id: line for line in rma.lines}
    if sorted(d.return_line_id for d in decisions) != sorted(by_id):
        raise InvalidInput(_l("Decide once for every line of the return."), field="decisions")
    order = get_order(session, rma.order_id)
    order_lines = {line.id: line for line in order.lines}
    reference = StockReference(type="return", id=str(rma.id))
    for n, decision in enumerate(decisions):
        line = by_id[decision.return_line_id]
        sold = order_lines[line.order_line_id]
        location_id = decision.location_id or sold.location_id
        if location_id is None:
            raise InvalidInput(
                _l("Choose where the units go back."), field=f"decisions.{n}.location_id"
            )
        inventory.get_location(session, location_id)
        inventory.record_return(
            session, variant_id=sold.variant_id, location_id=location_id,
            quantity=line.quantity, reference=reference, actor=actor,
        )  # fmt: skip
        if decision.outcome == "scrap":
            inventory.adjust(
                session, variant_id=sold.variant_id, location_id=location_id,
                quantity=-line.quantity, reason="damaged", actor=actor, reference=reference,
                note=rma.number,
            )  # fmt: skip
        line.outcome, line.location_id = decision.outcome, location_id
    rma.inspected_at = clock.now()
    record_event(
        session, order, "return_inspected", actor=actor,
        details={"return": rma.number, "outcomes": {str(k): v.outcome for k, v in by_id.items()}},
    )  # fmt: skip
    session.flush()
    return rma


def refund_amount(session: Session, rma: Return) -> int:
    """What the returned units were paid (minor units), lines taken in exchange left out:
    each line's total (after discounts) pro rata of the units returned."""
    order = get_order(session, rma.order_id)
    order_lines = {line.id: line for line in order.lines}
    total = 0
    for line in rma.lines:
        if line.replacement_variant_id is None:
            sold = order_lines[line.order_line_id]
            total += _share(sold, line.quantity)
    return total


def _share(line: OrderLine, quantity: int) -> int:
    # Amounts in the order's price basis are gross when prices include tax, which is what
    # the customer paid; half-up on the pro-rata share.
    return (line.total_minor * quantity * 2 + line.quantity) // (line.quantity * 2)


def _captured(session: Session, order: Order) -> Payment:
    payment = next(
        (p for p in payments_of(session, order.id) if p.status in ("captured", "refunded")),
        None,
    )
    if payment is None:
        raise ReturnStateConflict(_l("The order has no captured payment to refund."))
    return payment


def settle_return(
    session: Session,
    return_id: uuid.UUID,
    *,
    production: bool,
    actor: str | None,
) -> Return:
    """Refund the inspected return through the order's payment provider (``refund.issued``)
    and place the exchange order for lines with a replacement (no charge, its units
    allocated where the returned ones were sold from).

    Raises :class:`ReturnNotFound`, :class:`ReturnStateConflict` (state, no captured
    payment), ``InsufficientStock`` for a replacement; nothing changes then."""
    rma = get_return(session, return_id)
    _move(rma, "inspected", "refunded", _l("Only an inspected return can be refunded."))
    order = get_order(session, rma.order_id)
    amount = refund_amount(session, rma)
    if amount:
        _refund(session, rma, order, amount, production=production, actor=actor)
    if any(line.replacement_variant_id for line in rma.lines):
        rma.exchange_order_id = _exchange_order(session, rma, order, actor=actor).id
    rma.refunded_at = clock.now()
    session.flush()
    return rma


def _refund(
    session: Session, rma: Return, order: Order, amount: int, *, production: bool,
    actor: str | None,
) -> None:  # fmt: skip
    payment = _captured(session, order)
    provider = refund_provider(payment.provider, production=production)
    if provider is None:
        raise ReturnStateConflict(_l("The order's payment provider is not available."))
    outcome = provider.refund(
        RefundRequest(
            order_id=order.id, order_number=order.number, payment_reference=payment.reference,
            amount=Money.from_minor(amount, order.currency), reason=rma.number,
        )
    )  # fmt: skip
    for line in rma.lines:
        if line.replacement_variant_id is None:
            line.refund_minor = _share(
                next(x for x in order.lines if x.id == line.order_line_id), line.quantity
            )
    rma.refund_minor, rma.refund_reference = amount, outcome.reference
    refunded = (
        session.scalar(
            select(func.coalesce(func.sum(Return.refund_minor), 0)).where(
                Return.order_id == order.id
            )
        )
        or 0
    )
    if refunded >= payment.amount_minor:
        payment.status = "refunded"
    record_event(
        session, order, "refunded", actor=actor,
        details={"return": rma.number, "amount_minor": amount, "status": outcome.status,
                 "reference": outcome.reference},
    )  # fmt: skip
    emit(
        session,
        events.REFUND_ISSUED,
        events.RefundIssued(
            return_id=rma.id, number=rma.number, order_id=order.id, provider=payment.provider,
            status=outcome.status, amount_minor=amount, currency=order.currency,
            reference=outcome.reference,
        ),
        key=order.id,
    )  # fmt: skip


def _exchange_order(session: Session, rma: Return, order: Order, *, actor: str | None) -> Order:
    """A new order of the replacements, priced like the returned units and discounted to
    zero (the customer already paid), paid, its units allocated."""
    now = clock.now()
    code = channels.get_channel(session, order.channel_id).code
    exchange = Order(
        channel_id=order.channel_id, status="paid", customer_id=order.customer_id,
        shopper_id=order.shopper_id, subject_id=order.subject_id, currency=order.currency,
        prices_include_tax=order.prices_include_tax,
        destination_country=order.destination_country, delivery_method=order.delivery_method,
        vat_scheme=order.vat_scheme, vat_number=order.vat_number, placed_at=now, paid_at=now,
        number=next_number(session, code, now),
    )  # fmt: skip
    exchange.email, exchange.phone = order.email, order.phone
    exchange.billing_address, exchange.shipping_address = (
        order.billing_address,
        order.shipping_address,
    )
    sold = {line.id: line for line in order.lines}
    wanted = [line for line in rma.lines if line.replacement_variant_id is not None]
    for position, line in enumerate(wanted, start=1):
        assert line.replacement_variant_id is not None
        original = sold[line.order_line_id]
        variant = catalog.variant_summary(session, line.replacement_variant_id)
        gross = original.unit_price_incl_minor if order.prices_include_tax else (
            original.unit_price_excl_minor
        )  # fmt: skip
        reservation = None
        if original.location_id is not None:
            reservation = inventory.reserve(
                session, variant_id=variant.id, location_id=original.location_id,
                quantity=line.quantity, reference=inventory_reference(exchange.id),
            )  # fmt: skip
        exchange.lines.append(
            OrderLine(
                order_id=exchange.id, position=position, variant_id=variant.id, sku=variant.sku,
                title=f"{variant.product_title} {variant.title}".strip()[:600],
                quantity=line.quantity, unit_price_excl_minor=original.unit_price_excl_minor,
                unit_price_incl_minor=original.unit_price_incl_minor,
                vat_rate=original.vat_rate, vat_category=original.vat_category,
                discount_minor=gross * line.quantity, total_minor=0,
                location_id=original.location_id,
                reservation_id=reservation.id if reservation else None,
            )
        )  # fmt: skip
    exchange.discount_minor = sum(line.discount_minor for line in exchange.lines)
    session.add(exchange)
    record_event(
        session, exchange, "placed", to_status="paid", actor=actor,
        note=rma.number, details={"exchange_of": order.number},
    )  # fmt: skip
    record_event(
        session, order, "exchange_placed", actor=actor,
        details={"return": rma.number, "order": exchange.number},
    )  # fmt: skip
    session.flush()
    emit(
        session,
        order_events.ORDER_PLACED,
        order_events.OrderPlaced(
            order_id=exchange.id, number=exchange.number, channel_id=exchange.channel_id,
            customer_id=exchange.customer_id, currency=exchange.currency, total_gross_minor=0,
            total_tax_minor=0, placed_at=now,
            lines=[
                order_events.OrderLinePlaced(
                    variant_id=x.variant_id, sku=x.sku, quantity=x.quantity, total_minor=0
                )
                for x in exchange.lines
            ],
        ),
        key=exchange.id,
    )  # fmt: skip
    return exchange


def cancel_return(session: Session, return_id: uuid.UUID, *, actor: str | None) -> Return:
    """Close a return that never arrived. Raises :class:`ReturnNotFound`,
    :class:`ReturnStateConflict` unless it is still requested."""
    rma = get_return(session, return_id)
    _move(rma, "requested", "cancelled", _l("Only a requested return can be cancelled."))
    order = get_order(session, rma.order_id)
    record_event(session, order, "return_cancelled", actor=actor, details={"return": rma.number})
    session.flush()
    return rma


@dataclass(frozen=True, slots=True)
class SettledLine:
    """Units of an order line that came back, and what was refunded for them."""

    line_id: uuid.UUID
    quantity: int
    refund_minor: int
    comment: str | None = None


def record_settled_return(
    session: Session,
    order_id: uuid.UUID,
    lines: Sequence[SettledLine],
    *,
    number: str,
    settled_at: datetime,
    refund_minor: int,
    reference: str,
    note: str | None = None,
) -> Return:
    """Record a return that was completed in another system (a shop's history brought into
    Comptoir): its lines, reason ``other`` with each line's comment, and ``refund_minor``
    (the lines' refunds plus, say, refunded postage), status ``refunded``, received,
    inspected and refunded at ``settled_at``. Nothing else happens: no stock moves, no
    payment provider is called and no event is emitted, since the units and the money moved
    long ago. Units may come back from any line sold (not only from shipped ones: history
    has no shipments).

    Raises ``OrderNotFound``, :class:`InvalidInput` (``number`` already used; ``lines``:
    none, a line not of this order or twice, more units than sold and not already returned,
    a negative refund; ``refund_minor`` below the lines' refunds); nothing changes then."""
    order = get_order(session, order_id)
    if session.scalar(select(Return.id).where(Return.number == number)) is not None:
        raise InvalidInput(_l("This return number is already used."), field="number")
    if not lines:
        raise InvalidInput(_l("Choose at least one line to return."), field="lines")
    sold = {line.id: line.quantity for line in order.lines}
    returned = returned_quantities(session, order.id)
    seen: set[uuid.UUID] = set()
    for n, line in enumerate(lines):
        if line.line_id not in sold or line.line_id in seen:
            raise InvalidInput(_l("This order has no such line."), field=f"lines.{n}.line_id")
        seen.add(line.line_id)
        left = sold[line.line_id] - returned.get(line.line_id, 0)
        if not 1 <= line.quantity <= left:
            raise InvalidInput(
                _l("At most {left} units of this line can be returned."),
                field=f"lines.{n}.quantity",
                left=max(left, 0),
            )
        if line.refund_minor < 0:
            raise InvalidInput(_l("A refund cannot be negative."), field=f"lines.{n}.refund_minor")
    if refund_minor < sum(line.refund_minor for line in lines):
        raise InvalidInput(
            _l("The refund cannot be less than the lines' refunds."), field="refund_minor"
        )
    rma = Return(
        number=number, order_id=order.id, status="refunded", note=note, currency=order.currency,
        refund_minor=refund_minor, refund_reference=reference, received_at=settled_at,
        inspected_at=settled_at, refunded_at=settled_at,
        lines=[
            ReturnLine(
                order_line_id=line.line_id, quantity=line.quantity, reason="other",
                comment=line.comment, refund_minor=line.refund_minor,
            )
            for line in lines
        ],
    )  # fmt: skip
    session.add(rma)
    session.flush()
    return rma
