"""The orders module's service: carts, checkout, orders. Every function works in the
caller's transaction and never commits."""

from comptoir.orders.service.carts import (
    HOLD_DURATION,
    add_line,
    apply_coupon,
    change_line,
    create_cart,
    get_cart,
    remove_coupon,
    remove_line,
    set_destination,
)
from comptoir.orders.service.checkout import checkout
from comptoir.orders.service.customers import ReassignedRecords, reassign_customer
from comptoir.orders.service.listing import OrderListFacts, list_facts
from comptoir.orders.service.orders import (
    cancel_order,
    destinations_of,
    get_order,
    list_orders,
    mark_paid,
    order_by_number,
    orders_of_customers,
    payments_of,
    timeline,
)
from comptoir.orders.service.pricing import PricedCart, PricedLine, price_cart
from comptoir.orders.service.views import cart_out, order_detail, order_out, order_summary

__all__ = [
    "HOLD_DURATION",
    "OrderListFacts",
    "PricedCart",
    "PricedLine",
    "ReassignedRecords",
    "add_line",
    "apply_coupon",
    "cancel_order",
    "cart_out",
    "change_line",
    "checkout",
    "create_cart",
    "destinations_of",
    "get_cart",
    "get_order",
    "list_facts",
    "list_orders",
    "mark_paid",
    "order_by_number",
    "order_detail",
    "order_out",
    "order_summary",
    "orders_of_customers",
    "payments_of",
    "price_cart",
    "reassign_customer",
    "remove_coupon",
    "remove_line",
    "set_destination",
    "timeline",
]
