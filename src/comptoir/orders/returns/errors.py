"""The returns' domain errors, each mapped once to an RFC 9457 problem."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class ReturnNotFound(NotFound):
    slug = "return-not-found"
    title = _l("No such return.")


class ReturnStateConflict(Conflict):
    slug = "return-state-conflict"
    title = _l("This return cannot do that in its current state.")
