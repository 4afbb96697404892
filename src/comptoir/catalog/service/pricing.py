"""Price lists, prices and their append-only history, and the resolution of a variant's price
for a channel, a currency, a quantity and a customer group (EU Omnibus reference included)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from comptoir.catalog import events
from comptoir.catalog.errors import (
    DuplicateValue,
    PriceListNotFound,
    PriceNotFound,
    VariantNotFound,
)
from comptoir.catalog.models import Price, PriceHistory, PriceList, Promotion, Variant
from comptoir.catalog.schemas import PriceListCreate, PriceListOut, PriceQuote, PriceSet
from comptoir.catalog.service.products import load_variants
from comptoir.catalog.service.promotions import (
    best_of_promotions,
    categories_of_products,
    promotions_between,
    running_automatic_promotions,
    unit_discount,
)
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, currency_exponent

OMNIBUS_WINDOW: Final = timedelta(days=30)


def create_price_list(session: Session, data: PriceListCreate) -> PriceListOut:
    """Add a price list. Raises :class:`DuplicateValue` (``code``), :class:`InvalidInput`
    (``currency`` unknown, ``valid_to`` not after ``valid_from``)."""
    currency_exponent(data.currency)
    if session.scalar(select(PriceList.id).where(PriceList.code == data.code)):
        raise DuplicateValue(_l("{value} is already used."), field="code", value=data.code)
    if data.valid_from and data.valid_to and data.valid_to <= data.valid_from:
        raise InvalidInput(_l("The end date must come after the start date."), field="valid_to")
    price_list = PriceList(**data.model_dump())
    session.add(price_list)
    session.flush()
    return PriceListOut.model_validate(price_list)


def list_price_lists(session: Session) -> list[PriceListOut]:
    """Every price list, by code."""
    rows = session.scalars(select(PriceList).order_by(PriceList.code))
    return [PriceListOut.model_validate(row) for row in rows]


def get_price_list(session: Session, price_list_id: uuid.UUID) -> PriceList:
    """The price list; raises :class:`PriceListNotFound`."""
    price_list = session.get(PriceList, price_list_id)
    if price_list is None:
        raise PriceListNotFound()
    return price_list


def set_price(session: Session, price_list_id: uuid.UUID, data: PriceSet) -> Price:
    """Set a variant's price in a price list (from ``data.min_quantity`` units up).

    Guarantees: when the amount changes (or the price is new), one row is appended to the
    price history and ``catalog.price.changed`` is emitted; setting the same amount again
    records nothing. Raises :class:`PriceListNotFound`, :class:`VariantNotFound`
    (``variant_id``).
    """
    price_list = get_price_list(session, price_list_id)
    if session.get(Variant, data.variant_id) is None:
        raise VariantNotFound(field="variant_id")
    price = session.scalar(
        select(Price).where(
            Price.price_list_id == price_list_id,
            Price.variant_id == data.variant_id,
            Price.min_quantity == data.min_quantity,
        )
    )
    previous = price.amount_minor if price else None
    if price is None:
        price = Price(
            price_list_id=price_list_id,
            variant_id=data.variant_id,
            min_quantity=data.min_quantity,
            amount_minor=data.amount_minor,
        )
        session.add(price)
    price.amount_minor = data.amount_minor
    price.compare_at_minor = data.compare_at_minor
    if previous != data.amount_minor:
        _record_change(session, price_list, price, data.amount_minor, previous)
    session.flush()
    return price


def remove_price(
    session: Session, price_list_id: uuid.UUID, variant_id: uuid.UUID, min_quantity: int = 1
) -> None:
    """Remove a variant's price (tier) from a price list; the history records the removal.
    Raises :class:`PriceNotFound`."""
    price_list = get_price_list(session, price_list_id)
    price = session.scalar(
        select(Price).where(
            Price.price_list_id == price_list_id,
            Price.variant_id == variant_id,
            Price.min_quantity == min_quantity,
        )
    )
    if price is None:
        raise PriceNotFound()
    _record_change(session, price_list, price, None, price.amount_minor)
    session.delete(price)
    session.flush()


def _record_change(
    session: Session,
    price_list: PriceList,
    price: Price,
    amount_minor: int | None,
    previous: int | None,
) -> None:
    session.add(
        PriceHistory(
            price_list_id=price_list.id,
            variant_id=price.variant_id,
            min_quantity=price.min_quantity,
            currency=price_list.currency,
            amount_minor=amount_minor,
            previous_amount_minor=previous,
            effective_at=clock.now(),
        )
    )
    emit(
        session,
        events.PRICE_CHANGED,
        events.PriceChanged(
            price_list_id=price_list.id,
            variant_id=price.variant_id,
            min_quantity=price.min_quantity,
            currency=price_list.currency,
            amount_minor=amount_minor,
            previous_amount_minor=previous,
        ),
        key=price.variant_id,
    )


def prices_of_variant(session: Session, variant_id: uuid.UUID) -> list[Price]:
    """Every price of a variant, by price list then tier."""
    return list(
        session.scalars(
            select(Price)
            .where(Price.variant_id == variant_id)
            .order_by(Price.price_list_id, Price.min_quantity)
        )
    )


def _applicable_lists(
    session: Session,
    *,
    channel_id: uuid.UUID | None,
    currency: str,
    customer_group: str | None,
    on: datetime,
) -> list[PriceList]:
    """Price lists that apply, most specific first: priority, then a customer group's list
    before the general one, then a channel's list before the all-channel one."""
    group_clause: ColumnElement[bool] = PriceList.customer_group.is_(None)
    if customer_group is not None:
        group_clause = or_(group_clause, PriceList.customer_group == customer_group)
    channel_clause: ColumnElement[bool] = PriceList.channel_id.is_(None)
    if channel_id is not None:
        channel_clause = or_(channel_clause, PriceList.channel_id == channel_id)
    lists = session.scalars(
        select(PriceList).where(
            PriceList.is_active.is_(True),
            PriceList.currency == currency,
            group_clause,
            channel_clause,
            or_(PriceList.valid_from.is_(None), PriceList.valid_from <= on),
            or_(PriceList.valid_to.is_(None), PriceList.valid_to > on),
        )
    ).all()
    return sorted(
        lists,
        key=lambda pl: (
            -pl.priority,
            pl.customer_group is None,
            pl.channel_id is None,
            pl.code,
        ),
    )


