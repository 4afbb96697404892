"""Changing a promotion once it exists: its status, its edits and ending it early.

A promotion that has started is part of the prices the shop charged (the EU Omnibus reference
reads them back), so once it runs only its name and its end can change, and its end never
moves into the past.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Final, Literal

from sqlalchemy.orm import Session

from comptoir.catalog.models import Promotion
from comptoir.catalog.service.promotions import PromotionSpec, check_spec, get_promotion
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l

PromotionStatus = Literal["scheduled", "active", "ended", "off"]
PROMOTION_STATUSES: Final[tuple[PromotionStatus, ...]] = ("scheduled", "active", "ended", "off")


def promotion_status(promotion: Promotion, on: datetime | None = None) -> PromotionStatus:
    """Where a promotion stands at ``on`` (now by default): ``off`` when switched off,
    ``scheduled`` before its start, ``ended`` from its end, ``active`` in between."""
    on = on or clock.now()
    if not promotion.is_active:
        return "off"
    if promotion.starts_at is not None and on < promotion.starts_at:
        return "scheduled"
    if promotion.ends_at is not None and promotion.ends_at <= on:
        return "ended"
    return "active"


def has_started(promotion: Promotion, on: datetime | None = None) -> bool:
    """Whether the promotion has been running (or could have: it has no start date)."""
    on = on or clock.now()
    return promotion.starts_at is None or promotion.starts_at <= on


def update_promotion(session: Session, promotion_id: uuid.UUID, spec: PromotionSpec) -> Promotion:
    """Replace a promotion's definition with ``spec``.

    Guarantees: a scheduled promotion takes every field of ``spec`` (checked as
    :func:`create_promotion` does); a promotion that has started keeps its kind, value,
    start, coupon rule and scope and only takes the new name and end, an end that is not in
    the past. Raises :class:`PromotionNotFound`, :class:`InvalidInput` naming the field.
    """
    promotion = get_promotion(session, promotion_id)
    now = clock.now()
    if has_started(promotion, now):
        if spec.ends_at is not None and spec.ends_at < now:
            raise InvalidInput(
                _l("A running promotion cannot end in the past: choose now or later."),
                field="ends_at",
            )
        locked = replace(spec_of(promotion), name=spec.name, ends_at=spec.ends_at)
        check_spec(locked)
        promotion.name = locked.name
        promotion.ends_at = locked.ends_at
    else:
        check_spec(spec)
        _apply(promotion, spec)
    session.flush()
    return promotion


def end_promotion(session: Session, promotion_id: uuid.UUID) -> Promotion:
    """End a promotion now: a running one stops (its end records when), a scheduled one
    never starts. Raises :class:`PromotionNotFound`."""
    promotion = get_promotion(session, promotion_id)
    now = clock.now()
    if promotion.ends_at is None or promotion.ends_at > now:
        promotion.ends_at = now
    if promotion.starts_at is not None and promotion.starts_at > now:
        promotion.starts_at = now
    session.flush()
    return promotion


def spec_of(promotion: Promotion) -> PromotionSpec:
    """The definition of an existing promotion."""
    from comptoir.kit.money import Money

    amount = (
        Money.from_minor(promotion.amount_minor, promotion.currency)
        if promotion.amount_minor is not None and promotion.currency
        else None
    )
    return PromotionSpec(
        name=promotion.name,
        kind=promotion.kind,  # type: ignore[arg-type]
        percent=promotion.percent,
        amount=amount,
        buy_quantity=promotion.buy_quantity,
        get_quantity=promotion.get_quantity,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        requires_coupon=promotion.requires_coupon,
        product_ids=tuple(uuid.UUID(i) for i in promotion.product_ids),
        category_ids=tuple(uuid.UUID(i) for i in promotion.category_ids),
        channel_ids=tuple(uuid.UUID(i) for i in promotion.channel_ids),
    )


def _apply(promotion: Promotion, spec: PromotionSpec) -> None:
    promotion.name = spec.name
    promotion.kind = spec.kind
    promotion.percent = spec.percent
    promotion.amount_minor = spec.amount.minor_units if spec.amount else None
    promotion.currency = spec.amount.currency if spec.amount else None
    promotion.buy_quantity = spec.buy_quantity
    promotion.get_quantity = spec.get_quantity
    promotion.starts_at = spec.starts_at
    promotion.ends_at = spec.ends_at
    promotion.requires_coupon = spec.requires_coupon
    promotion.product_ids = [str(i) for i in spec.product_ids]
    promotion.category_ids = [str(i) for i in spec.category_ids]
    promotion.channel_ids = [str(i) for i in spec.channel_ids]
