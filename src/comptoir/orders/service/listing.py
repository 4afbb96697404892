"""What the order list shows beside each order: the locations it touches, its units and how
its payment stands, read for a whole page of orders in three queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.orders.delivery.models import OrderDelivery
from comptoir.orders.models import OrderLine, Payment


@dataclass(slots=True)
class OrderListFacts:
    """``location_ids``: where its lines are allocated and the store it is collected at;
    ``units``: units ordered and not cancelled; ``payment_status``: that of its latest
    payment (``None`` without any)."""

    location_ids: set[uuid.UUID] = field(default_factory=set)
    units: int = 0
    payment_status: str | None = None


def list_facts(session: Session, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, OrderListFacts]:
    """The facts of each of ``order_ids`` (every id is a key, known order or not)."""
    facts = {order_id: OrderListFacts() for order_id in order_ids}
    if not facts:
        return facts
    ids = list(facts)
    lines = session.execute(
        select(
            OrderLine.order_id,
            OrderLine.location_id,
            func.sum(OrderLine.quantity - OrderLine.cancelled_quantity),
        )
        .where(OrderLine.order_id.in_(ids))
        .group_by(OrderLine.order_id, OrderLine.location_id)
    )
    for order_id, location_id, units in lines:
        facts[order_id].units += int(units or 0)
        if location_id is not None:
            facts[order_id].location_ids.add(location_id)
    pickups = session.execute(
        select(OrderDelivery.order_id, OrderDelivery.location_id).where(
            OrderDelivery.order_id.in_(ids), OrderDelivery.location_id.is_not(None)
        )
    )
    for order_id, pickup_id in pickups:
        if pickup_id is not None:
            facts[order_id].location_ids.add(pickup_id)
    payments = session.execute(
        select(Payment.order_id, Payment.status)
        .where(Payment.order_id.in_(ids))
        .order_by(Payment.order_id, Payment.created_at, Payment.id)
    )
    for order_id, status in payments:
        facts[order_id].payment_status = status
    return facts
