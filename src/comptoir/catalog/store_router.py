"""The catalogue as a sales channel sees it, ``/store/v1/products``: the active products listed
on the calling channel (its key tells which), at the channel's prices, with what the channel
can promise of each variant and where it can be collected."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from comptoir.catalog import schemas, service
from comptoir.catalog.errors import PriceNotFound, ProductNotFound
from comptoir.catalog.models import ChannelListing, Product, ProductCategory, Variant
from comptoir.catalog.store_schemas import PickupPoint, StoreProduct, StoreVariant
from comptoir.channels import service as channels
from comptoir.inventory import service as inventory
from comptoir.kit.errors import Forbidden, problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, PageParams, paginate

router = APIRouter(prefix="/products", tags=["store"])

STORE = [requires("store:read")]
Caller = Annotated[Principal, Depends(current_principal)]


def _channel_id(principal: Principal) -> uuid.UUID:
    if principal.channel_id is None:
        raise Forbidden(_l("This access is not tied to a sales channel."))
    return principal.channel_id


@dataclass(frozen=True, slots=True)
class _Store:
    """What a page of products needs to know about the channel, read once."""

    channel_id: uuid.UUID
    currency: str
    listed: set[uuid.UUID]
    pickup_points: dict[uuid.UUID, tuple[str, str | None]]


def _store(session: Session, channel_id: uuid.UUID) -> _Store:
    currency = channels.get_channel(session, channel_id).currency
    sold_from = {
        row.location_id for row in inventory.list_channel_locations(session, channel_id=channel_id)
    }
    pickup = {
        location.id: (location.name, location.city)
        for location in inventory.list_locations(session, include_inactive=False)
        if location.click_and_collect and location.id in sold_from
    }
    return _Store(channel_id, currency, service.listed_variant_ids(session, channel_id), pickup)


def _store_products(
    session: Session, store: _Store, products: Sequence[Product]
) -> list[StoreProduct]:
    """The products as the channel sells them; stock is read in two queries for the page."""
    variants = [
        variant
        for product in products
        for variant in product.variants
        if variant.id in store.listed and variant.is_active
    ]
    ids = [variant.id for variant in variants]
    available = inventory.available_to_promise(
        session, channel_id=store.channel_id, variant_ids=ids
    )
    by_location = inventory.available_by_location(
        session,
        variant_ids=ids,
        channel_id=store.channel_id,
        location_ids=list(store.pickup_points),
    )
    answer = []
    for product in products:
        out = service.product_out(session, product)
        store_variants = [
            _store_variant(session, store, variant, available[variant.id], by_location[variant.id])
            for variant in product.variants
            if variant.id in store.listed and variant.is_active
        ]
        answer.append(
            StoreProduct(
                id=product.id,
                handle=product.handle,
                title=product.title,
                description=product.description,
                vendor=product.vendor,
                option_names=out.option_names,
                attributes=out.attributes,
                variants=store_variants,
            )
        )
    return answer


def _store_variant(
    session: Session,
    store: _Store,
    variant: Variant,
    available: int,
    by_location: dict[uuid.UUID, int],
) -> StoreVariant:
    try:
        quote = service.price_for(
            session, variant.id, channel_id=store.channel_id, currency=store.currency
        )
        price: schemas.PriceQuoteOut | None = schemas.PriceQuoteOut.from_quote(quote)
    except PriceNotFound:
        price = None
    pickup = [
        PickupPoint(location_id=location_id, name=name, city=city, available=units)
        for location_id, (name, city) in sorted(
            store.pickup_points.items(), key=lambda item: item[1][0]
        )
        if (units := by_location.get(location_id, 0)) > 0
    ]
    return StoreVariant(
        id=variant.id,
        sku=variant.sku,
        title=variant.title,
        option_values=variant.option_values,
        allows_backorder=variant.allows_backorder,
        price=price,
        available=available,
        in_stock=available > 0 or variant.allows_backorder,
        pickup=pickup,
    )


def _in_stock_products(session: Session, store: _Store) -> list[uuid.UUID]:
    """Products with at least one listed, active variant the channel can promise or sells
    on backorder."""
    rows = session.execute(
        select(Variant.id, Variant.product_id, Variant.allows_backorder)
        .join(ChannelListing, ChannelListing.variant_id == Variant.id)
        .where(
            ChannelListing.channel_id == store.channel_id,
            ChannelListing.is_published.is_(True),
            Variant.is_active.is_(True),
        )
    ).all()
    available = inventory.available_to_promise(
        session, channel_id=store.channel_id, variant_ids=[row[0] for row in rows]
    )
    return sorted(
        {product for variant, product, backorder in rows if backorder or available[variant] > 0}
    )


@router.get(
    "",
    dependencies=STORE,
    response_model=Page[StoreProduct],
    responses=problem_responses(401, 403),
)
def list_products(
    session: DbSession,
    principal: Caller,
    paging: Annotated[PageParams, Depends()],
    q: Annotated[
        str | None, Query(max_length=200, description="Words in the title, handle or SKU.")
    ] = None,
    category_id: Annotated[
        uuid.UUID | None, Query(description="Products of this category.")
    ] = None,
    in_stock: Annotated[
        bool, Query(description="Only products the channel can deliver now.")
    ] = False,
) -> Page[StoreProduct]:
    """The active products listed on the calling channel, by title, at its prices and with
    what it can promise."""
    store = _store(session, _channel_id(principal))
    listed_products = select(ChannelListing.product_id).where(
        ChannelListing.channel_id == store.channel_id, ChannelListing.is_published.is_(True)
    )
    stmt = select(Product).where(Product.status == "active", Product.id.in_(listed_products))
    if q and q.strip():
        pattern = f"%{q.strip().lower()}%"
        skus = select(Variant.product_id).where(func.lower(Variant.sku).like(pattern))
        stmt = stmt.where(
            or_(
                func.lower(Product.title).like(pattern),
                func.lower(Product.handle).like(pattern),
                Product.id.in_(skus),
            )
        )
    if category_id is not None:
        stmt = stmt.where(
            Product.id.in_(
                select(ProductCategory.product_id).where(ProductCategory.category_id == category_id)
            )
        )
    if in_stock:
        stmt = stmt.where(Product.id.in_(_in_stock_products(session, store)))
    page = paginate(
        session,
        stmt,
        order_by=[(Product.title, "asc")],
        id_column=Product.id,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    items = _store_products(session, store, page.items)
    return Page(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.get(
    "/{handle}",
    dependencies=STORE,
    response_model=StoreProduct,
    responses=problem_responses(401, 403, 404),
)
def get_product(session: DbSession, principal: Caller, handle: str) -> StoreProduct:
    """One active product listed on the calling channel, by its handle; another channel's
    product is a 404, as if it did not exist."""
    store = _store(session, _channel_id(principal))
    product = service.product_by_handle(session, handle)
    if product is None or product.status != "active":
        raise ProductNotFound()
    [store_product] = _store_products(session, store, [product])
    if not store_product.variants:
        raise ProductNotFound()
    return store_product
