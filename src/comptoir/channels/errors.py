"""Errors of the channels module."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, Forbidden, NotFound, Unauthorized
from comptoir.kit.i18n import lazy_gettext as _l


class ChannelNotFound(NotFound):
    slug = "channel-not-found"
    title = _l("No such sales channel.")


class ChannelCodeTaken(Conflict):
    slug = "channel-code-taken"
    title = _l("Another channel already has this code.")


class ChannelKeyNotFound(NotFound):
    slug = "channel-key-not-found"
    title = _l("No such channel key.")


class ChannelKeyRefused(Unauthorized):
    """Deliberately the same answer for a missing, malformed, unknown or revoked key."""

    slug = "channel-key-refused"
    title = _l("A valid channel key is required.")
    challenge = 'ChannelKey realm="comptoir-store", header="X-Channel-Key"'


class ChannelInactive(Forbidden):
    slug = "channel-inactive"
    title = _l("This sales channel is not active.")