def price_for(
    session: Session,
    variant_id: uuid.UUID,
    *,
    channel_id: uuid.UUID | None,
    currency: str,
    quantity: int = 1,
    customer_group: str | None = None,
    on: datetime | None = None,
) -> PriceQuote:
    """The unit price of ``variant_id`` for this buyer, at ``on`` (now by default).

    Resolution: among active price lists in ``currency`` valid at ``on`` for the channel (or
    all channels) and the customer group (or everyone), the most specific list holding a
    price for the variant wins (higher priority, then group-specific, then channel-specific);
    in it, the highest quantity tier not above ``quantity``. Then the best automatic
    promotion (percentage or fixed amount, no coupon) valid at ``on`` lowers the unit price.
    A reduced price (a promotion, or a ``compare_at`` price) carries the lowest price of the
    30 days before the reduction.

    Raises :class:`PriceNotFound` when no list prices the variant, :class:`InvalidInput`
    (``quantity``) below 1.
    """
    quotes = prices_for(
        session,
        [(variant_id, quantity)],
        channel_id=channel_id,
        currency=currency,
        customer_group=customer_group,
        on=on,
    )
    quote = quotes.get((variant_id, quantity))
    if quote is None:
        raise PriceNotFound(field="variant_id")
    return quote


def prices_for(
    session: Session,
    wanted: Sequence[tuple[uuid.UUID, int]],
    *,
    channel_id: uuid.UUID | None,
    currency: str,
    customer_group: str | None = None,
    on: datetime | None = None,
) -> dict[tuple[uuid.UUID, int], PriceQuote]:
    """The quotes of several ``(variant id, quantity)`` pairs for one buyer at ``on``, each
    resolved exactly as :func:`price_for` resolves it, by pair; a pair no list prices is
    left out. A handful of queries whatever the number of pairs (plus the EU Omnibus
    reference of each reduced price).

    Raises :class:`InvalidInput` (``quantity``) for a quantity below 1.
    """
    if any(quantity < 1 for _, quantity in wanted):
        raise InvalidInput(_l("The quantity must be at least 1."), field="quantity")
    if not wanted:
        return {}
    on = on or clock.now()
    lists = _applicable_lists(
        session, channel_id=channel_id, currency=currency, customer_group=customer_group, on=on
    )
    found = _first_prices(session, lists, wanted)
    if not found:
        return {}
    variants = load_variants(session, {variant_id for variant_id, _ in found})
    candidates = running_automatic_promotions(session, on)
    categories = (
        categories_of_products(session, {variant.product_id for variant in variants.values()})
        if candidates
        else {}
    )
    quotes: dict[tuple[uuid.UUID, int], PriceQuote] = {}
    for (variant_id, quantity), (price, price_list) in found.items():
        variant = variants[variant_id]
        list_price = Money.from_minor(price.amount_minor, currency)
        promotion, unit_price = best_of_promotions(
            candidates,
            variant.product_id,
            categories.get(variant.product_id, set()),
            list_price,
            channel_id=channel_id,
        )
        quotes[(variant_id, quantity)] = _quote(
            session, price, price_list, list_price, promotion, unit_price, channel_id, on
        )
    return quotes


