"""Which staff user an external sign-in is, and how far it signs them in.

A verified identity is matched, in this order: by its link (provider + ``sub``), then, on a
first sign-in and when the provider's policy allows it, by e-mail address to an existing
active staff user (the link is then remembered), then, only when the provider's policy names
a role, by creating a new staff user. Anything else is refused.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity import auth, service
from comptoir.identity.external.client import VerifiedIdentity
from comptoir.identity.external.models import ExternalIdentity
from comptoir.identity.models import SESSION_STAGE_FULL, SESSION_STAGE_MFA, StaffUser
from comptoir.kit import clock
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import OidcProviderSettings, Settings

# RFC 8176 values that say a second factor was used.
MFA_METHODS: Final = frozenset({"mfa", "otp", "hwk"})

REASON_UNKNOWN_USER: Final = "unknown_user"
REASON_EMAIL_NOT_VERIFIED: Final = "email_not_verified"
REASON_DOMAIN_NOT_ALLOWED: Final = "domain_not_allowed"
REASON_STATE_MISMATCH: Final = "state_mismatch"
REASON_PROVIDER_ERROR: Final = "provider_error"
REASON_INVALID_ID_TOKEN: Final = "invalid_id_token"

MESSAGES: Final[dict[str, LazyString]] = {
    REASON_UNKNOWN_USER: _l(
        "No active staff account matches the account you used at the provider. Ask an "
        "administrator to create yours, then try again."
    ),
    REASON_EMAIL_NOT_VERIFIED: _l(
        "The provider has not confirmed your e-mail address. Confirm it there, then try again."
    ),
    REASON_DOMAIN_NOT_ALLOWED: _l(
        "Accounts with this e-mail domain cannot sign in to this back office."
    ),
    REASON_STATE_MISMATCH: _l(
        "The sign-in could not be completed: it was started in another window, was altered or "
        "took too long. Start again."
    ),
    REASON_PROVIDER_ERROR: _l(
        "The provider could not sign you in. Try again in a moment, or sign in with your password."
    ),
    REASON_INVALID_ID_TOKEN: _l(
        "The provider's answer could not be verified, so nobody was signed in. Try again, and "
        "tell an administrator if it happens again."
    ),
}


class ExternalSignInRefused(Exception):
    """An external sign-in that must not open a session; ``reason`` is one of the
    ``REASON_*`` values (recorded in the audit trail), ``message`` what the person reads."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> LazyString:
        return MESSAGES[self.reason]


@dataclass(frozen=True, slots=True)
class MatchedUser:
    """The staff user an identity signs in, and whether the link was made just now."""

    user: StaffUser
    is_new_link: bool
    is_new_user: bool


def find_provider(settings: Settings, key: str) -> OidcProviderSettings | None:
    """The configured provider ``key``, or ``None``."""
    return next((p for p in settings.oidc_providers if p.key == key), None)


def redirect_uri(settings: Settings, provider: OidcProviderSettings) -> str:
    """The address the provider sends the browser back to (register it there)."""
    return f"{settings.base_url.rstrip('/')}/admin/login/external/{provider.key}/callback"


def _domain_allowed(provider: OidcProviderSettings, email: str) -> bool:
    if not provider.allowed_domains:
        return True
    domain = email.rpartition("@")[2].strip().casefold()
    return domain in {d.strip().lstrip("@").casefold() for d in provider.allowed_domains}


def find_link(session: Session, provider: str, subject: str) -> ExternalIdentity | None:
    """The link of ``subject`` at ``provider``, or ``None``."""
    return session.scalars(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider, ExternalIdentity.subject == subject
        )
    ).first()


def match_staff_user(
    session: Session, provider: OidcProviderSettings, identity: VerifiedIdentity
) -> MatchedUser:
    """The active staff user ``identity`` signs in as, linking it on first use (see the
    module's docstring). Raises :class:`ExternalSignInRefused`: ``unknown_user`` (no match, an
    inactive user, or a user already linked to another account at this provider),
    ``email_not_verified`` (``email_verified`` present and not true), ``domain_not_allowed``."""
    link = find_link(session, provider.key, identity.subject)
    if link is not None:
        user = session.get(StaffUser, link.user_id)
        if user is None or not user.is_active:
            raise ExternalSignInRefused(REASON_UNKNOWN_USER)
        link.last_sign_in_at = clock.now()
        return MatchedUser(user, is_new_link=False, is_new_user=False)
    if not identity.email:
        raise ExternalSignInRefused(REASON_UNKNOWN_USER)
    if identity.email_verified is False:
        raise ExternalSignInRefused(REASON_EMAIL_NOT_VERIFIED)
    if not _domain_allowed(provider, identity.email):
        raise ExternalSignInRefused(REASON_DOMAIN_NOT_ALLOWED)
    user = service.find_user_by_email(session, identity.email) if provider.link_by_email else None
    is_new_user = False
    if user is None and provider.create_users_with_role and provider.link_by_email:
        user = _create_user(session, provider.create_users_with_role, identity)
        is_new_user = True
    if user is None or not user.is_active:
        raise ExternalSignInRefused(REASON_UNKNOWN_USER)
    already = session.scalars(
        select(ExternalIdentity.id).where(
            ExternalIdentity.provider == provider.key, ExternalIdentity.user_id == user.id
        )
    ).first()
    if already is not None:
        # The address now belongs to another account at the provider: never take it over.
        raise ExternalSignInRefused(REASON_UNKNOWN_USER)
    session.add(
        ExternalIdentity(
            provider=provider.key,
            subject=identity.subject,
            user_id=user.id,
            last_sign_in_at=clock.now(),
        )
    )
    session.flush()
    return MatchedUser(user, is_new_link=True, is_new_user=is_new_user)


def _create_user(session: Session, role_key: str, identity: VerifiedIdentity) -> StaffUser:
    assert identity.email is not None
    service.ensure_builtin_roles(session)
    email = unicodedata.normalize("NFKC", identity.email).strip()
    name = identity.name or email.partition("@")[0]
    # Nobody knows this password: the person signs in through the provider (or resets it).
    return service.create_user(
        session,
        email=email,
        display_name=name,
        password=secrets.token_urlsafe(32),
        role_keys=[role_key],
    )


def provider_asserted_mfa(provider: OidcProviderSettings, identity: VerifiedIdentity) -> bool:
    """Whether Comptoir takes the provider's word that a second factor was used: only when
    the provider's policy says so, and the ID token's ``amr`` holds ``mfa``, ``otp`` or
    ``hwk``, or its ``acr`` is one of the trusted values."""
    if not provider.trust_provider_mfa:
        return False
    if MFA_METHODS.intersection(identity.amr):
        return True
    return identity.acr is not None and identity.acr in provider.trusted_acr_values


def sign_in_stage(
    session: Session,
    user: StaffUser,
    provider: OidcProviderSettings,
    identity: VerifiedIdentity,
    *,
    mfa_for_everyone: bool,
) -> str:
    """Where the user stands after the provider: like after a password (the code step for a
    user with two-step verification, its set-up for a role that requires it), except that a
    code step is skipped when :func:`provider_asserted_mfa`. A user who must set up two-step
    verification in Comptoir still does."""
    stage = auth.first_stage(session, user, mfa_for_everyone=mfa_for_everyone)
    if stage == SESSION_STAGE_MFA and provider_asserted_mfa(provider, identity):
        return SESSION_STAGE_FULL
    return stage
