"""The payments' own table: Stripe events already applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin


class StripeEvent(IdMixin, TimestampMixin, Base):
    """A Stripe event already applied (its id is unique: a second delivery is ignored)."""

    __tablename__ = "orders_stripe_events"

    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
