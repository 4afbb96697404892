"""The data keys: one per data subject, stored only wrapped by a key-encryption key."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin


class CryptoDataKey(IdMixin, TimestampMixin, Base):
    """A data subject's data key, wrapped under KEK ``kek_version``.

    Destroying it (crypto-shredding) clears ``wrapped_key`` and sets ``destroyed_at``: the
    row stays as a tombstone so that nothing is ever encrypted for that subject again.
    """

    __tablename__ = "crypto_data_keys"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "version"),)

    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer, default=1)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    kek_version: Mapped[int | None] = mapped_column(Integer, index=True)
    destroyed_at: Mapped[datetime | None]
