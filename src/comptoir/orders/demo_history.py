"""Two years of BoutiqueNova's trading for the demo shop, generated day by day through the real
services, each step at its historical moment (the application clock is frozen and moved
forward as the history unfolds).

Every day brings about as many orders as :mod:`comptoir.orders.demo_calendar` expects (weekly
pattern, seasons, French sales with a promotion running), spread over the web shop, the app,
the marketplace and the three store tills. Web and app orders go through carts and checkout
(test card), marketplace orders through the import, store sales through the till: totals, VAT,
numbers, stock movements and events are the real ones. Shipped orders are delivered two days
later; a few are cancelled within the hour, about one delivered order in twenty comes back
(requested, received, restocked or scrapped, refunded). Buyers come back with a geometric
law: after each order a buyer orders again with probability :data:`RETURN_PROBABILITY`. Carts
are left without checkout and declared abandoned by the abandoned-cart job. Every Monday,
stock that runs low is reordered from a supplier and received, so nothing is oversold.

Deterministic: a seeded :class:`random.Random` and the demo's date, nothing else.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.models import Promotion
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.customers.schemas import CustomerFilters
from comptoir.inventory import service as inventory
from comptoir.kit import clock as app_clock
from comptoir.kit.clock import FrozenClock, use_clock
from comptoir.kit.errors import DomainError
from comptoir.kit.events.relay import deliver_in_session
from comptoir.kit.settings import Settings
from comptoir.orders import service
from comptoir.orders.abandoned import abandon_idle_carts
from comptoir.orders.demo_calendar import channel_shares, sales_periods, trading_day
from comptoir.orders.demo_restock import restock
from comptoir.orders.fulfilment import service as fulfilment
from comptoir.orders.marketplace import service as marketplace
from comptoir.orders.marketplace.schemas import MarketplaceBuyer, MarketplaceLine, MarketplaceOrder
from comptoir.orders.models import OrderEvent
from comptoir.orders.returns import service as returns
from comptoir.orders.schemas import Address, CheckoutRequest, PaymentIn
from comptoir.orders.till import service as till
from comptoir.orders.till.schemas import TillLine, TillPayment, TillSaleCreate

ACTOR: Final = "demo:history"
RETURN_PROBABILITY: Final = 0.4  # a buyer orders again after an order
KNOWN_BUYER_SHARE: Final = 0.5  # an order is by a buyer who comes back, when one is due
TILL_EMAIL_SHARE: Final = 0.3  # till customers who give an e-mail for their receipt
CANCEL_RATE: Final = 0.03
RETURN_RATE: Final = 0.05
ABANDON_RATE: Final = 0.5  # abandoned carts per web or app order
SALES_PERCENT: Final = Decimal(30)
CARRIERS: Final = ("Colissimo", "Chronopost", "Mondial Relay")
REASONS: Final = ("too_small", "too_large", "changed_mind", "not_as_described", "defective")
FIRST_NAMES: Final = (
    "Emma", "Gabriel", "Louise", "Raphaël", "Jade", "Léo", "Alice", "Arthur", "Rose", "Jules",
    "Anna", "Adam", "Mila", "Louis", "Julia", "Paul", "Zoé", "Nathan", "Lina", "Tom",
)  # fmt: skip
LAST_NAMES: Final = (
    "Petit", "Durand", "Leroy", "Moreau", "Simon", "Michel", "Lefèvre", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Blanc",
)  # fmt: skip
CITIES: Final = (
    ("Paris", "75011"), ("Lyon", "69007"), ("Marseille", "13006"), ("Toulouse", "31000"),
    ("Nice", "06000"), ("Nantes", "44000"), ("Bordeaux", "33000"), ("Lille", "59000"),
    ("Rennes", "35000"), ("Strasbourg", "67000"), ("Montpellier", "34000"), ("Dijon", "21000"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    """How much history: ``days`` back from the demo's date, about ``orders_per_day`` on an
    ordinary day (the calendar makes December busier and summer quieter)."""

    days: int = 730
    orders_per_day: float = 2.5
    seed: int = 2024


@dataclass(frozen=True, slots=True)
class Buyer:
    email: str
    name: str
    city: str
    postal_code: str


@dataclass
class _Tally:
    orders: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    returned: int = 0
    abandoned: int = 0
    missed: int = 0


@dataclass
class _Shop:
    """What the history sells, to whom, and what it has already done."""

    channels: dict[str, uuid.UUID]
    stores: dict[str, uuid.UUID]  # till channel code -> its store
    variants: list[uuid.UUID]  # most popular first
    weights: list[float]
    skus: dict[uuid.UUID, str]
    prices: dict[uuid.UUID, int]  # web list price, VAT included
    newcomers: list[Buyer]  # demo customers who have not ordered yet
    rng: random.Random
    due: list[Buyer] = field(default_factory=list)  # buyers who will come back
    made_up: int = 0
    tally: _Tally = field(default_factory=_Tally)
    queue: list[tuple[datetime, int, Action]] = field(default_factory=list)
    planned: int = 0

    def plan(self, moment: datetime, action: Action) -> None:
        """Do ``action`` at ``moment``; actions run in the order of their moments, then of
        their planning."""
        self.planned += 1
        heapq.heappush(self.queue, (moment, self.planned, action))


Action = Callable[[Session, "_Shop"], None]


def already_generated(session: Session) -> bool:
    """Whether the demo's history is in the database (any order event it recorded)."""
    return bool(session.scalar(select(exists().where(OrderEvent.actor == ACTOR))))


