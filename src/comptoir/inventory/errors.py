"""The inventory's domain errors (mapped once to RFC 9457 problems by the kit)."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class InsufficientStock(Conflict):
    """Not enough available units at the location (and the variant takes no backorders)."""

    slug = "insufficient-stock"
    status = 409
    title = _l("There is not enough stock available.")


class LocationNotFound(NotFound):
    slug = "location-not-found"
    title = _l("This location does not exist.")


class ChannelLocationNotFound(NotFound):
    slug = "channel-location-not-found"
    title = _l("This channel does not sell from this location.")


class ReservationNotActive(Conflict):
    slug = "reservation-not-active"
    title = _l("This reservation is no longer active.")


class TransferStateConflict(Conflict):
    slug = "transfer-state-conflict"
    title = _l("This transfer cannot do that in its current state.")


class CountStateConflict(Conflict):
    slug = "count-state-conflict"
    title = _l("This count sheet cannot do that in its current state.")
