"""Fulfilment's domain errors, each mapped once to an RFC 9457 problem."""

from __future__ import annotations

from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class ShipmentNotFound(NotFound):
    slug = "shipment-not-found"
    title = _l("No such shipment.")


class PickupNotFound(NotFound):
    slug = "pickup-not-found"
    title = _l("This order is not waiting for pickup.")


class WrongPickupCode(InvalidInput):
    slug = "wrong-pickup-code"
    title = _l("The pickup code does not match.")
