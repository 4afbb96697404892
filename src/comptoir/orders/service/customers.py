"""Handing a customer's orders, open carts and draft orders over to another customer, as a
customer merge does (and putting them back, as its unmerge does)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.orders.drafts.models import DraftOrder
from comptoir.orders.models import Cart, Order
from comptoir.orders.service.orders import record_event

Row = TypeVar("Row", Order, Cart, DraftOrder)


@dataclass(frozen=True, slots=True)
class ReassignedRecords:
    """What one reassignment moved, by id: orders, the orders whose personal data moved
    to the new customer's data key with them (``order_subjects``), open carts and draft
    orders. ``as_json`` / ``from_json`` keep it in a JSON column."""

    orders: list[uuid.UUID] = field(default_factory=list)
    order_subjects: list[uuid.UUID] = field(default_factory=list)
    carts: list[uuid.UUID] = field(default_factory=list)
    drafts: list[uuid.UUID] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.orders) + len(self.carts) + len(self.drafts)

    def as_json(self) -> dict[str, list[str]]:
        return {
            "orders": [str(i) for i in self.orders],
            "order_subjects": [str(i) for i in self.order_subjects],
            "carts": [str(i) for i in self.carts],
            "drafts": [str(i) for i in self.drafts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReassignedRecords:
        def ids(key: str) -> list[uuid.UUID]:
            return [uuid.UUID(str(value)) for value in data.get(key, [])]

        return cls(ids("orders"), ids("order_subjects"), ids("carts"), ids("drafts"))


def reassign_customer(
    session: Session,
    *,
    from_customer_id: uuid.UUID,
    to_customer_id: uuid.UUID,
    only: ReassignedRecords | None = None,
    actor: str | None = None,
) -> ReassignedRecords:
    """Give ``to_customer_id`` every order, open cart and draft order of
    ``from_customer_id`` (with ``only``: just those of its ids still on
    ``from_customer_id``, which is how an unmerge gives back what a merge moved).

    Guarantees: an order whose personal data was under the old customer's data key is
    re-encrypted under the new one's (so erasing the old customer no longer erases it), and
    its timeline says the customer changed; converted and abandoned carts stay where they
    are; nothing is committed. Returns what moved, to be kept for the way back. Idempotent:
    a second call finds nothing left to move."""
    orders = _records(session, Order, from_customer_id, only.orders if only else None)
    subjects = set(only.order_subjects) if only else None
    moved_subjects: list[uuid.UUID] = []
    for order in orders:
        order.customer_id = to_customer_id
        if order.subject_id == from_customer_id and (subjects is None or order.id in subjects):
            order.subject_id = to_customer_id
            moved_subjects.append(order.id)
        record_event(
            session,
            order,
            "customer_changed",
            actor=actor,
            details={
                "from_customer_id": str(from_customer_id),
                "to_customer_id": str(to_customer_id),
            },
        )
    carts = [
        cart
        for cart in _records(session, Cart, from_customer_id, only.carts if only else None)
        if cart.status == "open"
    ]
    for cart in carts:
        cart.customer_id = to_customer_id
    drafts = _records(session, DraftOrder, from_customer_id, only.drafts if only else None)
    for draft in drafts:
        draft.customer_id = to_customer_id
    session.flush()
    return ReassignedRecords(
        orders=[order.id for order in orders],
        order_subjects=moved_subjects,
        carts=[cart.id for cart in carts],
        drafts=[draft.id for draft in drafts],
    )


def _records(
    session: Session, model: type[Row], customer_id: uuid.UUID, ids: Collection[uuid.UUID] | None
) -> list[Row]:
    stmt = select(model).where(model.customer_id == customer_id)
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(model.id.in_(list(ids)))
    return list(session.scalars(stmt.order_by(model.id)))
