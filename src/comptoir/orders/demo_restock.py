"""The demo history's weekly reorder: every location whose stock of a variant runs low
orders it from a supplier, and the delivery is received into that location (a purchase
order sent and received, so the stock ledger shows a ``receipt`` per line and the variant's
average cost follows)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.purchasing import service as purchasing
from comptoir.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    ReceiveLine,
    ReceiveRequest,
)

# (reorder below, order up to) units available, at the warehouse and at a store.
WAREHOUSE_LEVELS: Final = (15, 45)
STORE_LEVELS: Final = (2, 6)
MAX_LINES: Final = 500  # what a purchase order holds
COST_SHARE: Final = Decimal("0.35")  # a unit costs about this share of its price, VAT included


def reorders(available: dict[uuid.UUID, int], levels: tuple[int, int]) -> dict[uuid.UUID, int]:
    """The units to order per variant: up to the target for those below the reorder point."""
    reorder_below, up_to = levels
    return {
        variant_id: up_to - units
        for variant_id, units in sorted(available.items())
        if units < reorder_below
    }


def restock(session: Session, prices: dict[uuid.UUID, int], *, actor: str) -> int:
    """Reorder and receive, at every active location, the variants of ``prices`` (their
    price in minor units, VAT included, sets the unit cost) that run low; how many units
    came in."""
    suppliers = purchasing.list_suppliers(session, limit=10).items
    if not suppliers or not prices:
        return 0
    variant_ids = sorted(prices)
    received = 0
    for n, location in enumerate(inventory.list_locations(session, include_inactive=False)):
        available = inventory.available_by_location(
            session, variant_ids=variant_ids, location_ids=[location.id]
        )
        levels = WAREHOUSE_LEVELS if location.kind == "warehouse" else STORE_LEVELS
        wanted = reorders(
            {v: by_location.get(location.id, 0) for v, by_location in available.items()}, levels
        )
        items = list(wanted.items())
        for first in range(0, len(items), MAX_LINES):
            chunk = items[first : first + MAX_LINES]
            received += _order_and_receive(
                session, suppliers[n % len(suppliers)].id, location.id, chunk, prices, actor
            )
    return received


def _order_and_receive(
    session: Session,
    supplier_id: uuid.UUID,
    location_id: uuid.UUID,
    items: list[tuple[uuid.UUID, int]],
    prices: dict[uuid.UUID, int],
    actor: str,
) -> int:
    order = purchasing.create_purchase_order(
        session,
        PurchaseOrderCreate(
            supplier_id=supplier_id,
            location_id=location_id,
            notes="Réassort hebdomadaire",
            lines=[
                PurchaseOrderLineCreate(
                    variant_id=variant_id,
                    quantity=quantity,
                    unit_cost=(Decimal(prices[variant_id]) * COST_SHARE / 100).quantize(
                        Decimal("0.01")
                    ),
                )
                for variant_id, quantity in items
            ],
        ),
    )
    purchasing.send_purchase_order(session, order.id)
    purchasing.receive_purchase_order(
        session,
        order.id,
        ReceiveRequest(
            lines=[
                ReceiveLine(line_id=line.id, quantity=line.quantity_ordered) for line in order.lines
            ]
        ),
        actor=actor,
    )
    return sum(quantity for _, quantity in items)
