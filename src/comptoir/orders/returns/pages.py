"""Back-office return screens: the returns list by status, a return's page (receive,
inspect line by line, refund, cancel) and the form that records a return from an order."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
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
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.fulfilment.service import shipped_quantities
from comptoir.orders.models import Order
from comptoir.orders.pages_list import allowed_locations
from comptoir.orders.returns import service
from comptoir.orders.returns.models import LINE_OUTCOMES, RETURN_REASONS, Return
from comptoir.orders.service.orders import get_order

RETURNS_PATH: Final = "/admin/returns"
READ = [require_scope("orders:read")]
WRITE = [require_scope("orders:write")]

STATUSES: Final[dict[str, LazyString]] = {
    "requested": _l("Requested"),
    "received": _l("Received"),
    "inspected": _l("Inspected"),
    "refunded": _l("Refunded"),
    "cancelled": _l("Cancelled"),
}
REASONS: Final[dict[str, LazyString]] = {
    "damaged": _l("Arrived damaged"),
    "defective": _l("Does not work"),
    "wrong_item": _l("Wrong item sent"),
    "not_as_described": _l("Not as described"),
    "too_small": _l("Too small"),
    "too_large": _l("Too large"),
    "changed_mind": _l("Changed their mind"),
    "other": _l("Other reason"),
}
OUTCOMES: Final[dict[str, LazyString]] = {
    "restock": _l("Back in stock"),
    "scrap": _l("Scrapped"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(section=SECTION_SALES, label=_l("Returns"), path=RETURNS_PATH, order=14,
            scope="orders:read")
)  # fmt: skip
register_flash("return-requested", _l("The return was recorded."))
register_flash("return-received", _l("The return was received."))
register_flash("return-inspected", _l("The inspection was recorded; stock was updated."))
register_flash("return-refunded", _l("The refund was issued."))
register_flash("return-cancelled", _l("The return was cancelled."))


def returns_of_order(session: Session, order_id: uuid.UUID) -> list[Return]:
    return list(service.list_returns(session, order_id=order_id, limit=100).items)


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.display_name or f"{principal.kind}:{principal.id}"
    return None


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), Crumb(_l("Returns"), RETURNS_PATH), *more]


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None


def _return_or_404(request: Request, session: Session, return_id: str) -> Return:
    """The return, if the user may see it (404 for one whose order touches none of her
    locations)."""
    return service.get_return(session, _uuid(return_id), within=allowed_locations(request))


def _order_or_404(request: Request, session: Session, order_id: str) -> Order:
    return get_order(session, _uuid(order_id), within=allowed_locations(request))


def _allowed_ids(request: Request) -> list[uuid.UUID] | None:
    allowed = allowed_locations(request)
    return None if allowed is None else sorted(allowed)


def _money(request: Request, minor: int, currency: str) -> str:
    return Money.from_minor(minor, currency).format(request_locale(request))


@router.get("/returns", response_class=HTMLResponse, dependencies=READ)
def returns_page(
    request: Request, session: DbSession, status: str | None = None, cursor: str | None = None
) -> HTMLResponse:
    """Returns, newest first, by status; a user limited to some locations sees the returns
    of the orders touching them."""
    chosen = status if status in STATUSES else None
    page = service.list_returns(
        session, status=chosen, limit=50, cursor=cursor, within=allowed_locations(request)
    )
    numbers = {r.order_id: get_order(session, r.order_id).number for r in page.items}
    return render(
        request,
        "returns/returns.html",
        title=_l("Returns"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Returns"))],
        returns=page.items,
        numbers=numbers,
        next_cursor=page.next_cursor,
        chosen=chosen,
        statuses=STATUSES,
        money=lambda minor, currency: _money(request, minor, currency),
    )


def _render_return(
    request: Request, session: Session, rma: Return, *, error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    order = get_order(session, rma.order_id)
    return render(
        request,
        "returns/return.html",
        status_code=status_code,
        title=translate(_l("Return {number}"), request_locale(request), number=rma.number),
        breadcrumb=_crumbs(Crumb(rma.number)),
        rma=rma,
        order=order,
        order_lines={line.id: line for line in order.lines},
        # Where inspected units may go back: the user's locations when she is limited.
        locations=inventory.list_locations(
            session, include_inactive=False, location_ids=_allowed_ids(request)
        ),
        statuses=STATUSES,
        reasons=REASONS,
        outcomes=OUTCOMES,
        refund_due=_money(request, service.refund_amount(session, rma), rma.currency),
        refunded=_money(request, rma.refund_minor, rma.currency),
        error=error,
    )


@router.get("/returns/{return_id}", response_class=HTMLResponse, dependencies=READ)
def return_page(request: Request, session: DbSession, return_id: str) -> HTMLResponse:
    return _render_return(request, session, _return_or_404(request, session, return_id))


def _step(request: Request, session: Session, return_id: str, step: str) -> Response:
    rma = _return_or_404(request, session, return_id)
    actor = _actor(request)
    try:
        if step == "receive":
            service.receive_return(session, rma.id, actor=actor)
        elif step == "refund":
            production = request.app.state.settings.environment == "production"
            service.settle_return(session, rma.id, production=production, actor=actor)
        else:
            service.cancel_return(session, rma.id, actor=actor)
    except DomainError as error:
        session.rollback()
        return _render_return(
            request, session, rma, error=error.detail(request_locale(request)), status_code=409
        )
    flash = {"receive": "return-received", "refund": "return-refunded"}.get(
        step, "return-cancelled"
    )
    return redirect_with_flash(request, f"{RETURNS_PATH}/{rma.id}", flash)


@router.post("/returns/{return_id}/receive", response_model=None, dependencies=WRITE)
def receive(request: Request, session: DbSession, return_id: str) -> Response:
    return _step(request, session, return_id, "receive")


@router.post("/returns/{return_id}/refund", response_model=None, dependencies=WRITE)
def refund(request: Request, session: DbSession, return_id: str) -> Response:
    return _step(request, session, return_id, "refund")


@router.post("/returns/{return_id}/cancel", response_model=None, dependencies=WRITE)
def cancel(request: Request, session: DbSession, return_id: str) -> Response:
    return _step(request, session, return_id, "cancel")


@router.post("/returns/{return_id}/inspect", response_model=None, dependencies=WRITE)
async def inspect(request: Request, session: DbSession, return_id: str) -> Response:
    """One outcome (and location) per line, from fields ``outcome-<line id>`` and
    ``location-<line id>``."""
    form = await request.form()
    rma = _return_or_404(request, session, return_id)
    allowed = allowed_locations(request)
    decisions = []
    for line in rma.lines:
        outcome = str(form.get(f"outcome-{line.id}", ""))
        location = str(form.get(f"location-{line.id}", ""))
        if location and allowed is not None and _uuid(location) not in allowed:
            raise inventory.LocationNotFound()
        decisions.append(
            service.LineDecision(
                return_line_id=line.id,
                outcome=outcome if outcome in LINE_OUTCOMES else "restock",
                location_id=_uuid(location) if location else None,
            )
        )
    try:
        service.inspect_return(session, rma.id, decisions, actor=_actor(request))
    except DomainError as error:
        session.rollback()
        return _render_return(
            request, session, rma, error=error.detail(request_locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{RETURNS_PATH}/{rma.id}", "return-inspected")


def _render_new(
    request: Request, session: Session, order: Order, *, error: str | None = None,
    values: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    shipped = shipped_quantities(session, order.id)
    returned = service.returned_quantities(session, order.id)
    returnable = {
        line.id: shipped.get(line.id, 0) - returned.get(line.id, 0) for line in order.lines
    }
    return render(
        request,
        "returns/new.html",
        status_code=status_code,
        title=translate(_l("New return for {number}"), request_locale(request),
                        number=order.number),
        breadcrumb=_crumbs(Crumb(order.number, f"/admin/orders/{order.id}"), Crumb(_l("New"))),
        order=order,
        returnable=returnable,
        reasons=REASONS,
        values=values or {},
        error=error,
    )  # fmt: skip


@router.get("/orders/{order_id}/returns/new", response_class=HTMLResponse, dependencies=READ)
def new_return(request: Request, session: DbSession, order_id: str) -> HTMLResponse:
    return _render_new(request, session, _order_or_404(request, session, order_id))


@router.post("/orders/{order_id}/returns", response_model=None, dependencies=WRITE)
async def create_return(request: Request, session: DbSession, order_id: str) -> Response:
    """Lines with a quantity above 0 are returned, each with its reason."""
    form = await request.form()
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    order = _order_or_404(request, session, order_id)
    lines = []
    for line in order.lines:
        raw = values.get(f"quantity-{line.id}", "").strip() or "0"
        quantity = int(raw) if raw.isdigit() else -1
        if quantity == 0:
            continue
        reason = values.get(f"reason-{line.id}", "other")
        lines.append(
            service.LineRequest(
                line_id=line.id,
                quantity=quantity,
                reason=reason if reason in RETURN_REASONS else "other",
                comment=values.get(f"comment-{line.id}") or None,
            )
        )
    try:
        rma = service.request_return(
            session, order.id, lines, note=values.get("note") or None, actor=_actor(request)
        )
    except DomainError as error:
        session.rollback()
        return _render_new(
            request, session, order, error=error.detail(request_locale(request)),
            values=values, status_code=422,
        )  # fmt: skip
    return redirect_with_flash(request, f"{RETURNS_PATH}/{rma.id}", "return-requested")
