"""The back office's stock screens: stock per location, a variant's levels and movement
history (with an adjustment form), transfers and count sheets.

A signed-in user restricted to some locations (``Principal.location_ids``) sees and moves only
those; other locations answer 404.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    is_htmx,
    register_flash,
    register_pages,
    render,
)
from comptoir.inventory import (  # noqa: F401  (the other modules register their pages)
    pages_documents,
    pages_locations,
    pages_variant,
    service,
)
from comptoir.inventory.models import StockLevel
from comptoir.inventory.pages_support import (
    PAGE_SIZE,
    READ,
    STOCK_PATH,
    allowed_locations,
    variant_labels,
)
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Direction, Page, paginate

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


SORTS: Final[dict[str, Any]] = {
    "on_hand": StockLevel.on_hand,
    "reserved": StockLevel.reserved,
    "available": StockLevel.on_hand - StockLevel.reserved,
    "updated_at": StockLevel.updated_at,
}


def _levels(
    session: Session,
    location_ids: list[uuid.UUID],
    *,
    short: bool,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[StockLevel]:
    """A page of levels at these locations, in the order of ``sort`` (a column name, ``-``
    first for descending; the default order without)."""
    stmt = select(StockLevel).where(StockLevel.location_id.in_(location_ids))
    if short:
        stmt = stmt.where(StockLevel.on_hand - StockLevel.reserved <= 0)
    column = SORTS.get(sort.lstrip("-"))
    order: list[tuple[Any, Direction]] = (
        [(column, "desc" if sort.startswith("-") else "asc")] if column is not None else []
    )
    return paginate(
        session, stmt, order_by=order, id_column=StockLevel.id, limit=limit, cursor=cursor
    )


def _stock_filters(
    request: Request, session: Session, location: uuid.UUID | None
) -> tuple[dict[uuid.UUID, Any], list[uuid.UUID]]:
    locations = _locations_by_id(session, request)
    if location is not None and location not in locations:
        raise HTTPException(status_code=404)
    return locations, [location] if location is not None else list(locations)


@router.get("/inventory", response_class=HTMLResponse, dependencies=READ)
def stock_page(
    request: Request,
    session: DbSession,
    location: uuid.UUID | None = None,
    short: bool = False,
    sort: str = "",
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """Stock levels, by location (chips), optionally only those with nothing available,
    sortable by on hand, reserved, available and last change."""
    locations, chosen = _stock_filters(request, session, location)
    sort = sort if sort.lstrip("-") in SORTS else ""
    page = _levels(session, chosen, short=short, sort=sort, cursor=cursor, limit=PAGE_SIZE)
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
        sort=sort,
        page=page,
        labels=labels,
    )


@router.get("/inventory.csv", dependencies=READ)
def stock_csv(
    request: Request,
    session: DbSession,
    location: uuid.UUID | None = None,
    short: bool = False,
    sort: str = "",
) -> Response:
    """Every level the stock page shows with these filters, one line each."""
    locations, chosen = _stock_filters(request, session, location)
    sort = sort if sort.lstrip("-") in SORTS else ""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["sku", "product", "location_code", "location", "on_hand", "reserved", "available"]
    )
    cursor: str | None = None
    while True:
        page = _levels(session, chosen, short=short, sort=sort, cursor=cursor, limit=200)
        labels = variant_labels(session, [level.variant_id for level in page.items])
        for level in page.items:
            label = labels.get(level.variant_id)
            place = locations[level.location_id]
            writer.writerow(
                [
                    label.sku if label else level.variant_id,
                    label.title if label else "",
                    place.code,
                    place.name,
                    level.on_hand,
                    level.reserved,
                    level.available,
                ]
            )
        cursor = page.next_cursor
        if cursor is None:
            break
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="stock.csv"'},
    )
