"""Back-office fulfilment screens: the steps on an order's page (pick, pack, ship, deliver,
ready for pickup), the pick & pack list of a location and the click & collect counter of a
store, where the customer's code hands the order over."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
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
from comptoir.inventory import service as inventory
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.orders.fulfilment import service
from comptoir.orders.fulfilment.models import Pickup, Shipment
from comptoir.orders.fulfilment.settings import pickup_hold_days
from comptoir.orders.models import Order
from comptoir.orders.pages_list import allowed_locations
from comptoir.orders.service.orders import get_order

ORDERS_PATH: Final = "/admin/orders"
FULFILMENT_PATH: Final = "/admin/fulfilment"
READ = [require_scope("orders:read")]
WRITE = [require_scope("orders:write")]

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_SALES,
        label=_l("Fulfilment"),
        path=FULFILMENT_PATH,
        order=12,
        scope="orders:read",
    )
)
register_flash("order-picking", _l("Picking started."))
register_flash("order-packed", _l("The order is packed."))
register_flash("order-shipped", _l("The shipment left; its units were taken out of stock."))
register_flash("order-delivered", _l("The delivery was recorded."))
register_flash("order-collected", _l("The order was handed over to the customer."))


@dataclass(frozen=True, slots=True)
class FulfilmentView:
    """What an order's page shows of its fulfilment."""

    shipments: list[Shipment]
    pickup: Pickup | None
    to_ship: dict[uuid.UUID, int]
    is_pickup: bool
    location_codes: dict[uuid.UUID, str]


def fulfilment_view(session: Session, order: Order) -> FulfilmentView:
    locations = {loc.id: loc.code for loc in inventory.list_locations(session)}
    return FulfilmentView(
        shipments=service.shipments_of(session, order.id),
        pickup=service.pickup_of(session, order.id),
        to_ship=service.to_ship(session, order),
        is_pickup=order.delivery_method == "pickup",
        location_codes=locations,
    )


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.display_name or f"{principal.kind}:{principal.id}"
    return None


def _order_or_404(session: Session, order_id: str, within: Collection[uuid.UUID] | None) -> Order:
    """The order, if it touches one of ``within`` (the user's locations, or the counter's
    store); 404 otherwise."""
    try:
        return get_order(session, uuid.UUID(order_id), within=within)
    except ValueError:
        raise NotFound() from None


def _back_to_order(
    request: Request, session: Session, order: Order, error: DomainError
) -> HTMLResponse:
    from comptoir.orders.pages import render_order

    session.rollback()
    return render_order(
        request, session, order, error=error.detail(request_locale(request)), status_code=409
    )


@router.post("/orders/{order_id}/picking", response_model=None, dependencies=WRITE)
def start_picking(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id, allowed_locations(request))
    try:
        service.start_picking(session, order.id, actor=_actor(request))
    except DomainError as error:
        return _back_to_order(request, session, order, error)
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-picking")


@router.post("/orders/{order_id}/pack", response_model=None, dependencies=WRITE)
def pack(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id, allowed_locations(request))
    try:
        service.pack(session, order.id, actor=_actor(request))
    except DomainError as error:
        return _back_to_order(request, session, order, error)
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-packed")


