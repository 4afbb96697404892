"""Errors of shopper accounts."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, Forbidden, InvalidInput, TooManyRequests, Unauthorized
from comptoir.kit.i18n import lazy_gettext as _l


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


class StaffTokenNotAccepted(Forbidden):
    """A valid staff access token sent where it opens nothing: with the key of a channel
    that is not a store, or an API client's token rather than a staff member's."""

    slug = "staff-token-not-accepted"
    title = _l("A staff access token is accepted here only at a store's till.")


class VerificationLinkRefused(InvalidInput):
    """The same answer for an unknown, used or expired verification token."""

    slug = "shopper-verification-link-refused"
    title = _l("This verification link does not work any more: ask for a new one.")


class EmailAlreadyVerified(Conflict):
    slug = "shopper-email-already-verified"
    title = _l("The e-mail address of this account is already verified.")


class VerificationEmailRateLimited(TooManyRequests):
    slug = "shopper-verification-email-rate-limited"
    title = _l(
        "A verification e-mail was sent less than a minute ago, or ten today: wait and try again."
    )
