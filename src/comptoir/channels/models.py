"""Sales channels and their publishable keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin

CHANNEL_KINDS: Final = ("web", "app", "store", "marketplace")


class Channel(IdMixin, TimestampMixin, Base):
    """A place where the shop sells: a web shop, a mobile app, a store till, a marketplace."""

    __tablename__ = "channels_channels"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    is_active: Mapped[bool] = mapped_column(default=True)


class ChannelKey(IdMixin, TimestampMixin, Base):
    """A publishable key through which a storefront, an app or a till calls ``/store/v1`` as
    its channel. Only the key's SHA-256 is stored, with its first characters to recognise it
    by; a channel may have several (one per storefront, or while one replaces another)."""

    __tablename__ = "channels_keys"

    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels_channels.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
