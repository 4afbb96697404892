"""Fulfilment: an order is picked, packed and shipped (in one or several shipments, each
consuming its units' allocation through the stock ledger), then delivered; a click & collect
order is made ready at its store with a pickup code, collected at the counter, or cancelled
when nobody came. Every function works in the caller's transaction and never commits."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import get_settings
from comptoir.orders.delivery import service as delivery
from comptoir.orders.errors import OrderStateConflict, RefundRefused
from comptoir.orders.fulfilment import events
from comptoir.orders.fulfilment.errors import PickupNotFound, ShipmentNotFound, WrongPickupCode
from comptoir.orders.fulfilment.models import Pickup, Shipment, ShipmentLine
from comptoir.orders.models import Order, OrderLine
from comptoir.orders.payments.stripe import PaymentProviderUnavailable
from comptoir.orders.service import sourcing
from comptoir.orders.service.orders import cancel_order, get_order, record_event

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read aloud or typed on a tablet without doubt.
CODE_ALPHABET: Final = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH: Final = 6
DEFAULT_PICKUP_DAYS: Final = 7
SHIPPABLE: Final = ("paid", "picking", "packed", "partially_shipped")
PREPARABLE: Final = ("paid", "picking", "packed")

log = logging.getLogger(__name__)


def shipped_quantities(session: Session, order_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Units of each line of the order already shipped or handed over."""
    rows = session.execute(
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.order_id == order_id)
        .group_by(ShipmentLine.order_line_id)
    )
    return {line_id: int(total) for line_id, total in rows}


def to_ship(session: Session, order: Order) -> dict[uuid.UUID, int]:
    """Units of each line still to ship (open, not yet shipped); lines with none left out."""
    shipped = shipped_quantities(session, order.id)
    left = {line.id: line.open_quantity - shipped.get(line.id, 0) for line in order.lines}
    return {line_id: quantity for line_id, quantity in left.items() if quantity > 0}


def shipments_of(session: Session, order_id: uuid.UUID) -> list[Shipment]:
    return list(
        session.scalars(
            select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.shipped_at)
        )
    )


def _require(order: Order, allowed: tuple[str, ...], message: LazyString) -> None:
    if order.status not in allowed:
        raise OrderStateConflict(message)


def _require_method(order: Order, method: str) -> None:
    if order.delivery_method != method:
        raise OrderStateConflict(
            _l("This order is for click & collect.")
            if method == "shipping"
            else _l("This order is not for click & collect.")
        )


def start_picking(session: Session, order_id: uuid.UUID, *, actor: str | None) -> Order:
    """A paid order is being picked. Raises ``OrderNotFound``, ``OrderStateConflict``."""
    order = get_order(session, order_id)
    _require(order, ("paid",), _l("Only a paid order can be picked."))
    record_event(session, order, "picking", to_status="picking", actor=actor)
    session.flush()
    return order


def pack(session: Session, order_id: uuid.UUID, *, actor: str | None) -> Order:
    """A picked order is packed. Raises ``OrderNotFound``, ``OrderStateConflict``."""
    order = get_order(session, order_id)
    _require(order, ("paid", "picking"), _l("Only a paid or picked order can be packed."))
    record_event(session, order, "packed", to_status="packed", actor=actor)
    session.flush()
    return order


