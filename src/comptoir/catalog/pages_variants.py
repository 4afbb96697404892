"""The back office's variant screens: add a variant to a product, edit one (SKU, options,
GTIN barcode, weight and dimensions, backorders) and archive it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.errors import ProductNotFound, VariantNotFound
from comptoir.catalog.models import Product, Variant
from comptoir.catalog.pages_support import (
    READ,
    WRITE,
    FormRefused,
    crumbs,
    domain_errors,
    form_values,
    message,
    pydantic_errors,
    read_int,
)
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

PRODUCTS_PATH: Final = "/admin/catalog/products"
MEASURES: Final = ("weight_grams", "length_mm", "width_mm", "height_mm")

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register_flash("variant-added", _l("The variant was added."))
register_flash("variant-updated", _l("The variant was saved."))
register_flash("variant-archived", _l("The variant was archived: it is no longer sold."))
register_flash("variant-restored", _l("The variant is sold again."))


def _product_or_404(session: Session, product_id: uuid.UUID) -> Product:
    try:
        return service.get_product(session, product_id)
    except ProductNotFound:
        raise HTTPException(status_code=404) from None


def _variant_or_404(session: Session, variant_id: uuid.UUID) -> Variant:
    try:
        return service.get_variant(session, variant_id)
    except VariantNotFound:
        raise HTTPException(status_code=404) from None


def variant_values(variant: Variant) -> dict[str, str]:
    """The form values of an existing variant."""
    values = {
        "sku": variant.sku,
        "title": variant.title,
        "barcode": variant.barcode or "",
        "allows_backorder": "1" if variant.allows_backorder else "",
    }
    for index, name in enumerate(variant.product.option_names):
        values[f"opt_{index}"] = variant.option_values.get(name, "")
    for name in MEASURES:
        value = getattr(variant, name)
        values[name] = "" if value is None else str(value)
    return values


def _rename(product: Product) -> dict[str, str]:
    return {"option_values": "opt_0"} if product.option_names else {}


def _variant_data(request: Request, product: Product, values: dict[str, str]) -> dict[str, Any]:
    """The fields the form describes, as the API takes them. Raises :class:`FormRefused`."""
    locale = request_locale(request)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        "sku": values.get("sku", ""),
        "title": values.get("title", "").strip(),
        "barcode": values.get("barcode", "").strip() or None,
        "allows_backorder": values.get("allows_backorder") == "1",
        "option_values": {
            name: values.get(f"opt_{index}", "").strip()
            for index, name in enumerate(product.option_names)
        },
    }
    for name in MEASURES:
        try:
            data[name] = read_int(values.get(name, ""), name, locale)
        except FormRefused as refused:
            errors.update(refused.errors)
    for index, name in enumerate(product.option_names):
        if not data["option_values"][name]:
            errors[f"opt_{index}"] = message(request, _l("Give the value of {name}."), name=name)
    if errors:
        raise FormRefused(errors)
    return data


def _form_page(
    request: Request,
    product: Product,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    variant: Variant | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    title = variant.sku if variant else _l("Add a variant")
    return render(
        request,
        "catalog/variant.html",
        status_code=status_code,
        title=title,
        breadcrumb=crumbs(
            Crumb(_l("Products"), PRODUCTS_PATH),
            Crumb(product.title, f"{PRODUCTS_PATH}/{product.id}"),
            Crumb(title),
        ),
        product=product,
        variant=variant,
        values=values,
        errors=errors,
    )


@router.get(
    "/catalog/products/{product_id}/variants/new", response_class=HTMLResponse, dependencies=WRITE
)
def new_variant_page(request: Request, session: DbSession, product_id: uuid.UUID) -> HTMLResponse:
    return _form_page(request, _product_or_404(session, product_id), {}, {})


@router.post(
    "/catalog/products/{product_id}/variants/new", response_class=HTMLResponse, dependencies=WRITE
)
async def add_variant(request: Request, session: DbSession, product_id: uuid.UUID) -> Response:
    """Add a variant; a refused SKU, barcode or option is shown next to its field."""
    product = _product_or_404(session, product_id)
    values = form_values(await request.form())
    locale = request_locale(request)
    try:
        data = schemas.VariantCreate.model_validate(_variant_data(request, product, values))
        with session.begin_nested():
            service.add_variant(session, product.id, data)
    except FormRefused as refused:
        return _form_page(request, product, values, refused.errors, status_code=422)
    except ValidationError as exc:
        errors = pydantic_errors(exc, locale, _rename(product))
        return _form_page(request, product, values, errors, status_code=422)
    except DomainError as exc:
        exc.field = (exc.field or "sku").lstrip(".")
        errors = domain_errors(exc, locale, "sku", _rename(product))
        return _form_page(request, product, values, errors, status_code=422)
    return redirect_with_flash(request, f"{PRODUCTS_PATH}/{product.id}", "variant-added")


@router.get("/catalog/variants/{variant_id}", response_class=HTMLResponse, dependencies=READ)
def variant_page(request: Request, session: DbSession, variant_id: uuid.UUID) -> HTMLResponse:
    variant = _variant_or_404(session, variant_id)
    return _form_page(request, variant.product, variant_values(variant), {}, variant=variant)


@router.post("/catalog/variants/{variant_id}", response_class=HTMLResponse, dependencies=WRITE)
async def update_variant(request: Request, session: DbSession, variant_id: uuid.UUID) -> Response:
    """Save the variant; an empty barcode or measure clears it."""
    variant = _variant_or_404(session, variant_id)
    product = variant.product
    values = form_values(await request.form())
    locale = request_locale(request)
    try:
        fields = _variant_data(request, product, values)
        if not product.option_names:
            fields.pop("option_values")
        data = schemas.VariantUpdate.model_validate(fields)
        with session.begin_nested():
            service.update_variant(session, variant.id, data)
    except FormRefused as refused:
        return _form_page(
            request, product, values, refused.errors, variant=variant, status_code=422
        )
    except ValidationError as exc:
        errors = pydantic_errors(exc, locale, _rename(product))
        return _form_page(request, product, values, errors, variant=variant, status_code=422)
    except DomainError as exc:
        errors = domain_errors(exc, locale, "sku", _rename(product))
        return _form_page(request, product, values, errors, variant=variant, status_code=422)
    return redirect_with_flash(request, f"{PRODUCTS_PATH}/{product.id}", "variant-updated")


@router.post("/catalog/variants/{variant_id}/archive", dependencies=WRITE)
async def archive_variant(request: Request, session: DbSession, variant_id: uuid.UUID) -> Response:
    """Stop selling a variant (``restore=1``: sell it again); its stock and history stay."""
    variant = _variant_or_404(session, variant_id)
    restore = (await request.form()).get("restore") == "1"
    service.update_variant(session, variant.id, schemas.VariantUpdate(is_active=restore))
    flash = "variant-restored" if restore else "variant-archived"
    return redirect_with_flash(request, f"{PRODUCTS_PATH}/{variant.product_id}", flash)
