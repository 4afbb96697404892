"""A product's page in the back office: its details (title, handle, status, vendor, tax class,
categories, typed attributes), its variants with their cost, and its prices per price list
and quantity tier with the margin each leaves."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.errors import PriceListNotFound, ProductNotFound
from comptoir.catalog.models import Price, Product, Variant
from comptoir.catalog.pages_prices import price_set_from
from comptoir.catalog.pages_support import (
    READ,
    WRITE,
    FormRefused,
    crumbs,
    domain_errors,
    message,
    money_formatter,
)
from comptoir.catalog.schemas import PriceListOut, PriceQuote
from comptoir.channels import service as channels
from comptoir.kit import clock
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money

LIST_PATH: Final = "/admin/catalog/products"
# The country whose rate turns a tax-included price into the net price a margin is taken on.
MARGIN_COUNTRY: Final = "FR"
BLANK_ATTRIBUTES: Final = 3
STATUS_LABELS: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "active": _l("Active"),
    "archived": _l("Archived"),
}
KIND_LABELS: Final[dict[str, LazyString]] = {
    "text": _l("Text"),
    "integer": _l("Whole number"),
    "decimal": _l("Decimal number"),
    "boolean": _l("Yes or no (true, false)"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")


def _product_or_404(session: Session, product_id: uuid.UUID) -> Product:
    try:
        return service.get_product(session, product_id)
    except ProductNotFound:
        raise HTTPException(status_code=404) from None


def _margin(
    session: Session, product: Product, variant: Variant, price: Price, price_list: PriceListOut
) -> tuple[Money, Decimal] | None:
    """What one unit at this price leaves over its cost, net of tax, and as a percent of the
    net price; None without a cost in the list's currency (or a rate for a taxed price)."""
    cost = service.unit_cost(variant)
    if cost is None or cost.currency != price_list.currency or price.amount_minor == 0:
        return None
    gross = Money.from_minor(price.amount_minor, price_list.currency)
    net = gross
    if price_list.prices_include_tax:
        if product.tax_class_id is None:
            return None
        try:
            rate = service.tax_rate_for(
                session, product.tax_class_id, MARGIN_COUNTRY, clock.now().date()
            )
        except DomainError:
            return None
        net = gross.excluding_percent(rate).round()
    margin = net - cost
    if not net.is_positive:
        return None
    percent = (margin.amount / net.amount * 100).quantize(Decimal("0.1"))
    return margin, percent


def _quotes(
    session: Session, product: Product, price_lists: dict[uuid.UUID, PriceListOut]
) -> list[tuple[Variant, uuid.UUID | None, PriceQuote, str | None]]:
    """What one unit of each variant costs today on each channel (and currency) that has a
    public price list, promotions and the Omnibus reference included."""
    markets = sorted(
        {(pl.channel_id, pl.currency) for pl in price_lists.values() if not pl.customer_group},
        key=lambda market: (str(market[0] or ""), market[1]),
    )
    quotes = []
    for variant in product.variants:
        for channel_id, currency in markets:
            try:
                quote = service.price_for(
                    session, variant.id, channel_id=channel_id, currency=currency
                )
            except DomainError:
                continue
            promotion = (
                service.get_promotion(session, quote.promotion_id).name
                if quote.promotion_id
                else None
            )
            quotes.append((variant, channel_id, quote, promotion))
    return quotes


def _values_of(session: Session, product: Product) -> dict[str, Any]:
    out = service.product_out(session, product)
    values: dict[str, Any] = {
        "title": product.title,
        "handle": product.handle,
        "status": product.status,
        "vendor": product.vendor or "",
        "description": product.description,
        "tax_class_id": str(product.tax_class_id or ""),
        "category_ids": [str(c) for c in out.category_ids],
    }
    for index, attribute in enumerate(product.attributes):
        values[f"attr_key_{index}"] = attribute.key
        values[f"attr_kind_{index}"] = attribute.kind
        values[f"attr_value_{index}"] = attribute.value
    values["attr_rows"] = str(len(product.attributes) + BLANK_ATTRIBUTES)
    return values


