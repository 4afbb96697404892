"""Invariant of the three-way match over any sequence of receipts and bills of one purchase
order (hypothesis): the units of the bills that passed never exceed what was received."""

from __future__ import annotations

import contextlib
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from comptoir.billing.bills import service
from comptoir.billing.bills.matching import BILLED_STATUSES
from comptoir.billing.bills.schemas import BillCreate
from comptoir.kit.db.engine import Database
from comptoir.purchasing import service as purchasing
from comptoir.purchasing.schemas import ReceiveLine, ReceiveRequest
from tests.billing.bills.factories import BILL_DATE, received_order

Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["receive", "bill", "credit"]),
        st.integers(min_value=0, max_value=1),  # which order line
        st.integers(min_value=1, max_value=12),  # units
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps, approve=st.booleans())
def test_matched_bills_never_bill_more_than_was_received(
    db: Database, steps: list[Step], approve: bool
) -> None:
    session: Session = db.session()
    savepoint = session.begin_nested()
    try:
        received = received_order(session, [(20, "5.00", 0), (15, "3.00", 0)])
        order_id = received.order.id
        for number, (kind, which, units) in enumerate(steps):
            line_id = received.line_ids[which]
            if kind == "receive":
                _receive(session, order_id, line_id, units)
                continue
            bill = service.create_bill(
                session,
                BillCreate.model_validate(
                    {
                        "purchase_order_id": order_id,
                        "supplier_invoice_number": f"F-{number}",
                        "bill_date": BILL_DATE,
                        "is_credit": kind == "credit",
                        "lines": [{"order_line_id": line_id, "quantity": units, "unit_cost": "5"}],
                    }
                ),
            )
            if approve:
                with contextlib.suppress(service.ApprovalReasonRequired):
                    service.approve_bill(session, bill.id, actor="property")
            else:
                service.match_bill(session, bill.id)
            _check(session, order_id)
    finally:
        savepoint.rollback()
        session.close()


def _receive(session: Session, order_id: uuid.UUID, line_id: uuid.UUID, units: int) -> None:
    with contextlib.suppress(purchasing.OverReceipt):
        purchasing.receive_purchase_order(
            session, order_id, ReceiveRequest(lines=[ReceiveLine(line_id=line_id, quantity=units)])
        )


def _check(session: Session, order_id: uuid.UUID) -> None:
    order = purchasing.get_purchase_order(session, order_id)
    bills = service.list_bills(session, purchase_order_id=order.id, limit=100).items
    left = {line.id: units for line, units in service.billable_lines(session, order.id)}
    for line in order.lines:
        billed = sum(
            (-1 if bill.is_credit else 1) * bill_line.quantity
            for bill in bills
            if bill.status in BILLED_STATUSES
            for bill_line in bill.lines
            if bill_line.order_line_id == line.id
        )
        assert 0 <= billed <= line.quantity_received
        assert left.get(line.id, 0) == line.quantity_received - billed
