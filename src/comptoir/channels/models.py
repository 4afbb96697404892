"""Sales channels."""

from __future__ import annotations

from typing import Final

from sqlalchemy import String
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
