"""Reading supplier bills: one bill, lists, the open bills, what is left to bill on a
purchase order; and the state rule every change checks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.bills import matching
from comptoir.billing.bills.errors import SupplierBillNotFound, SupplierBillStateConflict
from comptoir.billing.bills.models import SupplierBill
from comptoir.billing.bills.schemas import BillStatus
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, paginate
from comptoir.purchasing import service as purchasing

EDITABLE: Final = ("draft", "matched", "on_hold")
"""A bill is changed, matched and approved only before approval."""
OPEN: Final = ("approved", "posted", "partially_paid")
"""Approved and not fully paid."""


def get_bill(session: Session, bill_id: uuid.UUID, *, for_update: bool = False) -> SupplierBill:
    """The bill with its lines, totals and payments (locked with ``for_update``). Raises
    :class:`SupplierBillNotFound`."""
    stmt = select(SupplierBill).where(SupplierBill.id == bill_id)
    if for_update:
        stmt = lock_for_update(session, stmt)
    bill = session.scalars(stmt).first()
    if bill is None:
        raise SupplierBillNotFound(field="bill_id")
    return bill


def list_bills(
    session: Session,
    *,
    status: BillStatus | None = None,
    supplier_id: uuid.UUID | None = None,
    purchase_order_id: uuid.UUID | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[SupplierBill]:
    """Bills, latest bill date first, filtered by status, supplier and purchase order."""
    stmt = select(SupplierBill)
    if status is not None:
        stmt = stmt.where(SupplierBill.status == status)
    if supplier_id is not None:
        stmt = stmt.where(SupplierBill.supplier_id == supplier_id)
    if purchase_order_id is not None:
        stmt = stmt.where(SupplierBill.purchase_order_id == purchase_order_id)
    return paginate(
        session,
        stmt,
        order_by=[(SupplierBill.bill_date, "desc")],
        id_column=SupplierBill.id,
        limit=limit,
        cursor=cursor,
    )


def open_bills(session: Session, *, currency: str | None = None) -> list[SupplierBill]:
    """Approved bills (posted or not) not fully paid, earliest due first; credit notes are
    not in it."""
    stmt = select(SupplierBill).where(
        SupplierBill.status.in_(OPEN), SupplierBill.is_credit.is_(False)
    )
    if currency is not None:
        stmt = stmt.where(SupplierBill.currency == currency)
    return list(session.scalars(stmt.order_by(SupplierBill.due_date, SupplierBill.id)))


def billable_lines(session: Session, order_id: uuid.UUID) -> list[tuple[Any, int]]:
    """Each line of the purchase order with the units received and not yet billed (those
    with none left are left out). Raises ``PurchaseOrderNotFound``."""
    order = purchasing.get_purchase_order(session, order_id)
    billed = matching.already_billed(session, [line.id for line in order.lines])
    left = [(line, line.quantity_received - billed.get(line.id, 0)) for line in order.lines]
    return [(line, quantity) for line, quantity in left if quantity > 0]


def require_status(bill: SupplierBill, allowed: Sequence[str]) -> None:
    if bill.status not in allowed:
        raise SupplierBillStateConflict(
            _l("A supplier bill in the state {status} cannot do that."),
            field="status",
            status=bill.status,
        )
