"""Carts and orders as the APIs and pages show them."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from comptoir.kit.money import Money, MoneyOut
from comptoir.orders.delivery import service as delivery
from comptoir.orders.delivery.fees import DeliveryFee
from comptoir.orders.delivery.schemas import CartDeliveryOut, OrderDeliveryOut, PickupPoint
from comptoir.orders.models import Cart, Order
from comptoir.orders.schemas import (
    Address,
    CartLineOut,
    CartOut,
    OrderDetail,
    OrderEventOut,
    OrderLineOut,
    OrderOut,
    OrderSummary,
    PaymentOut,
    TaxTotalOut,
    rate_text,
)
from comptoir.orders.service.orders import payments_of, timeline
from comptoir.orders.service.pricing import price_cart


def _money(minor: int, currency: str) -> MoneyOut:
    return MoneyOut.from_money(Money.from_minor(minor, currency))


def cart_out(session: Session, cart: Cart) -> CartOut:
    """The cart with its prices, discounts and VAT as of now."""
    priced = price_cart(session, cart)
    by_id = {line.id: line for line in cart.lines}
    return CartOut(
        id=cart.id,
        channel_id=cart.channel_id,
        status=cart.status,
        currency=cart.currency,
        customer_id=cart.customer_id,
        destination_country=cart.destination_country,
        delivery_method=cart.delivery_method,
        vat_number=cart.vat_number,
        vat_scheme=priced.treatment.scheme,
        prices_include_tax=priced.prices_include_tax,
        coupon_codes=list(cart.coupon_codes),
        refused_coupons=priced.refused_coupons,
        expires_at=cart.expires_at,
        lines=[
            CartLineOut(
                id=line.line_id,
                variant_id=line.variant_id,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=MoneyOut.from_money(line.unit_price),
                unit_price_excl_tax=MoneyOut.from_money(line.unit_excl),
                unit_price_incl_tax=MoneyOut.from_money(line.unit_incl),
                vat_rate=rate_text(line.rate),
                subtotal=MoneyOut.from_money(line.subtotal),
                discount=MoneyOut.from_money(line.discount),
                total=MoneyOut.from_money(line.total),
                location_id=by_id[line.line_id].location_id,
                reservation_id=by_id[line.line_id].reservation_id,
            )
            for line in priced.lines
        ],
        tax_totals=[
            TaxTotalOut(
                category=total.category,
                rate=rate_text(total.rate),
                base=MoneyOut.from_money(total.base),
                tax=MoneyOut.from_money(total.tax),
            )
            for total in priced.rate_totals
        ],
        discount=MoneyOut.from_money(priced.discount),
        total_net=MoneyOut.from_money(priced.net),
        total_tax=MoneyOut.from_money(priced.tax),
        total_gross=MoneyOut.from_money(priced.gross),
        delivery=_cart_delivery(session, cart, priced.delivery),
    )


def _cart_delivery(session: Session, cart: Cart, fee: DeliveryFee | None) -> CartDeliveryOut | None:
    chosen = delivery.chosen_delivery(session, cart.id)
    if chosen is None:
        return None
    carrier = delivery.get_carrier(session, chosen.carrier_id)
    point = (
        PickupPoint(id=chosen.pickup_point_id, label=chosen.pickup_point_label or "")
        if chosen.pickup_point_id
        else None
    )
    return CartDeliveryOut(
        option=delivery.option_id_of(session, chosen),
        kind=carrier.kind,
        carrier_name=carrier.name,
        location_id=chosen.location_id,
        pickup_point=point,
        fee=MoneyOut.from_money(fee.amount) if fee else None,
        vat_rate=rate_text(fee.rate) if fee else None,
    )


def _order_delivery(session: Session, order: Order) -> OrderDeliveryOut | None:
    kept = delivery.order_delivery(session, order.id)
    if kept is None:
        return None
    point = (
        PickupPoint(id=kept.pickup_point_id, label=kept.pickup_point_label or "")
        if kept.pickup_point_id
        else None
    )
    return OrderDeliveryOut(
        carrier_code=kept.carrier_code,
        carrier_name=kept.carrier_name,
        kind=kept.kind,
        location_id=kept.location_id,
        pickup_point=point,
        fee_excl_tax=_money(kept.fee_excl_minor, order.currency),
        fee_incl_tax=_money(kept.fee_incl_minor, order.currency),
        vat_rate=rate_text(kept.vat_rate),
        weight_grams=kept.weight_grams,
        estimated_on=kept.estimated_on,
    )


def order_summary(order: Order) -> OrderSummary:
    return OrderSummary(
        id=order.id,
        number=order.number,
        channel_id=order.channel_id,
        status=order.status,
        external_reference=order.external_reference,
        customer_id=order.customer_id,
        total_gross=_money(order.total_gross_minor, order.currency),
        placed_at=order.placed_at,
    )


def _address(text: str | None) -> Address | None:
    return None if text is None else Address.model_validate(json.loads(text))


def order_out(session: Session, order: Order) -> OrderOut:
    """The order with its lines, VAT totals and payments (personal fields decrypted; an
    erased customer's read as null)."""
    currency = order.currency
    return OrderOut(
        **order_summary(order).model_dump(),
        email=order.email,
        phone=order.phone,
        billing_address=_address(order.billing_address),
        shipping_address=_address(order.shipping_address),
        destination_country=order.destination_country,
        delivery_method=order.delivery_method,
        vat_scheme=order.vat_scheme,
        vat_number=order.vat_number,
        prices_include_tax=order.prices_include_tax,
        coupon_codes=list(order.coupon_codes),
        lines=[
            OrderLineOut(
                id=line.id,
                position=line.position,
                variant_id=line.variant_id,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                cancelled_quantity=line.cancelled_quantity,
                unit_price_excl_tax=_money(line.unit_price_excl_minor, currency),
                unit_price_incl_tax=_money(line.unit_price_incl_minor, currency),
                vat_rate=rate_text(line.vat_rate),
                vat_category=line.vat_category,
                discount=_money(line.discount_minor, currency),
                total=_money(line.total_minor, currency),
                location_id=line.location_id,
                reservation_id=line.reservation_id,
            )
            for line in order.lines
        ],
        tax_totals=[
            TaxTotalOut(
                category=total.category,
                rate=rate_text(total.rate),
                base=_money(total.base_minor, currency),
                tax=_money(total.tax_minor, currency),
            )
            for total in order.tax_totals
        ],
        discount=_money(order.discount_minor, currency),
        total_net=_money(order.total_net_minor, currency),
        total_tax=_money(order.total_tax_minor, currency),
        payments=[
            PaymentOut(
                id=payment.id,
                provider=payment.provider,
                status=payment.status,
                amount=_money(payment.amount_minor, payment.currency),
                reference=payment.reference,
                card_last4=payment.card_last4,
                instructions=payment.instructions,
            )
            for payment in payments_of(session, order.id)
        ],
        paid_at=order.paid_at,
        cancelled_at=order.cancelled_at,
        delivery=_order_delivery(session, order),
    )


def order_detail(session: Session, order: Order) -> OrderDetail:
    """The order and its timeline."""
    return OrderDetail(
        **order_out(session, order).model_dump(),
        timeline=[OrderEventOut.model_validate(e) for e in timeline(session, order.id)],
    )
