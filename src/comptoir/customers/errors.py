"""The customers' domain errors (mapped once to RFC 9457 problems by the kit)."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class CustomerNotFound(NotFound):
    slug = "customer-not-found"
    title = _l("This customer does not exist.")


class AddressNotFound(NotFound):
    slug = "customer-address-not-found"
    title = _l("This address does not exist.")


class MergeNotFound(NotFound):
    slug = "customer-merge-not-found"
    title = _l("This merge does not exist.")


class InvalidCustomer(InvalidInput):
    """One or more fields of a customer are not valid; ``issues`` names each."""

    slug = "invalid-customer"
    title = _l("Some details of the customer are not valid.")


class EmailAlreadyUsed(Conflict):
    slug = "customer-email-taken"
    title = _l("Another customer already has this e-mail address.")


class CustomerNotActive(Conflict):
    """The customer was merged into another or erased: it cannot be changed."""

    slug = "customer-not-active"
    title = _l("This customer was merged or erased and cannot be changed.")


class MergeConflict(Conflict):
    slug = "customer-merge-conflict"
    title = _l("These customers cannot be merged or unmerged.")
