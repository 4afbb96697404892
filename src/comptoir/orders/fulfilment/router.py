"""Fulfilment in the admin API, ``/api/v1/orders/{order_id}/...``: picking, packing,
shipping, delivery, click & collect."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.orders.fulfilment import schemas, service
from comptoir.orders.fulfilment.settings import pickup_hold_days
from comptoir.orders.service.orders import get_order

router = APIRouter(prefix="/orders", tags=["fulfilment"])

Reader = Annotated[Principal, requires("orders:read")]
Writer = Annotated[Principal, requires("orders:write")]


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


def _check_access(session: DbSession, order_id: uuid.UUID, principal: Principal) -> None:
    """404 for an order touching none of the locations a restricted caller works at."""
    get_order(session, order_id, within=principal.location_ids)


def fulfilment_out(session: DbSession, order_id: uuid.UUID) -> schemas.FulfilmentOut:
    order = get_order(session, order_id)
    pickup = service.pickup_of(session, order.id)
    return schemas.FulfilmentOut(
        order_id=order.id,
        status=order.status,
        shipments=[
            schemas.ShipmentOut.model_validate(s) for s in service.shipments_of(session, order.id)
        ],
        pickup=schemas.PickupOut.model_validate(pickup) if pickup else None,
        to_ship={str(k): q for k, q in service.to_ship(session, order).items()},
    )


@router.get(
    "/{order_id}/fulfilment",
    response_model=schemas.FulfilmentOut,
    responses=problem_responses(404),
)
def get_fulfilment(
    session: DbSession, order_id: uuid.UUID, principal: Reader
) -> schemas.FulfilmentOut:
    """The order's shipments, pickup and the units still to ship."""
    _check_access(session, order_id, principal)
    return fulfilment_out(session, order_id)


@router.post(
    "/{order_id}/picking",
    response_model=schemas.FulfilmentOut,
    responses=problem_responses(404, 409),
)
def start_picking(
    session: DbSession, order_id: uuid.UUID, principal: Writer
) -> schemas.FulfilmentOut:
    """A paid order is being picked."""
    _check_access(session, order_id, principal)
    service.start_picking(session, order_id, actor=_actor(principal))
    return fulfilment_out(session, order_id)


@router.post(
    "/{order_id}/pack", response_model=schemas.FulfilmentOut, responses=problem_responses(404, 409)
)
def pack(session: DbSession, order_id: uuid.UUID, principal: Writer) -> schemas.FulfilmentOut:
    """The order is packed."""
    _check_access(session, order_id, principal)
    service.pack(session, order_id, actor=_actor(principal))
    return fulfilment_out(session, order_id)


@router.post(
    "/{order_id}/shipments",
    status_code=201,
    response_model=schemas.ShipmentOut,
    responses=problem_responses(404, 409, 422),
)
def ship(
    session: DbSession, order_id: uuid.UUID, body: schemas.ShipmentCreate, principal: Writer
) -> schemas.ShipmentOut:
    """Ship units (all that is left at one location by default); their allocated stock
    leaves the ledger as a sale. Emits ``order.shipped``."""
    _check_access(session, order_id, principal)
    lines = None if body.lines is None else {line.line_id: line.quantity for line in body.lines}
    shipment = service.ship(
        session, order_id, carrier=body.carrier, tracking_number=body.tracking_number,
        lines=lines, actor=_actor(principal),
    )  # fmt: skip
    return schemas.ShipmentOut.model_validate(shipment)


@router.post(
    "/{order_id}/deliver",
    response_model=schemas.FulfilmentOut,
    responses=problem_responses(404, 409),
)
def deliver(
    session: DbSession, order_id: uuid.UUID, body: schemas.DeliveryConfirm, principal: Writer
) -> schemas.FulfilmentOut:
    """A shipment (or every one on its way) was delivered. Emits ``order.delivered``."""
    _check_access(session, order_id, principal)
    service.deliver(session, order_id, shipment_id=body.shipment_id, actor=_actor(principal))
    return fulfilment_out(session, order_id)


@router.post(
    "/{order_id}/ready-for-pickup",
    response_model=schemas.PickupReadyOut,
    responses=problem_responses(404, 409),
)
def ready_for_pickup(
    session: DbSession, order_id: uuid.UUID, principal: Writer
) -> schemas.PickupReadyOut:
    """A click & collect order waits at its store; the answer holds the pickup code (shown
    this once). Emits ``pickup.ready``."""
    _check_access(session, order_id, principal)
    pickup, code = service.mark_ready_for_pickup(
        session, order_id, days=pickup_hold_days(), actor=_actor(principal)
    )
    return schemas.PickupReadyOut(
        **schemas.PickupOut.model_validate(pickup).model_dump(), code=code
    )


@router.post(
    "/{order_id}/collect",
    response_model=schemas.FulfilmentOut,
    responses=problem_responses(404, 422),
)
def collect(
    session: DbSession, order_id: uuid.UUID, body: schemas.PickupCode, principal: Writer
) -> schemas.FulfilmentOut:
    """The customer showed the pickup code at the counter: the units are handed over."""
    _check_access(session, order_id, principal)
    service.collect(session, order_id, body.code, actor=_actor(principal))
    return fulfilment_out(session, order_id)
