"""Till sales through the channel API, ``/store/v1/till``: a store channel's key with a staff
member's access token holding ``orders:till`` (see :mod:`comptoir.identity.shoppers.gate`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy.orm import Session

from comptoir.kit.errors import Forbidden, problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.orders import service as orders
from comptoir.orders.returns.router import return_out
from comptoir.orders.returns.schemas import ReturnOut
from comptoir.orders.till import service
from comptoir.orders.till.returns import return_at_till
from comptoir.orders.till.schemas import TillReturnCreate, TillSaleCreate, TillSaleOut

router = APIRouter(prefix="/till", tags=["store"])

TILL = [requires("orders:till")]
Caller = Annotated[Principal, Depends(current_principal)]


def _channel_id(principal: Principal) -> uuid.UUID:
    if principal.channel_id is None:
        raise Forbidden(_l("This access is not tied to a sales channel."))
    return principal.channel_id


def _receipt(session: Session, receipt: service.TillReceipt) -> TillSaleOut:
    currency = receipt.order.currency
    return TillSaleOut(
        **orders.order_out(session, receipt.order).model_dump(),
        location_id=receipt.location_id,
        cashier_id=receipt.cashier_id,
        tendered=MoneyOut.from_money(Money.from_minor(receipt.tendered_minor, currency)),
        change=MoneyOut.from_money(Money.from_minor(receipt.change_minor, currency)),
    )


@router.post(
    "/sales",
    dependencies=TILL,
    status_code=status.HTTP_201_CREATED,
    response_model=TillSaleOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_sale(session: DbSession, principal: Caller, body: TillSaleCreate) -> TillSaleOut:
    """Sell at the counter of ``location_id``, all or nothing: the order is numbered like the
    channel's others, priced from the catalogue (promotions, coupons, French VAT), paid
    (``payments``: cash with the change computed, card terminal, voucher) and collected at
    once; its units leave that store's stock (``sale`` movements). ``order.placed``,
    ``order.paid`` and ``order.delivered`` are emitted.

    403 ``till-location-refused`` for a store the staff member may not sell in; 409
    ``insufficient-stock`` (``lines.<n>.quantity``) when the store lacks units; 422 naming
    the field for payments that do not cover the total (``payments``), an unknown article
    (``lines.<n>.sku``) or a location that is not one of the channel's stores. Send an
    ``Idempotency-Key`` to retry safely: the same key replays the first answer."""
    receipt = service.sell_at_till(
        session,
        body,
        channel_id=_channel_id(principal),
        allowed_locations=principal.location_ids,
        cashier_id=principal.id if principal.kind == "staff" else None,
        actor=f"{principal.kind}:{principal.id}",
    )
    return _receipt(session, receipt)


@router.get(
    "/sales/{order_id}",
    dependencies=TILL,
    response_model=TillSaleOut,
    responses=problem_responses(401, 403, 404),
)
def get_sale(session: DbSession, principal: Caller, order_id: uuid.UUID) -> TillSaleOut:
    """The receipt of a till sale of this channel (404 for any other order, or a sale in a
    store the staff member may not see)."""
    receipt = service.get_till_sale(
        session,
        order_id,
        channel_id=_channel_id(principal),
        allowed_locations=principal.location_ids,
    )
    return _receipt(session, receipt)


@router.post(
    "/sales/{order_id}/returns",
    dependencies=TILL,
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_return(
    request: Request,
    session: DbSession,
    principal: Caller,
    order_id: uuid.UUID,
    body: TillReturnCreate,
) -> ReturnOut:
    """Take back units of a till sale at the counter, all or nothing: the return is opened,
    received, decided (``outcome`` ``restock``: back in the store's stock; ``scrap``: written
    off) and refunded at once the way it was paid (cash from the drawer, the card terminal;
    ``refund.issued``), then invoicing credits the units. 404 for anything but a till sale of
    this channel in a store the staff member may see; 422 naming the field for more units
    than were sold. Send an ``Idempotency-Key`` to retry safely."""
    rma = return_at_till(
        session,
        order_id,
        body.lines,
        channel_id=_channel_id(principal),
        allowed_locations=principal.location_ids,
        note=body.note,
        production=request.app.state.settings.environment == "production",
        actor=f"{principal.kind}:{principal.id}",
    )
    return return_out(rma)
