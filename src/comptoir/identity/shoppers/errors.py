"""Errors of shopper accounts."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, TooManyRequests, Unauthorized
from comptoir.kit.i18n import lazy_gettext as _l


class ShopperEmailTaken(Conflict):
    slug = "shopper-email-taken"
    title = _l("An account already uses this e-mail address.")


class ShopperSignInFailed(Unauthorized):
    """The same answer for an unknown address, a wrong password, a locked or closed account."""

    slug = "shopper-sign-in-failed"
    title = _l("The e-mail address or the password is not right.")


class ShopperTokenRefused(Unauthorized):
    """The same answer for an unknown, expired, revoked or foreign token."""

    slug = "shopper-token-refused"
    title = _l("Sign in again: this access has ended.")
    challenge = 'Bearer realm="comptoir-store", error="invalid_token"'


class ShopperSignInRateLimited(TooManyRequests):
    slug = "shopper-sign-in-rate-limited"
    title = _l("Too many failed attempts from your network. Wait 15 minutes and try again.")


class WrongCurrentPassword(InvalidInput):
    slug = "shopper-wrong-current-password"
    title = _l("The current password is not right.")
