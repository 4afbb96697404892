"""The sales channels' admin API, ``/api/v1/channels``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from comptoir.channels import schemas, service
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession

router = APIRouter(prefix="/channels", tags=["channels"])

READ = [requires("channels:read")]
WRITE = [requires("channels:write")]


@router.get("", dependencies=READ, response_model=list[schemas.ChannelOut])
def list_channels(session: DbSession) -> list[schemas.ChannelOut]:
    """Every sales channel, by name."""
    return service.list_channels(session)


@router.post(
    "",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ChannelOut,
    responses=problem_responses(409),
)
def create_channel(session: DbSession, body: schemas.ChannelCreate) -> schemas.ChannelOut:
    return service.create_channel(session, body)


@router.get(
    "/{channel_id}",
    dependencies=READ,
    response_model=schemas.ChannelOut,
    responses=problem_responses(404),
)
def get_channel(session: DbSession, channel_id: uuid.UUID) -> schemas.ChannelOut:
    return service.get_channel(session, channel_id)


@router.patch(
    "/{channel_id}",
    dependencies=WRITE,
    response_model=schemas.ChannelOut,
    responses=problem_responses(404),
)
def update_channel(
    session: DbSession, channel_id: uuid.UUID, body: schemas.ChannelUpdate
) -> schemas.ChannelOut:
    return service.update_channel(session, channel_id, body)
