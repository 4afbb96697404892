"""The tables of the OAuth 2 / OpenID Connect server: registered clients, authorization codes,
refresh tokens, issued access tokens and the keys that sign tokens.

Secrets are never stored: client secrets, codes and refresh tokens are random 256-bit values
kept as their SHA-256. Signing keys are kept encrypted under a key-encryption key.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit import clock
from comptoir.kit.db import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

CLIENT_KIND_INTEGRATION = "integration"  # a server-side integration: client_credentials
CLIENT_KIND_APP = "app"  # an application staff users sign in to: authorization_code + PKCE

KEY_ACTIVE = "active"
KEY_RETIRED = "retired"


class OAuthClient(IdMixin, TimestampMixin, Base):
    """A registered OAuth 2 client. ``client_id`` is public; a confidential client also has a
    secret, of which only the SHA-256 is kept."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    is_confidential: Mapped[bool] = mapped_column(default=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    redirect_uris: Mapped[list[Any]] = mapped_column(JSONType(), default=list)
    grant_types: Mapped[list[Any]] = mapped_column(JSONType(), default=list)
    scopes: Mapped[list[Any]] = mapped_column(JSONType(), default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuthorizationCode(IdMixin, TimestampMixin, Base):
    """A code handed to an app after a staff user approved it: single use, 60 seconds, bound
    to the client, the exact redirect URI and a PKCE S256 challenge. Its id is the family id of
    every token issued from it, so that a replayed code revokes them all."""

    __tablename__ = "oauth_authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(String(255), default=None)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8), default="S256")
    auth_time: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)

    # The interface Authlib's grants read.
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


class _IssuedToken:
    """What refresh and access tokens share: the interface Authlib's revocation and
    introspection endpoints read."""

    if TYPE_CHECKING:
        client_pk: uuid.UUID
        user_id: uuid.UUID | None
        scope: str
        expires_at: datetime
        revoked_at: datetime | None
        created_at: datetime

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_pk == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.created_at).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at <= clock.now()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RefreshToken(_IssuedToken, IdMixin, TimestampMixin, Base):
    """A refresh token (its SHA-256). Each use rotates it: the used one keeps ``used_at`` and
    the new one points back with ``rotated_from``. Presenting a used one again revokes the
    whole family (every token descended from the same authorization)."""

    __tablename__ = "oauth_refresh_tokens"
    __table_args__ = (Index("ix_oauth_refresh_tokens_family_id", "family_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE"), default=None
    )
    family_id: Mapped[uuid.UUID]
    rotated_from: Mapped[uuid.UUID | None] = mapped_column(default=None)
    scope: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class AccessToken(_IssuedToken, IdMixin, TimestampMixin, Base):
    """An access token issued (a signed JWT, kept only by its ``jti``), so that it can be
    revoked and introspected before it expires."""

    __tablename__ = "oauth_access_tokens"
    __table_args__ = (Index("ix_oauth_access_tokens_family_id", "family_id"),)

    jti: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE"), default=None
    )
    family_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    scope: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class SigningKey(IdMixin, TimestampMixin, Base):
    """A key that signs access and ID tokens. The private JWK is encrypted (AES-256-GCM) under
    a data key wrapped by the key-encryption key; the public JWK is published while the key
    is active and for a while after it retires, until the tokens it signed have expired."""

    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="RS256")
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONType())
    private_jwk_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    kek_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(8), default=KEY_ACTIVE)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
