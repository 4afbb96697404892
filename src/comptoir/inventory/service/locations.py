"""Locations, which channels sell from them, and reorder parameters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.inventory.errors import LocationNotFound
from comptoir.inventory.models import ChannelLocation, Location, ReorderParameters
from comptoir.inventory.schemas import (
    MAX_CHANNEL_BUFFER,
    LocationCreate,
    LocationUpdate,
    ReorderParametersUpdate,
)
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.errors import Conflict, InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7


def create_location(session: Session, data: LocationCreate) -> Location:
    """A new location. Raises :class:`Conflict` (field ``code``) if the code is taken,
    :class:`InvalidInput` if an external detail is given for a non-external location."""
    if data.kind != "external" and data.external_kind is not None:
        raise InvalidInput(
            _l("Only an external location has an external kind."), field="external_kind"
        )
    if session.scalar(select(Location.id).where(Location.code == data.code)) is not None:
        raise Conflict(_l("A location already has the code {code}."), field="code", code=data.code)
    location = Location(**data.model_dump(mode="json"))
    session.add(location)
    session.flush()
    return location


def get_location(session: Session, location_id: uuid.UUID) -> Location:
    """The location; raises :class:`LocationNotFound`."""
    location = session.get(Location, location_id)
    if location is None:
        raise LocationNotFound()
    return location


def get_location_by_code(session: Session, code: str) -> Location | None:
    return session.scalars(select(Location).where(Location.code == code)).first()


def list_locations(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    kind: str | None = None,
    include_inactive: bool = True,
) -> list[Location]:
    """Locations by code; ``location_ids`` narrows them (a restricted principal)."""
    stmt = select(Location).order_by(Location.code)
    if location_ids is not None:
        stmt = stmt.where(Location.id.in_(list(location_ids)))
    if kind is not None:
        stmt = stmt.where(Location.kind == kind)
    if not include_inactive:
        stmt = stmt.where(Location.is_active.is_(True))
    return list(session.scalars(stmt))


def update_location(session: Session, location_id: uuid.UUID, data: LocationUpdate) -> Location:
    """Change the given fields. Raises :class:`LocationNotFound`."""
    location = get_location(session, location_id)
    for name, value in data.model_dump(mode="json", exclude_unset=True).items():
        setattr(location, name, value)
    session.flush()
    return location


def set_channel_location(
    session: Session, *, channel_id: uuid.UUID, location_id: uuid.UUID, buffer: int
) -> ChannelLocation:
    """Let ``channel_id`` sell from ``location_id`` keeping ``buffer`` units back there
    (creates the rule or changes its buffer). Raises :class:`ChannelNotFound`,
    :class:`LocationNotFound`, :class:`InvalidInput` for a buffer below 0 or above
    :data:`MAX_CHANNEL_BUFFER`."""
    if buffer < 0:
        raise InvalidInput(_l("The buffer must not be negative."), field="buffer")
    if buffer > MAX_CHANNEL_BUFFER:
        raise InvalidInput(
            _l("The buffer must be at most {maximum} units."),
            field="buffer",
            maximum=MAX_CHANNEL_BUFFER,
        )
    channels.get_channel(session, channel_id)
    get_location(session, location_id)
    now = clock.now()
    table = cast(Table, ChannelLocation.__table__)
    # Insert if missing, then set the buffer: right whether the rule existed or not, and
    # whatever rowcount the driver reports for the ignored insert.
    insert_ignoring_conflicts(
        session,
        table,
        [
            {
                "id": uuid7(),
                "channel_id": channel_id,
                "location_id": location_id,
                "buffer": buffer,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["channel_id", "location_id"],
    )
    session.execute(
        update(table)
        .where(table.c.channel_id == channel_id, table.c.location_id == location_id)
        .values(buffer=buffer, updated_at=now)
    )
    return session.scalars(
        select(ChannelLocation)
        .where(ChannelLocation.channel_id == channel_id, ChannelLocation.location_id == location_id)
        .execution_options(populate_existing=True)
    ).one()


def remove_channel_location(
    session: Session, *, channel_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    """Stop ``channel_id`` selling from ``location_id``; ``False`` if it did not."""
    result = session.execute(
        delete(ChannelLocation).where(
            ChannelLocation.channel_id == channel_id, ChannelLocation.location_id == location_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


def list_channel_locations(
    session: Session, *, channel_id: uuid.UUID | None = None
) -> list[ChannelLocation]:
    stmt = select(ChannelLocation).order_by(ChannelLocation.channel_id, ChannelLocation.location_id)
    if channel_id is not None:
        stmt = stmt.where(ChannelLocation.channel_id == channel_id)
    return list(session.scalars(stmt))


def set_reorder_parameters(
    session: Session,
    *,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    data: ReorderParametersUpdate,
) -> ReorderParameters:
    """Create or replace the reorder parameters of a variant at a location.
    Raises :class:`InvalidInput` (field ``maximum``) when maximum < minimum,
    :class:`LocationNotFound`."""
    if data.maximum < data.minimum:
        raise InvalidInput(_l("The maximum must be at least the minimum."), field="maximum")
    get_location(session, location_id)
    params = get_reorder_parameters(session, variant_id, location_id)
    if params is None:
        params = ReorderParameters(variant_id=variant_id, location_id=location_id)
        session.add(params)
    for name, value in data.model_dump().items():
        setattr(params, name, value)
    session.flush()
    return params


def get_reorder_parameters(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> ReorderParameters | None:
    return session.scalars(
        select(ReorderParameters).where(
            ReorderParameters.variant_id == variant_id,
            ReorderParameters.location_id == location_id,
        )
    ).first()


def list_reorder_parameters(
    session: Session,
    *,
    variant_id: uuid.UUID | None = None,
    location_ids: Sequence[uuid.UUID] | None = None,
) -> list[ReorderParameters]:
    stmt = select(ReorderParameters).order_by(
        ReorderParameters.variant_id, ReorderParameters.location_id
    )
    if variant_id is not None:
        stmt = stmt.where(ReorderParameters.variant_id == variant_id)
    if location_ids is not None:
        stmt = stmt.where(ReorderParameters.location_id.in_(list(location_ids)))
    return list(session.scalars(stmt))
