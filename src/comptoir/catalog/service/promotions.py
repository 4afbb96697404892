"""Promotions and coupons: which apply, what they take off each line, and coupon usage counted
with guarded atomic updates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from comptoir.catalog.errors import CouponNotUsable, DuplicateValue, PromotionNotFound
from comptoir.catalog.models import (
    Coupon,
    CouponCustomerUse,
    ProductCategory,
    Promotion,
    Variant,
)
from comptoir.catalog.schemas import PromotionCreate, PromotionKind
from comptoir.catalog.service.products import load_variants
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.money import Money


@dataclass(frozen=True, slots=True)
class PromotionLine:
    """A line to discount: ``quantity`` units of a variant at ``unit_price`` each."""

    line_id: str
    variant_id: uuid.UUID
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return (self.unit_price * self.quantity).round()


@dataclass(frozen=True, slots=True)
class LineDiscount:
    line_id: str
    amount: Money
    promotion_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class PromotionResult:
    """Discounts per line (every line, zero when none), in the lines' currency."""

    lines: list[LineDiscount]
    free_shipping: bool
    applied_promotion_ids: list[uuid.UUID]
    accepted_coupons: list[str]
    refused_coupons: list[str] = field(default_factory=list)

    @property
    def total(self) -> Money:
        currency = self.lines[0].amount.currency if self.lines else "EUR"
        return Money.total((line.amount for line in self.lines), currency)


def _is_running(promotion: Promotion, on: datetime) -> bool:
    return (
        promotion.is_active
        and (promotion.starts_at is None or promotion.starts_at <= on)
        and (promotion.ends_at is None or on < promotion.ends_at)
    )


