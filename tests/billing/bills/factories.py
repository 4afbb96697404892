"""Typed factories of the supplier bill tests: a purchase order sent to a supplier and
received (wholly or partly), made through the purchasing service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from comptoir.billing.bills import service
from comptoir.billing.bills.models import SupplierBill
from comptoir.billing.bills.schemas import BillCreate
from comptoir.billing.ledger import service as ledger
from comptoir.purchasing import service as purchasing
from comptoir.purchasing.models import PurchaseOrder, Supplier
from comptoir.purchasing.schemas import ReceiveLine, ReceiveRequest
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_purchase_order, make_supplier

BILL_DATE = date(2026, 11, 20)


@dataclass(frozen=True, slots=True)
class Received:
    order: PurchaseOrder
    supplier: Supplier
    line_ids: list[uuid.UUID]


def received_order(
    session: Session,
    lines: list[tuple[int, str, int]],
    *,
    supplier: Supplier | None = None,
    **supplier_fields: Any,
) -> Received:
    """A purchase order of ``lines`` (ordered, unit cost, received) sent and received."""
    supplier = supplier or make_supplier(session, **supplier_fields)
    location = make_location(session)
    variants = [make_variant(session) for _ in lines]
    order = make_purchase_order(
        session,
        supplier=supplier,
        location_id=location.id,
        lines=[
            (variant.id, ordered, Decimal(cost))
            for variant, (ordered, cost, _received) in zip(variants, lines, strict=True)
        ],
    )
    arrived = [
        ReceiveLine(line_id=line.id, quantity=received)
        for line, (_o, _c, received) in zip(order.lines, lines, strict=True)
        if received
    ]
    if arrived:
        purchasing.receive_purchase_order(session, order.id, ReceiveRequest(lines=arrived))
    ledger.ensure_chart(session)
    return Received(order=order, supplier=supplier, line_ids=[line.id for line in order.lines])


def bill_of(
    session: Session, received: Received, number: str = "F-1", **fields: Any
) -> SupplierBill:
    """A draft bill of the order, prefilled unless ``lines`` are given."""
    values: dict[str, Any] = {
        "purchase_order_id": received.order.id,
        "supplier_invoice_number": number,
        "bill_date": BILL_DATE,
    }
    values.update(fields)
    return service.create_bill(session, BillCreate.model_validate(values))
