"""OAuth 2 clients and tokens: registration, revocation, and the checks an access token must
pass before it becomes a :class:`~comptoir.kit.http.access.Principal`."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comptoir.identity import service as identity
from comptoir.identity.models import StaffUser
from comptoir.identity.oauth import keys
from comptoir.identity.oauth.models import (
    CLIENT_KIND_APP,
    CLIENT_KIND_INTEGRATION,
    AccessToken,
    OAuthClient,
    RefreshToken,
)
from comptoir.identity.scopes import SCOPES
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput, NotFound, Unauthorized
from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import Settings

ACCESS_TOKEN_LIFETIME: Final = timedelta(minutes=10)
ID_TOKEN_LIFETIME: Final = timedelta(minutes=10)
REFRESH_TOKEN_LIFETIME: Final = timedelta(days=30)
CODE_LIFETIME: Final = timedelta(seconds=60)
OIDC_SCOPES: Final = frozenset({"openid", "profile", "email", "offline_access"})
# The channel API's scopes (store:*) belong to channel keys and shopper tokens, never here.
ADMIN_API_SCOPES: Final = frozenset(scope for scope in SCOPES if not scope.startswith("store:"))
ACCESS_TOKEN_TYPE: Final = "at+jwt"  # RFC 9068: an ID token is never taken for an access token
API_PATH: Final = "/api/v1"


class ClientNotFound(NotFound):
    slug = "oauth-client-not-found"
    title = _l("This API client does not exist.")


class InvalidToken(Unauthorized):
    slug = "invalid-token"
    title = _l("The access token is not valid, has expired or was revoked.")
    challenge = 'Bearer realm="comptoir", error="invalid_token"'


def issuer(settings: Settings) -> str:
    """The issuer URL (``iss`` of every token): ``oauth_issuer``, else ``base_url``."""
    return (settings.oauth_issuer or settings.base_url).rstrip("/")


def api_audience(settings: Settings) -> str:
    """The audience (``aud``) of access tokens for the admin API."""
    return f"{issuer(settings)}{API_PATH}"


def secret_hash(secret: str) -> str:
    """The SHA-256 (hex) a random secret, code or token is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_secret(stored_hash: str | None, presented: str) -> bool:
    """Whether ``presented`` is the secret of ``stored_hash`` (constant-time comparison)."""
    if not stored_hash:
        return False
    return hmac.compare_digest(stored_hash, secret_hash(presented))


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    """A client just registered: ``secret`` is shown once and never again (``None`` for a
    public client)."""

    client: OAuthClient
    secret: str | None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_uri(uri: str) -> str:
    """``uri`` if it may be registered: absolute, https (or http on the loopback interface,
    RFC 8252 7.3), no fragment, no wildcard. Raises :class:`InvalidInput`."""
    uri = uri.strip()
    parts = urlsplit(uri)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and _is_loopback(parts.hostname or "")
    )
    if not parts.hostname or not secure or parts.fragment or "*" in uri or "#" in uri:
        raise InvalidInput(
            _l("Enter an https address without fragment (http only on 127.0.0.1)."),
            field="redirect_uris",
        )
    return uri


def register_client(
    session: Session,
    *,
    name: str,
    kind: str,
    scopes: Iterable[str],
    redirect_uris: Iterable[str] = (),
    is_confidential: bool = True,
    created_by: uuid.UUID | None = None,
) -> RegisteredClient:
    """Register a client. An ``integration`` is confidential and uses ``client_credentials``;
    an ``app`` uses ``authorization_code`` with PKCE and rotated refresh tokens, with one or
    more exact redirect URIs, and may be public (no secret).

    Raises :class:`InvalidInput` for an empty name, an unknown kind or scope, a public
    integration, or a missing or unsafe redirect URI.
    """
    name = name.strip()
    if not name:
        raise InvalidInput(_l("Enter a name for the API client."), field="name")
    if kind not in (CLIENT_KIND_INTEGRATION, CLIENT_KIND_APP):
        raise InvalidInput(_l("Choose an integration or an app."), field="kind")
    allowed = set(ADMIN_API_SCOPES) | (OIDC_SCOPES if kind == CLIENT_KIND_APP else set())
    chosen = sorted(set(scopes))
    if not chosen or any(scope not in allowed for scope in chosen):
        raise InvalidInput(_l("Choose scopes from the list."), field="scopes")
    uris = [check_redirect_uri(uri) for uri in redirect_uris if uri.strip()]
    if kind == CLIENT_KIND_INTEGRATION:
        if not is_confidential:
            raise InvalidInput(_l("An integration must keep a secret."), field="kind")
        if uris:
            raise InvalidInput(_l("An integration has no redirect URI."), field="redirect_uris")
        grant_types = ["client_credentials"]
    else:
        if not uris:
            raise InvalidInput(_l("Enter at least one redirect URI."), field="redirect_uris")
        grant_types = ["authorization_code", "refresh_token"]
    secret = secrets.token_urlsafe(32) if is_confidential else None
    client = OAuthClient(
        client_id=f"cpt_{secrets.token_urlsafe(18)}",
        name=name,
        kind=kind,
        is_confidential=is_confidential,
        secret_hash=secret_hash(secret) if secret else None,
        redirect_uris=sorted(set(uris)),
        grant_types=grant_types,
        scopes=chosen,
        created_by=created_by,
    )
    session.add(client)
    session.flush()
    return RegisteredClient(client, secret)


def list_clients(session: Session) -> list[OAuthClient]:
    """Every client, active ones first, then by name."""
    clients = session.scalars(select(OAuthClient).order_by(OAuthClient.name))
    return sorted(clients, key=lambda client: client.revoked_at is not None)


