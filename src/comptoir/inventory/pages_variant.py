"""A variant's stock page: its level at each location, its movement history (filtered by
location and kind, page by page), an adjustment form and its reorder parameters per location
(minimum, maximum, lead time, preferred supplier)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
)
from comptoir.inventory import service
from comptoir.inventory.models import Movement
from comptoir.inventory.pages_support import (
    MOVEMENT_KINDS,
    PAGE_SIZE,
    READ,
    REASONS,
    STOCK_PATH,
    WRITE,
    actor,
    allowed_locations,
    crumbs,
    locale,
    parse_uuid,
    variant_labels,
)
from comptoir.inventory.schemas import ReorderParametersUpdate
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.kit.pagination import Page, paginate

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register_flash("reorder-saved", _l("The reorder parameters were saved."))


def _locations_by_id(session: Session, request: Request) -> dict[uuid.UUID, Any]:
    rows = service.list_locations(session, location_ids=allowed_locations(request))
    return {row.id: row for row in rows}


def _suppliers(session: Session) -> dict[uuid.UUID, str]:
    """Active suppliers by id (purchasing is asked when it is there)."""
    try:
        from comptoir.purchasing import service as purchasing
    except ImportError:  # pragma: no cover - purchasing is always installed with inventory
        return {}
    page = purchasing.list_suppliers(session, active_only=True, limit=200)
    return {supplier.id: supplier.name for supplier in page.items}


def _movements(
    session: Session,
    variant_id: uuid.UUID,
    location_ids: list[uuid.UUID],
    kind: str | None,
    cursor: str | None,
) -> Page[Movement]:
    stmt = select(Movement).where(
        Movement.variant_id == variant_id, Movement.location_id.in_(location_ids)
    )
    if kind is not None:
        stmt = stmt.where(Movement.kind == kind)
    return paginate(
        session,
        stmt,
        order_by=[(Movement.occurred_at, "desc")],
        id_column=Movement.id,
        limit=PAGE_SIZE,
        cursor=cursor,
    )


def variant_page_response(
    request: Request,
    session: Session,
    variant_id: uuid.UUID,
    *,
    location: uuid.UUID | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    reorder_errors: dict[str, str] | None = None,
    reorder_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The variant's stock page, with the values and errors of a refused form if any."""
    label = variant_labels(session, [variant_id]).get(variant_id)
    if label is None:
        raise HTTPException(status_code=404)
    locations = _locations_by_id(session, request)
    if location is not None and location not in locations:
        raise HTTPException(status_code=404)
    kind = kind if kind in MOVEMENT_KINDS else None
    levels = service.list_levels(
        session, variant_ids=[variant_id], location_ids=list(locations), limit=200
    ).items
    movements = _movements(
        session, variant_id, [location] if location else list(locations), kind, cursor
    )
    reorder = service.list_reorder_parameters(
        session, variant_id=variant_id, location_ids=list(locations)
    )

    def history_url(**changes: str | None) -> str:
        params = {"location": str(location) if location else None, "kind": kind, **changes}
        query = urlencode({k: v for k, v in params.items() if v})
        return f"{STOCK_PATH}/variants/{variant_id}" + (f"?{query}" if query else "") + "#movements"

    return render(
        request,
        "inventory/variant.html",
        status_code=status_code,
        title=_l("Stock of {sku}", sku=label.sku),
        breadcrumb=crumbs(Crumb(label.sku)),
        label=label,
        levels=levels,
        movements=movements.items,
        next_cursor=movements.next_cursor,
        history_url=history_url,
        chosen_location=location,
        chosen_kind=kind,
        locations=locations,
        reasons=REASONS,
        kinds=MOVEMENT_KINDS,
        errors=errors or {},
        values=values or {},
        reorder=reorder,
        suppliers=_suppliers(session),
        reorder_errors=reorder_errors or {},
        reorder_values=reorder_values or {},
    )


