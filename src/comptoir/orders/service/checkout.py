"""Checkout: a cart becomes an order with its stock allocated and its payment taken, all in
the caller's transaction, or nothing happens."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.errors import CouponNotUsable
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.customers.schemas import Source
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import ReservationLine
from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders import events
from comptoir.orders.delivery import service as delivery
from comptoir.orders.errors import CartIncomplete, CartNotFound, CartNotOpen, PaymentDeclined
from comptoir.orders.models import Cart, CartLine, Order, OrderLine, OrderTaxTotal, Payment
from comptoir.orders.payments import PaymentProvider, PaymentRequest, provider_for
from comptoir.orders.schemas import Address, CheckoutRequest
from comptoir.orders.service.carts import record_vat_check, release_hold
from comptoir.orders.service.orders import (
    emit_paid,
    inventory_reference,
    next_number,
    record_event,
)
from comptoir.orders.service.pricing import PricedCart, price_cart
from comptoir.orders.service.sourcing import plan_cart, record_sourcing
from comptoir.orders.sourcing import Decision


def lock_cart(session: Session, cart_id: uuid.UUID, *, channel_id: uuid.UUID | None) -> Cart:
    """The cart, its row locked until the end of the transaction (PostgreSQL) so that two
    checkouts of one cart run one after the other. Raises :class:`CartNotFound`."""
    stmt = select(Cart).where(Cart.id == cart_id).execution_options(populate_existing=True)
    cart = session.scalar(lock_for_update(session, stmt))
    if cart is None or (channel_id is not None and cart.channel_id != channel_id):
        raise CartNotFound()
    return cart


def _destination(cart: Cart, shipping: Address) -> None:
    # The delivery postcode decides the VAT of a French overseas département (an export).
    cart.destination_postcode = shipping.postal_code
    if cart.destination_country is None:
        cart.destination_country = shipping.country
    elif cart.destination_country != shipping.country:
        raise InvalidInput(
            _l("The delivery address must be in {country}, the cart's destination."),
            field="shipping_address.country",
            country=cart.destination_country,
        )


def _allocate(
    session: Session, cart: Cart, order_id: uuid.UUID, *, postal_code: str | None = None
) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], list[Decision]]:
    """Turn the cart's holds into allocations of the order where the sourcing rules send
    each line (:mod:`comptoir.orders.sourcing`; ``postal_code`` is the delivery address's):
    (location id, reservation id) per line, in the cart's line order, and the decisions.

    The levels are locked first in (variant, location) order, then the holds are released
    and the allocations reserved (guarded updates) in the same transaction, so the held
    units cannot be taken meanwhile; a hold that expired is simply reserved again if stock
    allows. Raises ``InsufficientStock`` (``lines.<n>.quantity``).
    """
    lines: list[CartLine] = list(cart.lines)
    inventory.lock_levels(
        session, [(line.variant_id, line.location_id) for line in lines if line.location_id]
    )
    for line in sorted(lines, key=lambda item: (item.variant_id, item.id)):
        release_hold(session, line)
    decisions = plan_cart(session, cart, postal_code=postal_code)
    wanted = []
    for n, (line, decision) in enumerate(zip(lines, decisions, strict=True)):
        if decision.location_id is None:
            raise inventory.InsufficientStock(field=f"lines.{n}.quantity")
        wanted.append(
            ReservationLine(
                variant_id=line.variant_id, location_id=decision.location_id,
                quantity=line.quantity,
            )
        )  # fmt: skip
    reservations = inventory.reserve_lines(
        session, lines=wanted, expires_at=None, reference=inventory_reference(order_id)
    )
    return [(r.location_id, r.id) for r in reservations], decisions


def address_text(address: Address | None) -> str | None:
    return None if address is None else json.dumps(address.model_dump(), sort_keys=True)


def _check_coupons(cart: Cart, priced: PricedCart) -> None:
    for code in cart.coupon_codes:
        if code not in priced.accepted_coupons:
            raise CouponNotUsable(
                _l("The coupon {code} no longer applies to this cart."),
                field="coupon_codes",
                code=code,
            )


def order_rows(
    order: Order, priced: PricedCart, allocations: list[tuple[uuid.UUID, uuid.UUID]]
) -> None:
    for position, (line, (location_id, reservation_id)) in enumerate(
        zip(priced.lines, allocations, strict=True), start=1
    ):
        order.lines.append(
            OrderLine(
                order_id=order.id,
                position=position,
                variant_id=line.variant_id,
                sku=line.sku,
                title=line.title[:600],
                quantity=line.quantity,
                unit_price_excl_minor=line.unit_excl.minor_units,
                unit_price_incl_minor=line.unit_incl.minor_units,
                vat_rate=line.rate,
                vat_category=line.category,
                discount_minor=line.discount.minor_units,
                total_minor=line.total.minor_units,
                promotion_ids=[str(p) for p in line.promotion_ids],
                location_id=location_id,
                reservation_id=reservation_id,
            )
        )
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


def _buyer(
    session: Session, cart: Cart, data: CheckoutRequest, source: Source, actor: str | None
) -> uuid.UUID:
    """The customer the order is for: the cart's (a signed-in shopper's), else the one
    customer of the buyer's e-mail and phone across channels, found or created, as for a
    guest (a shopper whose unverified address was a known customer's has a cart without a
    customer: her order is that of a guest, at the public prices). The consent boxes ticked
    at checkout are recorded on that customer."""
    if cart.customer_id is not None:
        customer_id = cart.customer_id
    else:
        resolved = customers.resolve_customer(
            session, email=data.email, phone=data.phone, source=source
        )
        customer_id = resolved.customer.id
    customers.record_consent_choices(
        session, customer_id, data.consents, source=source, actor=actor or ""
    )
    return customer_id


def _keep_vat_check(session: Session, cart: Cart, customer_id: uuid.UUID) -> None:
    """The VIES check of the buyer's VAT number goes on the customer, the accountant's proof
    of the exempt supply."""
    if cart.vat_number is None or cart.vat_checked_at is None:
        return
    check = customers.VatCheck(
        valid=cart.vat_check_valid,
        name=None,
        address=None,
        checked_at=cart.vat_checked_at,
        request_identifier=cart.vat_check_request_identifier,
    )
    customers.record_vat_check(session, customer_id, cart.vat_number, check)


def checkout(
    session: Session,
    cart_id: uuid.UUID,
    data: CheckoutRequest,
    *,
    channel_id: uuid.UUID | None = None,
    production: bool = True,
    actor: str | None = None,
) -> Order:
    """Place the order of an open cart: price it afresh, tie it to its customer (the cart's,
    else the one of the buyer's e-mail and phone, found or created) with the consents ticked,
    allocate its stock, number it, count its coupons, take the payment, emit
    ``order.placed`` (and ``order.paid`` when the payment is captured).

    Guarantees: everything happens in the caller's transaction, so on any error the caller
    rolls back and neither the order, nor its allocations, nor a coupon use, nor an event
    exists; the cart's holds are then as they were. Two checkouts of one cart run one after
    the other (locked cart row); the second finds it converted.

    Raises :class:`CartNotFound`, :class:`CartNotOpen`, :class:`CartIncomplete` (``lines``),
    ``InsufficientStock`` (``lines.<n>.quantity``), ``CouponNotUsable``,
    ``UnknownPaymentMethod``, :class:`PaymentDeclined` (``payment.card_number``),
    ``InvalidCustomer`` (``email``, ``phone``), ``InvalidInput`` (``consents.<n>``),
    ``InvalidVatNumber`` (``vat_number``) when VIES says the cart's VAT number is not
    registered, and what pricing raises. A VAT number not yet confirmed by VIES is checked
    again, never for longer than VIES's timeout; the answer is kept on the customer.
    """
    cart = lock_cart(session, cart_id, channel_id=channel_id)
    if cart.status != "open":
        raise CartNotOpen()
    if not cart.lines:
        raise CartIncomplete(_l("The cart is empty."), field="lines")
    provider = provider_for(data.payment.method, production=production)
    shipping = data.shipping_address or data.billing_address
    _destination(cart, shipping)
    if cart.vat_number and cart.vat_check_valid is None:
        # Not checked yet, or VIES could not answer: ask again (within its timeout).
        check = customers.check_vat_number(cart.vat_number)
        if check is not None:
            record_vat_check(cart, check)
    priced = price_cart(session, cart)
    _check_coupons(cart, priced)
    channel = channels.get_channel(session, cart.channel_id)
    customer_id = _buyer(session, cart, data, customers.source_of_channel(channel.kind), actor)
    _keep_vat_check(session, cart, customer_id)
    now = clock.now()
    order = Order(
        channel_id=cart.channel_id,
        cart_id=cart.id,
        status="pending_payment",
        customer_id=customer_id,
        shopper_id=cart.shopper_id,
        currency=cart.currency,
        prices_include_tax=priced.prices_include_tax,
        destination_country=shipping.country,
        delivery_method=cart.delivery_method,
        vat_scheme=priced.treatment.scheme,
        vat_number=cart.vat_number if priced.treatment.scheme == "intra_eu_b2b" else None,
        coupon_codes=list(priced.accepted_coupons),
        discount_minor=priced.discount.minor_units,
        total_net_minor=priced.net.minor_units,
        total_tax_minor=priced.tax.minor_units,
        total_gross_minor=priced.gross.minor_units,
        placed_at=now,
    )
    # The personal fields below are encrypted under the customer's data key: set it first.
    order.subject_id = customer_id
    delivered = delivery.order_delivery_of(session, cart, order, priced)
    allocations, sourced = _allocate(session, cart, order.id, postal_code=shipping.postal_code)
    order.number = next_number(session, channel.code, now)
    order.email = data.email
    order.phone = data.phone
    order.billing_address = address_text(data.billing_address)
    order.shipping_address = address_text(shipping)
    order_rows(order, priced, allocations)
    session.add(order)
    for code in priced.accepted_coupons:
        catalog.redeem_coupon(session, code, customer_id=customer_id)
    cart.status = "converted"
    record_event(session, order, "placed", to_status="pending_payment", actor=actor)
    record_sourcing(session, order, sourced, actor=actor)
    session.flush()
    if delivered is not None:
        session.add(delivered)
    emit_placed(session, order)
    pay_order(session, order, provider, card_number=data.payment.card_number, actor=actor)
    session.flush()
    return order


def pay_order(
    session: Session,
    order: Order,
    provider: PaymentProvider,
    *,
    card_number: str | None,
    actor: str | None,
) -> Payment:
    """Take the payment; a refusal raises :class:`PaymentDeclined` so that the caller rolls
    the whole checkout back."""
    outcome = provider.pay(
        PaymentRequest(
            order_id=order.id,
            order_number=order.number,
            amount=Money.from_minor(order.total_gross_minor, order.currency),
            card_number=card_number,
        )
    )
    if outcome.status == "declined":
        raise PaymentDeclined(_l("The card was declined."), field="payment.card_number")
    payment = Payment(
        order_id=order.id,
        provider=provider.code,
        status=outcome.status,
        amount_minor=order.total_gross_minor,
        currency=order.currency,
        reference=outcome.reference,
        card_last4=outcome.card_last4,
        instructions=outcome.instructions,
    )
    session.add(payment)
    if outcome.status == "captured":
        order.paid_at = clock.now()
        record_event(session, order, "paid", to_status="paid", actor=actor)
        session.flush()
        emit_paid(session, order, payment)
    return payment


def emit_placed(session: Session, order: Order) -> None:
    emit(
        session,
        events.ORDER_PLACED,
        events.OrderPlaced(
            order_id=order.id,
            number=order.number,
            channel_id=order.channel_id,
            customer_id=order.customer_id,
            currency=order.currency,
            total_gross_minor=order.total_gross_minor,
            total_tax_minor=order.total_tax_minor,
            placed_at=order.placed_at,
            lines=[
                events.OrderLinePlaced(
                    variant_id=line.variant_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    total_minor=line.total_minor,
                )
                for line in order.lines
            ],
        ),
        key=order.id,
    )