def seed_history(
    session: Session,
    settings: Settings,
    *,
    options: HistoryOptions | None = None,
    report: Callable[[int, int], None] | None = None,
) -> str:
    """Generate the history (see the module docstring) up to now, once: nothing happens when
    it is there already. ``report(done, total)`` is called after each day."""
    options = options or HistoryOptions()
    if options.days < 1 or already_generated(session):
        return "History: already generated." if options.days >= 1 else "History: none asked."
    end = app_clock.now()
    shop = _shop(session, options)
    if shop is None:
        return "History: no catalogue or channels to trade with."
    start = end.date() - timedelta(days=options.days)
    frozen = FrozenClock(datetime.combine(start, time(5), UTC))
    with use_clock(frozen):
        _sales_promotions(session, start, end.date())
        _run(session, shop, frozen, options, start, end, report)
    return _summary(shop.tally, options.days)


def _summary(tally: _Tally, days: int) -> str:
    placed = sum(tally.orders.values())
    per_channel = ", ".join(f"{code} {n}" for code, n in sorted(tally.orders.items()))
    return (
        f"History: {placed} orders over {days} days ({per_channel}), {tally.cancelled} "
        f"cancelled, {tally.returned} returned, {tally.abandoned} carts abandoned."
    )


def _shop(session: Session, options: HistoryOptions) -> _Shop | None:
    codes = {channel.code: channel.id for channel in channels.list_channels(session)}
    web = codes.get("web")
    if web is None:
        return None
    rng = random.Random(options.seed)
    listed = sorted(catalog.listed_variant_ids(session, web))
    prices: dict[uuid.UUID, int] = {}
    for variant_id in listed:
        try:
            quote = catalog.price_for(session, variant_id, channel_id=web, currency="EUR")
        except DomainError:
            continue  # not priced: not sold
        prices[variant_id] = quote.list_price.minor_units
    variants = sorted(prices)
    if not variants:
        return None
    rng.shuffle(variants)
    stores = {
        code: location.id
        for code in codes
        if code.startswith("store-")
        and (location := inventory.get_location_by_code(session, "ST-" + code[6:].upper()))
    }
    return _Shop(
        channels=codes,
        stores=stores,
        variants=variants,
        # A few best sellers, a long tail.
        weights=[1 / (rank + 8) for rank in range(len(variants))],
        skus={v: catalog.variant_summary(session, v).sku for v in variants},
        prices=prices,
        newcomers=_demo_buyers(session, rng),
        rng=rng,
    )


def _demo_buyers(session: Session, rng: random.Random) -> list[Buyer]:
    buyers = []
    cursor: str | None = None
    while True:
        page = customers.list_customers(
            session, CustomerFilters(kind="person"), limit=200, cursor=cursor
        )
        for customer in page.items:
            if customer.email:
                city, postal_code = rng.choice(CITIES)
                name = customers.display_name(customer)
                buyers.append(Buyer(customer.email, name, city, postal_code))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    buyers.sort(key=lambda buyer: buyer.email)
    rng.shuffle(buyers)
    return buyers