def _categories_of(session: Session, product_ids: set[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    found: dict[uuid.UUID, set[str]] = {pid: set() for pid in product_ids}
    rows = session.execute(
        select(ProductCategory.product_id, ProductCategory.category_id).where(
            ProductCategory.product_id.in_(product_ids)
        )
    )
    for product_id, category_id in rows:
        found[product_id].add(str(category_id))
    return found


def _covers(
    promotion: Promotion,
    product_id: uuid.UUID,
    categories: set[str],
    channel_id: uuid.UUID | None,
) -> bool:
    if promotion.channel_ids and (
        channel_id is None or str(channel_id) not in promotion.channel_ids
    ):
        return False
    if not promotion.product_ids and not promotion.category_ids:
        return True
    return str(product_id) in promotion.product_ids or bool(
        categories & set(promotion.category_ids)
    )


def unit_discount(promotion: Promotion, unit_price: Money) -> Money:
    """What a percentage or fixed-amount promotion takes off one unit (never more than it)."""
    if promotion.kind == "percentage" and promotion.percent is not None:
        return min(unit_price.percent(promotion.percent).round(), unit_price)
    if (
        promotion.kind == "fixed_amount"
        and promotion.amount_minor is not None
        and promotion.currency == unit_price.currency
    ):
        return min(Money.from_minor(promotion.amount_minor, unit_price.currency), unit_price)
    return Money.zero(unit_price.currency)


def running_automatic_promotions(session: Session, on: datetime) -> list[Promotion]:
    """The automatic promotions (percentage or fixed amount, no coupon) running at ``on``,
    by id: the candidates of :func:`best_unit_promotion`. One query."""
    candidates = session.scalars(
        select(Promotion).where(
            Promotion.is_active.is_(True),
            Promotion.requires_coupon.is_(False),
            Promotion.kind.in_(("percentage", "fixed_amount")),
            or_(Promotion.starts_at.is_(None), Promotion.starts_at <= on),
            or_(Promotion.ends_at.is_(None), Promotion.ends_at > on),
        )
    ).all()
    return sorted(candidates, key=lambda p: p.id)


def categories_of_products(
    session: Session, product_ids: set[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    """The category ids (as text) of each product, in one query."""
    return _categories_of(session, product_ids)


def best_of_promotions(
    candidates: Sequence[Promotion],
    product_id: uuid.UUID,
    categories: set[str],
    unit_price: Money,
    *,
    channel_id: uuid.UUID | None,
) -> tuple[Promotion | None, Money]:
    """Among ``candidates`` (:func:`running_automatic_promotions`), the one that lowers
    ``unit_price`` of a product with these ``categories`` most on ``channel_id`` (the
    first by id on a tie), and the unit price after it."""
    best: Promotion | None = None
    best_discount = Money.zero(unit_price.currency)
    for promotion in candidates:
        if not _covers(promotion, product_id, categories, channel_id):
            continue
        discount = unit_discount(promotion, unit_price)
        if discount > best_discount:
            best, best_discount = promotion, discount
    return best, unit_price - best_discount


def best_unit_promotion(
    session: Session,
    variant: Variant,
    unit_price: Money,
    *,
    channel_id: uuid.UUID | None,
    on: datetime,
) -> tuple[Promotion | None, Money]:
    """The automatic promotion (no coupon) that lowers ``unit_price`` most at ``on``, and the
    unit price after it; ``(None, unit_price)`` when none applies."""
    candidates = running_automatic_promotions(session, on)
    if not candidates:
        return None, unit_price
    categories = _categories_of(session, {variant.product_id})[variant.product_id]
    return best_of_promotions(
        candidates, variant.product_id, categories, unit_price, channel_id=channel_id
    )


def promotions_between(
    session: Session,
    variant: Variant,
    start: datetime,
    end: datetime,
    *,
    channel_id: uuid.UUID | None,
) -> list[tuple[Promotion, datetime, datetime]]:
    """The automatic promotions (percentage or fixed amount, no coupon, switched on) that
    covered ``variant`` on ``channel_id`` at some moment of ``[start, end)``, each with the
    part of that period it ran: ``(promotion, from, to)``. A promotion without a start date
    runs from its creation."""
    rows = session.scalars(
        select(Promotion).where(
            Promotion.is_active.is_(True),
            Promotion.requires_coupon.is_(False),
            Promotion.kind.in_(("percentage", "fixed_amount")),
            or_(Promotion.ends_at.is_(None), Promotion.ends_at > start),
        )
    ).all()
    categories = _categories_of(session, {variant.product_id})[variant.product_id]
    found = []
    for promotion in sorted(rows, key=lambda p: p.id):
        runs_from = max(promotion.starts_at or promotion.created_at, start)
        runs_to = min(promotion.ends_at, end) if promotion.ends_at else end
        if runs_from < runs_to and _covers(promotion, variant.product_id, categories, channel_id):
            found.append((promotion, runs_from, runs_to))
    return found


def _usable_coupons(
    session: Session, codes: Sequence[str], customer_id: uuid.UUID | None
) -> tuple[dict[str, Coupon], list[str]]:
    wanted = [code.strip().upper() for code in codes if code.strip()]
    if not wanted:
        return {}, []
    coupons = {
        c.code: c
        for c in session.scalars(select(Coupon).where(Coupon.code.in_(wanted), Coupon.is_active))
    }
    refused = [code for code in wanted if code not in coupons]
    for code, coupon in list(coupons.items()):
        used_up = coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit
        if not used_up and coupon.per_customer_limit is not None and customer_id is not None:
            uses = session.scalar(
                select(CouponCustomerUse.times_used).where(
                    CouponCustomerUse.coupon_id == coupon.id,
                    CouponCustomerUse.customer_id == customer_id,
                )
            )
            used_up = (uses or 0) >= coupon.per_customer_limit
        if used_up:
            refused.append(code)
            del coupons[code]
    return coupons, refused


def apply_promotions(
    session: Session,
    lines: Sequence[PromotionLine],
    *,
    channel_id: uuid.UUID | None,
    coupon_codes: Sequence[str] = (),
    customer_id: uuid.UUID | None = None,
    on: datetime | None = None,
) -> PromotionResult:
    """The discount of each line under the promotions running at ``on`` (now by default):
    the automatic ones and those unlocked by usable ``coupon_codes``.

    Guarantees: promotions apply one after the other on what is left of each line, so a
    line's discount never exceeds its total; a percentage is computed on the eligible lines'
    total and shared between them with ``Money.allocate``, so the discounts add up exactly to
    the rounded promotion amount. This only evaluates: coupons are counted by
    :func:`redeem_coupon` when the order is placed. Raises :class:`CurrencyMismatch` when
    lines are in several currencies.
    """
    on = on or clock.now()
    currency = lines[0].unit_price.currency if lines else "EUR"
    Money.total((line.total for line in lines), currency)
    coupons, refused = _usable_coupons(session, coupon_codes, customer_id)
    unlocked = {coupon.promotion_id for coupon in coupons.values()}
    # No line, no eligible line: an empty cart needs no promotion read.
    promotions = (
        [
            p
            for p in session.scalars(
                select(Promotion).where(
                    or_(Promotion.requires_coupon.is_(False), Promotion.id.in_(unlocked))
                )
            )
            if _is_running(p, on)
        ]
        if lines
        else []
    )
    promotions.sort(key=lambda p: (p.requires_coupon, p.created_at, p.id))
    # Without a running promotion no line is eligible: the variants and their categories
    # are only read when one runs.
    variants = load_variants(session, {x.variant_id for x in lines}) if promotions else {}
    products = {
        line.line_id: variants[line.variant_id].product_id
        for line in lines
        if line.variant_id in variants
    }
    categories = _categories_of(session, set(products.values())) if promotions else {}
    remaining = {line.line_id: line.total for line in lines}
    applied: dict[str, list[uuid.UUID]] = {line.line_id: [] for line in lines}
    free_shipping = False
    used: list[uuid.UUID] = []
    for promotion in promotions:
        eligible = [
            line
            for line in lines
            if line.line_id in products
            and _covers(
                promotion, products[line.line_id], categories[products[line.line_id]], channel_id
            )
        ]
        if not eligible:
            continue
        if promotion.kind == "free_shipping":
            free_shipping = True
            used.append(promotion.id)
            continue
        shares = _promotion_shares(promotion, eligible, remaining, currency)
        if not any(share.is_positive for share in shares.values()):
            continue
        used.append(promotion.id)
        for line_id, share in shares.items():
            if share.is_positive:
                remaining[line_id] = remaining[line_id] - share
                applied[line_id].append(promotion.id)
    discounts = [
        LineDiscount(
            line_id=line.line_id,
            amount=line.total - remaining[line.line_id],
            promotion_ids=tuple(applied[line.line_id]),
        )
        for line in lines
    ]
    accepted = [code for code, c in coupons.items() if c.promotion_id in used]
    refused += [code for code, c in coupons.items() if c.promotion_id not in used]
    return PromotionResult(discounts, free_shipping, used, accepted, refused)


def _promotion_shares(
    promotion: Promotion,
    eligible: Sequence[PromotionLine],
    remaining: dict[str, Money],
    currency: str,
) -> dict[str, Money]:
    """What ``promotion`` takes off each eligible line, capped at what is left of it."""
    zero = Money.zero(currency)
    if promotion.kind == "percentage" and promotion.percent is not None:
        base = Money.total((remaining[line.line_id] for line in eligible), currency)
        if not base.is_positive:
            return {}
        amount = min(base.percent(promotion.percent).round(), base)
        ratios = [remaining[line.line_id].minor_units for line in eligible]
        parts = amount.allocate(ratios)
        return {line.line_id: part for line, part in zip(eligible, parts, strict=True)}
    if promotion.kind == "fixed_amount":
        return {
            line.line_id: min(
                (unit_discount(promotion, line.unit_price) * line.quantity).round(),
                remaining[line.line_id],
            )
            for line in eligible
        }
    if promotion.kind == "buy_x_get_y" and promotion.buy_quantity and promotion.get_quantity:
        units = sorted(
            (line.unit_price, line.line_id) for line in eligible for _ in range(line.quantity)
        )
        free_count = (
            sum(line.quantity for line in eligible)
            // (promotion.buy_quantity + promotion.get_quantity)
            * promotion.get_quantity
        )
        percent = promotion.percent if promotion.percent is not None else Decimal(100)
        shares: dict[str, Money] = {}
        for unit_price, line_id in units[:free_count]:
            shares[line_id] = shares.get(line_id, zero) + unit_price.percent(percent)
        return {
            line_id: min(share.round(), remaining[line_id]) for line_id, share in shares.items()
        }
    return {}


def redeem_coupon(
    session: Session, code: str, *, customer_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Count one use of a coupon (when an order using it is placed); returns its promotion id.

    Guarantees: the total and per-customer limits hold under concurrency: each counter is
    raised by one guarded atomic UPDATE (``... WHERE times_used < limit``), both in one
    savepoint, so either both count or neither. Raises :class:`CouponNotUsable` (``code``)
    for an unknown, inactive or used-up coupon.
    """
    normalised = code.strip().upper()
    coupon = session.scalar(select(Coupon).where(Coupon.code == normalised))
    if coupon is None or not coupon.is_active:
        raise CouponNotUsable(
            _l("The coupon {code} does not exist."), field="code", code=normalised
        )
    with session.begin_nested() as savepoint:
        if coupon.per_customer_limit is not None and customer_id is not None:
            insert_ignoring_conflicts(
                session,
                CouponCustomerUse.__table__,  # type: ignore[arg-type]
                [
                    {
                        "id": uuid7(),
                        "coupon_id": coupon.id,
                        "customer_id": customer_id,
                        "times_used": 0,
                        "created_at": clock.now(),
                        "updated_at": clock.now(),
                    }
                ],
                ["coupon_id", "customer_id"],
            )
            mine = session.execute(
                update(CouponCustomerUse)
                .where(
                    CouponCustomerUse.coupon_id == coupon.id,
                    CouponCustomerUse.customer_id == customer_id,
                    CouponCustomerUse.times_used < coupon.per_customer_limit,
                )
                .values(times_used=CouponCustomerUse.times_used + 1)
                .execution_options(synchronize_session=False)
            )
            if getattr(mine, "rowcount", 0) != 1:
                savepoint.rollback()
                raise CouponNotUsable(
                    _l("You have already used the coupon {code}."), field="code", code=normalised
                )
        total = session.execute(
            update(Coupon)
            .where(
                Coupon.id == coupon.id,
                Coupon.is_active.is_(True),
                or_(Coupon.usage_limit.is_(None), Coupon.times_used < Coupon.usage_limit),
            )
            .values(times_used=Coupon.times_used + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(total, "rowcount", 0) != 1:
            savepoint.rollback()
            raise CouponNotUsable(
                _l("The coupon {code} has been used up."), field="code", code=normalised
            )
    session.expire(coupon)
    return coupon.promotion_id


@dataclass(frozen=True, slots=True)
class PromotionSpec:
    """What defines a promotion (see :class:`comptoir.catalog.models.Promotion`)."""

    name: str
    kind: PromotionKind
    percent: Decimal | None = None
    amount: Money | None = None
    buy_quantity: int | None = None
    get_quantity: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    requires_coupon: bool = False
    product_ids: tuple[uuid.UUID, ...] = ()
    category_ids: tuple[uuid.UUID, ...] = ()
    channel_ids: tuple[uuid.UUID, ...] = ()

    @classmethod
    def from_schema(cls, data: PromotionCreate) -> PromotionSpec:
        """The spec a request body describes; raises :class:`InvalidInput` (``currency``)
        for an amount without its currency."""
        amount = None
        if data.amount_minor is not None:
            if data.currency is None:
                raise InvalidInput(_l("Give the amount's currency."), field="currency")
            amount = Money.from_minor(data.amount_minor, data.currency)
        return cls(
            name=data.name,
            kind=data.kind,
            percent=data.percent,
            amount=amount,
            buy_quantity=data.buy_quantity,
            get_quantity=data.get_quantity,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            requires_coupon=data.requires_coupon,
            product_ids=tuple(data.product_ids),
            category_ids=tuple(data.category_ids),
            channel_ids=tuple(data.channel_ids),
        )


def check_spec(spec: PromotionSpec) -> None:
    """Raises :class:`InvalidInput` naming the field its kind needs (``percent``, ``amount``,
    ``buy_quantity``) or a period that ends before it starts (``ends_at``)."""
    if spec.kind == "percentage" and (spec.percent is None or not 0 < spec.percent <= 100):
        raise InvalidInput(_l("Give a percentage between 0 and 100."), field="percent")
    if spec.kind == "fixed_amount" and (spec.amount is None or not spec.amount.is_positive):
        raise InvalidInput(_l("Give a positive amount."), field="amount")
    if spec.kind == "buy_x_get_y" and not (
        spec.buy_quantity and spec.buy_quantity > 0 and spec.get_quantity and spec.get_quantity > 0
    ):
        raise InvalidInput(_l("Give how many to buy and how many to get."), field="buy_quantity")
    if spec.starts_at and spec.ends_at and spec.ends_at <= spec.starts_at:
        raise InvalidInput(_l("The end date must come after the start date."), field="ends_at")


def create_promotion(session: Session, spec: PromotionSpec) -> Promotion:
    """Schedule a promotion. Raises :class:`InvalidInput` naming the field its kind needs
    (``percent``, ``amount``, ``buy_quantity``) or a period that ends before it starts."""
    check_spec(spec)
    promotion = Promotion(
        name=spec.name,
        kind=spec.kind,
        percent=spec.percent,
        amount_minor=spec.amount.minor_units if spec.amount else None,
        currency=spec.amount.currency if spec.amount else None,
        buy_quantity=spec.buy_quantity,
        get_quantity=spec.get_quantity,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        requires_coupon=spec.requires_coupon,
        product_ids=[str(i) for i in spec.product_ids],
        category_ids=[str(i) for i in spec.category_ids],
        channel_ids=[str(i) for i in spec.channel_ids],
    )
    session.add(promotion)
    session.flush()
    return promotion


def create_coupon(
    session: Session,
    promotion_id: uuid.UUID,
    code: str,
    *,
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
) -> Coupon:
    """Add a coupon code (stored upper-case) to a promotion. Raises
    :class:`PromotionNotFound`, :class:`DuplicateValue` (``code``)."""
    if session.get(Promotion, promotion_id) is None:
        raise PromotionNotFound(field="promotion_id")
    normalised = code.strip().upper()
    if session.scalar(select(Coupon.id).where(Coupon.code == normalised)):
        raise DuplicateValue(_l("{value} is already used."), field="code", value=normalised)
    coupon = Coupon(
        promotion_id=promotion_id,
        code=normalised,
        usage_limit=usage_limit,
        per_customer_limit=per_customer_limit,
    )
    session.add(coupon)
    session.flush()
    return coupon


def list_promotions(session: Session) -> list[Promotion]:
    """Every promotion, newest first."""
    return list(session.scalars(select(Promotion).order_by(Promotion.created_at.desc())))


def get_promotion(session: Session, promotion_id: uuid.UUID) -> Promotion:
    """The promotion; raises :class:`PromotionNotFound`."""
    promotion = session.get(Promotion, promotion_id)
    if promotion is None:
        raise PromotionNotFound()
    return promotion


def coupons_of(session: Session, promotion_id: uuid.UUID) -> list[Coupon]:
    """The coupons of a promotion, by code."""
    return list(
        session.scalars(
            select(Coupon).where(Coupon.promotion_id == promotion_id).order_by(Coupon.code)
        )
    )


def set_promotion_active(session: Session, promotion_id: uuid.UUID, is_active: bool) -> Promotion:
    """Switch a promotion (and so its coupons) on or off. Raises :class:`PromotionNotFound`."""
    promotion = get_promotion(session, promotion_id)
    promotion.is_active = is_active
    session.flush()
    return promotion