@router.post("/orders/{order_id}/ship", response_model=None, dependencies=WRITE)
def ship(
    request: Request,
    session: DbSession,
    order_id: str,
    carrier: Annotated[str, Form(max_length=100)] = "",
    tracking_number: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Ship everything left at one location (partial shipments go through the API)."""
    order = _order_or_404(session, order_id, allowed_locations(request))
    try:
        service.ship(
            session, order.id, carrier=carrier.strip() or None,
            tracking_number=tracking_number.strip() or None, actor=_actor(request),
        )  # fmt: skip
    except DomainError as error:
        return _back_to_order(request, session, order, error)
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-shipped")


@router.post("/orders/{order_id}/deliver", response_model=None, dependencies=WRITE)
def deliver(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id, allowed_locations(request))
    try:
        service.deliver(session, order.id, actor=_actor(request))
    except DomainError as error:
        return _back_to_order(request, session, order, error)
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "order-delivered")


@router.post("/orders/{order_id}/ready-for-pickup", response_model=None, dependencies=WRITE)
def ready_for_pickup(request: Request, session: DbSession, order_id: str) -> Response:
    """Shows the new pickup code once (it is stored hashed)."""
    order = _order_or_404(session, order_id, allowed_locations(request))
    try:
        pickup, code = service.mark_ready_for_pickup(
            session, order.id, days=pickup_hold_days(), actor=_actor(request)
        )
    except DomainError as error:
        return _back_to_order(request, session, order, error)
    locale = request_locale(request)
    return render(
        request,
        "fulfilment/ready.html",
        title=translate(_l("Order {number} is ready for pickup"), locale, number=order.number),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Orders"), ORDERS_PATH),
            Crumb(order.number, f"{ORDERS_PATH}/{order.id}"),
            Crumb(_l("Ready for pickup")),
        ],
        order=order,
        pickup=pickup,
        code=code,
    )


def _location_or_404(request: Request, session: Session, location_id: str) -> uuid.UUID:
    """The location, if the user works there (404 for another one)."""
    try:
        found = inventory.get_location(session, uuid.UUID(location_id)).id
    except (ValueError, inventory.LocationNotFound):
        raise NotFound() from None
    allowed = allowed_locations(request)
    if allowed is not None and found not in allowed:
        raise NotFound()
    return found


@router.get("/fulfilment", response_class=HTMLResponse, dependencies=READ)
def fulfilment_home(request: Request, session: DbSession) -> HTMLResponse:
    """Every warehouse and store (the user's, when she is limited to some), with what waits
    there to be picked or collected."""
    allowed = allowed_locations(request)
    places = [
        (loc, len(service.orders_to_prepare(session, loc.id)),
         len(service.pickups_waiting(session, loc.id)))
        for loc in inventory.list_locations(
            session, include_inactive=False,
            location_ids=None if allowed is None else sorted(allowed),
        )
        if loc.kind in ("warehouse", "store")
    ]  # fmt: skip
    return render(
        request,
        "fulfilment/home.html",
        title=_l("Fulfilment"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Fulfilment"))],
        places=places,
    )


@router.get("/fulfilment/{location_id}/pick", response_class=HTMLResponse, dependencies=READ)
def pick_list(request: Request, session: DbSession, location_id: str) -> HTMLResponse:
    """The orders to pick and pack at the location, oldest first, with their lines there."""
    from comptoir.orders.pages import STATUSES

    location = inventory.get_location(session, _location_or_404(request, session, location_id))
    orders = service.orders_to_prepare(session, location.id)
    left = {order.id: service.to_ship(session, order) for order in orders}
    return render(
        request,
        "fulfilment/pick.html",
        title=translate(_l("To pick at {code}"), request_locale(request), code=location.code),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Fulfilment"), FULFILMENT_PATH),
            Crumb(location.code),
        ],
        location=location,
        orders=orders,
        left=left,
        statuses=STATUSES,
    )


def _render_counter(
    request: Request, session: Session, location_id: uuid.UUID, *, error: str | None = None,
    failed_order: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    location = inventory.get_location(session, location_id)
    return render(
        request,
        "fulfilment/counter.html",
        status_code=status_code,
        title=translate(
            _l("Click & collect counter — {code}"), request_locale(request), code=location.code
        ),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Fulfilment"), FULFILMENT_PATH),
            Crumb(location.code),
        ],
        location=location,
        waiting=service.pickups_waiting(session, location.id),
        error=error,
        failed_order=failed_order,
    )


@router.get("/fulfilment/{location_id}/counter", response_class=HTMLResponse, dependencies=READ)
def counter(request: Request, session: DbSession, location_id: str) -> HTMLResponse:
    """The orders waiting at the store, each with a field for the customer's code."""
    return _render_counter(request, session, _location_or_404(request, session, location_id))


@router.post("/fulfilment/{location_id}/counter", response_model=None, dependencies=WRITE)
def collect(
    request: Request,
    session: DbSession,
    location_id: str,
    order_id: Annotated[str, Form()],
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Hand over an order collected at this store (another store's answers 404)."""
    place = _location_or_404(request, session, location_id)
    order = _order_or_404(session, order_id, [place])
    try:
        service.collect(session, order.id, code, actor=_actor(request))
    except DomainError as error:
        session.rollback()
        return _render_counter(
            request, session, place, error=error.detail(request_locale(request)),
            failed_order=str(order.id), status_code=422,
        )  # fmt: skip
    return redirect_with_flash(request, f"{FULFILMENT_PATH}/{place}/counter", "order-collected")
