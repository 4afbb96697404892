"""The invoice documents' domain errors, each mapped once to an RFC 9457 problem."""

from __future__ import annotations

from comptoir.billing.invoices.errors import InvoiceNotFound
from comptoir.kit.errors import Conflict, InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l

__all__ = ["BuyerHasNoEmail", "InvoiceHasNoDocument", "InvoiceNotFound"]


class InvoiceHasNoDocument(Conflict):
    slug = "invoice-has-no-document"
    title = _l("A draft invoice has no PDF or e-invoice: issue it first.")


class BuyerHasNoEmail(InvalidInput):
    slug = "invoice-buyer-has-no-email"
    title = _l("The buyer of this invoice has no e-mail address.")