# What ``register_client`` hands out (``cpt_`` and URL-safe base64), with room for ids
# carried over from another authorization server.
_CLIENT_ID: Final = re.compile(r"[A-Za-z0-9._~-]{1,64}")


def find_client(session: Session, client_id: str) -> OAuthClient | None:
    """The active client ``client_id``, or ``None`` (also for a string that cannot be a client
    id: a NUL byte, which PostgreSQL refuses in text, never reaches the database)."""
    if not _CLIENT_ID.fullmatch(client_id):
        return None
    return session.scalars(
        select(OAuthClient).where(
            OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None)
        )
    ).first()


def get_client(session: Session, client_id: str) -> OAuthClient:
    """The client ``client_id`` (active or revoked); raises :class:`ClientNotFound`."""
    client = session.scalars(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None:
        raise ClientNotFound()
    return client


def revoke_client(session: Session, client_id: str) -> OAuthClient:
    """Revoke the client and every token it holds: its next request is refused. Raises
    :class:`ClientNotFound`."""
    client = get_client(session, client_id)
    now = clock.now()
    if client.revoked_at is None:
        client.revoked_at = now
    for table in (RefreshToken, AccessToken):
        session.execute(
            update(table)
            .where(table.client_pk == client.id, table.revoked_at.is_(None))
            .values(revoked_at=now, updated_at=now)
        )
    session.flush()
    return client


def revoke_family(session: Session, family_id: uuid.UUID) -> None:
    """Revoke every refresh and access token issued from one authorization."""
    now = clock.now()
    for table in (RefreshToken, AccessToken):
        session.execute(
            update(table)
            .where(table.family_id == family_id, table.revoked_at.is_(None))
            .values(revoked_at=now, updated_at=now)
        )


def decode_access_token(session: Session, settings: Settings, token: str) -> dict[str, object]:
    """The claims of an access token whose signature (a published key), type, issuer,
    audience, expiry and not-before all check out. Raises :class:`InvalidToken`."""
    if not token or len(token) > 8192:
        raise InvalidToken()
    try:
        decoded = jwt.decode(token, keys.public_key_set(session), algorithms=[keys.ALGORITHM])
        if decoded.header.get("typ") != ACCESS_TOKEN_TYPE:
            raise InvalidToken()
        JWTClaimsRegistry(
            now=int(clock.now().timestamp()),
            iss={"essential": True, "value": issuer(settings)},
            aud={"essential": True, "value": api_audience(settings)},
            exp={"essential": True},
            jti={"essential": True},
            sub={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidToken() from exc
    return dict(decoded.claims)


def principal_for_token(session: Session, settings: Settings, token: str) -> Principal:
    """The caller an access token stands for. A staff token holds the scopes it was granted
    that the user's roles still give, and the user's location restriction; it stops working
    when the user is deactivated. Any token stops working when revoked, or when its client
    is. Raises :class:`InvalidToken`."""
    claims = decode_access_token(session, settings, token)
    row = session.execute(
        select(AccessToken, OAuthClient)
        .join(OAuthClient, OAuthClient.id == AccessToken.client_pk)
        .where(AccessToken.jti == str(claims["jti"]))
    ).first()
    if row is None:
        raise InvalidToken()
    access, client = row
    if access.revoked_at is not None or client.revoked_at is not None:
        raise InvalidToken()
    scopes = frozenset(access.scope.split()) & ADMIN_API_SCOPES
    if access.user_id is None:
        return Principal(
            kind="client",
            id=client.id,
            scopes=scopes,
            display_name=client.name,
            extra={"client_id": client.client_id},
        )
    user = session.get(StaffUser, access.user_id)
    if user is None or not user.is_active:
        raise InvalidToken()
    return Principal(
        kind="staff",
        id=user.id,
        scopes=scopes & identity.scopes_of(session, user.id),
        display_name=user.display_name,
        location_ids=identity.locations_of(session, user.id),
        extra={"client_id": client.client_id, "email": user.email},
    )


class InsufficientScope(Exception):
    """A valid access token that lacks the ``openid`` scope the userinfo endpoint needs."""


def userinfo_for_token(session: Session, settings: Settings, token: str) -> dict[str, object]:
    """The OpenID Connect claims of the staff user an access token stands for (OpenID Connect
    Core 5.3): ``sub`` always, ``name`` and ``locale`` with ``profile``, ``email`` with
    ``email``. Raises :class:`InvalidToken` for a token that does not check out, was revoked,
    belongs to a client rather than a user or to a deactivated user, and
    :class:`InsufficientScope` without ``openid``."""
    claims = decode_access_token(session, settings, token)
    row = session.execute(
        select(AccessToken, OAuthClient)
        .join(OAuthClient, OAuthClient.id == AccessToken.client_pk)
        .where(AccessToken.jti == str(claims["jti"]))
    ).first()
    if row is None:
        raise InvalidToken()
    access, client = row
    if access.revoked_at is not None or client.revoked_at is not None or access.user_id is None:
        raise InvalidToken()
    user = session.get(StaffUser, access.user_id)
    if user is None or not user.is_active:
        raise InvalidToken()
    granted = set(access.scope.split())
    if "openid" not in granted:
        raise InsufficientScope()
    info: dict[str, object] = {"sub": str(user.id)}
    if "profile" in granted:
        info["name"] = user.display_name
        info["locale"] = user.locale
    if "email" in granted:
        info["email"] = user.email
    return info


def staff_scopes(session: Session, user_id: uuid.UUID, requested: Iterable[str]) -> list[str]:
    """The scopes a staff user can grant an app: those asked that the user's roles hold, and
    the OpenID Connect ones."""
    held = identity.scopes_of(session, user_id) | OIDC_SCOPES
    return sorted(set(requested) & held)