def _chosen_lines(
    session: Session, order: Order, lines: Mapping[uuid.UUID, int] | None
) -> dict[uuid.UUID, int]:
    """The units to ship, checked against what is left (``lines.<n>.*`` errors); by default
    everything left at the location of the first line still to ship."""
    left = to_ship(session, order)
    if not left:
        raise OrderStateConflict(_l("Every unit of this order has already left."))
    by_id = {line.id: line for line in order.lines}
    if lines is None:
        first = by_id[next(iter(left))].location_id
        return {k: q for k, q in left.items() if by_id[k].location_id == first}
    if not lines:
        raise InvalidInput(_l("Choose at least one line."), field="lines")
    location = None
    for n, (line_id, quantity) in enumerate(lines.items()):
        line = by_id.get(line_id)
        if line is None:
            raise InvalidInput(_l("This order has no such line."), field=f"lines.{n}.line_id")
        if not 1 <= quantity <= left.get(line_id, 0):
            raise InvalidInput(
                _l("At most {left} units of this line are left to ship."),
                field=f"lines.{n}.quantity",
                left=left.get(line_id, 0),
            )
        if location is not None and line.location_id != location:
            raise InvalidInput(
                _l("A shipment leaves from one location: ship this line separately."),
                field=f"lines.{n}.line_id",
            )
        location = line.location_id
    return dict(lines)


def _hand_over(
    session: Session,
    order: Order,
    chosen: Mapping[uuid.UUID, int],
    *,
    method: str,
    carrier: str | None,
    tracking_number: str | None,
    actor: str | None,
) -> Shipment:
    """Record the shipment and consume the chosen units' allocations (``sale`` movements at
    the allocated location), in (variant, line) order like every stock write."""
    by_id = {line.id: line for line in order.lines}
    ordered: list[OrderLine] = sorted(
        (by_id[line_id] for line_id in chosen), key=lambda line: (line.variant_id, line.id)
    )
    for line in ordered:
        if line.reservation_id is None:
            raise OrderStateConflict(_l("Line {sku} has no stock allocated."), sku=line.sku)
        try:
            inventory.consume(session, line.reservation_id, quantity=chosen[line.id], actor=actor)
        except inventory.ReservationNotActive:
            raise OrderStateConflict(
                _l("The allocation of line {sku} is no longer active."), sku=line.sku
            ) from None
    now = clock.now()
    shipment = Shipment(
        order_id=order.id,
        location_id=ordered[0].location_id,
        method=method,
        status="delivered" if method == "pickup" else "shipped",
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=now,
        delivered_at=now if method == "pickup" else None,
        lines=[ShipmentLine(order_line_id=k, quantity=q) for k, q in chosen.items()],
    )
    session.add(shipment)
    session.flush()
    return shipment


def ship(
    session: Session,
    order_id: uuid.UUID,
    *,
    carrier: str | None,
    tracking_number: str | None,
    lines: Mapping[uuid.UUID, int] | None = None,
    actor: str | None,
) -> Shipment:
    """Ship units of a paid order (``lines``: line id to units; by default everything left
    at one location). Their allocations are consumed (``sale`` movements); the order is
    ``partially_shipped`` until every open unit has left, then ``shipped``. Emits
    ``order.shipped``.

    Raises ``OrderNotFound``, ``OrderStateConflict`` (state, click & collect order, nothing
    left, allocation gone), :class:`InvalidInput` (``lines.<n>.*``); nothing changes then.
    """
    order = get_order(session, order_id)
    _require(order, SHIPPABLE, _l("Only a paid order can be shipped."))
    _require_method(order, "shipping")
    chosen = _chosen_lines(session, order, lines)
    with session.begin_nested():
        shipment = _hand_over(
            session, order, chosen, method="shipping", carrier=carrier,
            tracking_number=tracking_number, actor=actor,
        )  # fmt: skip
    complete = not to_ship(session, order)
    details = {str(k): q for k, q in chosen.items()}
    record_event(
        session, order, "shipped" if complete else "partially_shipped",
        to_status="shipped" if complete else "partially_shipped", actor=actor,
        details={"carrier": carrier, "tracking_number": tracking_number, "lines": details},
    )  # fmt: skip
    emit(
        session,
        events.ORDER_SHIPPED,
        events.OrderShipped(
            order_id=order.id, number=order.number, shipment_id=shipment.id, carrier=carrier,
            tracking_number=tracking_number, lines=details, complete=complete,
        ),
        key=order.id,
    )  # fmt: skip
    session.flush()
    return shipment


