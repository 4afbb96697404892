"""The back office's catalogue screens: the product list (search, status chips, category and
channel filters, sortable columns, cursor pagination, CSV export), the new-product form with
its variants, and a product's page (details, variants, prices per channel, editing).
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.pages_support import READ, WRITE
from comptoir.channels import service as channels
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l

LIST_PATH: Final = "/admin/catalog/products"
PAGE_SIZE: Final = 50
VARIANT_ROWS: Final = 6
STATUSES: Final = ("active", "draft", "archived")
STATUS_LABELS: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "active": _l("Active"),
    "archived": _l("Archived"),
}
SORTS: Final = ("title", "-title", "updated_at", "-updated_at")

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Products"),
        path=LIST_PATH,
        order=10,
        scope="catalog:read",
    )
)
register_flash("product-created", _l("The product was created."))
register_flash("product-updated", _l("The product was saved."))
register_flash("price-set", _l("The price was saved."))


def _list_url(**params: str | None) -> str:
    query = {k: v for k, v in params.items() if v}
    return f"{LIST_PATH}?{urlencode(query)}" if query else LIST_PATH


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    """A filter's identifier; an empty or malformed one (an edited address) filters nothing."""
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


def _filters(
    q: str | None,
    status: str | None,
    sort: str | None,
    category_id: str | None = None,
    channel_id: str | None = None,
) -> schemas.ProductFilters:
    return schemas.ProductFilters(
        q=(q or "").strip() or None,
        status=status if status in STATUSES else None,
        category_id=_uuid_or_none(category_id),
        channel_id=_uuid_or_none(channel_id),
        sort=sort if sort in SORTS else "title",
    )


def _params(filters: schemas.ProductFilters) -> dict[str, str | None]:
    """The filters as the list's address carries them."""
    return {
        "q": filters.q,
        "status": filters.status,
        "category_id": str(filters.category_id) if filters.category_id else None,
        "channel_id": str(filters.channel_id) if filters.channel_id else None,
        "sort": filters.sort,
    }


@router.get("/catalog/products", response_class=HTMLResponse, dependencies=READ)
def products_page(
    request: Request,
    session: DbSession,
    q: str | None = Query(None, max_length=200),
    status: str | None = None,
    sort: str | None = None,
    category_id: str | None = Query(None, max_length=64),
    channel_id: str | None = Query(None, max_length=64),
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """The product list; htmx requests (search, chips, filters, sort) get the table only."""
    filters = _filters(q, status, sort, category_id, channel_id)
    page = service.list_products(session, filters, limit=PAGE_SIZE, cursor=cursor)
    template = "catalog/_products.html" if is_htmx(request) else "catalog/products.html"
    params = _params(filters)
    return render(
        request,
        template,
        title=_l("Products"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Products"))],
        primary_action=PrimaryAction(_l("Add a product"), f"{LIST_PATH}/new"),
        page=page,
        filters=filters,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        categories=service.category_tree(session),
        channels=channels.list_channels(session),
        list_url=_list_url,
        params=params,
        export_url="/admin/catalog/products.csv?"
        + urlencode({k: v for k, v in params.items() if v}),
    )


@router.get("/catalog/products.csv", dependencies=READ)
def products_csv(
    session: DbSession,
    q: str | None = Query(None, max_length=200),
    status: str | None = None,
    sort: str | None = None,
    category_id: str | None = Query(None, max_length=64),
    channel_id: str | None = Query(None, max_length=64),
) -> Response:
    """Every product matching the filters, one line per variant."""
    filters = _filters(q, status, sort, category_id, channel_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["handle", "title", "status", "sku", "options", "barcode", "weight_grams"])
    cursor: str | None = None
    while True:
        page = service.list_products(session, filters, limit=200, cursor=cursor)
        for product in page.items:
            if not product.variants:
                writer.writerow([product.handle, product.title, product.status, "", "", "", ""])
            for variant in product.variants:
                writer.writerow(
                    [
                        product.handle,
                        product.title,
                        product.status,
                        variant.sku,
                        " / ".join(variant.option_values.values()),
                        variant.barcode or "",
                        variant.weight_grams if variant.weight_grams is not None else "",
                    ]
                )
        cursor = page.next_cursor
        if cursor is None:
            break
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


def _form_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "catalog/product_new.html",
        status_code=status_code,
        title=_l("Add a product"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Products"), LIST_PATH),
            Crumb(_l("Add a product")),
        ],
        values=values,
        errors=errors,
        variant_rows=VARIANT_ROWS,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
    )


@router.get("/catalog/products/new", response_class=HTMLResponse, dependencies=WRITE)
def new_product_page(request: Request) -> HTMLResponse:
    return _form_page(request, {"status": "draft"}, {})


def _product_from_form(values: dict[str, str]) -> schemas.ProductCreate:
    """The request body the form describes: option names comma-separated, each variant row's
    option values separated by "/". Raises ``ValidationError`` or :class:`DomainError`."""
    option_names = [n.strip() for n in values.get("option_names", "").split(",") if n.strip()]
    variants = []
    for index in range(VARIANT_ROWS):
        sku = values.get(f"sku_{index}", "").strip()
        if not sku:
            continue
        options = [v.strip() for v in values.get(f"options_{index}", "").split("/") if v.strip()]
        variants.append(
            {
                "sku": sku,
                "option_values": dict(zip(option_names, options, strict=False)),
                "barcode": values.get(f"barcode_{index}", "").strip() or None,
            }
        )
    return schemas.ProductCreate.model_validate(
        {
            "title": values.get("title", ""),
            "handle": values.get("handle", "").strip() or None,
            "description": values.get("description", ""),
            "status": values.get("status", "draft"),
            "option_names": option_names,
            "variants": variants,
        }
    )


def _form_field(field: str | None, rows: list[int]) -> str:
    """The HTML field id of an API field path (``variants.1.sku`` -> ``sku_<row>``)."""
    if not field:
        return "title"
    parts = field.split(".")
    if parts[0] == "variants" and len(parts) >= 3 and parts[1].isdigit():
        row = rows[int(parts[1])] if int(parts[1]) < len(rows) else 0
        name = {"option_values": "options"}.get(parts[2], parts[2])
        return f"{name}_{row}"
    return parts[0]


@router.post("/catalog/products/new", response_class=HTMLResponse, dependencies=WRITE)
async def create_product(request: Request, session: DbSession) -> Response:
    """Create the product; on a refusal, the form again with every value kept."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    rows = [i for i in range(VARIANT_ROWS) if values.get(f"sku_{i}", "").strip()]
    locale = request_locale(request)
    try:
        product = service.create_product(session, _product_from_form(values))
    except ValidationError as exc:
        errors = {
            _form_field(issue.field, rows): issue.translated(locale)
            for issue in issues_from_pydantic(exc.errors())
        }
        return _form_page(request, values, errors, status_code=422)
    except DomainError as exc:
        return _form_page(
            request, values, {_form_field(exc.field, rows): exc.detail(locale)}, status_code=422
        )
    return redirect_with_flash(request, f"{LIST_PATH}/{product.id}", "product-created")


# The other catalogue screens register their pages after this module's, so that
# /catalog/products/new is matched before /catalog/products/{product_id}.
from comptoir.catalog import (  # noqa: E402, F401
    pages_categories,
    pages_listings,
    pages_prices,
    pages_product,
    pages_promotions,
    pages_taxes,
    pages_variants,
)
