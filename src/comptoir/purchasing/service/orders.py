"""Purchase orders: numbering, sending, cancelling and receiving into stock."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import StockReference
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts, lock_for_update
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.kit.pagination import Page, paginate
from comptoir.purchasing import events
from comptoir.purchasing.errors import (
    OverReceipt,
    PurchaseOrderNotFound,
    PurchaseOrderStateConflict,
    UnknownOrderLine,
)
from comptoir.purchasing.models import (
    NumberCounter,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierPrice,
)
from comptoir.purchasing.schemas import OrderStatus, PurchaseOrderCreate, ReceiveRequest
from comptoir.purchasing.schemas import PurchaseOrder as PurchaseOrderOut
from comptoir.purchasing.schemas import PurchaseOrderLine as PurchaseOrderLineOut
from comptoir.purchasing.service.suppliers import get_supplier, require_variant

NUMBER_PREFIX = "PO"
RECEIVABLE: tuple[OrderStatus, ...] = ("sent", "partly_received")
CANCELLABLE: tuple[OrderStatus, ...] = ("draft", "sent")


def next_number(session: Session, *, prefix: str = NUMBER_PREFIX, year: int | None = None) -> str:
    """The next number of the series (``PO-2026-000001``): unique and increasing, taken from
    a counter row updated atomically in the caller's transaction (concurrent callers queue on
    the row). Numbers of rolled-back transactions are not reused gap-free."""
    year = year or clock.now().year
    series = f"{prefix}-{year}"
    insert_ignoring_conflicts(
        session,
        NumberCounter.__table__,  # type: ignore[arg-type]
        [{"id": uuid.uuid4(), "series": series, "last_value": 0, **_stamps()}],
        ["series"],
    )
    value = session.execute(
        update(NumberCounter)
        .where(NumberCounter.series == series)
        .values(last_value=NumberCounter.last_value + 1)
        .returning(NumberCounter.last_value)
    ).scalar_one()
    return f"{series}-{value:06d}"


def _stamps() -> dict[str, datetime]:
    now = clock.now()
    return {"created_at": now, "updated_at": now}


def create_purchase_order(session: Session, data: PurchaseOrderCreate) -> PurchaseOrder:
    """A draft purchase order with its number. A line without a unit cost takes the
    supplier's price list. Without ``expected_on``, the order is expected today (UTC) plus
    the longest lead time of its lines: each line's price-list lead time or, when it gives
    none, the supplier's usual one. Raises :class:`SupplierNotFound`, ``LocationNotFound`` (field
    "location_id"), :class:`InvalidInput` for a line without a known cost or a variant given
    twice."""
    supplier = get_supplier(session, data.supplier_id)
    try:
        inventory.get_location(session, data.location_id)
    except inventory.LocationNotFound:
        raise inventory.LocationNotFound(field="location_id") from None
    seen: set[uuid.UUID] = set()
    lead_times: list[int] = []
    order = PurchaseOrder(
        number=next_number(session),
        supplier_id=supplier.id,
        location_id=data.location_id,
        currency=supplier.currency,
        expected_on=data.expected_on,
        notes=data.notes,
    )
    for index, line in enumerate(data.lines):
        if line.variant_id in seen:
            raise PurchaseOrderStateConflict(
                _l("This variant is already on the order."), field=f"lines.{index}.variant_id"
            )
        seen.add(line.variant_id)
        require_variant(session, line.variant_id, f"lines.{index}.variant_id")
        listed = _listed_price(session, supplier.id, line.variant_id)
        lead_times.append(_lead_time_days(supplier, listed))
        if line.unit_cost is not None:
            unit_cost_minor = Money(line.unit_cost, supplier.currency).round().minor_units
        elif listed is not None:
            unit_cost_minor = listed.unit_cost_minor
        else:
            raise InvalidInput(
                _l("Give a unit cost: the supplier has no price for this variant."),
                field=f"lines.{index}.unit_cost",
            )
        order.lines.append(
            PurchaseOrderLine(
                variant_id=line.variant_id,
                position=index,
                supplier_sku=listed.supplier_sku if listed is not None else None,
                quantity_ordered=line.quantity,
                unit_cost_minor=unit_cost_minor,
            )
        )
    if order.expected_on is None:
        order.expected_on = clock.now().date() + timedelta(
            days=max(lead_times, default=supplier.lead_time_days)
        )
    session.add(order)
    session.flush()
    return order


def _lead_time_days(supplier: Supplier, listed: SupplierPrice | None) -> int:
    """The price list's lead time for the line, else the supplier's usual one."""
    if listed is not None and listed.lead_time_days is not None:
        return listed.lead_time_days
    return supplier.lead_time_days


def _listed_price(
    session: Session, supplier_id: uuid.UUID, variant_id: uuid.UUID
) -> SupplierPrice | None:
    return session.scalars(
        select(SupplierPrice).where(
            SupplierPrice.supplier_id == supplier_id, SupplierPrice.variant_id == variant_id
        )
    ).first()


def get_purchase_order(
    session: Session, order_id: uuid.UUID, *, for_update: bool = False
) -> PurchaseOrder:
    """The purchase order with its lines (locked until the end of the transaction with
    ``for_update``). Raises :class:`PurchaseOrderNotFound`."""
    stmt = select(PurchaseOrder).where(PurchaseOrder.id == order_id)
    if for_update:
        stmt = lock_for_update(session, stmt)
    order = session.scalars(stmt.options(selectinload(PurchaseOrder.lines))).first()
    if order is None:
        raise PurchaseOrderNotFound(field="order_id")
    if for_update:
        session.refresh(order)
    return order


def list_purchase_orders(
    session: Session,
    *,
    status: OrderStatus | None = None,
    supplier_id: uuid.UUID | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[PurchaseOrder]:
    """Purchase orders, newest number first."""
    stmt = select(PurchaseOrder)
    if status is not None:
        stmt = stmt.where(PurchaseOrder.status == status)
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    return paginate(
        session,
        stmt,
        order_by=[(PurchaseOrder.number, "desc")],
        id_column=PurchaseOrder.id,
        limit=limit,
        cursor=cursor,
    )


def _move_status(
    session: Session, order: PurchaseOrder, allowed: Sequence[str], status: OrderStatus
) -> None:
    """Guarded transition: only from one of ``allowed``, checked by the UPDATE itself."""
    result = session.execute(
        update(PurchaseOrder)
        .where(PurchaseOrder.id == order.id, PurchaseOrder.status.in_(allowed))
        .values(status=status, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    changed = getattr(result, "rowcount", 0)
    if changed != 1:
        raise PurchaseOrderStateConflict(
            _l("A purchase order in the state {status} cannot become {target}."),
            field="status",
            status=order.status,
            target=status,
        )
    session.refresh(order)


def send_purchase_order(session: Session, order_id: uuid.UUID) -> PurchaseOrder:
    """Mark a draft as sent to the supplier and emit ``purchasing.order.sent``. Raises
    :class:`PurchaseOrderNotFound`, :class:`PurchaseOrderStateConflict` unless it is a draft."""
    order = get_purchase_order(session, order_id)
    _move_status(session, order, ("draft",), "sent")
    order.sent_at = clock.now()
    emit(
        session,
        events.ORDER_SENT,
        events.OrderSent(
            order_id=order.id,
            number=order.number,
            supplier_id=order.supplier_id,
            location_id=order.location_id,
        ),
        key=order.id,
    )
    session.flush()
    return order


def cancel_purchase_order(session: Session, order_id: uuid.UUID) -> PurchaseOrder:
    """Cancel a draft or sent order (nothing received yet). Raises
    :class:`PurchaseOrderNotFound`, :class:`PurchaseOrderStateConflict` otherwise."""
    order = get_purchase_order(session, order_id)
    _move_status(session, order, CANCELLABLE, "cancelled")
    order.cancelled_at = clock.now()
    session.flush()
    return order


def receive_purchase_order(
    session: Session,
    order_id: uuid.UUID,
    request: ReceiveRequest,
    *,
    actor: str | None = None,
    received_at: datetime | None = None,
) -> Receipt:
    """Receive a delivery into the order's location: each line's units go through
    ``inventory.receive`` (a ledger movement, the stock level, the weighted average cost at
    the line's unit cost), the order becomes partly received or received, and
    ``purchasing.order.received`` is emitted.

    Guarantees: all or nothing; a line is never received beyond what was ordered (guarded
    UPDATE). Raises :class:`PurchaseOrderNotFound`, :class:`PurchaseOrderStateConflict`
    unless the order is sent or partly received, :class:`UnknownOrderLine` and
    :class:`OverReceipt` (field ``lines.N.quantity``) with nothing changed.
    """
    order = get_purchase_order(session, order_id, for_update=True)
    if order.status not in RECEIVABLE:
        raise PurchaseOrderStateConflict(
            _l("Only a sent purchase order can be received; this one is {status}."),
            field="status",
            status=order.status,
        )
    lines = {line.id: line for line in order.lines}
    _check_receivable(lines, request)
    when = received_at or clock.now()
    with session.begin_nested():
        receipt = Receipt(order_id=order.id, location_id=order.location_id, received_at=when)
        receipt.note = request.note
        session.add(receipt)
        for index, wanted in enumerate(request.lines):
            line = lines[wanted.line_id]
            _add_received(session, line, wanted.quantity, index)
            receipt.lines.append(ReceiptLine(order_line_id=line.id, quantity=wanted.quantity))
            inventory.receive(
                session,
                variant_id=line.variant_id,
                location_id=order.location_id,
                quantity=wanted.quantity,
                unit_cost=Money.from_minor(line.unit_cost_minor, order.currency),
                reference=StockReference(type="purchase_order", id=order.number),
                actor=actor,
                occurred_at=when,
            )
        session.flush()
        for line in order.lines:
            session.refresh(line)
        is_complete = all(line.quantity_received == line.quantity_ordered for line in order.lines)
        _move_status(session, order, RECEIVABLE, "received" if is_complete else "partly_received")
        if is_complete:
            order.received_at = when
        emit(
            session,
            events.ORDER_RECEIVED,
            events.OrderReceived(
                order_id=order.id,
                number=order.number,
                receipt_id=receipt.id,
                location_id=order.location_id,
                lines=[
                    events.ReceivedLine(variant_id=lines[w.line_id].variant_id, quantity=w.quantity)
                    for w in request.lines
                ],
                is_complete=is_complete,
            ),
            key=order.id,
        )
        session.flush()
    return receipt


def _check_receivable(lines: dict[uuid.UUID, PurchaseOrderLine], request: ReceiveRequest) -> None:
    """Refuse before writing anything: unknown lines, and lines that would exceed what was
    ordered (a line may appear several times in one request)."""
    asked: dict[uuid.UUID, int] = {}
    for index, wanted in enumerate(request.lines):
        line = lines.get(wanted.line_id)
        if line is None:
            raise UnknownOrderLine(field=f"lines.{index}.line_id")
        asked[line.id] = asked.get(line.id, 0) + wanted.quantity
        if line.quantity_received + asked[line.id] > line.quantity_ordered:
            raise _over_receipt(line, index)


def _add_received(session: Session, line: PurchaseOrderLine, quantity: int, index: int) -> None:
    result = session.execute(
        update(PurchaseOrderLine)
        .where(
            PurchaseOrderLine.id == line.id,
            PurchaseOrderLine.quantity_received + quantity <= PurchaseOrderLine.quantity_ordered,
        )
        .values(quantity_received=PurchaseOrderLine.quantity_received + quantity)
        .execution_options(synchronize_session=False)
    )
    changed = getattr(result, "rowcount", 0)
    if changed != 1:
        raise _over_receipt(line, index)


def _over_receipt(line: PurchaseOrderLine, index: int) -> OverReceipt:
    return OverReceipt(
        _l("Only {remaining} more units of this line can be received ({ordered} ordered)."),
        field=f"lines.{index}.quantity",
        remaining=line.quantity_ordered - line.quantity_received,
        ordered=line.quantity_ordered,
    )


def order_view(session: Session, order: PurchaseOrder) -> PurchaseOrderOut:
    """The API shape of ``order``, with its totals."""
    supplier = session.get(Supplier, order.supplier_id)
    currency = order.currency
    line_views = [
        PurchaseOrderLineOut(
            id=line.id,
            variant_id=line.variant_id,
            supplier_sku=line.supplier_sku,
            quantity_ordered=line.quantity_ordered,
            quantity_received=line.quantity_received,
            unit_cost=MoneyOut.from_money(Money.from_minor(line.unit_cost_minor, currency)),
            total=MoneyOut.from_money(
                Money.from_minor(line.unit_cost_minor * line.quantity_ordered, currency)
            ),
        )
        for line in order.lines
    ]
    total = sum(line.unit_cost_minor * line.quantity_ordered for line in order.lines)
    return PurchaseOrderOut(
        id=order.id,
        number=order.number,
        supplier_id=order.supplier_id,
        supplier_name=supplier.name if supplier is not None else "",
        location_id=order.location_id,
        status=order.status,
        currency=currency,
        expected_on=order.expected_on,
        notes=order.notes,
        total=MoneyOut.from_money(Money.from_minor(total, currency)),
        created_at=order.created_at,
        sent_at=order.sent_at,
        received_at=order.received_at,
        cancelled_at=order.cancelled_at,
        lines=line_views,
    )


def count_orders(session: Session, status: OrderStatus) -> int:
    """How many purchase orders are in ``status``."""
    return (
        session.scalar(
            select(func.count()).select_from(PurchaseOrder).where(PurchaseOrder.status == status)
        )
        or 0
    )
