"""Errors of the channels module."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class ChannelNotFound(NotFound):
    slug = "channel-not-found"
    title = _l("No such sales channel.")


class ChannelCodeTaken(Conflict):
    slug = "channel-code-taken"
    title = _l("Another channel already has this code.")
