"""The catalogue as a sales channel sees it, ``/store/v1/products``: products listed on the
calling channel, with the channel's prices. Stock availability is served by the inventory
module, not here."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from comptoir.catalog import schemas, service
from comptoir.catalog.errors import PriceNotFound, ProductNotFound
from comptoir.catalog.models import Product
from comptoir.channels import service as channels
from comptoir.kit.errors import Forbidden, problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, PageParams

router = APIRouter(prefix="/products", tags=["store"])

STORE = [requires("store:read")]
Shopper = Annotated[Principal, Depends(current_principal)]


def _channel_id(principal: Principal) -> uuid.UUID:
    if principal.channel_id is None:
        raise Forbidden(_l("This access is not tied to a sales channel."))
    return principal.channel_id


def _store_product(
    session: Session,
    product: Product,
    channel_id: uuid.UUID,
    currency: str,
    listed: set[uuid.UUID],
) -> schemas.StoreProduct:
    out = service.product_out(session, product)
    variants = []
    for variant in product.variants:
        if variant.id not in listed or not variant.is_active:
            continue
        try:
            quote = service.price_for(session, variant.id, channel_id=channel_id, currency=currency)
            price: schemas.PriceQuoteOut | None = schemas.PriceQuoteOut.from_quote(quote)
        except PriceNotFound:
            price = None
        variants.append(
            schemas.StoreVariant(
                id=variant.id,
                sku=variant.sku,
                title=variant.title,
                option_values=variant.option_values,
                allows_backorder=variant.allows_backorder,
                price=price,
            )
        )
    return schemas.StoreProduct(
        id=product.id,
        handle=product.handle,
        title=product.title,
        description=product.description,
        vendor=product.vendor,
        option_names=out.option_names,
        attributes=out.attributes,
        variants=variants,
    )


@router.get(
    "",
    dependencies=STORE,
    response_model=Page[schemas.StoreProduct],
    responses=problem_responses(403),
)
def list_products(
    session: DbSession,
    principal: Shopper,
    paging: Annotated[PageParams, Depends()],
    q: Annotated[str | None, Query(max_length=200)] = None,
    category_id: uuid.UUID | None = None,
) -> Page[schemas.StoreProduct]:
    """Active products listed on the calling channel, with its prices, by title."""
    channel_id = _channel_id(principal)
    currency = channels.get_channel(session, channel_id).currency
    filters = schemas.ProductFilters(
        q=q, status="active", category_id=category_id, channel_id=channel_id
    )
    page = service.list_products(session, filters, limit=paging.limit, cursor=paging.cursor)
    listed = service.listed_variant_ids(session, channel_id)
    return page.map(lambda product: _store_product(session, product, channel_id, currency, listed))


@router.get(
    "/{handle}",
    dependencies=STORE,
    response_model=schemas.StoreProduct,
    responses=problem_responses(403, 404),
)
def get_product(session: DbSession, principal: Shopper, handle: str) -> schemas.StoreProduct:
    """One active product listed on the calling channel, by its handle."""
    channel_id = _channel_id(principal)
    currency = channels.get_channel(session, channel_id).currency
    product = service.product_by_handle(session, handle)
    if product is None or product.status != "active":
        raise ProductNotFound()
    listed = service.listed_variant_ids(session, channel_id)
    store_product = _store_product(session, product, channel_id, currency, listed)
    if not store_product.variants:
        raise ProductNotFound()
    return store_product
