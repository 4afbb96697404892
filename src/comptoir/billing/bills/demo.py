"""The demo shop's supplier bills: every received purchase order is billed by its supplier a
few days after delivery; most bills match and are approved and posted, a few carry a price
rise the order did not have and wait on hold for someone to look at them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.orm import Session

from comptoir.billing.bills import service
from comptoir.billing.bills.schemas import BillCreate, BillLineIn
from comptoir.kit.money import Money
from comptoir.purchasing import service as purchasing

BILLED_AFTER_DAYS: Final = 3
PRICE_RISE: Final = Decimal("1.05")
"""The supplier bills 5 % more than ordered: beyond the 2 % tolerance, so the bill is held."""
ON_HOLD_EVERY: Final = 4
"""One order in this many is billed with the price rise."""


def bill_received_orders(session: Session, *, until: date, post: bool = True) -> int:
    """Bill each partly or fully received purchase order that has no bill yet and was
    received on or before ``until``: the bill is dated a few days after delivery (never after
    ``until``), holds what was received at the order's cost, is matched, then approved and
    (with ``post``) posted; one order in four is billed 5 % dearer on its first line and stays
    on hold. Idempotent: an order that has a bill is left alone. Returns the bills made."""
    made = 0
    for index, order in enumerate(_received_orders(session)):
        received_on = _received_on(order)
        if (
            received_on > until
            or service.list_bills(session, purchase_order_id=order.id, limit=1).items
        ):
            continue
        left = service.billable_lines(session, order.id)
        if not left:
            continue
        rise = index % ON_HOLD_EVERY == ON_HOLD_EVERY - 1
        bill = service.create_bill(
            session,
            BillCreate(
                purchase_order_id=order.id,
                supplier_invoice_number=f"FAC-{order.number}",
                bill_date=min(received_on + timedelta(days=BILLED_AFTER_DAYS), until),
                lines=[
                    BillLineIn(
                        order_line_id=line.id,
                        quantity=quantity,
                        unit_cost=_unit_cost(line.unit_cost_minor, order.currency, rise and n == 0),
                    )
                    for n, (line, quantity) in enumerate(left)
                ],
            ),
        )
        service.match_bill(session, bill.id)
        if bill.status == "matched":
            service.approve_bill(session, bill.id, actor="demo")
            if post:
                service.post_bill(session, bill.id, actor="demo")
        made += 1
    return made


def _received_orders(session: Session) -> list[Any]:
    orders: list[Any] = []
    for status in ("partly_received", "received"):
        cursor = None
        while True:
            page = purchasing.list_purchase_orders(
                session,
                status=status,
                limit=200,
                cursor=cursor,
            )
            orders.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
    return sorted(orders, key=lambda order: order.number)


def _received_on(order: Any) -> date:
    moment = order.received_at or order.updated_at
    return date(moment.year, moment.month, moment.day)


def _unit_cost(unit_cost_minor: int, currency: str, rise: bool) -> Decimal:
    cost = Money.from_minor(unit_cost_minor, currency)
    return (cost * PRICE_RISE).round().amount if rise else cost.amount
