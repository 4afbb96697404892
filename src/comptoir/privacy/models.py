"""The audit trail: an append-only, hash-chained list of entries, and the chain's head."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType


class PrivacyAuditEntry(IdMixin, TimestampMixin, Base):
    """One recorded action. ``entry_hash`` = SHA-256(previous entry's hash + this entry's
    canonical JSON); ``seq`` numbers entries without gaps, so a deleted entry shows."""

    __tablename__ = "privacy_audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType())
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class PrivacyAuditHead(IdMixin, TimestampMixin, Base):
    """The one row that holds the chain's last position and hash. Appending locks it, so
    two transactions that append at once are put one after the other."""

    __tablename__ = "privacy_audit_head"

    seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
