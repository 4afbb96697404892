"""Back-office screens: suppliers, purchase orders (list, new, detail with send, cancel and
receive)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Final

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.purchasing import service
from comptoir.purchasing.pages_suppliers import router as supplier_router
from comptoir.purchasing.schemas import (
    OrderStatus,
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    ReceiveLine,
    ReceiveRequest,
    SupplierCreate,
)

ORDERS_PATH: Final = "/admin/purchasing/orders"
SUPPLIERS_PATH: Final = "/admin/purchasing/suppliers"
READ = [require_scope("purchasing:read")]
WRITE = [require_scope("purchasing:write")]

STATUSES: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "partly_received": _l("Partly received"),
    "received": _l("Received"),
    "cancelled": _l("Cancelled"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Purchase orders"),
        path=ORDERS_PATH,
        order=40,
        scope="purchasing:read",
    )
)
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Suppliers"),
        path=SUPPLIERS_PATH,
        order=41,
        scope="purchasing:read",
    )
)
register_flash("po-created", _l("The purchase order was created."))
register_flash("po-sent", _l("The purchase order was marked as sent."))
register_flash("po-cancelled", _l("The purchase order was cancelled."))
register_flash("po-received", _l("The delivery was received into stock."))
register_flash("supplier-created", _l("The supplier was added."))


def _money_formatter(request: Request) -> Callable[[MoneyOut], str]:
    """Money as the user reads it: ``1 234,56 €`` / ``€1,234.56``."""
    locale = request_locale(request)
    return lambda value: Money(Decimal(value.amount), value.currency).format(locale)


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), *more]


@router.get("/purchasing/orders", response_class=HTMLResponse, dependencies=READ)
def orders_page(
    request: Request,
    session: DbSession,
    status: str | None = None,
    supplier_id: uuid.UUID | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """Purchase orders, newest first, filtered by status (and supplier)."""
    chosen: OrderStatus | None = status if status in STATUSES else None  # type: ignore[assignment]
    page = service.list_purchase_orders(
        session, status=chosen, supplier_id=supplier_id, limit=50, cursor=cursor
    )
    return render(
        request,
        "purchasing/orders.html",
        title=_l("Purchase orders"),
        breadcrumb=_crumbs(Crumb(_l("Purchase orders"))),
        primary_action=PrimaryAction(_l("New purchase order"), f"{ORDERS_PATH}/new"),
        orders=[service.order_view(session, order) for order in page.items],
        money=_money_formatter(request),
        next_cursor=page.next_cursor,
        chosen=chosen,
        statuses=STATUSES,
    )


def _new_order_context(session: Session) -> dict[str, Any]:
    return {
        "suppliers": service.list_suppliers(session, active_only=True, limit=200).items,
        "locations": inventory.list_locations(session),
    }


@router.get("/purchasing/orders/new", response_class=HTMLResponse, dependencies=WRITE)
def new_order_page(request: Request, session: DbSession, supplier_id: str = "") -> HTMLResponse:
    """The form of a new order; ``supplier_id`` chooses the supplier beforehand."""
    return render(
        request,
        "purchasing/order_new.html",
        title=_l("New purchase order"),
        breadcrumb=_crumbs(Crumb(_l("Purchase orders"), ORDERS_PATH), Crumb(_l("New"))),
        errors={},
        values={"supplier_id": supplier_id},
        **_new_order_context(session),
    )


@router.post("/purchasing/orders/new", response_model=None, dependencies=WRITE)
def create_order(
    request: Request,
    session: DbSession,
    supplier_id: Annotated[str, Form()] = "",
    location_id: Annotated[str, Form()] = "",
    lines: Annotated[str, Form()] = "",
) -> Response:
    """Lines are typed one per row: ``SKU quantity [unit cost]``."""
    values = {"supplier_id": supplier_id, "location_id": location_id, "lines": lines}
    errors: dict[str, str] = {}
    locale = request_locale(request)
    parsed, bad = _parse_lines(session, lines)
    if bad:
        errors["lines"] = translate(
            _l("These lines are not understood: {lines}."), locale, lines=", ".join(bad)
        )
    if not parsed and not bad:
        errors["lines"] = translate(_l("Type at least one line."), locale)
    if not errors:
        try:
            order = service.create_purchase_order(
                session,
                PurchaseOrderCreate(
                    supplier_id=uuid.UUID(supplier_id),
                    location_id=uuid.UUID(location_id),
                    lines=parsed,
                ),
            )
        except ValueError:
            errors["supplier_id"] = translate(_l("Choose a supplier and a location."), locale)
        except DomainError as error:
            field = (error.field or "lines").split(".")[0]
            errors[field if field in values else "lines"] = error.detail(locale)
        else:
            return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "po-created")
    session.rollback()
    return render(
        request,
        "purchasing/order_new.html",
        status_code=422,
        title=_l("New purchase order"),
        breadcrumb=_crumbs(Crumb(_l("Purchase orders"), ORDERS_PATH), Crumb(_l("New"))),
        errors=errors,
        values=values,
        **_new_order_context(session),
    )


def _parse_lines(session: Session, text: str) -> tuple[list[PurchaseOrderLineCreate], list[str]]:
    parsed: list[PurchaseOrderLineCreate] = []
    bad: list[str] = []
    for raw in text.splitlines():
        parts = raw.split()
        if not parts:
            continue
        variant = catalog.find_variant_by_sku(session, parts[0])
        try:
            quantity = int(parts[1])
            cost = Decimal(parts[2].replace(",", ".")) if len(parts) > 2 else None
        except (IndexError, ValueError, InvalidOperation):
            variant = None
        if variant is None or len(parts) > 3 or quantity < 1 or (cost is not None and cost < 0):
            bad.append(raw.strip())
            continue
        parsed.append(
            PurchaseOrderLineCreate(variant_id=variant.id, quantity=quantity, unit_cost=cost)
        )
    return parsed, bad


def _order_or_404(session: Session, order_id: str) -> Any:
    try:
        return service.get_purchase_order(session, uuid.UUID(order_id))
    except ValueError:
        raise NotFound() from None


@router.get("/purchasing/orders/{order_id}", response_class=HTMLResponse, dependencies=READ)
def order_page(request: Request, session: DbSession, order_id: str) -> HTMLResponse:
    return _render_order(request, session, _order_or_404(session, order_id), error=None)


def _render_order(
    request: Request,
    session: Session,
    order: Any,
    *,
    error: str | None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = service.order_view(session, order)
    labels = {}
    for line in view.lines:
        try:
            labels[line.variant_id] = catalog.variant_summary(session, line.variant_id)
        except NotFound:
            continue
    return render(
        request,
        "purchasing/order.html",
        status_code=status_code,
        title=translate(_l("Purchase order {number}"), request_locale(request), number=view.number),
        breadcrumb=_crumbs(Crumb(_l("Purchase orders"), ORDERS_PATH), Crumb(view.number)),
        order=view,
        money=_money_formatter(request),
        labels=labels,
        location=inventory.get_location(session, view.location_id),
        day=lambda value: format_date(value, format="medium", locale=request_locale(request)),
        statuses=STATUSES,
        error=error,
        errors=errors or {},
    )


@router.post("/purchasing/orders/{order_id}/send", response_model=None, dependencies=WRITE)
def send_order(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id)
    try:
        service.send_purchase_order(session, order.id)
    except DomainError as error:
        session.rollback()
        return _render_order(
            request, session, order, error=error.detail(request_locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "po-sent")


@router.post("/purchasing/orders/{order_id}/cancel", response_model=None, dependencies=WRITE)
def cancel_order(request: Request, session: DbSession, order_id: str) -> Response:
    order = _order_or_404(session, order_id)
    try:
        service.cancel_purchase_order(session, order.id)
    except DomainError as error:
        session.rollback()
        return _render_order(
            request, session, order, error=error.detail(request_locale(request)), status_code=409
        )
    return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "po-cancelled")


@router.post("/purchasing/orders/{order_id}/receive", response_model=None, dependencies=WRITE)
async def receive_order(request: Request, session: DbSession, order_id: str) -> Response:
    """One ``receive-<line id>`` field per line: the units that arrived (blank or 0: none)."""
    form = await request.form()
    return _receive(request, session, order_id, {k: str(v) for k, v in form.items()})


def _receive(request: Request, session: Session, order_id: str, form: dict[str, str]) -> Response:
    order = _order_or_404(session, order_id)
    locale = request_locale(request)
    wanted: list[ReceiveLine] = []
    errors: dict[str, str] = {}
    for line in order.lines:
        name = f"receive-{line.id}"
        text = form.get(name, "").strip()
        if not text or text == "0":
            continue
        if not text.isdigit():
            errors[name] = translate(_l("Type a whole number of units."), locale)
            continue
        wanted.append(ReceiveLine(line_id=line.id, quantity=int(text)))
    if not wanted and not errors:
        errors["receive"] = translate(
            _l("Type the units that arrived on at least one line."), locale
        )
    if not errors:
        try:
            service.receive_purchase_order(session, order.id, ReceiveRequest(lines=wanted))
        except DomainError as error:
            index = (error.field or "").split(".")
            name = "receive"
            if len(index) > 1 and index[1].isdigit():
                name = f"receive-{wanted[int(index[1])].line_id}"
            errors[name] = error.detail(locale)
        else:
            return redirect_with_flash(request, f"{ORDERS_PATH}/{order.id}", "po-received")
    session.rollback()
    order = _order_or_404(session, order_id)
    return _render_order(
        request,
        session,
        order,
        error=translate(_l("The delivery was not received: nothing changed."), locale),
        errors=errors,
        status_code=422,
    )


@router.get("/purchasing/suppliers", response_class=HTMLResponse, dependencies=READ)
def suppliers_page(request: Request, session: DbSession, q: str | None = None) -> HTMLResponse:
    return render(
        request,
        "purchasing/suppliers.html",
        title=_l("Suppliers"),
        breadcrumb=_crumbs(Crumb(_l("Suppliers"))),
        primary_action=PrimaryAction(_l("New supplier"), f"{SUPPLIERS_PATH}/new"),
        suppliers=service.list_suppliers(session, search=q, limit=200).items,
        q=q or "",
    )


@router.get("/purchasing/suppliers/new", response_class=HTMLResponse, dependencies=WRITE)
def new_supplier_page(request: Request) -> HTMLResponse:
    return _render_supplier_form(request, {}, {})


def _render_supplier_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "purchasing/supplier_new.html",
        status_code=status_code,
        title=_l("New supplier"),
        breadcrumb=_crumbs(Crumb(_l("Suppliers"), SUPPLIERS_PATH), Crumb(_l("New"))),
        values=values,
        errors=errors,
    )


@router.post("/purchasing/suppliers/new", response_model=None, dependencies=WRITE)
async def create_supplier(request: Request, session: DbSession) -> Response:
    from pydantic import ValidationError

    from comptoir.kit.http.validation import issues_from_pydantic

    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    locale = request_locale(request)
    given = {k: v for k, v in form.items() if v}
    try:
        data = SupplierCreate.model_validate(given)
        service.create_supplier(session, data)
    except ValidationError as exc:
        errors = {i.field: i.translated(locale) for i in issues_from_pydantic(exc.errors())}
        return _render_supplier_form(request, form, errors, status_code=422)
    except DomainError as error:
        session.rollback()
        return _render_supplier_form(
            request, form, {error.field or "name": error.detail(locale)}, status_code=422
        )
    return redirect_with_flash(request, SUPPLIERS_PATH, "supplier-created")


# After the routes above, so that /suppliers/new is matched before /suppliers/{supplier_id}.
router.include_router(supplier_router)
