"""Sourcing in the database: the channel's selling locations and their stock, the holds of a
cart moved where the rules send them, the decisions of a placed order kept on its timeline
(with the transfers click & collect needs), the units of a transfer taken over at the
pickup store, and staff moving a line elsewhere. Every function works in the caller's
transaction and never commits."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import StockReference, TransferCreate, TransferLineCreate
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.i18n import gettext
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders.delivery import service as delivery
from comptoir.orders.errors import OrderStateConflict
from comptoir.orders.models import Cart, CartLine, Order, OrderLine
from comptoir.orders.service.orders import get_order, inventory_reference, record_event, timeline
from comptoir.orders.sourcing import Decision, Destination, Place, Stock, Want, explain, plan

# An order's lines can move until someone starts picking them.
MOVABLE_STATUSES: Final = ("pending_payment", "paid")
SOURCING_EVENTS: Final = ("sourced", "line_sourced", "units_arrived")
IN_TRANSIT: Final = ("draft", "shipped", "partially_received")


def selling_places(session: Session, channel_id: uuid.UUID) -> list[Place]:
    """The channel's active selling locations, by code."""
    links = inventory.list_channel_locations(session, channel_id=channel_id)
    linked = [link.location_id for link in links]
    if not linked:
        return []
    return [
        Place(loc.id, loc.code, loc.name, loc.kind, loc.postal_code, loc.country)
        for loc in inventory.list_locations(session, location_ids=linked, include_inactive=False)
    ]


def cart_stock(session: Session, cart: Cart) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """Units available per variant and selling location for this cart: what the channel
    may still sell there plus what the cart's own active holds keep there (a backordered
    hold adds nothing)."""
    return delivery.stock_by_location(session, cart)


def cart_destination(
    session: Session, cart: Cart, *, postal_code: str | None = None
) -> Destination:
    """Where the cart goes: the chosen pickup store (with the date a transfer would reach
    it), or its country and, once known, postcode."""
    chosen = delivery.chosen_delivery(session, cart.id)
    if chosen is not None and chosen.location_id is not None:
        loc = inventory.get_location(session, chosen.location_id)
        carrier = delivery.get_carrier(session, chosen.carrier_id)
        ready_on = clock.now().date() + timedelta(days=carrier.transfer_lead_days)
        store = Place(loc.id, loc.code, loc.name, loc.kind, loc.postal_code, loc.country)
        return Destination(loc.country, loc.postal_code, store, ready_on)
    return Destination(cart.destination_country, postal_code)


def plan_cart(
    session: Session,
    cart: Cart,
    *,
    postal_code: str | None = None,
    extra: tuple[uuid.UUID, int, bool] | None = None,
) -> list[Decision]:
    """The sourcing of the cart's lines (in their order), then of ``extra`` (a variant,
    quantity and backorder flag about to be held) if given; ``extra`` replaces the line of
    its variant."""
    wants = [
        Want(line.variant_id, line.quantity, _backorder(session, line.variant_id))
        for line in cart.lines
        if extra is None or line.variant_id != extra[0]
    ]
    if extra is not None:
        wants.append(Want(*extra))
    stock: Stock = cart_stock(session, cart)
    if extra is not None and extra[0] not in stock:
        stock = {
            **stock,
            **inventory.available_by_location(
                session, variant_ids=[extra[0]], channel_id=cart.channel_id
            ),
        }
    places = selling_places(session, cart.channel_id)
    return plan(wants, stock, places, cart_destination(session, cart, postal_code=postal_code))


def _backorder(session: Session, variant_id: uuid.UUID) -> bool:
    return catalog.variant_summary(session, variant_id).allows_backorder


def _cart_reference(cart: Cart) -> StockReference:
    return StockReference(type="cart", id=str(cart.id))


def _move_hold(session: Session, cart: Cart, line: CartLine, location_id: uuid.UUID) -> None:
    """Release the line's hold and hold its units at ``location_id`` instead, both or
    neither (a shortage there keeps the old hold)."""
    try:
        with session.begin_nested():
            inventory.lock_levels(
                session,
                [(line.variant_id, location_id)]
                + ([(line.variant_id, line.location_id)] if line.location_id else []),
            )
            if line.reservation_id is not None:
                with contextlib.suppress(inventory.ReservationNotActive):
                    inventory.release(session, line.reservation_id)
            held = inventory.reserve(
                session,
                variant_id=line.variant_id,
                location_id=location_id,
                quantity=line.quantity,
                expires_at=cart.expires_at,
                reference=_cart_reference(cart),
            )
            session.flush()
    except inventory.InsufficientStock:
        return
    line.location_id, line.reservation_id = location_id, held.id


