"""Supplier bills' domain errors (RFC 9457 problems through the kit)."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class SupplierBillNotFound(NotFound):
    slug = "supplier-bill-not-found"
    title = _l("This supplier bill does not exist.")


class DuplicateSupplierInvoice(Conflict):
    slug = "duplicate-supplier-invoice"
    title = _l("This supplier invoice number is already recorded for this supplier.")


class SupplierBillStateConflict(Conflict):
    slug = "supplier-bill-state-conflict"
    title = _l("This supplier bill cannot do that in its current state.")


class SupplierBillInvalid(InvalidInput):
    slug = "supplier-bill-invalid"
    title = _l("A value of the supplier bill is not valid.")


class NothingToBill(InvalidInput):
    slug = "nothing-to-bill"
    title = _l("Everything received on this purchase order is already billed.")


class ApprovalReasonRequired(InvalidInput):
    slug = "approval-reason-required"
    title = _l("Approving a bill on hold needs a written reason.")


class SupplierBillOverpaid(InvalidInput):
    slug = "supplier-bill-overpaid"
    title = _l("The payment is more than what is left to pay on the bill.")
