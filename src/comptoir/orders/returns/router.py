"""Returns in the admin API: ``/api/v1/orders/{order_id}/returns`` to open one and
``/api/v1/orders/returns/...`` to follow it (receive, inspect, refund, cancel)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from comptoir.inventory.service import LocationNotFound
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.money import Money, MoneyOut
from comptoir.kit.pagination import Page, PageParams
from comptoir.orders.returns import schemas, service
from comptoir.orders.returns.models import Return
from comptoir.orders.service.orders import get_order

router = APIRouter(prefix="/orders", tags=["returns"])

Reader = Annotated[Principal, requires("orders:read")]
Writer = Annotated[Principal, requires("orders:write")]


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


def _check_access(session: DbSession, return_id: uuid.UUID, principal: Principal) -> None:
    """404 for a return whose order touches none of the locations a restricted caller
    works at."""
    service.get_return(session, return_id, within=principal.location_ids)


def return_out(rma: Return) -> schemas.ReturnOut:
    return schemas.ReturnOut(
        id=rma.id,
        number=rma.number,
        order_id=rma.order_id,
        status=rma.status,
        note=rma.note,
        refund=MoneyOut.from_money(Money.from_minor(rma.refund_minor, rma.currency)),
        refund_reference=rma.refund_reference,
        exchange_order_id=rma.exchange_order_id,
        created_at=rma.created_at,
        received_at=rma.received_at,
        inspected_at=rma.inspected_at,
        refunded_at=rma.refunded_at,
        lines=[schemas.ReturnLineOut.model_validate(line) for line in rma.lines],
    )


@router.get("/returns", response_model=Page[schemas.ReturnOut])
def list_returns(
    session: DbSession,
    principal: Reader,
    paging: Annotated[PageParams, Depends()],
    status: schemas.ReturnStatus | None = None,
    order_id: uuid.UUID | None = None,
) -> Page[schemas.ReturnOut]:
    """Returns, newest first, by status and order. A caller restricted to some locations
    sees only the returns of orders touching them."""
    page = service.list_returns(
        session,
        status=status,
        order_id=order_id,
        limit=paging.limit,
        cursor=paging.cursor,
        within=principal.location_ids,
    )
    return page.map(return_out)


@router.get(
    "/returns/{return_id}",
    response_model=schemas.ReturnOut,
    responses=problem_responses(404),
)
def get_return(session: DbSession, return_id: uuid.UUID, principal: Reader) -> schemas.ReturnOut:
    return return_out(service.get_return(session, return_id, within=principal.location_ids))


@router.post(
    "/{order_id}/returns",
    status_code=201,
    response_model=schemas.ReturnOut,
    responses=problem_responses(404, 409, 422),
)
def request_return(
    session: DbSession, order_id: uuid.UUID, body: schemas.ReturnCreate, principal: Writer
) -> schemas.ReturnOut:
    """Open a return of shipped units with a reason per line (a replacement variant asks
    for an exchange)."""
    get_order(session, order_id, within=principal.location_ids)
    lines = [service.LineRequest(**line.model_dump()) for line in body.lines]
    rma = service.request_return(session, order_id, lines, note=body.note, actor=_actor(principal))
    return return_out(rma)


@router.post(
    "/returns/{return_id}/receive",
    response_model=schemas.ReturnOut,
    responses=problem_responses(404, 409),
)
def receive_return(
    session: DbSession, return_id: uuid.UUID, principal: Writer
) -> schemas.ReturnOut:
    """The parcel arrived. Emits ``return.received``."""
    _check_access(session, return_id, principal)
    return return_out(service.receive_return(session, return_id, actor=_actor(principal)))


@router.post(
    "/returns/{return_id}/inspect",
    response_model=schemas.ReturnOut,
    responses=problem_responses(404, 409, 422),
)
def inspect_return(
    session: DbSession, return_id: uuid.UUID, body: schemas.ReturnInspection, principal: Writer
) -> schemas.ReturnOut:
    """Restock or scrap each line (``return`` movement, plus a ``damaged`` adjustment for
    scrapped units)."""
    _check_access(session, return_id, principal)
    decisions = [service.LineDecision(**d.model_dump()) for d in body.decisions]
    if principal.location_ids is not None and any(
        d.location_id is not None and d.location_id not in principal.location_ids for d in decisions
    ):
        raise LocationNotFound()
    rma = service.inspect_return(session, return_id, decisions, actor=_actor(principal))
    return return_out(rma)


def _production(request: Request) -> bool:
    return bool(request.app.state.settings.environment == "production")


@router.post(
    "/returns/{return_id}/refund",
    response_model=schemas.ReturnOut,
    responses=problem_responses(404, 409, 422),
)
def refund_return(
    request: Request, session: DbSession, return_id: uuid.UUID, principal: Writer
) -> schemas.ReturnOut:
    """Refund through the payment provider (``refund.issued``) and place the exchange order
    of lines with a replacement."""
    _check_access(session, return_id, principal)
    rma = service.settle_return(
        session, return_id, production=_production(request), actor=_actor(principal)
    )
    return return_out(rma)


@router.post(
    "/returns/{return_id}/cancel",
    response_model=schemas.ReturnOut,
    responses=problem_responses(404, 409),
)
def cancel_return(session: DbSession, return_id: uuid.UUID, principal: Writer) -> schemas.ReturnOut:
    """Close a return that never arrived."""
    _check_access(session, return_id, principal)
    return return_out(service.cancel_return(session, return_id, actor=_actor(principal)))