def place_holds(session: Session, cart: Cart) -> list[Decision]:
    """Move each line's hold to where the rules now send it (the destination or pickup
    store changed). A line that cannot move keeps its hold. Returns the decisions."""
    decisions = plan_cart(session, cart)
    moves = [
        (line, decision.location_id)
        for line, decision in zip(list(cart.lines), decisions, strict=True)
        if decision.location_id is not None and decision.location_id != line.location_id
    ]
    for line, location_id in sorted(moves, key=lambda item: (item[0].variant_id, item[0].id)):
        _move_hold(session, cart, line, location_id)
    session.flush()
    return decisions


# -- placed orders -------------------------------------------------------------------------


def _line_details(line: OrderLine, decision: Decision) -> dict[str, object]:
    return {
        "line_id": str(line.id),
        "sku": line.sku,
        "location_id": str(decision.location_id) if decision.location_id else None,
        "rule": decision.rule,
        "params": dict(decision.params),
    }


def _transfer_reference(transfer_id: uuid.UUID) -> StockReference:
    return StockReference(type="transfer", id=str(transfer_id))


def record_sourcing(
    session: Session, order: Order, decisions: Sequence[Decision], *, actor: str | None
) -> list[uuid.UUID]:
    """Keep the decisions on the order's timeline (``sourced``) and create, for click &
    collect, one draft transfer per source to the pickup store. The units a transfer takes
    stay reserved at its source under the transfer's reference, so that shipping it frees
    them as they leave. Returns the transfers' ids. Raises ``InsufficientStock`` only if
    the units just allocated vanished (they cannot in one transaction)."""
    by_variant = {line.variant_id: line for line in order.lines}
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[Decision]] = {}
    for decision in decisions:
        if decision.rule == "transfer_to_store" and decision.location_id and decision.store_id:
            groups.setdefault((decision.location_id, decision.store_id), []).append(decision)
    transfers: list[uuid.UUID] = []
    for (source, store), moving in sorted(groups.items()):
        lines = [TransferLineCreate(variant_id=d.variant_id, quantity=d.quantity) for d in moving]
        transfer = inventory.create_transfer(
            session,
            TransferCreate(
                source_location_id=source,
                destination_location_id=store,
                lines=lines,
                note=gettext("Click & collect: order {number}", number=order.number),
            ),
        )
        transfers.append(transfer.id)
        for decision in sorted(moving, key=lambda d: d.variant_id):
            line = by_variant[decision.variant_id]
            if line.reservation_id is not None:
                inventory.release(session, line.reservation_id)
            line.reservation_id = inventory.reserve(
                session,
                variant_id=line.variant_id,
                location_id=source,
                quantity=line.open_quantity,
                reference=_transfer_reference(transfer.id),
            ).id
    record_event(
        session, order, "sourced", actor=actor,
        details={
            "lines": [_line_details(by_variant[d.variant_id], d) for d in decisions],
            "transfers": [str(t) for t in transfers],
        },
    )  # fmt: skip
    session.flush()
    return transfers


def transfer_of(session: Session, line: OrderLine) -> uuid.UUID | None:
    """The transfer bringing the line's units to its pickup store, if it has one."""
    if line.reservation_id is None:
        return None
    try:
        reservation = inventory.get_reservation(session, line.reservation_id)
    except NotFound:
        return None
    if reservation.reference_type != "transfer" or reservation.reference_id is None:
        return None
    return uuid.UUID(reservation.reference_id)


def bring_to_store(
    session: Session, order: Order, store_id: uuid.UUID, *, actor: str | None
) -> None:
    """Make sure every open unit of the order waits at the pickup store: the units of a
    received transfer are allocated there (released from the transfer). Raises
    :class:`OrderStateConflict` while units are still in transit (or the transfer was
    cancelled) or a line is allocated elsewhere without a transfer, ``InsufficientStock``
    when the units that arrived were sold meanwhile; nothing changes then."""
    arrived: list[OrderLine] = []
    for line in order.lines:
        if not line.open_quantity or line.location_id == store_id:
            continue
        transfer_id = transfer_of(session, line)
        if transfer_id is None:
            raise OrderStateConflict(
                _l("Line {sku} is allocated elsewhere: move it to the pickup store first."),
                sku=line.sku,
            )
        transfer = inventory.get_transfer(session, transfer_id)
        if transfer.status in IN_TRANSIT:
            raise OrderStateConflict(
                _l("The units of line {sku} are still on their way to the store."),
                sku=line.sku,
            )
        if transfer.status != "received":
            raise OrderStateConflict(
                _l("The transfer of line {sku} was cancelled: move the line first."),
                sku=line.sku,
            )
        arrived.append(line)
    if not arrived:
        return
    with session.begin_nested():
        inventory.lock_levels(session, [(line.variant_id, store_id) for line in arrived])
        for line in sorted(arrived, key=lambda item: (item.variant_id, item.id)):
            _reallocate(session, line, store_id)
    record_event(
        session, order, "units_arrived", actor=actor,
        details={"lines": [
            {"line_id": str(line.id), "sku": line.sku, "location_id": str(store_id),
             "rule": "received", "params": {"location": _name(session, store_id)}}
            for line in arrived
        ]},
    )  # fmt: skip


