"""Stored answers of creating POSTs sent with an ``Idempotency-Key``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit import clock
from comptoir.kit.db.base import Base, IdMixin
from comptoir.kit.db.types import JSONType

KEY_IN_FLIGHT = "in_flight"
KEY_COMPLETED = "completed"


class IdempotencyKey(IdMixin, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    scope: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=KEY_IN_FLIGHT)
    locked_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    response_status: Mapped[int | None] = mapped_column(default=None)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSONType(), default=None)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime]

    def headers(self) -> list[tuple[str, str]]:
        return [(str(k), str(v)) for k, v in (self.response_headers or [])]