def _sales_promotions(session: Session, start: date, end: date) -> None:
    """An automatic promotion for every sales period of the history."""
    names = set(session.scalars(select(Promotion.name)))
    for year in range(start.year, end.year + 1):
        for period in sales_periods(year):
            if period.ends_on <= start or period.starts_on > end or period.name in names:
                continue
            catalog.create_promotion(
                session,
                catalog.PromotionSpec(
                    name=period.name,
                    kind="percentage",
                    percent=SALES_PERCENT,
                    starts_at=max(_at(period.starts_on, 7), app_clock.now()),
                    ends_at=_at(period.ends_on, 7),
                ),
            )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def _run(
    session: Session,
    shop: _Shop,
    frozen: FrozenClock,
    options: HistoryOptions,
    start: date,
    end: datetime,
    report: Callable[[int, int], None] | None,
) -> None:
    for n in range(options.days + 1):
        day = start + timedelta(days=n)
        if day.weekday() == 0 or n == 0:
            shop.plan(_at(day, 5), _restock)
        _plan_day(shop, day, options)
        shop.plan(_at(day, 23, 50), _close_day)
        while shop.queue and shop.queue[0][0] < min(_at(day + timedelta(days=1), 0), end):
            moment, _, action = heapq.heappop(shop.queue)
            frozen.set(moment)
            action(session, shop)
        if report is not None:
            report(n + 1, options.days + 1)
    frozen.set(end)


def _restock(session: Session, shop: _Shop) -> None:
    restock(session, shop.prices, actor=ACTOR)


def _close_day(session: Session, shop: _Shop) -> None:
    inventory.expire_holds(session, limit=10_000)
    shop.tally.abandoned += abandon_idle_carts(session, limit=10_000)
    # What other modules do with the day's events (invoices, entries) happens on that day.
    deliver_in_session(session)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _plan_day(shop: _Shop, day: date, options: HistoryOptions) -> None:
    rng = shop.rng
    shares = channel_shares(day)
    codes = [code for code in shares if code in shop.channels]
    weights = [shares[code] for code in codes]
    count = _poisson(rng, trading_day(day, options.orders_per_day).expected_orders)
    for code in rng.choices(codes, weights=weights, k=count):
        if code.startswith("store-"):
            opens, hours = 10, 9
        else:
            opens, hours = 7, 16
        moment = _at(day, opens) + timedelta(minutes=rng.randrange(hours * 60))
        shop.plan(moment, _placement(code))
        if code in ("web", "app") and rng.random() < ABANDON_RATE:
            shop.plan(moment + timedelta(minutes=rng.randrange(1, 240)), _abandon_cart(code))


def _placement(code: str) -> Action:
    def place(session: Session, shop: _Shop) -> None:
        if code.startswith("store-"):
            _sell_at_till(session, shop, code)
        elif code == "marketplace":
            _import_marketplace_order(session, shop)
        else:
            _check_out(session, shop, code)

    return place


def _buyer(shop: _Shop) -> Buyer:
    """A buyer who comes back when one is due, else a demo customer's first order, else a
    new buyer; with :data:`RETURN_PROBABILITY` they will order again."""
    rng = shop.rng
    if shop.due and rng.random() < KNOWN_BUYER_SHARE:
        buyer = shop.due.pop(rng.randrange(len(shop.due)))
    elif shop.newcomers:
        buyer = shop.newcomers.pop()
    else:
        shop.made_up += 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, postal_code = rng.choice(CITIES)
        email = f"{first.lower()}.{last.lower()}.{shop.made_up}@example.com"
        buyer = Buyer(email, f"{first} {last}", city, postal_code)
    if rng.random() < RETURN_PROBABILITY:
        shop.due.append(buyer)
    return buyer


def _picks(shop: _Shop) -> Iterator[tuple[uuid.UUID, int]]:
    rng = shop.rng
    count = rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0]
    chosen = dict.fromkeys(rng.choices(shop.variants, weights=shop.weights, k=count))
    for variant_id in chosen:
        yield variant_id, 2 if rng.random() < 0.12 else 1


