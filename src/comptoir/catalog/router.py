"""The catalogue's admin API, ``/api/v1/catalog/...``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from comptoir.catalog import schemas, service
from comptoir.catalog.errors import StaleProduct
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, PageParams

router = APIRouter(prefix="/catalog", tags=["catalog"])

READ = [requires("catalog:read")]
WRITE = [requires("catalog:write")]
Paging = Annotated[PageParams, Depends()]


def _etag(revision: int) -> str:
    return f'"{revision}"'


def _expected_revision(if_match: str | None) -> int | None:
    """The revision an ``If-Match`` header names; raises :class:`StaleProduct` when it
    names none."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise StaleProduct(_l("The If-Match header does not name a version."), field="If-Match")
    return int(tag)


# -- products -------------------------------------------------------------------------------


@router.get("/products", dependencies=READ, response_model=Page[schemas.ProductOut])
def list_products(
    session: DbSession,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status_: Annotated[schemas.ProductStatus | None, Query(alias="status")] = None,
    category_id: uuid.UUID | None = None,
    channel_id: uuid.UUID | None = None,
    sort: Annotated[
        schemas.ProductSort, Query(description="A column, descending with a leading '-'.")
    ] = "title",
) -> Page[schemas.ProductOut]:
    """Products matching the filters (search on title, handle and SKU), a page at a time."""
    filters = schemas.ProductFilters(
        q=q, status=status_, category_id=category_id, channel_id=channel_id, sort=sort
    )
    page = service.list_products(session, filters, limit=paging.limit, cursor=paging.cursor)
    return page.map(lambda product: service.product_out(session, product))


@router.post(
    "/products",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ProductOut,
    responses=problem_responses(404, 409),
)
def create_product(
    session: DbSession, response: Response, body: schemas.ProductCreate
) -> schemas.ProductOut:
    """A new product with its variants."""
    product = service.create_product(session, body)
    response.headers["ETag"] = _etag(product.revision)
    return service.product_out(session, product)


@router.get(
    "/products/{product_id}",
    dependencies=READ,
    response_model=schemas.ProductOut,
    responses=problem_responses(404),
)
def get_product(
    session: DbSession, response: Response, product_id: uuid.UUID
) -> schemas.ProductOut:
    """One product; its ``ETag`` is what ``If-Match`` expects on an update."""
    product = service.get_product(session, product_id)
    response.headers["ETag"] = _etag(product.revision)
    return service.product_out(session, product)


@router.patch(
    "/products/{product_id}",
    dependencies=WRITE,
    response_model=schemas.ProductOut,
    responses=problem_responses(404, 409, 412),
)
def update_product(
    session: DbSession,
    response: Response,
    product_id: uuid.UUID,
    body: schemas.ProductUpdate,
    if_match: Annotated[str | None, Header()] = None,
) -> schemas.ProductOut:
    """Change a product's fields; with ``If-Match``, only if nobody changed it meanwhile."""
    product = service.update_product(
        session, product_id, body, expected_revision=_expected_revision(if_match)
    )
    response.headers["ETag"] = _etag(product.revision)
    return service.product_out(session, product)


@router.post(
    "/products/{product_id}/variants",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.VariantOut,
    responses=problem_responses(404, 409),
)
def add_variant(
    session: DbSession, product_id: uuid.UUID, body: schemas.VariantCreate
) -> schemas.VariantOut:
    return service.variant_out(service.add_variant(session, product_id, body))


@router.patch(
    "/variants/{variant_id}",
    dependencies=WRITE,
    response_model=schemas.VariantOut,
    responses=problem_responses(404, 409),
)
def update_variant(
    session: DbSession, variant_id: uuid.UUID, body: schemas.VariantUpdate
) -> schemas.VariantOut:
    return service.variant_out(service.update_variant(session, variant_id, body))


