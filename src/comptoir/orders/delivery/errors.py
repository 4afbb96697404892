"""The delivery options' domain errors."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class CarrierNotFound(NotFound):
    slug = "carrier-not-found"
    title = _l("No such carrier.")


class CarrierCodeTaken(Conflict):
    slug = "carrier-code-taken"
    title = _l("Another carrier already has this code.")


class DeliveryOptionUnavailable(InvalidInput):
    slug = "delivery-option-unavailable"
    title = _l("This delivery option is not available for this cart.")
