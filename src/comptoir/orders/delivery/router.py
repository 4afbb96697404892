"""Carriers and their rate tables, ``/api/v1/carriers``: read with ``orders:read``,
changed with ``orders:write`` (delivery is part of selling and fulfilling orders)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession
from comptoir.orders.delivery import service, views
from comptoir.orders.delivery.schemas import CarrierIn, CarrierOut

router = APIRouter(prefix="/carriers", tags=["delivery"])

READ = [requires("orders:read")]
WRITE = [requires("orders:write")]


@router.get("", dependencies=READ, response_model=list[CarrierOut])
def list_carriers(session: DbSession) -> list[CarrierOut]:
    """Every carrier with its zones and weight bands, by code."""
    return [views.carrier_out(carrier) for carrier in service.list_carriers(session)]


@router.post(
    "",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=CarrierOut,
    responses=problem_responses(409, 422),
)
def create_carrier(session: DbSession, body: CarrierIn) -> CarrierOut:
    """A carrier and its rate table (zones of countries, weight bands priced tax
    included)."""
    return views.carrier_out(service.create_carrier(session, body))


@router.get(
    "/{carrier_id}",
    dependencies=READ,
    response_model=CarrierOut,
    responses=problem_responses(404),
)
def get_carrier(session: DbSession, carrier_id: uuid.UUID) -> CarrierOut:
    return views.carrier_out(service.get_carrier(session, carrier_id))


@router.put(
    "/{carrier_id}",
    dependencies=WRITE,
    response_model=CarrierOut,
    responses=problem_responses(404, 409, 422),
)
def replace_carrier(session: DbSession, carrier_id: uuid.UUID, body: CarrierIn) -> CarrierOut:
    """Replace the carrier and its whole rate table."""
    return views.carrier_out(service.replace_carrier(session, carrier_id, body))
