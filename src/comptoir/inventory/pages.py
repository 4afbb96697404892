"""The back office's stock screens: stock per location, a variant's levels and movement
history (with an adjustment form), transfers and count sheets.

A signed-in user restricted to some locations (``Principal.location_ids``) sees and moves only
those; other locations answer 404.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
)
from comptoir.inventory import (  # noqa: F401  (the other modules register their pages)
    pages_documents,
    pages_locations,
    service,
)
from comptoir.inventory.pages_support import (
    MOVEMENT_KINDS,
    PAGE_SIZE,
    REASONS,
    STOCK_PATH,
    actor,
    allowed_locations,
    crumbs,
    locale,
    parse_uuid,
    variant_labels,
)
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Stock"),
        path=STOCK_PATH,
        order=30,
        scope="inventory:read",
    )
)
register_flash("stock-adjusted", _l("The stock was adjusted."))
register_flash("transfer-created", _l("The transfer was created."))
register_flash("transfer-shipped", _l("The transfer was shipped: its units are in transit."))
register_flash("transfer-received", _l("The units were received."))
register_flash("count-created", _l("The count sheet was created."))
register_flash("count-saved", _l("The counted quantities were saved."))
register_flash("count-applied", _l("The count was applied: the differences are in the ledger."))


def _locations_by_id(session: Session, request: Request) -> dict[uuid.UUID, Any]:
    rows = service.list_locations(session, location_ids=allowed_locations(request))
    return {row.id: row for row in rows}


@router.get("/inventory", response_class=HTMLResponse)
def stock_page(
    request: Request,
    session: DbSession,
    location: uuid.UUID | None = None,
    short: bool = False,
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """Stock levels, by location (chips), optionally only those with nothing available."""
    locations = _locations_by_id(session, request)
    if location is not None and location not in locations:
        raise HTTPException(status_code=404)
    chosen = [location] if location is not None else list(locations)
    page = service.list_levels(
        session, location_ids=chosen, only_short=short, cursor=cursor, limit=PAGE_SIZE
    )
    labels = variant_labels(session, [level.variant_id for level in page.items])
    template = "inventory/_levels.html" if is_htmx(request) else "inventory/stock.html"
    return render(
        request,
        template,
        title=_l("Stock"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Stock"))],
        primary_action=PrimaryAction(_l("New count sheet"), f"{STOCK_PATH}/counts/new"),
        locations=locations,
        chosen=location,
        short=short,
        page=page,
        labels=labels,
    )


@router.get("/inventory/variants/{variant_id}", response_class=HTMLResponse)
def variant_page(request: Request, session: DbSession, variant_id: uuid.UUID) -> HTMLResponse:
    """A variant's stock at each location, its movement history and an adjustment form."""
    return _variant_page(request, session, variant_id)


def _variant_page(
    request: Request,
    session: Session,
    variant_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    label = variant_labels(session, [variant_id]).get(variant_id)
    if label is None:
        raise HTTPException(status_code=404)
    locations = _locations_by_id(session, request)
    levels = service.list_levels(
        session, variant_ids=[variant_id], location_ids=list(locations), limit=200
    ).items
    movements = service.list_movements(
        session, variant_id=variant_id, location_ids=list(locations), limit=PAGE_SIZE
    ).items
    return render(
        request,
        "inventory/variant.html",
        status_code=status_code,
        title=_l("Stock of {sku}", sku=label.sku),
        breadcrumb=crumbs(Crumb(label.sku)),
        label=label,
        levels=levels,
        movements=movements,
        locations=locations,
        reasons=REASONS,
        kinds=MOVEMENT_KINDS,
        errors=errors or {},
        values=values or {},
    )


@router.post("/inventory/variants/{variant_id}/adjust")
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
        return _variant_page(
            request, session, variant_id, errors=errors, values=values, status_code=422
        )
    return redirect_with_flash(request, f"{STOCK_PATH}/variants/{variant_id}", "stock-adjusted")
