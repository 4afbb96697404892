"""Which staff user an external identity signs in as, and when the provider's word on a
second factor is taken."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.identity import mfa
from comptoir.identity import service as identity
from comptoir.identity.external import service as external
from comptoir.identity.external.client import VerifiedIdentity
from comptoir.identity.external.models import ExternalIdentity
from comptoir.identity.models import SESSION_STAGE_FULL, SESSION_STAGE_MFA, StaffUser
from comptoir.kit.settings import OidcProviderSettings
from tests.support.staff import add_staff_user

EMAIL = "lea.martin@example.com"


def _provider(**policy: Any) -> OidcProviderSettings:
    values: dict[str, Any] = {
        "key": "kc",
        "name": "Keycloak",
        "issuer": "https://sso.example.com/realms/shop",
        "client_id": "comptoir",
        **policy,
    }
    return OidcProviderSettings(**values)


def _identity(**claims: Any) -> VerifiedIdentity:
    values: dict[str, Any] = {
        "subject": "sub-1",
        "email": EMAIL,
        "email_verified": True,
        "name": "Léa",
        **claims,
    }
    return VerifiedIdentity(**values)


def _refusal(session: Session, provider: OidcProviderSettings, who: VerifiedIdentity) -> str:
    with pytest.raises(external.ExternalSignInRefused) as refused:
        external.match_staff_user(session, provider, who)
    return refused.value.reason


def _links(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ExternalIdentity)) or 0)


def test_a_first_sign_in_links_the_user_with_the_same_address(session: Session) -> None:
    user = add_staff_user(session, email=EMAIL)

    matched = external.match_staff_user(session, _provider(), _identity())

    assert (matched.user.id, matched.is_new_link, matched.is_new_user) == (user.id, True, False)
    assert external.find_link(session, "kc", "sub-1") is not None


def test_an_address_the_provider_did_not_verify_is_refused(session: Session) -> None:
    add_staff_user(session, email=EMAIL)

    reason = _refusal(session, _provider(), _identity(email_verified=False))

    assert reason == external.REASON_EMAIL_NOT_VERIFIED
    assert _links(session) == 0


def test_an_address_outside_the_allowed_domains_is_refused(session: Session) -> None:
    add_staff_user(session, email=EMAIL)

    reason = _refusal(session, _provider(allowed_domains=["boutique.fr"]), _identity())

    assert reason == external.REASON_DOMAIN_NOT_ALLOWED
    assert _links(session) == 0


def test_a_deactivated_user_is_refused(session: Session) -> None:
    user = add_staff_user(session, email=EMAIL)
    identity.set_active(session, user.id, is_active=False)
    session.refresh(user)

    assert _refusal(session, _provider(), _identity()) == external.REASON_UNKNOWN_USER


def test_another_account_at_the_provider_cannot_take_over_a_linked_user(
    session: Session,
) -> None:
    # given Léa linked through subject sub-1; her old address now belongs to sub-2 there
    add_staff_user(session, email=EMAIL)
    external.match_staff_user(session, _provider(), _identity())

    reason = _refusal(session, _provider(), _identity(subject="sub-2"))

    assert reason == external.REASON_UNKNOWN_USER
    assert _links(session) == 1


def test_without_linking_by_address_an_unlinked_identity_is_refused(session: Session) -> None:
    add_staff_user(session, email=EMAIL)

    reason = _refusal(session, _provider(link_by_email=False), _identity())

    assert reason == external.REASON_UNKNOWN_USER


def test_an_unknown_person_gets_an_account_only_when_a_role_is_configured(
    session: Session,
) -> None:
    assert _refusal(session, _provider(), _identity()) == external.REASON_UNKNOWN_USER

    matched = external.match_staff_user(
        session, _provider(create_users_with_role="read_only"), _identity()
    )

    assert matched.is_new_user
    assert identity.role_keys_of(session, matched.user.id) == ["read_only"]
    assert session.scalar(select(func.count()).select_from(StaffUser)) == 1


@pytest.mark.parametrize(
    ("policy", "claims", "trusted"),
    [
        ({}, {"amr": ("pwd", "mfa")}, False),
        ({"trust_provider_mfa": True}, {"amr": ("pwd",)}, False),
        ({"trust_provider_mfa": True}, {"amr": ("pwd", "mfa")}, True),
        ({"trust_provider_mfa": True}, {"amr": ("hwk",)}, True),
        ({"trust_provider_mfa": True}, {"acr": "gold"}, False),
        ({"trust_provider_mfa": True, "trusted_acr_values": ["gold"]}, {"acr": "gold"}, True),
    ],
)
def test_the_providers_mfa_counts_only_when_trusted_and_asserted(
    policy: dict[str, Any], claims: dict[str, Any], trusted: bool
) -> None:
    assert external.provider_asserted_mfa(_provider(**policy), _identity(**claims)) is trusted


def test_the_code_step_is_skipped_only_for_trusted_asserted_mfa(session: Session) -> None:
    identity.ensure_builtin_roles(session)
    owner = add_staff_user(session, email=EMAIL, role_keys=["owner"])
    mfa.enrol_without_confirmation(session, owner)
    trusted = _provider(trust_provider_mfa=True)

    asserted = external.sign_in_stage(
        session, owner, trusted, _identity(amr=("mfa",)), mfa_for_everyone=False
    )
    silent = external.sign_in_stage(session, owner, trusted, _identity(), mfa_for_everyone=False)

    assert (asserted, silent) == (SESSION_STAGE_FULL, SESSION_STAGE_MFA)