def _quote(
    session: Session,
    price: Price,
    price_list: PriceList,
    list_price: Money,
    promotion: Promotion | None,
    unit_price: Money,
    channel_id: uuid.UUID | None,
    on: datetime,
) -> PriceQuote:
    currency = list_price.currency
    compare_at = (
        Money.from_minor(price.compare_at_minor, currency)
        if price.compare_at_minor is not None and price.compare_at_minor > price.amount_minor
        else None
    )
    lowest: Money | None = None
    if promotion is not None:
        reference = promotion.starts_at or promotion.created_at
        lowest = lowest_price_before(session, price, reference, channel_id=channel_id) or list_price
    elif compare_at is not None:
        reference = _current_since(session, price, on)
        lowest = lowest_price_before(session, price, reference, channel_id=channel_id) or list_price
    return PriceQuote(
        variant_id=price.variant_id,
        price_list_id=price_list.id,
        unit_price=unit_price,
        list_price=list_price,
        includes_tax=price_list.prices_include_tax,
        promotion_id=promotion.id if promotion else None,
        compare_at=compare_at,
        lowest_price_30d=lowest,
    )


def _first_prices(
    session: Session, lists: Sequence[PriceList], wanted: Sequence[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], tuple[Price, PriceList]]:
    """For each wanted pair, the price (highest tier not above the quantity) of the first
    list in ``lists`` holding one. One query."""
    if not lists or not wanted:
        return {}
    prices = session.scalars(
        select(Price).where(
            Price.variant_id.in_({variant_id for variant_id, _ in wanted}),
            Price.price_list_id.in_([pl.id for pl in lists]),
            Price.min_quantity <= max(quantity for _, quantity in wanted),
        )
    ).all()
    by_variant: dict[uuid.UUID, list[Price]] = {}
    for price in prices:
        by_variant.setdefault(price.variant_id, []).append(price)
    found: dict[tuple[uuid.UUID, int], tuple[Price, PriceList]] = {}
    for variant_id, quantity in wanted:
        mine = [p for p in by_variant.get(variant_id, []) if p.min_quantity <= quantity]
        for price_list in lists:
            tiers = [p for p in mine if p.price_list_id == price_list.id]
            if tiers:
                found[(variant_id, quantity)] = (
                    max(tiers, key=lambda p: p.min_quantity),
                    price_list,
                )
                break
    return found


