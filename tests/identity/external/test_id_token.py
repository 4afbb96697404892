"""The ID token is checked against the provider's published keys and the attempt it answers:
signature, algorithm, issuer, audience, expiry, nonce. Tokens here are signed with the real
provider's key (or a stranger's), and verified through its served discovery and JWKS."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from comptoir.identity.external import client
from comptoir.identity.oauth import keys
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import OidcProviderSettings
from tests.identity.external.conftest import StartFederation

pytestmark = pytest.mark.committed

NONCE = "n-0123456789"


def _claims(provider: OidcProviderSettings, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": provider.issuer,
        "aud": [provider.client_id],
        "sub": "0190c1f0-0000-7000-8000-000000000001",
        "iat": now,
        "exp": now + 600,
        "nonce": NONCE,
        "email": "lea@example.com",
        "amr": ["pwd", "mfa"],
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _signed(database: Database, claims: dict[str, Any]) -> str:
    with database.transaction() as session:
        kid, private = keys.active_signing_key(session)
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, private, ["RS256"])


def _stranger(_database: Database, claims: dict[str, Any]) -> str:
    stranger = RSAKey.generate_key(2048, {"kid": "stranger"})
    return jwt.encode({"alg": "RS256", "kid": "stranger"}, claims, stranger, ["RS256"])


def _mac_with_secret(provider: OidcProviderSettings) -> Callable[[Database, dict[str, Any]], str]:
    def sign(_database: Database, claims: dict[str, Any]) -> str:
        key = OctKey.import_key(provider.client_secret.get_secret_value().encode())
        return jwt.encode({"alg": "HS256"}, claims, key, ["HS256"])

    return sign


def test_a_token_signed_by_the_provider_for_this_attempt_is_accepted(
    start_federation: StartFederation,
) -> None:
    with start_federation() as federation:
        provider = federation.relying_party.settings.oidc_providers[0]
        token = _signed(federation.provider_db, _claims(provider))

        identity = client.verify_id_token(provider, token, nonce=NONCE)

    assert identity.subject == "0190c1f0-0000-7000-8000-000000000001"
    assert identity.email == "lea@example.com"
    assert identity.amr == ("pwd", "mfa")


@pytest.mark.parametrize(
    "case",
    [
        "another nonce",
        "another audience",
        "another issuer",
        "expired",
        "no subject",
        "a stranger's key",
        "a MAC keyed with the client secret",
    ],
)
def test_a_token_that_does_not_check_out_is_refused(
    start_federation: StartFederation, case: str
) -> None:
    with start_federation() as federation:
        provider = federation.relying_party.settings.oidc_providers[0]
        with federation.provider_db.transaction() as session:
            keys.active_signing_key(session)  # the provider publishes a key
        now = int(time.time())
        changes: dict[str, dict[str, Any]] = {
            "another nonce": {"nonce": "n-other"},
            "another audience": {"aud": ["cpt_someone_else"]},
            "another issuer": {"iss": "https://idp.example.com"},
            "expired": {"iat": now - 7200, "exp": now - 3600},
            "no subject": {"sub": None},
        }
        sign = {"a stranger's key": _stranger, "a MAC keyed with the client secret": None}.get(
            case, _signed
        ) or _mac_with_secret(provider)
        token = sign(federation.provider_db, _claims(provider, **changes.get(case, {})))

        with pytest.raises(client.InvalidIdToken):
            client.verify_id_token(provider, token, nonce=NONCE)