def _reallocate(session: Session, line: OrderLine, location_id: uuid.UUID) -> None:
    """The line's open units allocated at ``location_id`` instead of where they were."""
    if line.reservation_id is not None:
        with contextlib.suppress(inventory.ReservationNotActive):
            inventory.release(session, line.reservation_id)
    line.reservation_id = inventory.reserve(
        session,
        variant_id=line.variant_id,
        location_id=location_id,
        quantity=line.open_quantity,
        reference=inventory_reference(line.order_id),
    ).id
    line.location_id = location_id


def _name(session: Session, location_id: uuid.UUID) -> str:
    return inventory.get_location(session, location_id).name


def move_line(
    session: Session,
    order_id: uuid.UUID,
    line_id: uuid.UUID,
    location_id: uuid.UUID,
    *,
    actor: str | None,
) -> Order:
    """Staff send a line not yet picked to another of the channel's locations: its
    allocation is released and its open units reserved there, both or neither.

    Raises ``OrderNotFound``, :class:`NotFound` (no such line), :class:`OrderStateConflict`
    (picking started, nothing open, units already left), :class:`InvalidInput`
    (``location_id``: not a selling location of the channel, or where the line already
    is), ``InsufficientStock`` (``location_id``); nothing changes then.
    """
    order = get_order(session, order_id)
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise NotFound(_l("This order has no such line."))
    if order.status not in MOVABLE_STATUSES:
        raise OrderStateConflict(_l("Only a line not yet picked can change location."))
    if not line.open_quantity:
        raise OrderStateConflict(_l("Nothing of this line is left to send."))
    places = {place.id: place for place in selling_places(session, order.channel_id)}
    if location_id not in places:
        raise InvalidInput(
            _l("This order's channel does not sell from that location."), field="location_id"
        )
    if location_id == line.location_id:
        raise InvalidInput(_l("The line is already allocated there."), field="location_id")
    previous = line.location_id
    try:
        with session.begin_nested():
            pairs = [(line.variant_id, location_id)]
            inventory.lock_levels(
                session, pairs + ([(line.variant_id, previous)] if previous else [])
            )
            if line.reservation_id is not None:
                try:
                    inventory.release(session, line.reservation_id)
                except inventory.ReservationNotActive:
                    raise OrderStateConflict(
                        _l("The units of line {sku} have already left the stock."), sku=line.sku
                    ) from None
                line.reservation_id = None
            line.reservation_id = inventory.reserve(
                session, variant_id=line.variant_id, location_id=location_id,
                quantity=line.open_quantity, reference=inventory_reference(order.id),
            ).id  # fmt: skip
            line.location_id = location_id
            session.flush()
    except inventory.InsufficientStock as error:
        session.expire(line)
        error.field = "location_id"
        raise
    record_event(
        session, order, "line_sourced", actor=actor,
        details={"lines": [{
            "line_id": str(line.id), "sku": line.sku, "location_id": str(location_id),
            "from_location_id": str(previous) if previous else None, "rule": "staff",
            "params": {"location": places[location_id].name, "actor": actor or "?"},
        }]},
    )  # fmt: skip
    session.flush()
    return order


@dataclass(frozen=True, slots=True)
class LineSourcing:
    """Where a line is allocated and the latest reason why."""

    location_id: uuid.UUID | None
    location_name: str | None
    rule: str | None
    reason: str | None


def sourcing_of(session: Session, order: Order) -> dict[uuid.UUID, LineSourcing]:
    """Each line's location and the reason of the latest sourcing decision about it, in
    the current language."""
    latest: dict[str, dict[str, object]] = {}
    for event in timeline(session, order.id):
        if event.kind not in SOURCING_EVENTS:
            continue
        lines = event.details.get("lines")
        for entry in lines if isinstance(lines, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("line_id"), str):
                latest[entry["line_id"]] = entry
    names = {loc.id: loc.name for loc in inventory.list_locations(session)}
    answer: dict[uuid.UUID, LineSourcing] = {}
    for line in order.lines:
        entry = latest.get(str(line.id))
        params = entry.get("params") if entry else None
        rule = str(entry["rule"]) if entry and "rule" in entry else None
        reason = explain(rule, params) if rule and isinstance(params, dict) else None
        name = names.get(line.location_id) if line.location_id else None
        answer[line.id] = LineSourcing(line.location_id, name, rule, reason)
    return answer
