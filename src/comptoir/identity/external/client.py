"""Comptoir as an OpenID Connect relying party: the provider's discovery document and keys
(cached), the authorization request (code flow, PKCE S256, state, nonce), the code exchange
with Authlib's httpx client, and the ID token checked with joserfc (signature against the
provider's JWKS, ``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce``).

Nothing here touches the database: the network calls happen before the sign-in's
transaction opens, so a slow provider never holds a database lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from comptoir.kit import clock
from comptoir.kit.settings import OidcProviderSettings

DISCOVERY_SUFFIX: Final = "/.well-known/openid-configuration"
METADATA_TTL_SECONDS: Final = 3600.0
JWKS_REFRESH_MIN_SECONDS: Final = 30.0
HTTP_TIMEOUT_SECONDS: Final = 10.0
CLOCK_LEEWAY_SECONDS: Final = 60
# Asymmetric algorithms only: never "none", never a MAC keyed with the client secret.
ALLOWED_ALGORITHMS: Final = ("RS256", "PS256", "ES256")


class ProviderUnavailable(Exception):
    """The provider could not be reached, answered with an error, or sent a malformed
    document."""


class InvalidIdToken(Exception):
    """The ID token's signature or claims do not check out."""


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What the browser carries between the redirect to the provider and its return."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    next_path: str
    expires_at: float

    @classmethod
    def start(cls, provider: str, next_path: str, lifetime_seconds: float) -> PendingSignIn:
        return cls(
            provider=provider,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=generate_token(64),
            next_path=next_path,
            expires_at=clock.now().timestamp() + lifetime_seconds,
        )


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """The claims of a verified ID token that sign-in uses."""

    subject: str
    email: str | None
    email_verified: bool | None
    name: str | None
    amr: tuple[str, ...] = ()
    acr: str | None = None


@dataclass(slots=True)
class _Cached:
    document: dict[str, Any]
    fetched_at: float


@dataclass(slots=True)
class _Cache:
    metadata: dict[str, _Cached] = field(default_factory=dict)
    jwks: dict[str, _Cached] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"cannot read {url}: {exc}") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url} is not a JSON object")
    return document


def provider_metadata(provider: OidcProviderSettings) -> dict[str, Any]:
    """The provider's discovery document, fetched below its issuer and kept for an hour.
    Raises :class:`ProviderUnavailable` when it cannot be read, when its ``issuer`` is not the
    configured one exactly (OpenID Connect Discovery 4.3) or when an endpoint is missing."""
    with _cache.lock:
        cached = _cache.metadata.get(provider.issuer)
    if cached is not None and time.monotonic() - cached.fetched_at < METADATA_TTL_SECONDS:
        return cached.document
    document = _get_json(provider.issuer.rstrip("/") + DISCOVERY_SUFFIX)
    if document.get("issuer") != provider.issuer:
        raise ProviderUnavailable("the discovery document names another issuer")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(name), str):
            raise ProviderUnavailable(f"the discovery document has no {name}")
    with _cache.lock:
        _cache.metadata[provider.issuer] = _Cached(document, time.monotonic())
    return document


def _key_set(provider: OidcProviderSettings, *, refresh: bool = False) -> KeySet:
    """The provider's public keys; ``refresh`` re-reads them (a key rotated at the provider),
    at most every :data:`JWKS_REFRESH_MIN_SECONDS`."""
    jwks_uri = str(provider_metadata(provider)["jwks_uri"])
    with _cache.lock:
        cached = _cache.jwks.get(jwks_uri)
    fresh_enough = cached is not None and (
        not refresh or time.monotonic() - cached.fetched_at < JWKS_REFRESH_MIN_SECONDS
    )
    if cached is None or not fresh_enough:
        cached = _Cached(_get_json(jwks_uri), time.monotonic())
        with _cache.lock:
            _cache.jwks[jwks_uri] = cached
    try:
        return KeySet.import_key_set(cached.document)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProviderUnavailable("the provider's key set cannot be read") from exc


