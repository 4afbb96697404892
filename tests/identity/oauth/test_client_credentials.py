"""Integrations: client_credentials, JWT access tokens, and what the admin API accepts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.identity.oauth import keys, service
from comptoir.identity.oauth.models import AccessToken
from comptoir.kit.clock import FrozenClock
from comptoir.kit.settings import Settings
from tests.identity.oauth.conftest import bearer, client_credentials, register, register_app


def _access_tokens(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AccessToken)) or 0)


def test_an_integration_gets_a_signed_jwt_for_the_api(
    api: TestClient, session: Session, oauth_settings: Settings, clock: FrozenClock
) -> None:
    # given an integration allowed to read stock
    registered = register(session, scopes=["inventory:read"])

    # when it asks for a token
    answer = client_credentials(api, registered)

    # then it gets a short-lived bearer JWT, no refresh token, not cacheable
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "inventory:read"
    assert "refresh_token" not in body
    # signed by a key the JWKS publishes, with issuer, audience, scope and expiry
    key_set = KeySet.import_key_set(api.get("/oauth/jwks").json())
    token = jwt.decode(body["access_token"], key_set, algorithms=["RS256"])
    assert token.header["typ"] == "at+jwt"
    assert token.claims["iss"] == "http://127.0.0.1:8000"
    assert token.claims["aud"] == "http://127.0.0.1:8000/api/v1"
    assert token.claims["sub"] == registered.client_id
    assert token.claims["scope"] == "inventory:read"
    assert token.claims["exp"] - token.claims["iat"] == 600
    # and the token opens the API routes its scope allows
    listed = api.get("/api/v1/inventory/locations", headers=bearer(body["access_token"]))
    assert listed.status_code == 200


def test_a_wrong_secret_is_refused_and_nothing_is_issued(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register(session)
    forged = type(registered)(registered.client_id, "not-the-secret")

    answer = client_credentials(api, forged)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert _access_tokens(session) == 0


@pytest.mark.parametrize("client_id", ["\x00", "cpt_\x00abc", "é" * 10, "a" * 65])
def test_a_client_id_that_cannot_exist_is_an_unknown_client(
    api: TestClient, session: Session, client_id: str
) -> None:
    answer = api.post("/oauth/revoke", data={"token": "anything", "client_id": client_id})

    # RFC 6749 5.2: 401 is for a client that authenticated with the Authorization header.
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client"


def test_a_scope_outside_the_registration_is_left_out_or_refused(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register(session, scopes=["inventory:read"])

    narrowed = client_credentials(api, registered, scope="inventory:read inventory:write")
    refused = client_credentials(api, registered, scope="billing:export")

    assert narrowed.json()["scope"] == "inventory:read"
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


def test_an_app_cannot_use_client_credentials(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)

    answer = client_credentials(api, registered)

    assert answer.status_code == 400
    assert answer.json()["error"] == "unauthorized_client"
    assert _access_tokens(session) == 0


def test_there_is_no_password_grant_and_no_implicit_grant(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register(session)

    answer = api.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "a", "password": "b"},
        auth=(registered.client_id, registered.secret or ""),
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"
    discovery = api.get("/.well-known/openid-configuration").json()
    assert discovery["response_types_supported"] == ["code"]
    assert "password" not in discovery["grant_types_supported"]
    assert "implicit" not in discovery["grant_types_supported"]


def test_an_expired_token_is_refused(api: TestClient, session: Session, clock: FrozenClock) -> None:
    registered = register(session)
    token = client_credentials(api, registered).json()["access_token"]

    clock.advance(timedelta(minutes=10, seconds=1))
    answer = api.get("/api/v1/inventory/locations", headers=bearer(token))

    assert answer.status_code == 401
    assert answer.json()["type"] == "/problems/invalid-token"


def test_a_token_for_another_audience_or_signed_by_another_key_is_refused(
    api: TestClient, session: Session, oauth_settings: Settings, clock: FrozenClock
) -> None:
    # given the server's own key, and a key of somebody else
    registered = register(session)
    client_credentials(api, registered)
    kid, private = keys.active_signing_key(session)
    stranger = RSAKey.generate_key(2048, {"kid": kid})
    now = int(clock.now().timestamp())
    claims = {
        "iss": service.issuer(oauth_settings),
        "aud": service.api_audience(oauth_settings),
        "sub": registered.client_id,
        "scope": "inventory:read",
        "iat": now,
        "exp": now + 600,
        "jti": "forged",
    }
    header = {"alg": "RS256", "kid": kid, "typ": "at+jwt"}

    other_audience = jwt.encode(header, {**claims, "aud": "https://elsewhere"}, private)
    other_key = jwt.encode(header, claims, stranger)
    id_token_type = jwt.encode({**header, "typ": "JWT"}, claims, private)

    for token in (other_audience, other_key, id_token_type):
        answer = api.get("/api/v1/inventory/locations", headers=bearer(token))
        assert answer.status_code == 401
        assert answer.json()["type"] == "/problems/invalid-token"


def test_a_revoked_client_loses_its_tokens_at_once(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register(session)
    token = client_credentials(api, registered).json()["access_token"]

    service.revoke_client(session, registered.client_id)
    session.commit()

    assert api.get("/api/v1/inventory/locations", headers=bearer(token)).status_code == 401
    assert client_credentials(api, registered).status_code == 401


def test_revocation_and_introspection_of_an_access_token(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given an integration holding a token
    registered = register(session)
    token = client_credentials(api, registered).json()["access_token"]
    auth = (registered.client_id, registered.secret or "")
    # and another integration
    other = register(session)

    # then introspection tells the holder it is active, and tells another client nothing
    active = api.post("/oauth/introspect", data={"token": token}, auth=auth).json()
    hidden = api.post(
        "/oauth/introspect", data={"token": token}, auth=(other.client_id, other.secret or "")
    ).json()
    assert active["active"] is True
    assert active["scope"] == "inventory:read"
    assert active["client_id"] == registered.client_id
    assert hidden == {"active": False}

    # when the holder revokes it (RFC 7009)
    revoked = api.post("/oauth/revoke", data={"token": token}, auth=auth)

    # then it no longer works and introspection says so
    assert revoked.status_code == 200
    assert api.get("/api/v1/inventory/locations", headers=bearer(token)).status_code == 401
    assert api.post("/oauth/introspect", data={"token": token}, auth=auth).json() == {
        "active": False
    }
    # and an unknown token is answered 200 too, as RFC 7009 asks
    assert api.post("/oauth/revoke", data={"token": "nothing"}, auth=auth).status_code == 200


def test_rotating_the_signing_key_keeps_issued_tokens_valid(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a token signed with the current key
    registered = register(session)
    before = client_credentials(api, registered).json()["access_token"]
    old_kid = jwt.decode(before, keys.public_key_set(session)).header["kid"]

    # when the key is rotated
    new_kid = keys.create_signing_key(session).kid
    session.commit()
    after = client_credentials(api, registered).json()["access_token"]

    # then both keys are published, new tokens use the new one, and the old token still works
    published = {key["kid"] for key in api.get("/oauth/jwks").json()["keys"]}
    assert published == {old_kid, new_kid}
    assert jwt.decode(after, keys.public_key_set(session)).header["kid"] == new_kid
    assert api.get("/api/v1/inventory/locations", headers=bearer(before)).status_code == 200
    # and once the grace period is over, the retired key is no longer published
    clock.advance(keys.RETIRED_KEY_GRACE + timedelta(seconds=1))
    assert [key["kid"] for key in api.get("/oauth/jwks").json()["keys"]] == [new_kid]


def test_the_private_key_is_stored_encrypted(session: Session, clock: FrozenClock) -> None:
    key = keys.create_signing_key(session)

    assert b'"d"' not in key.private_jwk_sealed
    assert "d" not in key.public_jwk
    kid, private = keys.active_signing_key(session)
    assert kid == key.kid
    assert private.as_dict(private=False)["n"] == key.public_jwk["n"]
