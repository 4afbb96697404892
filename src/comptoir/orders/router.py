"""The orders' admin API, ``/api/v1/orders``.

Object-level rule: a caller restricted to some locations (``Principal.location_ids``) sees
only the orders touching them (a line allocated there, a pickup there); any other order
answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.pagination import Page, PageParams
from comptoir.orders import schemas, service
from comptoir.orders.service import sourcing

router = APIRouter(prefix="/orders", tags=["orders"])

READ = [requires("orders:read")]
Caller = Annotated[Principal, Depends(current_principal)]


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


@router.get("", dependencies=READ, response_model=Page[schemas.OrderSummary])
def list_orders(
    session: DbSession,
    principal: Caller,
    paging: Annotated[PageParams, Depends()],
    channel_id: uuid.UUID | None = None,
    customer_id: Annotated[
        uuid.UUID | None,
        Query(
            description="Only this customer's orders, those of the customers merged into "
            "her included."
        ),
    ] = None,
    status: Annotated[schemas.OrderStatus | None, Query()] = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    location_id: Annotated[
        uuid.UUID | None,
        Query(
            description="Only orders with a line allocated at this location or to be "
            "collected at this store."
        ),
    ] = None,
) -> Page[schemas.OrderSummary]:
    """Orders, newest first, filtered by channel, customer, status, placing date (``placed_from``
    included, ``placed_to`` excluded) and location. A caller restricted to some locations
    sees only the orders touching them."""
    filters = schemas.OrderFilters(
        channel_id=channel_id,
        customer_id=customer_id,
        status=status,
        placed_from=placed_from,
        placed_to=placed_to,
        location_id=location_id,
    )
    page = service.list_orders(
        session,
        filters,
        limit=paging.limit,
        cursor=paging.cursor,
        within=principal.location_ids,
    )
    return page.map(service.order_summary)


@router.get(
    "/{order_id}",
    dependencies=READ,
    response_model=schemas.OrderDetail,
    responses=problem_responses(404),
)
def get_order(session: DbSession, principal: Caller, order_id: uuid.UUID) -> schemas.OrderDetail:
    """The order, its lines, VAT totals, payments and timeline; 404 for a caller restricted
    to locations the order does not touch."""
    order = service.get_order(session, order_id, within=principal.location_ids)
    return service.order_detail(session, order)


@router.post(
    "/{order_id}/cancel",
    response_model=schemas.OrderDetail,
    responses=problem_responses(404, 409, 422, 503),
)
def cancel_order(
    request: Request,
    session: DbSession,
    order_id: uuid.UUID,
    body: schemas.OrderCancel,
    principal: Annotated[Principal, requires("orders:write")],
) -> schemas.OrderDetail:
    """Cancel the whole order, or some units of some lines; their stock is available
    again. A captured payment is refunded through its provider for what was cancelled
    (VAT included; the delivery fee too when the whole order goes), a pending one is called
    off. 409 ``refund-refused`` when the provider will not refund, 503
    ``payment-provider-unavailable`` when it cannot be reached: nothing changes then."""
    service.get_order(session, order_id, within=principal.location_ids)
    lines = None if body.lines is None else {line.line_id: line.quantity for line in body.lines}
    order = service.cancel_order(
        session,
        order_id,
        lines=lines,
        reason=body.reason,
        actor=_actor(principal),
        production=request.app.state.settings.environment == "production",
    )
    return service.order_detail(session, order)


@router.post(
    "/{order_id}/payments/confirm",
    response_model=schemas.OrderDetail,
    responses=problem_responses(404, 409),
)
def confirm_payment(
    session: DbSession,
    order_id: uuid.UUID,
    body: schemas.PaymentConfirm,
    principal: Annotated[Principal, requires("orders:write")],
) -> schemas.OrderDetail:
    """Confirm that the pending payment (bank transfer, manual) arrived: the order is paid."""
    service.get_order(session, order_id, within=principal.location_ids)
    order = service.mark_paid(session, order_id, actor=_actor(principal), note=body.note)
    return service.order_detail(session, order)


@router.post(
    "/{order_id}/lines/{line_id}/source",
    response_model=schemas.OrderDetail,
    responses=problem_responses(404, 409, 422),
)
def source_line(
    session: DbSession,
    order_id: uuid.UUID,
    line_id: uuid.UUID,
    body: schemas.LineSource,
    principal: Annotated[Principal, requires("orders:write")],
) -> schemas.OrderDetail:
    """Send a line not yet picked to another of the channel's locations: its allocation is
    released and its units reserved there, both or neither (409 ``insufficient-stock`` when
    the location lacks them). The move and who made it are on the timeline."""
    service.get_order(session, order_id, within=principal.location_ids)
    order = sourcing.move_line(
        session, order_id, line_id, body.location_id, actor=_actor(principal)
    )
    return service.order_detail(session, order)
