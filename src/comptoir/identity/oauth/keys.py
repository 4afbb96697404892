"""The keys that sign access and ID tokens: creation, rotation, the published key set (JWKS).

A private key is a JWK encrypted with AES-256-GCM under a fresh data key, itself wrapped by
the key-encryption key of :mod:`comptoir.kit.crypto`; a copy of the database alone signs
nothing. Rotation makes a new key active and retires the old one, whose public half stays in
the JWKS for :data:`RETIRED_KEY_GRACE` so that tokens it signed keep validating until they
expire.
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import timedelta
from typing import Any, Final

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from comptoir.identity.oauth.models import KEY_ACTIVE, KEY_RETIRED, SigningKey
from comptoir.kit import clock
from comptoir.kit.crypto.cipher import FieldContext, decrypt_field, encrypt_field
from comptoir.kit.crypto.keyring import current_keyring
from comptoir.kit.ids import uuid7

ALGORITHM: Final = "RS256"
RSA_BITS: Final = 2048
# Longer than any token a key signs lives (access and ID tokens: 10 minutes), plus JWKS caches.
RETIRED_KEY_GRACE: Final = timedelta(hours=24)

_private_cache: dict[str, RSAKey] = {}
_cache_lock = threading.Lock()


def _context(key_id: Any) -> FieldContext:
    return FieldContext(table="oauth_signing_keys", column="private_jwk", row_id=key_id)


def create_signing_key(session: Session) -> SigningKey:
    """A new RSA signing key, active; the key that was active until now is retired (its
    public half stays published for :data:`RETIRED_KEY_GRACE`)."""
    now = clock.now()
    session.execute(
        update(SigningKey)
        .where(SigningKey.status == KEY_ACTIVE)
        .values(status=KEY_RETIRED, retired_at=now, updated_at=now)
    )
    kid = secrets.token_urlsafe(12)
    private = RSAKey.generate_key(RSA_BITS, {"kid": kid, "use": "sig", "alg": ALGORITHM})
    key_id = uuid7()
    data_key = secrets.token_bytes(32)
    wrapped, kek_version = current_keyring().wrap(data_key)
    sealed = encrypt_field(
        data_key, 1, _context(key_id), json.dumps(private.as_dict(private=True)).encode()
    )
    key = SigningKey(
        id=key_id,
        kid=kid,
        algorithm=ALGORITHM,
        public_jwk=dict(private.as_dict(private=False)),
        private_jwk_sealed=sealed,
        wrapped_key=wrapped,
        kek_version=kek_version,
        status=KEY_ACTIVE,
    )
    session.add(key)
    session.flush()
    return key


def active_signing_key(session: Session) -> tuple[str, RSAKey]:
    """The ``kid`` and private key tokens are signed with now; the first one is created on
    first use."""
    key = session.scalars(
        select(SigningKey).where(SigningKey.status == KEY_ACTIVE).order_by(SigningKey.id.desc())
    ).first()
    if key is None:
        key = create_signing_key(session)
    with _cache_lock:
        cached = _private_cache.get(key.kid)
    if cached is not None:
        return key.kid, cached
    data_key = current_keyring().unwrap(key.wrapped_key, key.kek_version)
    plaintext = decrypt_field(data_key, _context(key.id), key.private_jwk_sealed)
    private = RSAKey.import_key(json.loads(plaintext))
    with _cache_lock:
        _private_cache[key.kid] = private
    return key.kid, private


def published_keys(session: Session) -> list[SigningKey]:
    """The keys whose public half is published: the active one and those retired less than
    :data:`RETIRED_KEY_GRACE` ago, newest first."""
    since = clock.now() - RETIRED_KEY_GRACE
    stmt = (
        select(SigningKey)
        .where(or_(SigningKey.status == KEY_ACTIVE, SigningKey.retired_at > since))
        .order_by(SigningKey.id.desc())
    )
    return list(session.scalars(stmt))


def jwks(session: Session) -> dict[str, Any]:
    """The JSON Web Key Set document (public keys only)."""
    return {"keys": [dict(key.public_jwk) for key in published_keys(session)]}


def public_key_set(session: Session) -> KeySet:
    """The published public keys, to verify a token's signature."""
    return KeySet.import_key_set(jwks(session))  # type: ignore[arg-type]


def list_signing_keys(session: Session) -> list[SigningKey]:
    """Every signing key, newest first."""
    return list(session.scalars(select(SigningKey).order_by(SigningKey.id.desc())))
