"""The catalogue's domain errors, each mapped once to an RFC 9457 problem."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class ProductNotFound(NotFound):
    slug = "product-not-found"
    title = _l("No such product.")


class VariantNotFound(NotFound):
    slug = "variant-not-found"
    title = _l("No such variant.")


class TaxClassNotFound(NotFound):
    slug = "tax-class-not-found"
    title = _l("No such tax class.")


class TaxRateNotFound(NotFound):
    slug = "tax-rate-not-found"
    title = _l("No tax rate applies to this tax class, country and date.")


class PriceListNotFound(NotFound):
    slug = "price-list-not-found"
    title = _l("No such price list.")


class PriceNotFound(NotFound):
    slug = "price-not-found"
    title = _l("The variant has no price for this channel, currency and quantity.")


class PromotionNotFound(NotFound):
    slug = "promotion-not-found"
    title = _l("No such promotion.")


class CategoryNotFound(NotFound):
    slug = "category-not-found"
    title = _l("No such category.")


class DuplicateValue(Conflict):
    slug = "catalog-duplicate"
    title = _l("This value is already used by another record.")


class InvalidBarcode(InvalidInput):
    slug = "invalid-barcode"
    title = _l("The barcode is not a valid GTIN.")


class CostCurrencyMismatch(InvalidInput):
    slug = "cost-currency-mismatch"
    title = _l("The cost is kept in another currency.")


class StaleProduct(Conflict):
    slug = "stale-product"
    status = 412
    title = _l("The product changed since you read it.")


class CouponNotUsable(Conflict):
    slug = "coupon-not-usable"
    title = _l("This coupon cannot be used.")