def _oauth_client(provider: OidcProviderSettings, redirect_uri: str) -> OAuth2Client:
    secret = provider.client_secret.get_secret_value() or None
    return OAuth2Client(
        provider.client_id,
        secret,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def authorization_url(
    provider: OidcProviderSettings, pending: PendingSignIn, redirect_uri: str
) -> str:
    """Where to send the browser: the provider's authorization endpoint with the code
    flow's parameters, PKCE S256, ``state`` and ``nonce``."""
    endpoint = str(provider_metadata(provider)["authorization_endpoint"])
    with _oauth_client(provider, redirect_uri) as oauth:
        url, _state = oauth.create_authorization_url(
            endpoint,
            state=pending.state,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    return str(url)


def exchange_code(
    provider: OidcProviderSettings, pending: PendingSignIn, code: str, redirect_uri: str
) -> VerifiedIdentity:
    """Exchange ``code`` (with the PKCE verifier) for tokens and verify the ID token.
    Raises :class:`ProviderUnavailable` or :class:`InvalidIdToken`."""
    endpoint = str(provider_metadata(provider)["token_endpoint"])
    try:
        with _oauth_client(provider, redirect_uri) as oauth:
            token = oauth.fetch_token(
                endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
    except (OAuthError, httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"the token endpoint refused the code: {exc}") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise InvalidIdToken("the provider returned no ID token")
    return verify_id_token(provider, id_token, nonce=pending.nonce)


def _decode(provider: OidcProviderSettings, id_token: str) -> dict[str, Any]:
    supported = provider_metadata(provider).get("id_token_signing_alg_values_supported")
    algorithms = [
        alg for alg in ALLOWED_ALGORITHMS if not isinstance(supported, list) or alg in supported
    ]
    try:
        return dict(jwt.decode(id_token, _key_set(provider), algorithms=algorithms).claims)
    except JoseError:
        pass  # perhaps a key the provider has just rotated in: read the key set again
    except (ValueError, TypeError) as exc:
        raise InvalidIdToken("malformed ID token") from exc
    try:
        key_set = _key_set(provider, refresh=True)
        return dict(jwt.decode(id_token, key_set, algorithms=algorithms).claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidIdToken(f"bad ID token signature: {exc}") from exc


def verify_id_token(
    provider: OidcProviderSettings, id_token: str, *, nonce: str
) -> VerifiedIdentity:
    """The identity an ID token asserts, once its signature (a key of the provider's JWKS,
    an asymmetric algorithm), issuer, audience (and ``azp`` when there are several), expiry,
    issue time and nonce all check out (OpenID Connect Core 3.1.3.7). Raises
    :class:`InvalidIdToken`."""
    if len(id_token) > 16_384:
        raise InvalidIdToken("ID token too long")
    claims = _decode(provider, id_token)
    try:
        JWTClaimsRegistry(
            now=int(clock.now().timestamp()),
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except JoseError as exc:
        raise InvalidIdToken(f"bad ID token claims: {exc}") from exc
    audience = claims["aud"]
    audiences = [audience] if isinstance(audience, str) else list(audience)
    if provider.client_id not in audiences:
        raise InvalidIdToken("the ID token is meant for another client")
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise InvalidIdToken("the ID token's authorized party is another client")
    return _identity(claims)


def _identity(claims: dict[str, Any]) -> VerifiedIdentity:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise InvalidIdToken("the ID token has no usable subject")
    email = claims.get("email")
    verified = claims.get("email_verified")
    amr = claims.get("amr")
    acr = claims.get("acr")
    name = claims.get("name")
    return VerifiedIdentity(
        subject=subject,
        email=email if isinstance(email, str) and email else None,
        email_verified=None if verified is None else verified in (True, "true"),
        name=name if isinstance(name, str) and name.strip() else None,
        amr=tuple(str(value) for value in amr) if isinstance(amr, list) else (),
        acr=acr if isinstance(acr, str) else None,
    )


def forget_cached_documents() -> None:
    """Drop every cached discovery document and key set (read again on next use)."""
    with _cache.lock:
        _cache.metadata.clear()
        _cache.jwks.clear()
