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


@router.get(
    "/{channel_id}/keys",
    dependencies=READ,
    response_model=list[schemas.ChannelKeyOut],
    responses=problem_responses(404),
)
def list_keys(session: DbSession, channel_id: uuid.UUID) -> list[schemas.ChannelKeyOut]:
    """The channel's publishable keys (their first characters only), newest first."""
    return service.list_keys(session, channel_id)


@router.post(
    "/{channel_id}/keys",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ChannelKeyCreated,
    responses=problem_responses(404),
)
def create_key(
    session: DbSession, channel_id: uuid.UUID, body: schemas.ChannelKeyCreate
) -> schemas.ChannelKeyCreated:
    """A new publishable key for ``/store/v1``: the answer is the only place it appears."""
    return service.create_key(session, channel_id, body)


@router.post(
    "/{channel_id}/keys/{key_id}/revoke",
    dependencies=WRITE,
    response_model=schemas.ChannelKeyOut,
    responses=problem_responses(404),
)
def revoke_key(
    session: DbSession, channel_id: uuid.UUID, key_id: uuid.UUID
) -> schemas.ChannelKeyOut:
    """Revoke a key: requests carrying it are refused from now on."""
    return service.revoke_key(session, channel_id, key_id)
