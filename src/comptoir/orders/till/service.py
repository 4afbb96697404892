"""Till sales: the articles a customer brings to a store's counter become an order that is
placed, paid and handed over at once, its units taken from that store's stock.

Prices, promotions and coupons come from the channel's catalogue exactly as for a cart (the
sale is priced by :func:`~comptoir.orders.service.pricing.price_cart` on a basket that is
never stored); VAT is French, the sale happening on the spot. Every function works in the
caller's transaction and never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.errors import CouponNotUsable, VariantNotFound
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.inventory import service as inventory
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.money import Money
from comptoir.orders.errors import OrderNotFound, VariantNotSold
from comptoir.orders.fulfilment import events as fulfilment_events
from comptoir.orders.fulfilment.models import Shipment, ShipmentLine
from comptoir.orders.models import Cart, CartLine, Order, OrderEvent, OrderLine, OrderTaxTotal
from comptoir.orders.models import Payment as PaymentRow
from comptoir.orders.service.checkout import emit_placed
from comptoir.orders.service.orders import (
    emit_paid,
    get_order,
    inventory_reference,
    next_number,
    record_event,
)
from comptoir.orders.service.pricing import PricedCart, price_cart
from comptoir.orders.till.errors import TillChannelRefused, TillLocationRefused
from comptoir.orders.till.schemas import TillLine, TillPayment, TillSaleCreate
from comptoir.orders.vat import HOME_COUNTRY

# A till hands the goods over at the counter: the order is taken at the store, and done.
DELIVERY_METHOD: Final = "pickup"
FINAL_STATUS: Final = "collected"


@dataclass(frozen=True, slots=True)
class Tendered:
    """What the customer handed over, the payments it makes (cash net of the change), and
    the change given back."""

    payments: list[tuple[TillPayment, int]]
    tendered_minor: int
    change_minor: int


@dataclass(frozen=True, slots=True)
class TillReceipt:
    """A till sale as its receipt shows it."""

    order: Order
    location_id: uuid.UUID
    cashier_id: uuid.UUID | None
    tendered_minor: int
    change_minor: int


def till_location(
    session: Session,
    channel_id: uuid.UUID,
    location_id: uuid.UUID,
    allowed: frozenset[uuid.UUID] | None,
) -> None:
    """Checks that the channel is a store channel, that ``location_id`` is one of its stores,
    and that the staff member (restricted to ``allowed``; ``None``: everywhere) sells there.

    Raises :class:`TillChannelRefused` (403), :class:`InvalidInput` (``location_id``),
    :class:`TillLocationRefused` (403)."""
    if channels.get_channel(session, channel_id).kind != "store":
        raise TillChannelRefused()
    linked = {
        link.location_id
        for link in inventory.list_channel_locations(session, channel_id=channel_id)
    }
    kind = inventory.get_location(session, location_id).kind if location_id in linked else None
    if kind != "store":
        raise InvalidInput(_l("This is not a store of this channel."), field="location_id")
    if allowed is not None and location_id not in allowed:
        raise TillLocationRefused(field="location_id")


def _variant_id(session: Session, line: TillLine, n: int) -> uuid.UUID:
    """The variant a line names by exactly one of its id, SKU or barcode."""
    given = [name for name in ("variant_id", "sku", "barcode") if getattr(line, name)]
    if len(given) != 1:
        raise InvalidInput(
            _l("Name the article by one of variant_id, sku or barcode."), field=f"lines.{n}"
        )
    if line.variant_id is not None:
        return line.variant_id
    found = (
        catalog.find_variant_by_sku(session, line.sku)
        if line.sku
        else catalog.find_variant_by_barcode(session, line.barcode or "")
    )
    if found is None:
        raise InvalidInput(_l("No article has this code."), field=f"lines.{n}.{given[0]}")
    return found.id


def _basket(
    session: Session, channel_id: uuid.UUID, data: TillSaleCreate, customer_id: uuid.UUID | None
) -> Cart:
    """The sale as a basket for the pricing rules: a :class:`Cart` that is never added to
    the session. Raises :class:`InvalidInput`, :class:`VariantNotSold` (``lines.<n>.*``)."""
    listed = catalog.listed_variant_ids(session, channel_id)
    basket = Cart(
        id=uuid7(),
        channel_id=channel_id,
        currency=channels.get_channel(session, channel_id).currency,
        status="open",
        customer_id=customer_id,
        destination_country=HOME_COUNTRY,
        delivery_method=DELIVERY_METHOD,
        coupon_codes=[code.upper() for code in data.coupon_codes],
        expires_at=clock.now(),
    )
    seen: dict[uuid.UUID, int] = {}
    for n, line in enumerate(data.lines):
        variant_id = _variant_id(session, line, n)
        try:
            variant = catalog.get_variant(session, variant_id)
        except VariantNotFound:
            raise VariantNotSold(field=f"lines.{n}.variant_id") from None
        if not variant.is_active or variant.product.status != "active" or variant_id not in listed:
            raise VariantNotSold(field=f"lines.{n}.variant_id")
        if variant_id in seen:
            raise InvalidInput(
                _l("This article is already on line {line}: change its quantity instead."),
                field=f"lines.{n}",
                line=seen[variant_id] + 1,
            )
        seen[variant_id] = n
        basket.lines.append(CartLine(id=uuid7(), variant_id=variant_id, quantity=line.quantity))
    return basket


def _check_coupons(basket: Cart, priced: PricedCart) -> None:
    for n, code in enumerate(basket.coupon_codes):
        if code not in priced.accepted_coupons:
            raise CouponNotUsable(
                _l("The coupon {code} does not apply to this sale."),
                field=f"coupon_codes.{n}",
                code=code,
            )


def tender(payments: Sequence[TillPayment], due_minor: int, currency: str) -> Tendered:
    """Checks that the payments cover ``due_minor`` exactly, cash excepted: the change
    (tendered minus due) is given back from the cash, so it may not exceed the cash
    tendered. Returns each payment with the amount it pays.

    Raises :class:`InvalidInput`: ``payments`` when they fall short or when cash is
    tendered that is not needed, ``payments.<n>.amount_minor`` when a card or voucher pays
    more than is left to pay.
    """
    tendered = sum(payment.amount_minor for payment in payments)
    if tendered < due_minor:
        raise InvalidInput(
            _l("The payments ({tendered}) do not cover the total ({due})."),
            field="payments",
            tendered=_amount(tendered, currency),
            due=_amount(due_minor, currency),
        )
    cash = sum(payment.amount_minor for payment in payments if payment.method == "cash")
    left = due_minor
    for n, payment in enumerate(payments):
        if payment.method != "cash":
            if payment.amount_minor > left:
                raise InvalidInput(
                    _l("A card or a voucher pays at most what is left to pay ({left})."),
                    field=f"payments.{n}.amount_minor",
                    left=_amount(left, currency),
                )
            left -= payment.amount_minor
    change = tendered - due_minor
    if cash and cash <= change:
        raise InvalidInput(
            _l("The other payments already cover the total: no cash is due."), field="payments"
        )
    # ``left`` is what the cash pays, spread over the cash payments in their order.
    applied: list[tuple[TillPayment, int]] = []
    for payment in payments:
        if payment.method == "cash":
            share = min(payment.amount_minor, left)
            left -= share
            if share:
                applied.append((payment, share))
        else:
            applied.append((payment, payment.amount_minor))
    return Tendered(applied, tendered, change)


def _amount(minor: int, currency: str) -> str:
    return str(Money.from_minor(minor, currency).round().amount)


def _buyer(session: Session, email: str | None) -> uuid.UUID | None:
    if email is None:
        return None
    return customers.resolve_customer(session, email=email, source="till").customer.id


def sell_at_till(
    session: Session,
    data: TillSaleCreate,
    *,
    channel_id: uuid.UUID,
    allowed_locations: frozenset[uuid.UUID] | None,
    cashier_id: uuid.UUID | None,
    actor: str,
) -> TillReceipt:
    """Sell the articles over the counter of ``data.location_id``: price them for the
    channel (catalogue price, promotions, coupons, French VAT), number the order like any
    other of the channel, take the units out of that store (``sale`` movements referencing
    the order), record the payments (cash net of the change, card and voucher captured),
    and mark the order paid and collected. Emits ``order.placed``, ``order.paid`` (once,
    for the first payment, as the order is paid once) and ``order.delivered``.

    Guarantees: all in the caller's transaction; on any error nothing is kept when the
    caller rolls back (the request does), neither the order nor a movement nor an event.

    Raises :class:`TillChannelRefused`, :class:`TillLocationRefused` (403),
    ``InsufficientStock`` (409, ``lines.<n>.quantity``), ``CouponNotUsable`` (409,
    ``coupon_codes.<n>``), :class:`InvalidInput` (``location_id``, ``lines.<n>.*``,
    ``payments``...), :class:`VariantNotSold`, ``PriceNotFound``, :class:`NoVatRate`,
    ``InvalidCustomer`` (``email``).
    """
    till_location(session, channel_id, data.location_id, allowed_locations)
    customer_id = _buyer(session, data.email)
    basket = _basket(session, channel_id, data, customer_id)
    priced = price_cart(session, basket)
    _check_coupons(basket, priced)
    paid = tender(data.payments, priced.gross.minor_units, priced.currency)
    now = clock.now()
    order = _order(session, basket, priced, customer_id, now)
    order.email = data.email
    _take_stock(session, order, data.location_id, actor)
    session.add(order)
    for code in priced.accepted_coupons:
        catalog.redeem_coupon(session, code, customer_id=customer_id)
    record_event(session, order, "placed", to_status="pending_payment", actor=actor)
    session.flush()
    emit_placed(session, order)
    payments = _record_payments(session, order, paid)
    record_event(
        session, order, "paid", to_status="paid", actor=actor,
        details={
            "till": True, "location_id": str(data.location_id), "cashier_id": _text(cashier_id),
            "tendered_minor": paid.tendered_minor, "change_minor": paid.change_minor,
        },
    )  # fmt: skip
    if payments:
        emit_paid(session, order, payments[0])
    _hand_over(session, order, data.location_id, actor)
    session.flush()
    return TillReceipt(order, data.location_id, cashier_id, paid.tendered_minor, paid.change_minor)


def sale_total(session: Session, data: TillSaleCreate, *, channel_id: uuid.UUID) -> Money:
    """What the articles of ``data`` cost at the counter now (catalogue prices, promotions,
    coupons, French VAT), without selling anything nor recording the buyer: what its
    payments must cover (a coupon limited per customer is checked by the sale itself).
    Raises what :func:`sell_at_till` raises for its lines and coupons."""
    basket = _basket(session, channel_id, data, None)
    priced = price_cart(session, basket)
    _check_coupons(basket, priced)
    return priced.gross


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _order(
    session: Session,
    basket: Cart,
    priced: PricedCart,
    customer_id: uuid.UUID | None,
    now: datetime,
) -> Order:
    order = Order(
        channel_id=basket.channel_id,
        status="pending_payment",
        customer_id=customer_id,
        currency=basket.currency,
        prices_include_tax=priced.prices_include_tax,
        destination_country=HOME_COUNTRY,
        delivery_method=DELIVERY_METHOD,
        vat_scheme=priced.treatment.scheme,
        coupon_codes=list(priced.accepted_coupons),
        discount_minor=priced.discount.minor_units,
        total_net_minor=priced.net.minor_units,
        total_tax_minor=priced.tax.minor_units,
        total_gross_minor=priced.gross.minor_units,
        placed_at=now,
        paid_at=now,
    )
    # The e-mail is encrypted under the customer's data key, or the order's own (a guest).
    order.subject_id = customer_id or order.id
    order.number = next_number(session, channels.get_channel(session, basket.channel_id).code, now)
    for position, line in enumerate(priced.lines, start=1):
        order.lines.append(
            OrderLine(
                order_id=order.id, position=position, variant_id=line.variant_id, sku=line.sku,
                title=line.title[:600], quantity=line.quantity,
                unit_price_excl_minor=line.unit_excl.minor_units,
                unit_price_incl_minor=line.unit_incl.minor_units, vat_rate=line.rate,
                vat_category=line.category, discount_minor=line.discount.minor_units,
                total_minor=line.total.minor_units,
                promotion_ids=[str(p) for p in line.promotion_ids],
            )
        )  # fmt: skip
    order.tax_totals.extend(
        OrderTaxTotal(
            order_id=order.id,
            category=total.category,
            rate=total.rate,
            base_minor=total.base.minor_units,
            tax_minor=total.tax.minor_units,
        )
        for total in priced.rate_totals
    )
    return order


def _take_stock(session: Session, order: Order, location_id: uuid.UUID, actor: str) -> None:
    """One ``sale`` movement per line at the store, levels locked first and written in
    variant order like every stock write. Raises ``InsufficientStock``
    (``lines.<n>.quantity``)."""
    lines = list(order.lines)
    inventory.lock_levels(session, [(line.variant_id, location_id) for line in lines])
    for line in sorted(lines, key=lambda item: item.variant_id):
        try:
            inventory.sell(
                session,
                variant_id=line.variant_id,
                location_id=location_id,
                quantity=line.quantity,
                reference=inventory_reference(order.id),
                actor=actor,
            )
        except inventory.InsufficientStock as error:
            error.field = f"lines.{line.position - 1}.quantity"
            raise
        line.location_id = location_id


def _record_payments(session: Session, order: Order, paid: Tendered) -> list[PaymentRow]:
    rows = []
    for n, (payment, amount) in enumerate(paid.payments, start=1):
        row = PaymentRow(
            order_id=order.id,
            provider=payment.method,
            status="captured",
            amount_minor=amount,
            currency=order.currency,
            reference=f"{payment.method}-{order.number}-{n}",
            card_last4=payment.card_last4 if payment.method == "card_terminal" else None,
            instructions=payment.reference,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _hand_over(session: Session, order: Order, location_id: uuid.UUID, actor: str) -> None:
    """The customer leaves with the units: a shipment handed over at the counter (so that
    the returns module knows what left), the order ``collected``, ``order.delivered``."""
    now = clock.now()
    session.add(
        Shipment(
            order_id=order.id,
            location_id=location_id,
            method="pickup",
            status="delivered",
            shipped_at=now,
            delivered_at=now,
            lines=[
                ShipmentLine(order_line_id=line.id, quantity=line.quantity) for line in order.lines
            ],
        )
    )
    record_event(
        session, order, "collected", to_status=FINAL_STATUS, actor=actor,
        details={"location_id": str(location_id)},
    )  # fmt: skip
    emit(
        session,
        fulfilment_events.ORDER_DELIVERED,
        fulfilment_events.OrderDelivered(
            order_id=order.id, number=order.number, method="pickup", complete=True
        ),
        key=order.id,
    )


def get_till_sale(
    session: Session,
    order_id: uuid.UUID,
    *,
    channel_id: uuid.UUID,
    allowed_locations: frozenset[uuid.UUID] | None,
) -> TillReceipt:
    """A till sale of the channel, made in a store the staff member may see. Raises
    :class:`OrderNotFound` for any other order (another channel's, a web order, another
    store's)."""
    order = get_order(session, order_id)
    paid = session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.kind == "paid")
        .order_by(OrderEvent.occurred_at, OrderEvent.id)
    ).first()
    if order.channel_id != channel_id or paid is None or not paid.details.get("till"):
        raise OrderNotFound()
    location_id = uuid.UUID(str(paid.details["location_id"]))
    if allowed_locations is not None and location_id not in allowed_locations:
        raise OrderNotFound()
    cashier = paid.details.get("cashier_id")
    return TillReceipt(
        order,
        location_id,
        uuid.UUID(str(cashier)) if cashier else None,
        int(str(paid.details.get("tendered_minor", 0))),
        int(str(paid.details.get("change_minor", 0))),
    )