def deliver(
    session: Session,
    order_id: uuid.UUID,
    *,
    shipment_id: uuid.UUID | None = None,
    actor: str | None,
) -> Order:
    """The carrier delivered one shipment (or all of them): once every unit is shipped and
    every shipment delivered, the order is ``delivered``. Emits ``order.delivered``.

    Raises ``OrderNotFound``, :class:`ShipmentNotFound`, ``OrderStateConflict`` (nothing
    in transit)."""
    order = get_order(session, order_id)
    shipments = shipments_of(session, order.id)
    if shipment_id is not None and shipment_id not in {s.id for s in shipments}:
        raise ShipmentNotFound()
    in_transit = [s for s in shipments if s.status == "shipped" and shipment_id in (None, s.id)]
    if not in_transit:
        raise OrderStateConflict(_l("Nothing of this order is on its way."))
    now = clock.now()
    for shipment in in_transit:
        shipment.status, shipment.delivered_at = "delivered", now
    complete = order.status == "shipped" and all(s.status == "delivered" for s in shipments)
    record_event(
        session, order, "delivered" if complete else "shipment_delivered",
        to_status="delivered" if complete else None, actor=actor,
        details={"shipments": [str(s.id) for s in in_transit]},
    )  # fmt: skip
    emit(
        session,
        events.ORDER_DELIVERED,
        events.OrderDelivered(
            order_id=order.id, number=order.number, method="shipping", complete=complete
        ),
        key=order.id,
    )
    session.flush()
    return order


def _code_hash(order_id: uuid.UUID, code: str) -> str:
    return hashlib.sha256(f"{order_id}:{code}".encode()).hexdigest()


