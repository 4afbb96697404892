"""Typed factories for purchasing rows, made through the service."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from comptoir.purchasing import service
from comptoir.purchasing.models import PurchaseOrder, Supplier
from comptoir.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    SupplierCreate,
)

_sequence = itertools.count(1)


def make_supplier(session: Session, **kw: Any) -> Supplier:
    n = next(_sequence)
    values: dict[str, Any] = {"name": f"Supplier {n} {uuid.uuid4().hex[:6]}", "currency": "EUR"}
    values.update(kw)
    return service.create_supplier(session, SupplierCreate(**values))


def make_purchase_order(
    session: Session,
    *,
    supplier: Supplier | None = None,
    location_id: uuid.UUID,
    lines: list[tuple[uuid.UUID, int, Decimal]],
    send: bool = True,
) -> PurchaseOrder:
    """An order of ``lines`` (variant id, quantity, unit cost), sent unless ``send=False``."""
    supplier = supplier or make_supplier(session)
    order = service.create_purchase_order(
        session,
        PurchaseOrderCreate(
            supplier_id=supplier.id,
            location_id=location_id,
            lines=[
                PurchaseOrderLineCreate(variant_id=variant_id, quantity=quantity, unit_cost=cost)
                for variant_id, quantity, cost in lines
            ],
        ),
    )
    if send:
        service.send_purchase_order(session, order.id)
    return order