@router.get(
    "/variants/{variant_id}/price",
    dependencies=READ,
    response_model=schemas.PriceQuoteOut,
    responses=problem_responses(404),
)
def quote_price(
    session: DbSession,
    variant_id: uuid.UUID,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")],
    channel_id: uuid.UUID | None = None,
    quantity: Annotated[int, Query(ge=1)] = 1,
    customer_group: Annotated[str | None, Query(max_length=50)] = None,
) -> schemas.PriceQuoteOut:
    """What one unit costs on a channel, in a currency, for a quantity and a group."""
    service.get_variant(session, variant_id)
    quote = service.price_for(
        session,
        variant_id,
        channel_id=channel_id,
        currency=currency,
        quantity=quantity,
        customer_group=customer_group,
    )
    return schemas.PriceQuoteOut.from_quote(quote)


# -- categories -----------------------------------------------------------------------------


@router.get("/categories", dependencies=READ, response_model=list[schemas.CategoryOut])
def list_categories(session: DbSession) -> list[schemas.CategoryOut]:
    return service.list_categories(session)


@router.post(
    "/categories",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CategoryOut,
    responses=problem_responses(404, 409),
)
def create_category(session: DbSession, body: schemas.CategoryCreate) -> schemas.CategoryOut:
    return service.create_category(session, body)


@router.get(
    "/categories/{category_id}",
    dependencies=READ,
    response_model=schemas.CategoryOut,
    responses=problem_responses(404),
)
def get_category(session: DbSession, category_id: uuid.UUID) -> schemas.CategoryOut:
    return service.get_category(session, category_id)


@router.patch(
    "/categories/{category_id}",
    dependencies=WRITE,
    response_model=schemas.CategoryOut,
    responses=problem_responses(404, 409),
)
def update_category(
    session: DbSession, category_id: uuid.UUID, body: schemas.CategoryUpdate
) -> schemas.CategoryOut:
    """Rename a category, change its handle or position, or move it under another parent;
    a parent under the category itself is refused (422 on ``parent_id``)."""
    return service.update_category(session, category_id, body)


# -- taxes ----------------------------------------------------------------------------------


@router.get("/tax-classes", dependencies=READ, response_model=list[schemas.TaxClassOut])
def list_tax_classes(session: DbSession) -> list[schemas.TaxClassOut]:
    return service.list_tax_classes(session)


@router.post(
    "/tax-classes",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TaxClassOut,
    responses=problem_responses(409),
)
def create_tax_class(session: DbSession, body: schemas.TaxClassCreate) -> schemas.TaxClassOut:
    return service.create_tax_class(session, body)


@router.get(
    "/tax-classes/{tax_class_id}/rates",
    dependencies=READ,
    response_model=list[schemas.TaxRateOut],
)
def list_tax_rates(session: DbSession, tax_class_id: uuid.UUID) -> list[schemas.TaxRateOut]:
    return service.list_tax_rates(session, tax_class_id)


@router.post(
    "/tax-classes/{tax_class_id}/rates",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TaxRateOut,
    responses=problem_responses(404),
)
def add_tax_rate(
    session: DbSession, tax_class_id: uuid.UUID, body: schemas.TaxRateCreate
) -> schemas.TaxRateOut:
    """A rate for a country and period; periods of one class and country never overlap."""
    return service.add_tax_rate(session, tax_class_id, body)


# -- price lists and prices -----------------------------------------------------------------


@router.get("/price-lists", dependencies=READ, response_model=list[schemas.PriceListOut])
def list_price_lists(session: DbSession) -> list[schemas.PriceListOut]:
    return service.list_price_lists(session)


@router.post(
    "/price-lists",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PriceListOut,
    responses=problem_responses(409),
)
def create_price_list(session: DbSession, body: schemas.PriceListCreate) -> schemas.PriceListOut:
    return service.create_price_list(session, body)


@router.put(
    "/price-lists/{price_list_id}/prices",
    dependencies=WRITE,
    response_model=schemas.PriceOut,
    responses=problem_responses(404),
)
def set_price(
    session: DbSession, price_list_id: uuid.UUID, body: schemas.PriceSet
) -> schemas.PriceOut:
    """Set a variant's price (tier); a change is recorded in the price history."""
    return schemas.PriceOut.model_validate(service.set_price(session, price_list_id, body))


