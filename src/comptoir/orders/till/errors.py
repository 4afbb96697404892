"""Errors of till sales."""

from __future__ import annotations

from comptoir.kit.errors import Forbidden
from comptoir.kit.i18n import lazy_gettext as _l


class TillLocationRefused(Forbidden):
    """The staff member is restricted to other locations than this store."""

    slug = "till-location-refused"
    title = _l("You may not sell in this store.")


class TillChannelRefused(Forbidden):
    slug = "till-channel-refused"
    title = _l("Till sales are made on a store channel only.")
