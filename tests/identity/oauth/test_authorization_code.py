"""Apps: a signed-in staff user approves; authorization code with PKCE S256, exact redirect
URIs, ID tokens with the nonce, refresh tokens rotated with reuse detection."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.identity.oauth import service
from comptoir.identity.oauth.models import AccessToken, AuthorizationCode, RefreshToken
from comptoir.inventory import service as inventory
from comptoir.inventory.models import Location
from comptoir.inventory.schemas import LocationCreate
from comptoir.kit.clock import FrozenClock
from tests.identity.conftest import add_user, sign_in
from tests.identity.oauth.conftest import (
    REDIRECT_URI,
    Registered,
    approve,
    authorize_query,
    bearer,
    exchange_code,
    pkce_pair,
    redirect_params,
    refresh,
    register_app,
)


def _store(session: Session, code: str, name: str) -> Location:
    return inventory.create_location(session, LocationCreate(code=code, name=name, kind="store"))


def _signed_in(api: TestClient, session: Session, roles: tuple[str, ...] = ("warehouse",)) -> None:
    add_user(session, email="lea@example.com", roles=roles)
    assert sign_in(api, "lea@example.com").status_code == 303


def _tokens(api: TestClient, registered: Registered, **query: str) -> dict[str, str]:
    verifier, challenge = pkce_pair()
    params = redirect_params(approve(api, authorize_query(registered, challenge, **query)))
    answer = exchange_code(api, registered, params["code"], verifier)
    assert answer.status_code == 200, answer.text
    tokens: dict[str, str] = answer.json()
    return tokens


def _status(api: TestClient, token: str) -> int:
    status: int = api.get("/api/v1/inventory/locations", headers=bearer(token)).status_code
    return status


def _count(session: Session, table: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_someone_not_signed_in_is_sent_to_the_sign_in_page_and_back(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)
    query = authorize_query(registered, pkce_pair()[1])

    answer = api.get(f"/admin/oauth/authorize?{query}", follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/admin/login?next={quote(f'/admin/oauth/authorize?{query}', safe='/')}"
    )


def test_a_staff_user_approves_and_the_app_gets_tokens_and_an_id_token(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a warehouse user signed in, and an app asking for her identity and stock access
    registered = register_app(session)
    _signed_in(api, session)
    verifier, challenge = pkce_pair()
    query = authorize_query(registered, challenge, scope="openid email inventory:read billing:read")

    # when she sees the consent page, it names the app and what it will be able to do
    page = api.get(f"/admin/oauth/authorize?{query}")
    assert page.status_code == 200
    assert "Logistique Express" in page.text
    listed = page.text.split('id="consent-scopes"', 1)[1].split("</ul>", 1)[0]
    assert "inventory:read" in listed
    assert "billing:read" not in listed  # neither the app nor her roles allow it
    assert page.headers["x-frame-options"] == "DENY"

    # and approves: the app gets a code at its exact redirect URI, with its state and our issuer
    params = redirect_params(approve(api, query))
    assert params["state"] == "xyz-state"
    assert params["iss"] == "http://127.0.0.1:8000"

    # then the code and the PKCE verifier give an access token, a refresh token, an ID token
    answer = exchange_code(api, registered, params["code"], verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["scope"] == "email inventory:read openid"
    key_set = KeySet.import_key_set(api.get("/oauth/jwks").json())
    id_token = jwt.decode(tokens["id_token"], key_set, algorithms=["RS256"]).claims
    assert id_token["aud"] == [registered.client_id]
    assert id_token["nonce"] == "n-0S6_WzA2Mj"
    assert id_token["email"] == "lea@example.com"
    assert id_token["iss"] == "http://127.0.0.1:8000"
    access = jwt.decode(tokens["access_token"], key_set, algorithms=["RS256"]).claims
    assert access["sub"] == id_token["sub"]
    assert access["aud"] == "http://127.0.0.1:8000/api/v1"
    # and the access token acts as her, within the scopes granted
    assert api.get("/api/v1/inventory/locations", headers=bearer(tokens["access_token"])).is_success
    denied = api.post(
        "/api/v1/inventory/locations",
        json={"code": "X1", "name": "X", "kind": "store"},
        headers=bearer(tokens["access_token"]),
    )
    assert denied.status_code == 403
    assert denied.json()["type"] == "/problems/missing-scope"


def test_a_store_manager_token_sees_only_her_stores(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given two stores, and a store manager restricted to the first
    paris = inventory.create_location(
        session, LocationCreate(code="PAR", name="Paris", kind="store")
    )
    lyon = inventory.create_location(session, LocationCreate(code="LYO", name="Lyon", kind="store"))
    add_user(session, email="gerante@example.com", roles=["store_manager"], location_ids=[paris.id])
    sign_in(api, "gerante@example.com")
    registered = register_app(session)

    # when her app lists locations with her token
    token = _tokens(api, registered)["access_token"]
    listed = api.get("/api/v1/inventory/locations", headers=bearer(token))

    # then only her store is there, and the other answers 404
    assert [row["code"] for row in listed.json()] == ["PAR"]
    assert (
        api.get(f"/api/v1/inventory/locations/{lyon.id}", headers=bearer(token)).status_code == 404
    )
    assert api.get(f"/api/v1/inventory/locations/{paris.id}", headers=bearer(token)).is_success


def test_denying_sends_access_denied_to_the_app(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)
    _signed_in(api, session)

    answer = approve(api, authorize_query(registered, pkce_pair()[1]), decision="deny")

    assert redirect_params(answer)["error"] == "access_denied"
    assert _count(session, AuthorizationCode) == 0


@pytest.mark.parametrize(
    ("method", "challenge"),
    [(None, "x" * 43), ("plain", "x" * 43), ("S256", "")],
    ids=["no-method", "plain", "no-challenge"],
)
def test_pkce_s256_is_required(
    api: TestClient, session: Session, clock: FrozenClock, method: str | None, challenge: str
) -> None:
    registered = register_app(session)
    _signed_in(api, session)
    query = authorize_query(registered, challenge, method=method)

    answer = api.get(f"/admin/oauth/authorize?{query}", follow_redirects=False)

    assert redirect_params(answer)["error"] == "invalid_request"


def test_a_wrong_code_verifier_is_refused(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)
    _signed_in(api, session)
    params = redirect_params(approve(api, authorize_query(registered, pkce_pair()[1])))

    answer = exchange_code(api, registered, params["code"], pkce_pair()[0])

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert _count(session, AccessToken) == 0


def test_a_redirect_uri_that_is_not_registered_exactly_is_never_followed(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)
    _signed_in(api, session)

    for uri in (f"{REDIRECT_URI}/evil", f"{REDIRECT_URI}?x=1", "https://evil.example/callback"):
        query = authorize_query(registered, pkce_pair()[1], redirect_uri=uri)
        answer = api.get(f"/admin/oauth/authorize?{query}", follow_redirects=False)
        assert answer.status_code == 400
        assert "location" not in answer.headers


def test_a_code_expires_after_a_minute(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)
    _signed_in(api, session)
    verifier, challenge = pkce_pair()
    params = redirect_params(approve(api, authorize_query(registered, challenge)))

    clock.advance(timedelta(seconds=61))
    answer = exchange_code(api, registered, params["code"], verifier)

    assert answer.json()["error"] == "invalid_grant"


def test_a_code_used_twice_revokes_the_tokens_issued_from_it(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given an app that exchanged its code
    registered = register_app(session)
    _signed_in(api, session)
    verifier, challenge = pkce_pair()
    params = redirect_params(approve(api, authorize_query(registered, challenge)))
    tokens = exchange_code(api, registered, params["code"], verifier).json()

    # when the code is presented again
    replay = exchange_code(api, registered, params["code"], verifier)

    # then it is refused and what the first exchange gave is revoked
    assert replay.json()["error"] == "invalid_grant"
    assert _status(api, tokens["access_token"]) == 401
    assert refresh(api, registered, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_refresh_token_is_rotated_and_its_reuse_revokes_the_family(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given an app holding tokens
    registered = register_app(session)
    _signed_in(api, session)
    first = _tokens(api, registered)

    # when it refreshes, it gets a new refresh token and a new access token
    second = refresh(api, registered, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert api.get("/api/v1/inventory/locations", headers=bearer(second["access_token"])).is_success

    # and when the old refresh token shows up again (a stolen copy)
    reuse = refresh(api, registered, first["refresh_token"])

    # then it is refused and the whole family is revoked, the newest tokens included
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert refresh(api, registered, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert _status(api, second["access_token"]) == 401
    revoked = session.scalar(
        select(func.count()).select_from(RefreshToken).where(RefreshToken.revoked_at.is_not(None))
    )
    assert revoked == 2


def test_a_public_app_uses_pkce_without_a_secret(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session, public=True)
    _signed_in(api, session)
    verifier, challenge = pkce_pair()
    params = redirect_params(approve(api, authorize_query(registered, challenge)))

    without_verifier = exchange_code(api, registered, params["code"], None)
    with_verifier = exchange_code(api, registered, params["code"], verifier)

    assert without_verifier.json()["error"] == "invalid_request"
    assert with_verifier.status_code == 200
    assert _status(api, with_verifier.json()["access_token"]) == 200


def test_revoking_a_refresh_token_ends_its_family(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    registered = register_app(session)
    _signed_in(api, session)
    tokens = _tokens(api, registered)

    answer = api.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(registered.client_id, registered.secret or ""),
    )

    assert answer.status_code == 200
    assert _status(api, tokens["access_token"]) == 401


def test_a_deactivated_user_s_tokens_stop_working(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    from comptoir.identity import service as identity

    registered = register_app(session)
    _signed_in(api, session)
    tokens = _tokens(api, registered)
    user = identity.find_user_by_email(session, "lea@example.com")
    assert user is not None

    identity.set_active(session, user.id, is_active=False)
    session.commit()

    assert _status(api, tokens["access_token"]) == 401
    assert refresh(api, registered, tokens["refresh_token"]).status_code == 400


def test_rotation_does_not_extend_the_refresh_tokens_absolute_lifetime(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    """ASVS 10.4.8: a family of refresh tokens ends 30 days after the user's approval, however
    often it was rotated."""
    registered = register_app(session)
    _signed_in(api, session)
    first = _tokens(api, registered)

    # when the app refreshes after 20 days, then again after 29 days
    clock.advance(timedelta(days=20))
    second = refresh(api, registered, first["refresh_token"])
    clock.advance(timedelta(days=9))
    third = refresh(api, registered, second.json()["refresh_token"])
    # and once more after 30 days and a minute
    clock.advance(timedelta(days=1, minutes=1))
    fourth = refresh(api, registered, third.json()["refresh_token"])

    # then the rotations within 30 days work, the last one is refused: the user must approve
    assert second.status_code == 200
    assert third.status_code == 200
    assert fourth.status_code == 400
    assert fourth.json()["error"] == "invalid_grant"
    assert timedelta(days=30) == service.REFRESH_TOKEN_LIFETIME


def test_the_userinfo_endpoint_answers_the_claims_the_token_grants(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    """OpenID Connect Core 5.3: the userinfo endpoint, advertised by discovery."""
    # given an app holding a token for openid and email (not profile), and one without openid
    registered = register_app(session)
    _signed_in(api, session)
    with_openid = _tokens(api, registered, scope="openid email inventory:read")
    without_openid = _tokens(api, registered, scope="inventory:read")
    discovery = api.get("/.well-known/openid-configuration").json()
    assert discovery["userinfo_endpoint"] == "http://127.0.0.1:8000/oauth/userinfo"

    # when it asks for the user's claims, by GET and by POST
    by_get = api.get("/oauth/userinfo", headers=bearer(with_openid["access_token"]))
    by_post = api.post("/oauth/userinfo", data={"access_token": with_openid["access_token"]})
    no_scope = api.get("/oauth/userinfo", headers=bearer(without_openid["access_token"]))
    no_token = api.get("/oauth/userinfo")
    bad_token = api.get("/oauth/userinfo", headers=bearer("not-a-token"))

    # then it gets her id and e-mail, not her name (profile was not granted)
    assert by_get.status_code == 200
    claims = by_get.json()
    assert claims["email"] == "lea@example.com"
    assert "name" not in claims
    assert (
        claims["sub"]
        == jwt.decode(
            with_openid["id_token"],
            KeySet.import_key_set(api.get("/oauth/jwks").json()),
            algorithms=["RS256"],
        ).claims["sub"]
    )
    assert by_get.headers["cache-control"] == "no-store"
    assert by_post.json() == claims
    # and the refusals follow RFC 6750 3.1
    assert no_scope.status_code == 403
    assert 'error="insufficient_scope"' in no_scope.headers["www-authenticate"]
    assert no_token.status_code == 401
    assert no_token.headers["www-authenticate"] == 'Bearer realm="comptoir"'
    assert bad_token.status_code == 401
    assert 'error="invalid_token"' in bad_token.headers["www-authenticate"]

    # and once the token is revoked, the claims are no longer given
    api.post(
        "/oauth/revoke",
        data={"token": with_openid["access_token"], "client_id": registered.client_id},
        auth=(registered.client_id, registered.secret or ""),
    )
    assert (
        api.get("/oauth/userinfo", headers=bearer(with_openid["access_token"])).status_code == 401
    )
