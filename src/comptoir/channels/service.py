"""Sales channels: create, change, read; their publishable keys (see
:mod:`comptoir.channels.keys`)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.channels.errors import ChannelCodeTaken, ChannelNotFound
from comptoir.channels.keys import (
    ChannelCaller,
    authenticate_key,
    create_key,
    list_keys,
    needs_touch,
    revoke_key,
    touch_key,
)
from comptoir.channels.models import Channel
from comptoir.channels.schemas import ChannelCreate, ChannelOut, ChannelUpdate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import currency_exponent


def create_channel(session: Session, data: ChannelCreate) -> ChannelOut:
    """Add a sales channel. Raises :class:`ChannelCodeTaken` (``code``) and
    :class:`UnknownCurrency` (``currency``)."""
    currency_exponent(data.currency)
    if session.scalar(select(Channel.id).where(Channel.code == data.code)):
        raise ChannelCodeTaken(_l("{code} is already used."), field="code", code=data.code)
    channel = Channel(**data.model_dump())
    session.add(channel)
    session.flush()
    return ChannelOut.model_validate(channel)


def update_channel(session: Session, channel_id: uuid.UUID, data: ChannelUpdate) -> ChannelOut:
    """Rename, activate or deactivate a channel. Raises :class:`ChannelNotFound`."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise ChannelNotFound()
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(channel, name, value)
    session.flush()
    return ChannelOut.model_validate(channel)


def get_channel(session: Session, channel_id: uuid.UUID) -> ChannelOut:
    """The channel; raises :class:`ChannelNotFound` (field ``channel_id``)."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise ChannelNotFound(field="channel_id")
    return ChannelOut.model_validate(channel)


def channel_by_code(session: Session, code: str) -> ChannelOut | None:
    """The channel with this code, or None."""
    channel = session.scalar(select(Channel).where(Channel.code == code))
    return ChannelOut.model_validate(channel) if channel else None


def list_channels(session: Session, *, active_only: bool = False) -> list[ChannelOut]:
    """Every channel, by name."""
    stmt = select(Channel).order_by(Channel.name)
    if active_only:
        stmt = stmt.where(Channel.is_active.is_(True))
    return [ChannelOut.model_validate(row) for row in session.scalars(stmt)]


__all__ = [
    "ChannelCaller",
    "authenticate_key",
    "channel_by_code",
    "create_channel",
    "create_key",
    "get_channel",
    "list_channels",
    "list_keys",
    "needs_touch",
    "revoke_key",
    "touch_key",
    "update_channel",
]
