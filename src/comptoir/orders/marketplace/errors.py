"""Why a marketplace order cannot be imported."""

from __future__ import annotations

from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l


class NotAMarketplace(InvalidInput):
    slug = "not-a-marketplace"
    title = _l("This sales channel is not a marketplace.")


class UnknownSku(InvalidInput):
    slug = "unknown-sku"
    title = _l("No product has this SKU.")


class MarketplaceAmountInvalid(InvalidInput):
    slug = "marketplace-amount-invalid"
    title = _l("An amount of the marketplace order is not valid.")