def _address(buyer: Buyer, rng: random.Random) -> Address:
    return Address(
        name=buyer.name, line1=f"{rng.randint(1, 120)} rue de la République",
        postal_code=buyer.postal_code, city=buyer.city, country="FR",
    )  # fmt: skip


def _check_out(session: Session, shop: _Shop, code: str) -> None:
    buyer = _buyer(shop)
    try:
        with session.begin_nested():
            cart = service.create_cart(
                session, channel_id=shop.channels[code], destination_country="FR"
            )
            for variant_id, quantity in _picks(shop):
                try:
                    with session.begin_nested():
                        service.add_line(session, cart, variant_id, quantity)
                except DomainError:
                    continue  # out of stock on this channel: the shopper takes something else
            if not cart.lines:
                raise _Missed
            order = service.checkout(
                session, cart.id,
                CheckoutRequest(
                    email=buyer.email, billing_address=_address(buyer, shop.rng),
                    payment=PaymentIn(method="test_card", card_number="4242424242424242"),
                ),
                production=False, actor=ACTOR,
            )  # fmt: skip
    except (DomainError, _Missed):
        shop.tally.missed += 1
        return
    _count(shop, code)
    _follow_up(shop, order.id, order.placed_at, returnable=True)


class _Missed(Exception):
    """Nothing could be sold this time."""


def _count(shop: _Shop, code: str) -> None:
    shop.tally.orders[code] = shop.tally.orders.get(code, 0) + 1


def _follow_up(shop: _Shop, order_id: uuid.UUID, placed_at: datetime, *, returnable: bool) -> None:
    """What happens to a shipped order afterwards, put in the shop's plan."""
    rng = shop.rng
    if returnable and rng.random() < CANCEL_RATE:
        shop.plan(placed_at + timedelta(minutes=rng.randint(5, 50)), _cancel(order_id))
        return
    shipped_on = placed_at.date() + timedelta(days=1)
    if shipped_on.weekday() == 6:
        shipped_on += timedelta(days=1)
    shipped = _at(shipped_on, 9) + timedelta(minutes=rng.randrange(480))
    shop.plan(shipped, _ship(order_id))
    delivered = shipped + timedelta(days=rng.choice((1, 2, 2, 3)), hours=3)
    shop.plan(delivered, _deliver(order_id))
    if returnable and rng.random() < RETURN_RATE:
        requested = delivered + timedelta(days=rng.randint(2, 10))
        shop.plan(requested, _return(order_id))


