"""The invoices' domain errors (mapped once to RFC 9457 problems by the kit)."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class InvoiceNotFound(NotFound):
    slug = "invoice-not-found"
    title = _l("This invoice does not exist.")


class SellerNotConfigured(Conflict):
    slug = "seller-not-configured"
    title = _l("The seller's identity is not set: fill in the billing settings first.")


class InvalidSellerProfile(InvalidInput):
    slug = "invalid-seller-profile"
    title = _l("A value of the seller's identity is not valid.")


class InvalidInvoice(InvalidInput):
    slug = "invalid-invoice"
    title = _l("A value of the invoice is not valid.")


class InvoiceAlreadyIssued(Conflict):
    slug = "invoice-already-issued"
    title = _l("This invoice is issued: it cannot be changed; correct it with a credit note.")


class InvoiceStateConflict(Conflict):
    slug = "invoice-state-conflict"
    title = _l("This invoice cannot do that in its current state.")


class InvoiceDateOutOfOrder(Conflict):
    slug = "invoice-date-out-of-order"
    title = _l("An invoice of this series was already issued at a later date.")


class OverCredit(InvalidInput):
    slug = "over-credit"
    title = _l("More would be credited than remains on the invoice.")


class ExchangeRateMissing(Conflict):
    slug = "exchange-rate-missing"
    title = _l("No exchange rate is recorded for this currency on or before this day.")
