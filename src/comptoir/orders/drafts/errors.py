"""The draft orders' domain errors, each mapped once to an RFC 9457 problem."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class DraftNotFound(NotFound):
    slug = "draft-order-not-found"
    title = _l("No such draft order.")


class DraftStateConflict(Conflict):
    slug = "draft-order-state-conflict"
    title = _l("This draft order cannot do that in its current state.")


class QuoteExpired(Conflict):
    slug = "quote-expired"
    title = _l("This quote has expired.")
