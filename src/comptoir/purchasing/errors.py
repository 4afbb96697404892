"""Purchasing's domain errors (mapped once to RFC 9457 problems by the kit)."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class SupplierNotFound(NotFound):
    slug = "supplier-not-found"
    title = _l("This supplier does not exist.")


class SupplierNameTaken(Conflict):
    slug = "supplier-name-taken"
    title = _l("Another supplier already has this name.")


class SupplierPriceConflict(Conflict):
    slug = "supplier-price-conflict"
    title = _l("This supplier already has a price for this variant or this reference.")


class SupplierPriceNotFound(NotFound):
    slug = "supplier-price-not-found"
    title = _l("This supplier has no price for this variant.")


class PurchaseOrderNotFound(NotFound):
    slug = "purchase-order-not-found"
    title = _l("This purchase order does not exist.")


class PurchaseOrderStateConflict(Conflict):
    slug = "purchase-order-state-conflict"
    title = _l("This purchase order cannot do that in its current state.")


class OverReceipt(InvalidInput):
    slug = "over-receipt"
    title = _l("More units would be received than were ordered.")


class UnknownOrderLine(InvalidInput):
    slug = "unknown-purchase-order-line"
    title = _l("This line does not belong to the purchase order.")
