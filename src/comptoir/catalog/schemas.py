"""API shapes of the catalogue, and the values its service hands to other modules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from comptoir.kit.money import Money, MoneyOut

ProductStatus = Literal["draft", "active", "archived"]
AttributeKind = Literal["text", "integer", "decimal", "boolean"]
PromotionKind = Literal["percentage", "fixed_amount", "buy_x_get_y", "free_shipping"]
ProductSort = Literal["title", "-title", "created_at", "-created_at", "updated_at", "-updated_at"]

Handle = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=200)
]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Millimetres = Annotated[int, Field(ge=0, le=100_000)]


class AttributeIn(BaseModel):
    """A typed key/value; ``value`` must read as its ``kind``."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,99}$")]
    kind: AttributeKind = "text"
    value: str | int | Decimal | bool

    @field_validator("value")
    @classmethod
    def _not_empty(cls, value: str | int | Decimal | bool) -> str | int | Decimal | bool:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value


class Attribute(BaseModel):
    key: str
    kind: AttributeKind
    value: str | int | Decimal | bool


class VariantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku
    title: Annotated[str, StringConstraints(max_length=300)] = ""
    option_values: dict[str, Annotated[str, StringConstraints(min_length=1, max_length=100)]] = (
        Field(default_factory=dict)
    )
    barcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=14)] | None = None
    weight_grams: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    length_mm: Millimetres | None = None
    width_mm: Millimetres | None = None
    height_mm: Millimetres | None = None
    allows_backorder: bool = False
    is_active: bool = True


class VariantUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    title: Annotated[str, StringConstraints(max_length=300)] | None = None
    option_values: (
        dict[str, Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None
    ) = None
    barcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=14)] | None = None
    weight_grams: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    length_mm: Millimetres | None = None
    width_mm: Millimetres | None = None
    height_mm: Millimetres | None = None
    allows_backorder: bool | None = None
    is_active: bool | None = None


class VariantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    title: str
    option_values: dict[str, str]
    barcode: str | None
    position: int
    weight_grams: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    allows_backorder: bool
    is_active: bool
    cost: MoneyOut | None = None


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    handle: Handle | None = None
    description: str = ""
    status: ProductStatus = "draft"
    vendor: Annotated[str, StringConstraints(max_length=200)] | None = None
    option_names: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=3
    )
    tax_class_id: uuid.UUID | None = None
    category_ids: list[uuid.UUID] = Field(default_factory=list)
    attributes: list[AttributeIn] = Field(default_factory=list)
    variants: list[VariantCreate] = Field(default_factory=list, max_length=250)


class ProductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        | None
    ) = None
    handle: Handle | None = None
    description: str | None = None
    status: ProductStatus | None = None
    vendor: Annotated[str, StringConstraints(max_length=200)] | None = None
    tax_class_id: uuid.UUID | None = None
    category_ids: list[uuid.UUID] | None = None
    attributes: list[AttributeIn] | None = None


class ProductOut(BaseModel):
    id: uuid.UUID
    handle: str
    title: str
    description: str
    status: ProductStatus
    vendor: str | None
    option_names: list[str]
    tax_class_id: uuid.UUID | None
    category_ids: list[uuid.UUID]
    attributes: list[Attribute]
    variants: list[VariantOut]
    revision: int
    created_at: datetime
    updated_at: datetime


class ProductFilters(BaseModel):
    """Filters of the product list; all optional, combined with AND."""

    q: str | None = None
    status: ProductStatus | None = None
    category_id: uuid.UUID | None = None
    channel_id: uuid.UUID | None = None
    sort: ProductSort = "title"


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    handle: Handle
    parent_id: uuid.UUID | None = None
    position: int = 0


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    handle: str
    parent_id: uuid.UUID | None
    position: int


class CategoryUpdate(BaseModel):
    """Rename a category, change its handle or position, or move it under another parent
    (``parent_id: null`` makes it a top-level category). Fields left out are kept."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    handle: Handle | None = None
    parent_id: uuid.UUID | None = None
    position: int | None = None


class TaxClassCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name


class TaxClassOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str


class TaxRateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: CountryCode
    rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
    valid_from: date
    valid_to: date | None = None


class TaxRateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tax_class_id: uuid.UUID
    country: str
    rate: Decimal
    valid_from: date
    valid_to: date | None

    @field_validator("rate")
    @classmethod
    def _plain(cls, rate: Decimal) -> Decimal:
        reduced = rate.normalize()
        return reduced.quantize(Decimal(1)) if reduced == reduced.to_integral_value() else reduced


class PriceListCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    currency: CurrencyCode
    channel_id: uuid.UUID | None = None
    customer_group: Code | None = None
    prices_include_tax: bool = True
    priority: int = 0
    is_active: bool = True
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class PriceListOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    currency: str
    channel_id: uuid.UUID | None
    customer_group: str | None
    prices_include_tax: bool
    priority: int
    is_active: bool
    valid_from: datetime | None
    valid_to: datetime | None


class PriceSet(BaseModel):
    """A variant's unit price in a price list from ``min_quantity`` up, in minor units."""

    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    amount_minor: Annotated[int, Field(ge=0, le=10**12)]
    min_quantity: Annotated[int, Field(ge=1)] = 1
    compare_at_minor: Annotated[int, Field(ge=0, le=10**12)] | None = None


class PriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    price_list_id: uuid.UUID
    variant_id: uuid.UUID
    min_quantity: int
    amount_minor: int
    compare_at_minor: int | None


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """What one unit of a variant costs a buyer.

    ``unit_price`` is after the promotion (if any), ``list_price`` before it; both are
    tax-included when ``includes_tax``. ``lowest_price_30d`` is the lowest price applied in
    the 30 days before the reduction (EU Omnibus directive), set only for a reduced price.
    """

    variant_id: uuid.UUID
    price_list_id: uuid.UUID
    unit_price: Money
    list_price: Money
    includes_tax: bool
    promotion_id: uuid.UUID | None
    compare_at: Money | None
    lowest_price_30d: Money | None


class PriceQuoteOut(BaseModel):
    variant_id: uuid.UUID
    price_list_id: uuid.UUID
    unit_price: MoneyOut
    list_price: MoneyOut
    includes_tax: bool
    promotion_id: uuid.UUID | None
    compare_at: MoneyOut | None
    lowest_price_30d: MoneyOut | None

    @classmethod
    def from_quote(cls, quote: PriceQuote) -> PriceQuoteOut:
        return cls(
            variant_id=quote.variant_id,
            price_list_id=quote.price_list_id,
            unit_price=MoneyOut.from_money(quote.unit_price),
            list_price=MoneyOut.from_money(quote.list_price),
            includes_tax=quote.includes_tax,
            promotion_id=quote.promotion_id,
            compare_at=MoneyOut.from_money(quote.compare_at) if quote.compare_at else None,
            lowest_price_30d=(
                MoneyOut.from_money(quote.lowest_price_30d) if quote.lowest_price_30d else None
            ),
        )


@dataclass(frozen=True, slots=True)
class VariantSummary:
    """What other modules need to know of a variant (stock, orders, purchasing)."""

    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    title: str
    product_title: str
    barcode: str | None
    weight_grams: int | None
    allows_backorder: bool
    is_active: bool
    unit_cost: Money | None


class PromotionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: PromotionKind
    percent: Annotated[Decimal, Field(gt=0, le=100, decimal_places=4)] | None = None
    amount_minor: Annotated[int, Field(gt=0, le=10**12)] | None = None
    currency: CurrencyCode | None = None
    buy_quantity: Annotated[int, Field(ge=1, le=1000)] | None = None
    get_quantity: Annotated[int, Field(ge=1, le=1000)] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    requires_coupon: bool = False
    product_ids: list[uuid.UUID] = Field(default_factory=list)
    category_ids: list[uuid.UUID] = Field(default_factory=list)
    channel_ids: list[uuid.UUID] = Field(default_factory=list)


class PromotionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: PromotionKind
    percent: Decimal | None
    amount_minor: int | None
    currency: str | None
    buy_quantity: int | None
    get_quantity: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    is_active: bool
    requires_coupon: bool
    product_ids: list[uuid.UUID]
    category_ids: list[uuid.UUID]
    channel_ids: list[uuid.UUID]


class PromotionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_active: bool


class CouponCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{3,100}$")
    ]
    usage_limit: Annotated[int, Field(ge=1)] | None = None
    per_customer_limit: Annotated[int, Field(ge=1)] | None = None


class CouponOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    promotion_id: uuid.UUID
    code: str
    usage_limit: int | None
    per_customer_limit: int | None
    times_used: int
    is_active: bool


class ListingSet(BaseModel):
    """Offer a product (all its variants, or those named) on a channel, or withdraw it."""

    model_config = ConfigDict(extra="forbid")

    channel_id: uuid.UUID
    variant_ids: list[uuid.UUID] | None = None
    is_published: bool = True


class ListingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID
    is_published: bool


class StoreVariant(BaseModel):
    id: uuid.UUID
    sku: str
    title: str
    option_values: dict[str, str]
    allows_backorder: bool
    price: PriceQuoteOut | None


class StoreProduct(BaseModel):
    """A product as a channel sells it: its listed variants at the channel's price.

    Availability (stock) is not part of it: the inventory module serves it."""

    id: uuid.UUID
    handle: str
    title: str
    description: str
    vendor: str | None
    option_names: list[str]
    attributes: list[Attribute]
    variants: list[StoreVariant]
