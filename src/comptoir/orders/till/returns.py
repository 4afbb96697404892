"""A till sale brought back to the counter: the return is opened, received, decided (back on
the store's shelf, or written off) and refunded at the counter in one go, by the staff member
at the till."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from comptoir.orders.returns import service as returns
from comptoir.orders.returns.models import Return
from comptoir.orders.till.schemas import TillReturnLine
from comptoir.orders.till.service import get_till_sale


def return_at_till(
    session: Session,
    order_id: uuid.UUID,
    lines: Sequence[TillReturnLine],
    *,
    channel_id: uuid.UUID,
    allowed_locations: frozenset[uuid.UUID] | None,
    note: str | None,
    production: bool,
    actor: str,
) -> Return:
    """Take back ``lines`` of a till sale of this channel at the store it was sold in: the
    units go back to that store's stock (``restock``) or are written off (``scrap``), and the
    money is given back the way it was paid (cash from the drawer, the card terminal).
    Emits ``return.received`` and ``refund.issued``; invoicing credits the units.

    Raises ``OrderNotFound`` (not a till sale of this channel, or of a store the staff
    member may not see), and what opening, inspecting and refunding a return raise (more
    units than were sold, ``lines.<n>.quantity``); nothing is changed then."""
    sale = get_till_sale(
        session, order_id, channel_id=channel_id, allowed_locations=allowed_locations
    )
    rma = returns.request_return(
        session,
        order_id,
        [
            returns.LineRequest(line.line_id, line.quantity, line.reason, line.comment)
            for line in lines
        ],
        note=note,
        actor=actor,
    )
    returns.receive_return(session, rma.id, actor=actor)
    returns.inspect_return(
        session,
        rma.id,
        [
            returns.LineDecision(returned.id, asked.outcome, location_id=sale.location_id)
            for returned, asked in zip(rma.lines, lines, strict=True)
        ],
        actor=actor,
    )
    return returns.settle_return(session, rma.id, production=production, actor=actor)
