"""Publishable channel keys: what a storefront, an app or a till sends (``X-Channel-Key``) to
call ``/store/v1`` as its channel.

A key is 256 random bits behind a recognisable prefix (``pk_live_...``). Only its SHA-256 is
stored, with its first characters so that people can tell keys apart; the key itself is shown
once, when it is created. A key is "publishable": it ships inside a web page or an app, so it
only opens what the channel shows to anyone (its catalogue, sign-up and sign-in of shoppers);
a shopper's own data needs the shopper's token as well.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comptoir.channels.errors import (
    ChannelInactive,
    ChannelKeyNotFound,
    ChannelKeyRefused,
    ChannelNotFound,
)
from comptoir.channels.models import Channel, ChannelKey
from comptoir.channels.schemas import ChannelKeyCreate, ChannelKeyCreated, ChannelKeyOut
from comptoir.kit import clock

KEY_PREFIX: Final = "pk_live_"
VISIBLE_CHARACTERS: Final = 12
MAX_KEY_LENGTH: Final = 200
TOUCH_EVERY: Final = timedelta(seconds=60)


def key_hash(key: str) -> str:
    """The SHA-256 (hex) under which a key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key_value() -> str:
    """A fresh publishable key: ``pk_live_`` and 256 random bits, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _channel(session: Session, channel_id: uuid.UUID) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise ChannelNotFound(field="channel_id")
    return channel


def create_key(
    session: Session, channel_id: uuid.UUID, data: ChannelKeyCreate, *, key: str | None = None
) -> ChannelKeyCreated:
    """A new key for the channel; the answer holds the key itself, the only time it is
    known. ``key`` imposes its value (the demo shop's stable keys); by default it is random.
    Raises :class:`ChannelNotFound` (``channel_id``)."""
    _channel(session, channel_id)
    value = key or new_key_value()
    row = ChannelKey(
        channel_id=channel_id,
        label=data.label,
        prefix=value[:VISIBLE_CHARACTERS],
        key_hash=key_hash(value),
    )
    session.add(row)
    session.flush()
    return ChannelKeyCreated(**ChannelKeyOut.model_validate(row).model_dump(), key=value)


def list_keys(session: Session, channel_id: uuid.UUID) -> list[ChannelKeyOut]:
    """The channel's keys, revoked ones included, newest first. Raises
    :class:`ChannelNotFound` (``channel_id``)."""
    _channel(session, channel_id)
    rows = session.scalars(
        select(ChannelKey)
        .where(ChannelKey.channel_id == channel_id)
        .order_by(ChannelKey.created_at.desc(), ChannelKey.id.desc())
    )
    return [ChannelKeyOut.model_validate(row) for row in rows]


def revoke_key(session: Session, channel_id: uuid.UUID, key_id: uuid.UUID) -> ChannelKeyOut:
    """Stop the key from working, at once and for good. Revoking a revoked key changes
    nothing (it keeps its first revocation time). Raises :class:`ChannelKeyNotFound`
    (``key_id``) for a key of another channel or none."""
    row = session.get(ChannelKey, key_id)
    if row is None or row.channel_id != channel_id:
        raise ChannelKeyNotFound(field="key_id")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.flush()
    return ChannelKeyOut.model_validate(row)


@dataclass(frozen=True, slots=True)
class ChannelCaller:
    """Who a valid key speaks for."""

    key_id: uuid.UUID
    channel_id: uuid.UUID
    channel_name: str
    last_used_at: datetime | None


def authenticate_key(session: Session, key: str | None) -> ChannelCaller:
    """The channel a key opens.

    Raises :class:`ChannelKeyRefused` (401, the same answer whatever the reason) for a
    missing, over-long, unknown or revoked key, and :class:`ChannelInactive` (403) when the
    key is valid but its channel is switched off.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ChannelKeyRefused()
    row = session.execute(
        select(ChannelKey, Channel)
        .join(Channel, Channel.id == ChannelKey.channel_id)
        .where(ChannelKey.key_hash == key_hash(key))
    ).first()
    if row is None:
        raise ChannelKeyRefused()
    channel_key, channel = row
    if channel_key.revoked_at is not None:
        raise ChannelKeyRefused()
    if not channel.is_active:
        raise ChannelInactive()
    return ChannelCaller(channel_key.id, channel.id, channel.name, channel_key.last_used_at)


def needs_touch(last_used_at: datetime | None) -> bool:
    """Whether the key's last-use time is older than a minute (it is noted at most once a
    minute, so that busy storefronts do not write on every request)."""
    return last_used_at is None or clock.now() - last_used_at >= TOUCH_EVERY


def touch_key(session: Session, key_id: uuid.UUID) -> None:
    """Note that the key was just used."""
    now = clock.now()
    session.execute(
        update(ChannelKey)
        .where(ChannelKey.id == key_id, ChannelKey.revoked_at.is_(None))
        .values(last_used_at=now, updated_at=now)
    )
