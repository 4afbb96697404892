"""The inventory's admin API for documents: transfers and count sheets (included in
:mod:`comptoir.inventory.router`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from comptoir.inventory import schemas, service
from comptoir.inventory.access import READ, WRITE, Caller, check_location, scope_locations
from comptoir.kit.errors import NotFound, problem_responses
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession

router = APIRouter()


def _actor(principal: Principal) -> str:
    return principal.display_name or str(principal.id)


def _transfer(session: DbSession, principal: Principal, transfer_id: uuid.UUID) -> schemas.Transfer:
    transfer = service.get_transfer(session, transfer_id)
    if not (
        principal.may_see_location(transfer.source_location_id)
        or principal.may_see_location(transfer.destination_location_id)
    ):
        raise NotFound()
    return schemas.Transfer.model_validate(transfer)


@router.get("/transfers", dependencies=READ, response_model=list[schemas.Transfer])
def list_transfers(
    session: DbSession,
    principal: Caller,
    status_: Annotated[schemas.TransferStatus | None, Query(alias="status")] = None,
) -> list[schemas.Transfer]:
    rows = service.list_transfers(
        session, location_ids=scope_locations(principal, None), status=status_
    )
    return [schemas.Transfer.model_validate(row) for row in rows]


@router.post(
    "/transfers",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Transfer,
    responses=problem_responses(404),
)
def create_transfer(
    session: DbSession, principal: Caller, body: schemas.TransferCreate
) -> schemas.Transfer:
    """A draft transfer; the caller must have access to its source."""
    check_location(principal, body.source_location_id)
    return schemas.Transfer.model_validate(service.create_transfer(session, body))


@router.get(
    "/transfers/{transfer_id}",
    dependencies=READ,
    response_model=schemas.Transfer,
    responses=problem_responses(404),
)
def get_transfer(session: DbSession, principal: Caller, transfer_id: uuid.UUID) -> schemas.Transfer:
    return _transfer(session, principal, transfer_id)


@router.post(
    "/transfers/{transfer_id}/ship",
    dependencies=WRITE,
    response_model=schemas.Transfer,
    responses=problem_responses(404, 409),
)
def ship_transfer(
    session: DbSession, principal: Caller, transfer_id: uuid.UUID
) -> schemas.Transfer:
    """Ship a draft from its source (needs access to the source)."""
    transfer = _transfer(session, principal, transfer_id)
    check_location(principal, transfer.source_location_id)
    shipped = service.ship_transfer(session, transfer_id, actor=_actor(principal))
    return schemas.Transfer.model_validate(shipped)


@router.post(
    "/transfers/{transfer_id}/receive",
    dependencies=WRITE,
    response_model=schemas.Transfer,
    responses=problem_responses(404, 409),
)
def receive_transfer(
    session: DbSession, principal: Caller, transfer_id: uuid.UUID, body: schemas.TransferReceive
) -> schemas.Transfer:
    """Receive units at the destination (needs access to it); by default all in transit."""
    transfer = _transfer(session, principal, transfer_id)
    check_location(principal, transfer.destination_location_id)
    quantities = (
        None if body.lines is None else {line.variant_id: line.quantity for line in body.lines}
    )
    received = service.receive_transfer(
        session, transfer_id, quantities=quantities, actor=_actor(principal)
    )
    return schemas.Transfer.model_validate(received)


@router.post(
    "/transfers/{transfer_id}/cancel",
    dependencies=WRITE,
    response_model=schemas.Transfer,
    responses=problem_responses(404, 409),
)
def cancel_transfer(
    session: DbSession, principal: Caller, transfer_id: uuid.UUID
) -> schemas.Transfer:
    transfer = _transfer(session, principal, transfer_id)
    check_location(principal, transfer.source_location_id)
    return schemas.Transfer.model_validate(service.cancel_transfer(session, transfer_id))


def _count(session: DbSession, principal: Principal, count_id: uuid.UUID) -> schemas.StockCount:
    count = service.get_count(session, count_id)
    if not principal.may_see_location(count.location_id):
        raise NotFound()
    return schemas.StockCount.model_validate(count)


@router.get("/counts", dependencies=READ, response_model=list[schemas.StockCount])
def list_counts(session: DbSession, principal: Caller) -> list[schemas.StockCount]:
    rows = service.list_counts(session, location_ids=scope_locations(principal, None))
    return [schemas.StockCount.model_validate(row) for row in rows]


@router.post(
    "/counts",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.StockCount,
    responses=problem_responses(404),
)
def create_count(
    session: DbSession, principal: Caller, body: schemas.CountCreate
) -> schemas.StockCount:
    """An open count sheet for a location, with the expected quantities."""
    check_location(principal, body.location_id)
    return schemas.StockCount.model_validate(service.create_count(session, body))


@router.get(
    "/counts/{count_id}",
    dependencies=READ,
    response_model=schemas.StockCount,
    responses=problem_responses(404),
)
def get_count(session: DbSession, principal: Caller, count_id: uuid.UUID) -> schemas.StockCount:
    return _count(session, principal, count_id)


@router.post(
    "/counts/{count_id}/lines",
    dependencies=WRITE,
    response_model=schemas.StockCount,
    responses=problem_responses(404, 409),
)
def record_counted(
    session: DbSession, principal: Caller, count_id: uuid.UUID, body: list[schemas.CountEntry]
) -> schemas.StockCount:
    """Write counted quantities on an open sheet."""
    _count(session, principal, count_id)
    return schemas.StockCount.model_validate(service.record_counted(session, count_id, body))


@router.post(
    "/counts/{count_id}/apply",
    dependencies=WRITE,
    response_model=schemas.StockCount,
    responses=problem_responses(404, 409),
)
def apply_count(session: DbSession, principal: Caller, count_id: uuid.UUID) -> schemas.StockCount:
    """Apply the sheet: variances become ``count`` movements."""
    _count(session, principal, count_id)
    applied = service.apply_count(session, count_id, actor=_actor(principal))
    return schemas.StockCount.model_validate(applied)