def normalise_code(code: str) -> str:
    """The code as typed at the counter, without spaces or dashes, upper case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def pickup_of(session: Session, order_id: uuid.UUID) -> Pickup | None:
    return session.scalar(select(Pickup).where(Pickup.order_id == order_id))


def mark_ready_for_pickup(
    session: Session,
    order_id: uuid.UUID,
    *,
    days: int = DEFAULT_PICKUP_DAYS,
    actor: str | None,
) -> tuple[Pickup, str]:
    """A paid click & collect order waits at the pickup store the shopper chose (without
    one, at the one store holding its units), for ``days`` days. Units a transfer brought
    to the store are allocated there first. A new 6-character code is drawn (stored
    hashed; a second call replaces it) and returned with the pickup; ``pickup.ready``
    carries it to the customer.

    Raises ``OrderNotFound``, ``OrderStateConflict`` (state, not click & collect, units
    still in transit or at another location), ``InsufficientStock`` (units that arrived
    were sold meanwhile); nothing changes then."""
    order = get_order(session, order_id)
    _require(order, (*PREPARABLE, "ready_for_pickup"), _l("Only a paid order can be made ready."))
    _require_method(order, "pickup")
    chosen = delivery.order_delivery(session, order.id)
    location_id = chosen.location_id if chosen is not None else None
    if location_id is not None:
        sourcing.bring_to_store(session, order, location_id, actor=actor)
    else:
        locations = {line.location_id for line in order.lines if line.open_quantity}
        if len(locations) != 1 or None in locations:
            raise OrderStateConflict(
                _l("The units must all be at one store: transfer them there first.")
            )
        location_id = next(iter(locations))
    assert location_id is not None
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = clock.now()
    pickup = pickup_of(session, order.id) or Pickup(order_id=order.id)
    pickup.location_id, pickup.status, pickup.code_hash = (
        location_id,
        "ready",
        _code_hash(order.id, code),
    )
    pickup.ready_at, pickup.collect_by = now, now + timedelta(days=days)
    session.add(pickup)
    record_event(
        session, order, "ready_for_pickup", to_status="ready_for_pickup", actor=actor,
        details={"location_id": str(location_id), "collect_by": pickup.collect_by.isoformat()},
    )  # fmt: skip
    emit(
        session,
        events.PICKUP_READY,
        events.PickupReady(
            order_id=order.id, number=order.number, location_id=location_id, code=code,
            collect_by=pickup.collect_by,
        ),
        key=order.id,
    )  # fmt: skip
    session.flush()
    return pickup, code


def collect(session: Session, order_id: uuid.UUID, code: str, *, actor: str | None) -> Order:
    """The customer showed ``code`` at the counter: the units are handed over (their
    allocations consumed, ``sale`` movements), the order is ``collected``; emits
    ``order.delivered``.

    Raises ``OrderNotFound``, :class:`PickupNotFound` (not waiting),
    :class:`WrongPickupCode` (``code``); nothing changes then."""
    order = get_order(session, order_id)
    pickup = pickup_of(session, order.id)
    if pickup is None or pickup.status != "ready" or order.status != "ready_for_pickup":
        raise PickupNotFound()
    given = _code_hash(order.id, normalise_code(code))
    if not hmac.compare_digest(given, pickup.code_hash):
        raise WrongPickupCode(field="code")
    chosen = to_ship(session, order)
    with session.begin_nested():
        _hand_over(
            session, order, chosen, method="pickup", carrier=None, tracking_number=None,
            actor=actor,
        )  # fmt: skip
    pickup.status, pickup.collected_at = "collected", clock.now()
    record_event(session, order, "collected", to_status="collected", actor=actor)
    emit(
        session,
        events.ORDER_DELIVERED,
        events.OrderDelivered(order_id=order.id, number=order.number, method="pickup",
                              complete=True),
        key=order.id,
    )  # fmt: skip
    session.flush()
    return order


def expire_pickups(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 200,
    production: bool | None = None,
) -> int:
    """Cancel the click & collect orders nobody came for by their ``collect_by``: their
    allocations are released, a captured payment refunded, ``order.cancelled`` emitted.
    An order whose refund the provider refuses or cannot take now stays ready for pickup
    (the next run tries again). Returns how many were cancelled."""
    moment = now or clock.now()
    if production is None:
        production = get_settings().environment == "production"
    due = list(
        session.scalars(
            select(Pickup)
            .where(Pickup.status == "ready", Pickup.collect_by < moment)
            .order_by(Pickup.collect_by, Pickup.id)
            .limit(limit)
        )
    )
    cancelled = 0
    for pickup in due:
        try:
            cancel_order(
                session, pickup.order_id, reason="Not collected in time", actor="comptoir",
                production=production,
            )  # fmt: skip
        except (RefundRefused, PaymentProviderUnavailable) as error:
            log.warning(
                "uncollected order not cancelled: refund failed",
                extra={"order_id": str(pickup.order_id), "problem": error.slug},
            )
            continue
        pickup.status = "expired"
        cancelled += 1
    session.flush()
    return cancelled


def orders_to_prepare(session: Session, location_id: uuid.UUID) -> list[Order]:
    """Paid orders with units allocated at the location, still to pick, pack or ship (or
    make ready for pickup), oldest first."""
    return list(
        session.scalars(
            select(Order)
            .where(
                Order.status.in_(SHIPPABLE),
                Order.id.in_(
                    select(OrderLine.order_id).where(OrderLine.location_id == location_id)
                ),
            )
            .order_by(Order.placed_at, Order.id)
        )
    )


def pickups_waiting(session: Session, location_id: uuid.UUID) -> list[tuple[Order, Pickup]]:
    """The orders ready for pickup at the store, the oldest first."""
    rows = session.execute(
        select(Order, Pickup)
        .join(Pickup, Pickup.order_id == Order.id)
        .where(Pickup.location_id == location_id, Pickup.status == "ready")
        .order_by(Pickup.ready_at, Pickup.id)
    )
    return [(order, pickup) for order, pickup in rows]
