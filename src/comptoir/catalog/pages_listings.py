"""A product's listings from its page in the back office: on each sales channel, which of its
variants are offered (all, some or none), changed through the same service as ``PUT
/api/v1/catalog/products/{id}/listings``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from comptoir.backoffice.shell import (
    redirect_with_flash,
    register_flash,
    register_pages,
    request_locale,
)
from comptoir.catalog import service
from comptoir.catalog.errors import ProductNotFound
from comptoir.catalog.pages_product import detail_page
from comptoir.catalog.pages_support import WRITE, FormRefused, domain_errors, read_ids
from comptoir.channels import service as channels
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

LIST_PATH: Final = "/admin/catalog/products"

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register_flash("listing-saved", _l("The product's listing on this channel was saved."))


@router.post(
    "/catalog/products/{product_id}/listings/{channel_id}",
    response_class=HTMLResponse,
    dependencies=WRITE,
)
async def set_listing(
    request: Request, session: DbSession, product_id: uuid.UUID, channel_id: uuid.UUID
) -> Response:
    """Offer the ticked variants on the channel and withdraw the others that were offered;
    a refusal changes nothing and is shown next to the channel's variants."""
    try:
        product = service.get_product(session, product_id)
        channels.get_channel(session, channel_id)
    except (ProductNotFound, NotFound):
        raise HTTPException(status_code=404) from None
    field = f"listing-{channel_id}"
    form = await request.form()
    locale = request_locale(request)
    listed = {
        row.variant_id
        for row in service.listings_of_product(session, product.id)
        if row.channel_id == channel_id and row.is_published
    }
    try:
        chosen = read_ids([str(v) for v in form.getlist("variant_ids")], field, locale)
        withdrawn = [v.id for v in product.variants if v.id in listed and v.id not in chosen]
        with session.begin_nested():
            if chosen:
                service.list_on_channel(session, channel_id, product.id, variant_ids=chosen)
            if withdrawn:
                service.list_on_channel(
                    session, channel_id, product.id, variant_ids=withdrawn, is_published=False
                )
    except FormRefused as refused:
        return detail_page(
            request, session, product, listing_errors=refused.errors, status_code=422
        )
    except DomainError as exc:
        errors = domain_errors(exc, locale, field, rename={"variant_ids": field})
        session.refresh(product)
        return detail_page(request, session, product, listing_errors=errors, status_code=422)
    return redirect_with_flash(request, f"{LIST_PATH}/{product.id}#listings", "listing-saved")