@router.delete(
    "/price-lists/{price_list_id}/prices/{variant_id}",
    dependencies=WRITE,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
def remove_price(
    session: DbSession,
    price_list_id: uuid.UUID,
    variant_id: uuid.UUID,
    min_quantity: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Remove a variant's price (tier) from a price list; the history records it."""
    service.remove_price(session, price_list_id, variant_id, min_quantity)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/variants/{variant_id}/prices",
    dependencies=READ,
    response_model=list[schemas.PriceOut],
    responses=problem_responses(404),
)
def list_variant_prices(session: DbSession, variant_id: uuid.UUID) -> list[schemas.PriceOut]:
    service.get_variant(session, variant_id)
    return [
        schemas.PriceOut.model_validate(row)
        for row in service.prices_of_variant(session, variant_id)
    ]


# -- promotions and coupons -----------------------------------------------------------------


@router.get("/promotions", dependencies=READ, response_model=list[schemas.PromotionOut])
def list_promotions(session: DbSession) -> list[schemas.PromotionOut]:
    return [schemas.PromotionOut.model_validate(p) for p in service.list_promotions(session)]


@router.post(
    "/promotions",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PromotionOut,
)
def create_promotion(session: DbSession, body: schemas.PromotionCreate) -> schemas.PromotionOut:
    promotion = service.create_promotion(session, service.PromotionSpec.from_schema(body))
    return schemas.PromotionOut.model_validate(promotion)


@router.patch(
    "/promotions/{promotion_id}",
    dependencies=WRITE,
    response_model=schemas.PromotionOut,
    responses=problem_responses(404),
)
def update_promotion(
    session: DbSession, promotion_id: uuid.UUID, body: schemas.PromotionUpdate
) -> schemas.PromotionOut:
    """Switch a promotion on or off."""
    promotion = service.set_promotion_active(session, promotion_id, body.is_active)
    return schemas.PromotionOut.model_validate(promotion)


@router.get(
    "/promotions/{promotion_id}/coupons",
    dependencies=READ,
    response_model=list[schemas.CouponOut],
    responses=problem_responses(404),
)
def list_coupons(session: DbSession, promotion_id: uuid.UUID) -> list[schemas.CouponOut]:
    service.get_promotion(session, promotion_id)
    return [schemas.CouponOut.model_validate(c) for c in service.coupons_of(session, promotion_id)]


@router.post(
    "/promotions/{promotion_id}/coupons",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CouponOut,
    responses=problem_responses(404, 409),
)
def create_coupon(
    session: DbSession, promotion_id: uuid.UUID, body: schemas.CouponCreate
) -> schemas.CouponOut:
    coupon = service.create_coupon(
        session,
        promotion_id,
        body.code,
        usage_limit=body.usage_limit,
        per_customer_limit=body.per_customer_limit,
    )
    return schemas.CouponOut.model_validate(coupon)


# -- channel listings -----------------------------------------------------------------------


@router.get(
    "/products/{product_id}/listings",
    dependencies=READ,
    response_model=list[schemas.ListingOut],
    responses=problem_responses(404),
)
def list_listings(session: DbSession, product_id: uuid.UUID) -> list[schemas.ListingOut]:
    service.get_product(session, product_id)
    return [
        schemas.ListingOut.model_validate(row)
        for row in service.listings_of_product(session, product_id)
    ]


@router.put(
    "/products/{product_id}/listings",
    dependencies=WRITE,
    response_model=list[schemas.ListingOut],
    responses=problem_responses(404),
)
def set_listing(
    session: DbSession, product_id: uuid.UUID, body: schemas.ListingSet
) -> list[schemas.ListingOut]:
    """Offer the product (all its variants or those named) on a channel, or withdraw it."""
    rows = service.list_on_channel(
        session,
        body.channel_id,
        product_id,
        variant_ids=body.variant_ids,
        is_published=body.is_published,
    )
    return [schemas.ListingOut.model_validate(row) for row in rows]
