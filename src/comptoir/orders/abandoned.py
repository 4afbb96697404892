"""Abandoned carts: an open cart with lines that nobody touched for
``COMPTOIR_CART_ABANDONED_AFTER_MINUTES`` (60 by default) is declared abandoned, once, and
``cart.abandoned`` is emitted for the modules that win customers back.

The cart itself stays open (the shopper may come back and check out): the abandonment is a row
of ``orders_cart_abandonments`` keyed by the cart and its last activity (the cart's
``updated_at``, which every change of its lines, coupons or destination moves). Any new
activity gives the cart a new last activity, so it may be abandoned again later, once per
period of silence.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import ForeignKey, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from comptoir.kit import clock
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.errors import DomainError
from comptoir.kit.events import emit
from comptoir.kit.jobs import schedule, task
from comptoir.orders.models import Cart, CartLine, Order
from comptoir.orders.service.pricing import price_cart

log = logging.getLogger(__name__)

CART_ABANDONED: Final = "cart.abandoned"
TASK: Final = "orders.abandon_carts"


class AbandonedCartSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore", frozen=True)

    cart_abandoned_after_minutes: int = Field(
        default=60,
        ge=5,
        le=60 * 24 * 30,
        description="Minutes without activity after which an open cart with lines is "
        "abandoned (COMPTOIR_CART_ABANDONED_AFTER_MINUTES).",
    )


class CartAbandonment(IdMixin, TimestampMixin, Base):
    """A cart declared abandoned after its activity of ``last_activity_at``."""

    __tablename__ = "orders_cart_abandonments"
    __table_args__ = (UniqueConstraint("cart_id", "last_activity_at"),)

    cart_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_carts.id", ondelete="CASCADE"), index=True
    )
    last_activity_at: Mapped[datetime]
    abandoned_at: Mapped[datetime]


class CartAbandoned(BaseModel):
    """A cart was left; no personal data travels (readers load the customer)."""

    cart_id: uuid.UUID
    channel_id: uuid.UUID
    shopper_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    currency: str
    # None when the cart cannot be priced any more (a variant withdrawn meanwhile).
    total_gross_minor: int | None
    lines_count: int
    last_activity_at: datetime


def abandon_idle_carts(session: Session, *, limit: int = 500) -> int:
    """Declare abandoned the open carts with lines, no order and no activity for the
    configured minutes that were not already abandoned since their last activity; emit
    ``cart.abandoned`` for each. Returns how many. Safe to run twice at once: the unique
    (cart, last activity) row makes the second run skip what the first did."""
    now = clock.now()
    idle_since = now - timedelta(minutes=AbandonedCartSettings().cart_abandoned_after_minutes)
    carts = session.scalars(
        select(Cart)
        .where(
            Cart.status == "open",
            Cart.updated_at <= idle_since,
            exists().where(CartLine.cart_id == Cart.id),
            ~exists().where(Order.cart_id == Cart.id),
            ~exists().where(
                CartAbandonment.cart_id == Cart.id,
                CartAbandonment.last_activity_at == Cart.updated_at,
            ),
        )
        .order_by(Cart.updated_at, Cart.id)
        .limit(limit)
    ).all()
    count = 0
    for cart in carts:
        if _abandon(session, cart, now):
            count += 1
    session.flush()
    return count


def _abandon(session: Session, cart: Cart, now: datetime) -> bool:
    inserted = insert_ignoring_conflicts(
        session,
        CartAbandonment.__table__,  # type: ignore[arg-type]
        [
            {
                "id": uuid.uuid4(),
                "cart_id": cart.id,
                "last_activity_at": cart.updated_at,
                "abandoned_at": now,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["cart_id", "last_activity_at"],
    )
    if not inserted:
        return False
    try:
        total: int | None = price_cart(session, cart).gross.minor_units
    except DomainError:
        total = None
    emit(
        session,
        CART_ABANDONED,
        CartAbandoned(
            cart_id=cart.id,
            channel_id=cart.channel_id,
            shopper_id=cart.shopper_id,
            customer_id=cart.customer_id,
            currency=cart.currency,
            total_gross_minor=total,
            lines_count=len(cart.lines),
            last_activity_at=cart.updated_at,
        ),
        key=cart.id,
    )
    return True


@task(TASK, max_attempts=3, priority=150)
def abandon_idle_carts_task(session: Session, payload: dict[str, Any]) -> None:
    count = abandon_idle_carts(session, limit=int(payload.get("limit", 500)))
    if count:
        log.info("carts abandoned", extra={"count": count})


schedule(TASK, task=TASK, cron="*/10 * * * *", catch_up=False)
