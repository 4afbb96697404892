"""Back-office screens: the order list (filtered by status, channel, store and days, with its
CSV export) and an order's page with its lines, VAT, payments and timeline, where staff
confirm a payment or cancel the order or some of its units. A user limited to some
locations sees only the orders touching them; the others answer 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_SALES, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.kit.errors import DomainError, InvalidInput, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.kit.sheets import write_csv
from comptoir.orders import service
from comptoir.orders.models import Order
from comptoir.orders.pages_list import (
    CSV_COLUMNS,
    EXPORT_PATH,
    ListFilters,
    Names,
    allowed_locations,
    export_rows,
    shop_zone,
)
from comptoir.orders.pages_sourcing import sourcing_view

ORDERS_PATH: Final = "/admin/orders"
PAGE_SIZE: Final = 50
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
    "customer_changed": _l("Customer changed by a merge of customers"),
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
register_flash("lines-cancelled", _l("The units were cancelled; they are available again."))


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
    request: Request,
    session: DbSession,
    status: str = Query("", max_length=32),
    channel_id: str = Query("", max_length=64),
    location_id: str = Query("", max_length=64),
    placed_from: str = Query("", max_length=10),
    placed_to: str = Query("", max_length=10),
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """Orders, newest first, filtered by status (chips), channel, store and a range of
    days; a user limited to some locations sees the orders touching them. htmx requests
    get the results only."""
    filters = ListFilters.read(status, channel_id, location_id, placed_from, placed_to)
    allowed = allowed_locations(request)
    names = Names(session, allowed)
    page = service.list_orders(
        session,
        filters.service_filters(shop_zone(request)),
        limit=PAGE_SIZE,
        cursor=cursor,
        within=allowed,
    )
    template = "orders/_orders.html" if is_htmx(request) else "orders/orders.html"
    return render(
        request,
        template,
        title=_l("Orders"),
        breadcrumb=_crumbs(Crumb(_l("Orders"))),
        rows=names.rows(session, page.items),
        money=_money(request),
        next_url=filters.url(cursor=page.next_cursor) if page.next_cursor else None,
        export_url=filters.url(EXPORT_PATH),
        filters=filters,
        errors=filters.errors,
        statuses=STATUSES,
        payment_statuses=PAYMENT_STATUSES,
        channels=names.channels,
        locations=names.locations,
    )


@router.get("/orders/export.csv", dependencies=READ)
def orders_csv(
    request: Request,
    session: DbSession,
    status: str = Query("", max_length=32),
    channel_id: str = Query("", max_length=64),
    location_id: str = Query("", max_length=64),
    placed_from: str = Query("", max_length=10),
    placed_to: str = Query("", max_length=10),
) -> Response:
    """Every order the list shows with these filters, one line each, without personal
    data."""
    filters = ListFilters.read(status, channel_id, location_id, placed_from, placed_to)
    allowed = allowed_locations(request)
    zone = shop_zone(request)
    rows = export_rows(
        session,
        filters.service_filters(zone),
        Names(session, allowed),
        zone=zone,
        within=allowed,
    )
    return Response(
        write_csv(CSV_COLUMNS, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
    )


def _order_or_404(session: Session, order_id: str, request: Request) -> Order:
    """The order, if the user may see it (404 for an order touching none of her
    locations)."""
    try:
        return service.get_order(session, uuid.UUID(order_id), within=allowed_locations(request))
    except ValueError:
        raise NotFound() from None


VAT_SCHEMES: Final = {
    "domestic": _l("French VAT"),
    "oss": _l("VAT of the buyer's country (one-stop shop)"),
    "intra_eu_b2b": _l("Intra-EU supply, reverse charge"),
    "export": _l("Export outside the EU, exempt"),
}


def vat_proof(session: Session, order: Order) -> dict[str, object] | None:
    """VIES's answer about the order's VAT number, kept on the cart or the draft it came
    from: the proof an accountant keeps for a reverse-charged sale."""
    from comptoir.orders.drafts.models import DraftOrder
    from comptoir.orders.models import Cart

    if not order.vat_number:
        return None
    source: Cart | DraftOrder | None = session.get(Cart, order.cart_id) if order.cart_id else None
    if source is None:
        source = session.scalar(select(DraftOrder).where(DraftOrder.order_id == order.id))
    if source is None or source.vat_checked_at is None:
        return None
    return {
        "checked_at": source.vat_checked_at,
        "valid": source.vat_check_valid,
        "request_identifier": source.vat_check_request_identifier,
    }


def _render_order(
    request: Request,
    session: Session,
    order: Order,
    *,
    error: str | None,
    status_code: int = 200,
    line_errors: Mapping[str, str] | None = None,
    line_values: Mapping[str, str] | None = None,
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
        vat_schemes=VAT_SCHEMES,
        vies=vat_proof(session, order),
        error=error,
        line_errors=line_errors or {},
        line_values=line_values or {},
    )


render_order = _render_order


@router.get("/orders/{order_id}", response_class=HTMLResponse, dependencies=READ)
def order_page(request: Request, session: DbSession, order_id: str) -> HTMLResponse:
    return _render_order(request, session, _order_or_404(session, order_id, request), error=None)


@router.post("/orders/{order_id}/cancel", response_model=None, dependencies=WRITE)
def cancel_order(
    request: Request,
    session: DbSession,
    order_id: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    order = _order_or_404(session, order_id, request)
    try:
        service.cancel_order(
            session,
            order.id,
            reason=reason or None,
            actor=_actor(request),
            production=request.app.state.settings.environment == "production",
        )
    except DomainError as error:
        session.rollback()
        return _render_order(
            request, session, order, error=error.detail(request_locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-cancelled")


@router.post("/orders/{order_id}/cancel-lines", response_model=None, dependencies=WRITE)
def cancel_lines(
    request: Request,
    session: DbSession,
    order_id: str,
    line_id: Annotated[list[str], Form(max_length=64)],
    quantity: Annotated[list[str], Form(max_length=10)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Cancel the units typed per line (through the service behind
    ``POST /api/v1/orders/{id}/cancel``); a wrong figure is shown next to its line, the
    figures typed are kept and nothing changes."""
    order = _order_or_404(session, order_id, request)
    locale = request_locale(request)
    values = dict(zip(line_id, quantity, strict=False))
    wanted, errors = _units_to_cancel(values, locale)
    if not errors and not wanted:
        errors[line_id[0] if line_id else ""] = translate(
            _l("Enter how many units to cancel on at least one line."), locale
        )
    if not errors:
        lines = {uuid.UUID(key): units for key, units in wanted.items()}
        try:
            service.cancel_order(
                session, order.id, lines=lines, reason=reason or None, actor=_actor(request),
                production=request.app.state.settings.environment == "production",
            )  # fmt: skip
        except InvalidInput as error:
            session.rollback()
            # The service names the field ``lines.<n>.quantity``, n counting the lines sent.
            field = (error.field or "").split(".")
            keys = list(wanted)
            on_quantity = len(field) == 3 and field[1].isdigit() and field[2] == "quantity"
            key = keys[int(field[1])] if on_quantity and int(field[1]) < len(keys) else ""
            errors[key] = error.detail(locale)
        except DomainError as error:
            session.rollback()
            return _render_order(
                request, session, order, error=error.detail(locale), status_code=409
            )
        else:
            return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "lines-cancelled")
    summary = translate(_l("Some figures to cancel are not right: see the lines."), locale)
    return _render_order(
        request,
        session,
        order,
        error=errors.get("") or summary,
        status_code=422,
        line_errors={key: text for key, text in errors.items() if key},
        line_values=values,
    )


def _units_to_cancel(
    values: Mapping[str, str], locale: Locale
) -> tuple[dict[str, int], dict[str, str]]:
    """The units typed per line (lines left empty or at 0 are left out), and a message per
    line whose figure is not a whole number of units, 0 or more."""
    wanted: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key, text in values.items():
        try:
            uuid.UUID(key)
            units = int(text.strip() or "0")
        except ValueError:
            units = -1
        if units < 0:
            errors[key] = translate(_l("Enter a whole number of units, 0 or more."), locale)
        elif units:
            wanted[key] = units
    return wanted, errors


@router.post("/orders/{order_id}/paid", response_model=None, dependencies=WRITE)
def mark_paid(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id, request)
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
    ids = customers.with_merged_ids(session, customer_id)
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
