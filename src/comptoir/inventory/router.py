"""The inventory's admin API, ``/api/v1/inventory/...``.

Object-level rule: a principal restricted to some locations (``Principal.location_ids``) sees
and moves only those; any other location answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from comptoir.inventory import schemas, service
from comptoir.inventory.access import READ, WRITE, Caller, Paging, check_location, scope_locations
from comptoir.inventory.errors import ChannelLocationNotFound
from comptoir.inventory.router_documents import router as documents_router
from comptoir.kit.errors import Forbidden, NotFound, problem_responses
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page

router = APIRouter(prefix="/inventory", tags=["inventory"])


# -- locations ----------------------------------------------------------------------------


@router.get("/locations", dependencies=READ, response_model=list[schemas.Location])
def list_locations(
    session: DbSession, principal: Caller, kind: schemas.LocationKind | None = None
) -> list[schemas.Location]:
    """Every location the caller may see, by code."""
    rows = service.list_locations(session, location_ids=scope_locations(principal, None), kind=kind)
    return [schemas.Location.model_validate(row) for row in rows]


@router.post(
    "/locations",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Location,
    responses=problem_responses(403, 409),
)
def create_location(
    session: DbSession, principal: Caller, body: schemas.LocationCreate
) -> schemas.Location:
    """A new location. A caller restricted to some locations cannot create one (403)."""
    if principal.location_ids is not None:
        raise Forbidden(_l("Your access is limited to some locations."))
    return schemas.Location.model_validate(service.create_location(session, body))


@router.get(
    "/locations/{location_id}",
    dependencies=READ,
    response_model=schemas.Location,
    responses=problem_responses(404),
)
def get_location(session: DbSession, principal: Caller, location_id: uuid.UUID) -> schemas.Location:
    check_location(principal, location_id)
    return schemas.Location.model_validate(service.get_location(session, location_id))


@router.patch(
    "/locations/{location_id}",
    dependencies=WRITE,
    response_model=schemas.Location,
    responses=problem_responses(404),
)
def update_location(
    session: DbSession, principal: Caller, location_id: uuid.UUID, body: schemas.LocationUpdate
) -> schemas.Location:
    check_location(principal, location_id)
    return schemas.Location.model_validate(service.update_location(session, location_id, body))


# -- levels, movements, adjustments --------------------------------------------------------


@router.get("/levels", dependencies=READ, response_model=Page[schemas.StockLevel])
def list_levels(
    session: DbSession,
    principal: Caller,
    paging: Paging,
    variant_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    location_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    only_short: bool = False,
) -> Page[schemas.StockLevel]:
    """Stock levels, filtered by variants and locations (repeat the parameter for several);
    ``only_short`` keeps those with nothing available."""
    page = service.list_levels(
        session,
        variant_ids=variant_id,
        location_ids=scope_locations(principal, location_id),
        only_short=only_short,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page.map(schemas.StockLevel.model_validate)


@router.get(
    "/variants/{variant_id}/movements",
    dependencies=READ,
    response_model=Page[schemas.Movement],
)
def list_movements(
    session: DbSession,
    principal: Caller,
    paging: Paging,
    variant_id: uuid.UUID,
    location_id: Annotated[list[uuid.UUID] | None, Query()] = None,
) -> Page[schemas.Movement]:
    """The ledger of one variant, newest first."""
    page = service.list_movements(
        session,
        variant_id=variant_id,
        location_ids=scope_locations(principal, location_id),
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page.map(schemas.Movement.model_validate)


@router.post(
    "/adjustments",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Movement,
    responses=problem_responses(404, 409),
)
def create_adjustment(
    session: DbSession, principal: Caller, body: schemas.AdjustmentCreate
) -> schemas.Movement:
    """Correct on-hand units with a reason; a decrease needs that many available units."""
    check_location(principal, body.location_id)
    service.get_location(session, body.location_id)
    movement = service.adjust(
        session,
        variant_id=body.variant_id,
        location_id=body.location_id,
        quantity=body.quantity,
        reason=body.reason,
        note=body.note,
        actor=principal.display_name or str(principal.id),
    )
    session.flush()
    return schemas.Movement.model_validate(movement)


# -- reservations --------------------------------------------------------------------------


@router.get("/reservations", dependencies=READ, response_model=list[schemas.Reservation])
def list_reservations(
    session: DbSession,
    principal: Caller,
    variant_id: uuid.UUID | None = None,
    status_: Annotated[schemas.ReservationStatus | None, Query(alias="status")] = None,
) -> list[schemas.Reservation]:
    rows = service.list_reservations(
        session,
        variant_id=variant_id,
        location_ids=scope_locations(principal, None),
        status=status_,
    )
    return [schemas.Reservation.model_validate(row) for row in rows]


@router.post(
    "/reservations",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Reservation,
    responses=problem_responses(404, 409),
)
def create_reservation(
    session: DbSession, principal: Caller, body: schemas.ReservationCreate
) -> schemas.Reservation:
    """Reserve units: a hold with ``expires_at``, an allocation without. 409
    ``insufficient-stock`` when not enough is available."""
    check_location(principal, body.location_id)
    service.get_location(session, body.location_id)
    reservation = service.reserve(
        session,
        variant_id=body.variant_id,
        location_id=body.location_id,
        quantity=body.quantity,
        expires_at=body.expires_at,
        reference=body.reference,
    )
    session.flush()
    return schemas.Reservation.model_validate(reservation)


def _visible_reservation(
    session: DbSession, principal: Principal, reservation_id: uuid.UUID
) -> None:
    reservation = service.get_reservation(session, reservation_id)
    if not principal.may_see_location(reservation.location_id):
        raise NotFound()


@router.post(
    "/reservations/{reservation_id}/release",
    dependencies=WRITE,
    response_model=schemas.Reservation,
    responses=problem_responses(404, 409),
)
def release_reservation(
    session: DbSession, principal: Caller, reservation_id: uuid.UUID
) -> schemas.Reservation:
    _visible_reservation(session, principal, reservation_id)
    return schemas.Reservation.model_validate(service.release(session, reservation_id))


@router.post(
    "/reservations/{reservation_id}/consume",
    dependencies=WRITE,
    response_model=schemas.Movement,
    responses=problem_responses(404, 409),
)
def consume_reservation(
    session: DbSession,
    principal: Caller,
    reservation_id: uuid.UUID,
    body: schemas.ReservationConsume,
) -> schemas.Movement:
    """Turn reserved units into a sale (all that is open unless ``quantity`` says less)."""
    _visible_reservation(session, principal, reservation_id)
    movement = service.consume(
        session,
        reservation_id,
        quantity=body.quantity,
        actor=principal.display_name or str(principal.id),
    )
    session.flush()
    return schemas.Movement.model_validate(movement)


# -- availability and channel rules ---------------------------------------------------------


@router.get("/atp", dependencies=READ, response_model=list[schemas.Availability])
def available_to_promise(
    session: DbSession,
    channel_id: uuid.UUID,
    variant_id: Annotated[list[uuid.UUID], Query(min_length=1, max_length=500)],
) -> list[schemas.Availability]:
    """Units each variant can be promised on a channel (its locations, minus its buffers)."""
    answer = service.available_to_promise(session, channel_id=channel_id, variant_ids=variant_id)
    return [schemas.Availability(variant_id=v, available=n) for v, n in answer.items()]


@router.get(
    "/availability", dependencies=READ, response_model=dict[uuid.UUID, dict[uuid.UUID, int]]
)
def available_by_location(
    session: DbSession,
    principal: Caller,
    variant_id: Annotated[list[uuid.UUID], Query(min_length=1, max_length=500)],
    channel_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """Available units per variant and location (for a channel: minus its buffers)."""
    return service.available_by_location(
        session,
        variant_ids=variant_id,
        channel_id=channel_id,
        location_ids=scope_locations(principal, None),
    )


@router.get(
    "/channels/{channel_id}/locations",
    dependencies=READ,
    response_model=list[schemas.ChannelLocation],
)
def list_channel_locations(
    session: DbSession, channel_id: uuid.UUID
) -> list[schemas.ChannelLocation]:
    rows = service.list_channel_locations(session, channel_id=channel_id)
    return [schemas.ChannelLocation.model_validate(row) for row in rows]


@router.put(
    "/channels/{channel_id}/locations/{location_id}",
    dependencies=WRITE,
    response_model=schemas.ChannelLocation,
    responses=problem_responses(403, 404),
)
def set_channel_location(
    session: DbSession,
    principal: Caller,
    channel_id: uuid.UUID,
    location_id: uuid.UUID,
    buffer: Annotated[int, Query(ge=0, le=schemas.MAX_CHANNEL_BUFFER)] = 0,
) -> schemas.ChannelLocation:
    """Let a channel sell from a location, keeping ``buffer`` units back there."""
    check_location(principal, location_id)
    rule = service.set_channel_location(
        session, channel_id=channel_id, location_id=location_id, buffer=buffer
    )
    return schemas.ChannelLocation.model_validate(rule)


@router.delete(
    "/channels/{channel_id}/locations/{location_id}",
    dependencies=WRITE,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
def remove_channel_location(
    session: DbSession, principal: Caller, channel_id: uuid.UUID, location_id: uuid.UUID
) -> Response:
    """Stop a channel selling from a location: its stock no longer counts in the channel's
    available-to-promise. ``channel-location-not-found`` when the channel did not sell from
    it."""
    check_location(principal, location_id)
    if not service.remove_channel_location(session, channel_id=channel_id, location_id=location_id):
        raise ChannelLocationNotFound(field="location_id")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- reorder parameters ----------------------------------------------------------------------


@router.get("/reorder-params", dependencies=READ, response_model=list[schemas.ReorderParameters])
def list_reorder_parameters(
    session: DbSession, principal: Caller, variant_id: uuid.UUID | None = None
) -> list[schemas.ReorderParameters]:
    rows = service.list_reorder_parameters(
        session, variant_id=variant_id, location_ids=scope_locations(principal, None)
    )
    return [schemas.ReorderParameters.model_validate(row) for row in rows]


@router.put(
    "/reorder-params/{variant_id}/{location_id}",
    dependencies=WRITE,
    response_model=schemas.ReorderParameters,
    responses=problem_responses(404),
)
def set_reorder_parameters(
    session: DbSession,
    principal: Caller,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    body: schemas.ReorderParametersUpdate,
) -> schemas.ReorderParameters:
    check_location(principal, location_id)
    params = service.set_reorder_parameters(
        session, variant_id=variant_id, location_id=location_id, data=body
    )
    return schemas.ReorderParameters.model_validate(params)


router.include_router(documents_router)