def detail_page(
    request: Request,
    session: Session,
    product: Product,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    price_values: dict[str, str] | None = None,
    price_errors: dict[str, str] | None = None,
    listing_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The product's page, with the values and errors of a refused form if any."""
    price_lists = {pl.id: pl for pl in service.list_price_lists(session)}
    prices = []
    for variant in product.variants:
        for price in service.prices_of_variant(session, variant.id):
            price_list = price_lists[price.price_list_id]
            margin = _margin(session, product, variant, price, price_list)
            prices.append((variant, price, price_list, margin))
    listed = {
        (row.channel_id, row.variant_id)
        for row in service.listings_of_product(session, product.id)
        if row.is_published
    }
    values = values or _values_of(session, product)
    locale = request_locale(request)
    sales_channels = channels.list_channels(session)
    return render(
        request,
        "catalog/product.html",
        status_code=status_code,
        title=product.title,
        breadcrumb=crumbs(Crumb(_l("Products"), LIST_PATH), Crumb(product.title)),
        product=product,
        prices=prices,
        quotes=_quotes(session, product, price_lists),
        money_of=lambda amount: amount.format(locale),
        price_lists=list(price_lists.values()),
        channel_names={c.id: c.name for c in sales_channels},
        sales_channels=sales_channels,
        listed=listed,
        offered_on={
            channel.id: {
                variant_id for channel_id, variant_id in listed if channel_id == channel.id
            }
            for channel in sales_channels
        },
        listing_errors=listing_errors or {},
        money=money_formatter(request),
        values=values,
        errors=errors or {},
        price_values=price_values or {"min_quantity": "1"},
        price_errors=price_errors or {},
        statuses=list(STATUS_LABELS),
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        attr_rows=int(values.get("attr_rows", BLANK_ATTRIBUTES)),
        tax_options=[(t.id, t.name) for t in service.list_tax_classes(session)],
        category_options=[(c.id, c.name) for c in service.list_categories(session)],
    )


@router.get("/catalog/products/{product_id}", response_class=HTMLResponse, dependencies=READ)
def product_page(request: Request, session: DbSession, product_id: uuid.UUID) -> HTMLResponse:
    return detail_page(request, session, _product_or_404(session, product_id))


def _attributes(values: dict[str, Any]) -> tuple[list[dict[str, str]], list[int]]:
    """The attribute rows filled in, and the form row of each."""
    rows = []
    indexes = []
    count = min(
        int(values.get("attr_rows", "0") or 0) if str(values.get("attr_rows", "")).isdigit() else 0,
        100,
    )
    for index in range(count):
        key = str(values.get(f"attr_key_{index}", "")).strip()
        value = str(values.get(f"attr_value_{index}", "")).strip()
        if not key and not value:
            continue
        rows.append({"key": key, "kind": values.get(f"attr_kind_{index}", "text"), "value": value})
        indexes.append(index)
    return rows, indexes


def _field(path: str, indexes: list[int]) -> str:
    """The form field of an API field path (``attributes.1.value`` -> ``attr_value_<row>``)."""
    parts = path.lstrip(".").split(".")
    if parts[0] == "attributes" and len(parts) >= 2 and parts[1].isdigit():
        row = indexes[int(parts[1])] if int(parts[1]) < len(indexes) else 0
        return f"attr_{parts[2] if len(parts) > 2 else 'value'}_{row}"
    if parts[0] in ("If-Match", ""):
        return "title"
    return parts[0]


@router.post("/catalog/products/{product_id}", response_class=HTMLResponse, dependencies=WRITE)
async def update_product(request: Request, session: DbSession, product_id: uuid.UUID) -> Response:
    """Save the details; a stale form (someone saved meanwhile) is refused with the values
    kept, and nothing changes."""
    product = _product_or_404(session, product_id)
    form = await request.form()
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    values["category_ids"] = [str(v) for v in form.getlist("category_ids")]
    attributes, indexes = _attributes(values)
    revision = str(values.get("revision", ""))
    locale = request_locale(request)
    try:
        data = schemas.ProductUpdate.model_validate(
            {
                "title": values.get("title", ""),
                "handle": values.get("handle", "").strip(),
                "status": values.get("status", ""),
                "vendor": values.get("vendor", "").strip() or None,
                "description": values.get("description", ""),
                "tax_class_id": values.get("tax_class_id") or None,
                "category_ids": values["category_ids"],
                "attributes": attributes,
            }
        )
        with session.begin_nested():
            service.update_product(
                session,
                product.id,
                data,
                expected_revision=int(revision) if revision.isdigit() else None,
            )
    except ValidationError as exc:
        errors = {
            _field(issue.field, indexes): issue.translated(locale)
            for issue in issues_from_pydantic(exc.errors())
        }
        session.refresh(product)
        return detail_page(request, session, product, values=values, errors=errors, status_code=422)
    except DomainError as exc:
        errors = {_field(exc.field or "title", indexes): exc.detail(locale)}
        session.refresh(product)
        return detail_page(request, session, product, values=values, errors=errors, status_code=422)
    return redirect_with_flash(request, f"{LIST_PATH}/{product.id}", "product-updated")


@router.post(
    "/catalog/products/{product_id}/prices", response_class=HTMLResponse, dependencies=WRITE
)
async def set_price(request: Request, session: DbSession, product_id: uuid.UUID) -> Response:
    """Set a variant's price in a price list, from a quantity up, from the product page."""
    product = _product_or_404(session, product_id)
    values = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    try:
        try:
            price_list = service.get_price_list(session, uuid.UUID(values.get("price_list_id", "")))
            variant_id = uuid.UUID(values.get("variant_id", ""))
        except (ValueError, PriceListNotFound):
            raise FormRefused(
                {"price_list_id": message(request, _l("Choose a price list and a variant."))}
            ) from None
        if variant_id not in {v.id for v in product.variants}:
            raise FormRefused({"variant_id": message(request, _l("Choose from the list."))})
        data = price_set_from(request, values, price_list.currency, variant_id)
        service.set_price(session, price_list.id, data)
    except FormRefused as refused:
        return detail_page(
            request,
            session,
            product,
            price_values=values,
            price_errors=refused.errors,
            status_code=422,
        )
    except DomainError as exc:
        errors = domain_errors(exc, request_locale(request), "amount")
        return detail_page(
            request, session, product, price_values=values, price_errors=errors, status_code=422
        )
    return redirect_with_flash(request, f"{LIST_PATH}/{product.id}", "price-set")