def _sell_at_till(session: Session, shop: _Shop, code: str) -> None:
    """A sale at the store's counter, of articles on its shelves, paid by card or cash
    (rounded up to the next ten euros, the change given back)."""
    rng, location_id = shop.rng, shop.stores.get(code)
    if location_id is None:
        return
    wanted = dict(_picks(shop))
    shelves = inventory.available_by_location(
        session, variant_ids=list(wanted), location_ids=[location_id]
    )
    lines = [
        TillLine(variant_id=variant_id, quantity=min(quantity, shelves[variant_id][location_id]))
        for variant_id, quantity in wanted.items()
        if shelves[variant_id].get(location_id, 0) > 0
    ]
    if not lines:
        shop.tally.missed += 1
        return
    email = _buyer(shop).email if rng.random() < TILL_EMAIL_SHARE else None
    sale = TillSaleCreate(location_id=location_id, lines=lines, email=email)
    channel_id = shop.channels[code]
    try:
        with session.begin_nested():
            due = till.sale_total(session, sale, channel_id=channel_id).minor_units
            if rng.random() < 0.65:
                paid = TillPayment(method="card_terminal", amount_minor=due, card_last4="4242")
            else:
                paid = TillPayment(method="cash", amount_minor=-(-due // 1000) * 1000)
            till.sell_at_till(
                session, sale.model_copy(update={"payments": [paid]}), channel_id=channel_id,
                allowed_locations=None, cashier_id=None, actor=ACTOR,
            )  # fmt: skip
    except DomainError:
        shop.tally.missed += 1
        return
    _count(shop, code)


def _import_marketplace_order(session: Session, shop: _Shop) -> None:
    """An order the marketplace sold, at the web shop's prices, imported as it arrives."""
    rng, buyer = shop.rng, _buyer(shop)
    first, _, last = buyer.name.partition(" ")
    placed_at = app_clock.now()
    data = MarketplaceOrder(
        marketplace_order_id=f"171-{placed_at:%y%m%d%H%M}-{rng.randint(1000000, 9999999)}",
        placed_at=placed_at,
        currency="EUR",
        buyer=MarketplaceBuyer(email=buyer.email, first_name=first, last_name=last or None),
        shipping_address=_address(buyer, rng),
        lines=[
            MarketplaceLine(sku=shop.skus[v], quantity=q, unit_price_minor=shop.prices[v])
            for v, q in _picks(shop)
        ],
        shipping_fee_minor=490,
    )
    outcome = marketplace.import_orders(session, shop.channels["marketplace"], [data], actor=ACTOR)
    if not outcome.created:
        shop.tally.missed += 1
        return
    _count(shop, "marketplace")
    _follow_up(shop, outcome.created[0].order.id, placed_at, returnable=False)


def _abandon_cart(code: str) -> Action:
    def leave(session: Session, shop: _Shop) -> None:
        """A shopper fills a cart and goes away; the abandoned-cart job finds it."""
        customer_id = None
        if shop.due and shop.rng.random() < 0.5:
            email = shop.rng.choice(shop.due).email
            customer_id = customers.resolve_customer(
                session, email=email, source="web_shop"
            ).customer.id
        cart = service.create_cart(
            session, channel_id=shop.channels[code], customer_id=customer_id,
            destination_country="FR",
        )  # fmt: skip
        for variant_id, quantity in _picks(shop):
            try:
                with session.begin_nested():
                    service.add_line(session, cart, variant_id, quantity)
            except DomainError:
                continue

    return leave


def _cancel(order_id: uuid.UUID) -> Action:
    def cancel(session: Session, shop: _Shop) -> None:
        service.cancel_order(
            session, order_id, production=False, reason="Changement d'avis", actor=ACTOR
        )
        shop.tally.cancelled += 1

    return cancel


def _ship(order_id: uuid.UUID) -> Action:
    def ship(session: Session, shop: _Shop) -> None:
        """Everything leaves, one parcel per location the units were allocated at."""
        carrier = shop.rng.choice(CARRIERS)
        while fulfilment.to_ship(session, service.get_order(session, order_id)):
            fulfilment.ship(
                session, order_id, carrier=carrier,
                tracking_number=f"{carrier[:2].upper()}{shop.rng.randrange(10**10):010d}FR",
                actor=ACTOR,
            )  # fmt: skip

    return ship


def _deliver(order_id: uuid.UUID) -> Action:
    def deliver(session: Session, shop: _Shop) -> None:
        fulfilment.deliver(session, order_id, actor=ACTOR)

    return deliver


def _return(order_id: uuid.UUID) -> Action:
    def send_back(session: Session, shop: _Shop) -> None:
        """One article comes back; the shop receives it three days later, restocks it (or
        scraps it when it is defective) and refunds it."""
        rng = shop.rng
        order = service.get_order(session, order_id)
        line = rng.choice(sorted(order.lines, key=lambda item: item.position))
        reason = rng.choice(REASONS)
        rma = returns.request_return(
            session, order_id, [returns.LineRequest(line.id, 1, reason)], actor=None
        )
        shop.plan(app_clock.now() + timedelta(days=3), _settle(rma.id, reason))

    return send_back


def _settle(return_id: uuid.UUID, reason: str) -> Action:
    def settle(session: Session, shop: _Shop) -> None:
        rma = returns.receive_return(session, return_id, actor=ACTOR)
        outcome = "scrap" if reason == "defective" else "restock"
        returns.inspect_return(
            session, return_id,
            [returns.LineDecision(line.id, outcome) for line in rma.lines], actor=ACTOR,
        )  # fmt: skip
        returns.settle_return(session, return_id, production=False, actor=ACTOR)
        shop.tally.returned += 1

    return settle