def _current_since(session: Session, price: Price, on: datetime) -> datetime:
    """When the price's current amount took effect (its creation when it has no history)."""
    since = session.scalar(
        select(PriceHistory.effective_at)
        .where(*_same_price(price), PriceHistory.effective_at <= on)
        .order_by(PriceHistory.effective_at.desc(), PriceHistory.id.desc())
        .limit(1)
    )
    return since or price.created_at


def _same_price(price: Price) -> tuple[ColumnElement[bool], ...]:
    return (
        PriceHistory.price_list_id == price.price_list_id,
        PriceHistory.variant_id == price.variant_id,
        PriceHistory.min_quantity == price.min_quantity,
    )


def lowest_price_before(
    session: Session,
    price: Price,
    reference: datetime,
    *,
    channel_id: uuid.UUID | None = None,
) -> Money | None:
    """The lowest price actually charged for this price (list, variant, tier) at any moment of
    the 30 days before ``reference`` (the price in effect 30 days before included).

    Both the list amounts of the history and the automatic promotions (percentage or fixed
    amount, no coupon) that ran in that period on ``channel_id`` count: a promotion that
    lowered the price 20 days earlier is a price that was applied. A promotion switched off
    (``is_active`` false) is taken as never having run; one ended early keeps its real end in
    ``ends_at``. None when the history holds nothing for that period.
    """
    start = reference - OMNIBUS_WINDOW
    segments = _amount_segments(session, price, start, reference)
    if not segments:
        return None
    currency = segments[0][3]
    lowest = min(amount for _, _, amount, _ in segments)
    variant = session.get(Variant, price.variant_id)
    if variant is not None:
        for promotion, runs_from, runs_to in promotions_between(
            session, variant, start, reference, channel_id=channel_id
        ):
            for seg_from, seg_to, amount, seg_currency in segments:
                if max(seg_from, runs_from) < min(seg_to, runs_to):
                    charged = Money.from_minor(amount, seg_currency)
                    reduced = charged - unit_discount(promotion, charged)
                    lowest = min(lowest, reduced.minor_units)
    return Money.from_minor(lowest, currency)


def _amount_segments(
    session: Session, price: Price, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int, str]]:
    """The list amounts of a price over ``[start, end)``: ``(from, to, amount, currency)``
    per period, periods where the price did not exist left out."""
    in_effect_at_start = session.scalars(
        select(PriceHistory)
        .where(*_same_price(price), PriceHistory.effective_at <= start)
        .order_by(PriceHistory.effective_at.desc(), PriceHistory.id.desc())
        .limit(1)
    ).all()
    changes = session.scalars(
        select(PriceHistory)
        .where(
            *_same_price(price),
            PriceHistory.effective_at > start,
            PriceHistory.effective_at < end,
        )
        .order_by(PriceHistory.effective_at, PriceHistory.id)
    ).all()
    rows = [*in_effect_at_start, *changes]
    segments = []
    for index, row in enumerate(rows):
        begins = max(row.effective_at, start)
        ends = rows[index + 1].effective_at if index + 1 < len(rows) else end
        if row.amount_minor is not None:
            segments.append((begins, ends, row.amount_minor, row.currency))
    return segments


def price_history(
    session: Session, variant_id: uuid.UUID, *, limit: int = 100
) -> list[PriceHistory]:
    """The latest price changes of a variant, newest first."""
    return list(
        session.scalars(
            select(PriceHistory)
            .where(PriceHistory.variant_id == variant_id)
            .order_by(PriceHistory.effective_at.desc(), PriceHistory.id.desc())
            .limit(limit)
        )
    )


def prices_in_list(session: Session, price_list_id: uuid.UUID, *, limit: int = 500) -> list[Price]:
    """The prices of a price list, by variant then tier (at most ``limit``)."""
    return list(
        session.scalars(
            select(Price)
            .where(Price.price_list_id == price_list_id)
            .order_by(Price.variant_id, Price.min_quantity)
            .limit(limit)
        )
    )
