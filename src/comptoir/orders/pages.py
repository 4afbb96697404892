"""Back-office screens: the order list (filtered by status) and an order's page with its
lines, VAT, payments and timeline, where staff confirm a payment or cancel the order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_SALES, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.orders import service
from comptoir.orders.models import Order
from comptoir.orders.pages_sourcing import sourcing_view
from comptoir.orders.schemas import OrderFilters, OrderStatus

ORDERS_PATH: Final = "/admin/orders"
READ = [require_scope("orders:read")]
WRITE = [require_scope("orders:write")]

STATUSES: Final[dict[str, LazyString]] = {
    "pending_payment": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "picking": _l("Picking"),
    "packed": _l("Packed"),
    "partially_shipped": _l("Partly shipped"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "ready_for_pickup": _l("Ready for pickup"),
    "collected": _l("Collected"),
    "cancelled": _l("Cancelled"),
}
EVENTS: Final[dict[str, LazyString]] = {
    "placed": _l("Order placed"),
    "paid": _l("Payment received"),
    "lines_cancelled": _l("Units cancelled"),
    "cancelled": _l("Order cancelled"),
    "picking": _l("Picking started"),
    "packed": _l("Packed"),
    "partially_shipped": _l("Partly shipped"),
    "shipped": _l("Shipped"),
    "shipment_delivered": _l("A shipment was delivered"),
    "delivered": _l("Delivered"),
    "ready_for_pickup": _l("Ready for pickup"),
    "collected": _l("Collected at the store"),
    "return_requested": _l("Return requested"),
    "return_received": _l("Return received"),
    "return_inspected": _l("Return inspected"),
    "return_cancelled": _l("Return cancelled"),
    "refunded": _l("Refund issued"),
    "exchange_placed": _l("Exchange order placed"),
    "sourced": _l("Locations chosen"),
    "line_sourced": _l("Line sent to another location"),
    "units_arrived": _l("Transferred units arrived at the store"),
}

PROVIDERS: Final[dict[str, LazyString]] = {
    "bank_transfer": _l("Bank transfer"),
    "manual": _l("Manual payment"),
    "marketplace": _l("Marketplace"),
    "test_card": _l("Test card"),
}
PAYMENT_STATUSES: Final[dict[str, LazyString]] = {
    "pending": _l("Pending"),
    "captured": _l("Captured"),
    "declined": _l("Declined"),
    "refunded": _l("Refunded"),
    "cancelled": _l("Cancelled"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_SALES, label=_l("Orders"), path=ORDERS_PATH, order=10, scope="orders:read"
    )
)
register_flash("order-cancelled", _l("The order was cancelled; its units are available again."))
register_flash("order-paid", _l("The payment was recorded; the order is paid."))


def _money(request: Request) -> Callable[[MoneyOut], str]:
    locale = request_locale(request)
    return lambda value: Money(Decimal(value.amount), value.currency).format(locale)


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), *more]


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.display_name or f"{principal.kind}:{principal.id}"
    return None


@router.get("/orders", response_class=HTMLResponse, dependencies=READ)
def orders_page(
    request: Request, session: DbSession, status: str | None = None, cursor: str | None = None
) -> HTMLResponse:
    """Orders, newest first, filtered by status."""
    chosen: OrderStatus | None = status if status in STATUSES else None  # type: ignore[assignment]
    page = service.list_orders(session, OrderFilters(status=chosen), limit=50, cursor=cursor)
    return render(
        request,
        "orders/orders.html",
        title=_l("Orders"),
        breadcrumb=_crumbs(Crumb(_l("Orders"))),
        orders=[service.order_summary(order) for order in page.items],
        money=_money(request),
        next_cursor=page.next_cursor,
        chosen=chosen,
        statuses=STATUSES,
    )


def _order_or_404(session: Session, order_id: str) -> Order:
    try:
        return service.get_order(session, uuid.UUID(order_id))
    except ValueError:
        raise NotFound() from None


def _render_order(
    request: Request, session: Session, order: Order, *, error: str | None, status_code: int = 200
) -> HTMLResponse:
    from comptoir.orders.fulfilment.pages import fulfilment_view
    from comptoir.orders.returns.pages import returns_of_order

    detail = service.order_detail(session, order)
    return render(
        request,
        "orders/order.html",
        status_code=status_code,
        title=translate(_l("Order {number}"), request_locale(request), number=detail.number),
        breadcrumb=_crumbs(Crumb(_l("Orders"), ORDERS_PATH), Crumb(detail.number)),
        order=detail,
        open_units=sum(line.quantity - line.cancelled_quantity for line in detail.lines),
        money=_money(request),
        statuses=STATUSES,
        events=EVENTS,
        providers=PROVIDERS,
        payment_statuses=PAYMENT_STATUSES,
        fulfilment=fulfilment_view(session, order),
        sourcing=sourcing_view(session, order),
        order_returns=returns_of_order(session, order.id),
        error=error,
    )


render_order = _render_order


@router.get("/orders/{order_id}", response_class=HTMLResponse, dependencies=READ)
def order_page(request: Request, session: DbSession, order_id: str) -> HTMLResponse:
    return _render_order(request, session, _order_or_404(session, order_id), error=None)


@router.post("/orders/{order_id}/cancel", response_model=None, dependencies=WRITE)
def cancel_order(
    request: Request,
    session: DbSession,
    order_id: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    order = _order_or_404(session, order_id)
    try:
        service.cancel_order(session, order.id, reason=reason or None, actor=_actor(request))
    except DomainError as error:
        session.rollback()
        return _render_order(
            request, session, order, error=error.detail(request_locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-cancelled")


@router.post("/orders/{order_id}/paid", response_model=None, dependencies=WRITE)
def mark_paid(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id)
    try:
        service.mark_paid(session, order.id, actor=_actor(request))
    except DomainError as error:
        session.rollback()
        return _render_order(
            request, session, order, error=error.detail(request_locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-paid")


# -- the "Orders" section of a customer's page -----------------------------------------------

CUSTOMER_ORDERS_SHOWN: Final = 20


def customer_orders_context(session: Session, customer_id: uuid.UUID) -> dict[str, object]:
    """The latest orders of the customer and of those merged into her, for her page."""
    ids, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = [
            merged.id
            for parent in frontier
            for merged in customers.merged_customers(session, parent)
            if merged.id not in ids
        ]
        ids += frontier
    orders, count = service.orders_of_customers(session, ids, limit=CUSTOMER_ORDERS_SHOWN)
    names = {channel.id: channel.name for channel in channels.list_channels(session)}
    return {
        "count": count,
        "rows": [
            {
                "id": order.id,
                "number": order.number,
                "placed_at": order.placed_at,
                "channel": names.get(order.channel_id, "—"),
                "status": order.status,
                "status_label": STATUSES.get(order.status, order.status),
                "total": Money.from_minor(order.total_gross_minor, order.currency),
            }
            for order in orders
        ],
    }


customers.register_detail_panel(
    customers.DetailPanel(
        key="orders",
        title=_l("Orders"),
        template="orders/_customer_orders.html",
        context=customer_orders_context,
        order=10,
    )
)