@router.get("/inventory/variants/{variant_id}", response_class=HTMLResponse, dependencies=READ)
def variant_page(
    request: Request,
    session: DbSession,
    variant_id: uuid.UUID,
    location: uuid.UUID | None = None,
    kind: str | None = None,
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """A variant's stock at each location, its movement history, an adjustment form and its
    reorder parameters."""
    return variant_page_response(
        request, session, variant_id, location=location, kind=kind, cursor=cursor
    )


@router.post("/inventory/variants/{variant_id}/adjust", dependencies=WRITE)
def adjust_stock(
    request: Request,
    session: DbSession,
    variant_id: uuid.UUID,
    location_id: str = Form(""),
    quantity: str = Form(""),
    reason: str = Form(""),
    note: str = Form(""),
) -> Response:
    """Record an adjustment; the form comes back with its errors (and values) otherwise."""
    values = {"location_id": location_id, "quantity": quantity, "reason": reason, "note": note}
    errors: dict[str, str] = {}
    locations = _locations_by_id(session, request)
    location = parse_uuid(location_id)
    if location is None or location not in locations:
        errors["location_id"] = translate(_l("Choose a location."), locale(request))
    try:
        delta = int(quantity)
        if delta == 0:
            raise ValueError
    except ValueError:
        errors["quantity"] = translate(
            _l("Enter a whole number other than 0, negative to remove units."), locale(request)
        )
        delta = 0
    if reason not in REASONS:
        errors["reason"] = translate(_l("Choose a reason."), locale(request))
    if not errors and location is not None:
        try:
            with session.begin_nested():
                service.adjust(
                    session,
                    variant_id=variant_id,
                    location_id=location,
                    quantity=delta,
                    reason=reason,
                    note=note.strip() or None,
                    actor=actor(request),
                )
        except DomainError as error:
            errors[error.field or "quantity"] = error.detail(locale(request))
    if errors:
        return variant_page_response(
            request, session, variant_id, errors=errors, values=values, status_code=422
        )
    return redirect_with_flash(request, f"{STOCK_PATH}/variants/{variant_id}", "stock-adjusted")


@router.post("/inventory/variants/{variant_id}/reorder", dependencies=WRITE)
async def set_reorder(request: Request, session: DbSession, variant_id: uuid.UUID) -> Response:
    """Create or replace the reorder parameters of the variant at a location."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    if variant_labels(session, [variant_id]).get(variant_id) is None:
        raise HTTPException(status_code=404)
    errors: dict[str, str] = {}
    location = parse_uuid(values.get("reorder_location_id", ""))
    if location is None or location not in _locations_by_id(session, request):
        errors["reorder_location_id"] = translate(_l("Choose a location."), locale(request))
    supplier_text = values.get("preferred_supplier_id", "")
    supplier = parse_uuid(supplier_text) if supplier_text else None
    if supplier_text and (supplier is None or supplier not in _suppliers(session)):
        errors["preferred_supplier_id"] = translate(
            _l("Choose a supplier from the list."), locale(request)
        )
    data: ReorderParametersUpdate | None = None
    try:
        data = ReorderParametersUpdate.model_validate(
            {
                "minimum": values.get("minimum", "").strip(),
                "maximum": values.get("maximum", "").strip(),
                "lead_time_days": values.get("lead_time_days", "").strip() or "0",
                "preferred_supplier_id": supplier,
            }
        )
    except ValidationError as exc:
        whole = translate(_l("Enter a whole number of 0 or more."), locale(request))
        for issue in issues_from_pydantic(exc.errors()):
            errors.setdefault(issue.field.split(".")[0], whole)
    if not errors and data is not None and location is not None:
        try:
            with session.begin_nested():
                service.set_reorder_parameters(
                    session, variant_id=variant_id, location_id=location, data=data
                )
        except DomainError as error:
            errors[error.field or "minimum"] = error.detail(locale(request))
    if errors:
        return variant_page_response(
            request,
            session,
            variant_id,
            reorder_errors=errors,
            reorder_values=values,
            status_code=422,
        )
    return redirect_with_flash(request, f"{STOCK_PATH}/variants/{variant_id}", "reorder-saved")
