"""Fixtures and helpers of the OAuth tests: registered clients, a staff user approving an app,
PKCE pairs, and the token endpoint called as a client would."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.identity.oauth import service
from comptoir.identity.oauth.models import CLIENT_KIND_APP, CLIENT_KIND_INTEGRATION
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings

REDIRECT_URI = "https://app.example.com/callback"
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass(frozen=True, slots=True)
class Registered:
    client_id: str
    secret: str | None


def register(
    session: Session,
    *,
    kind: str = CLIENT_KIND_INTEGRATION,
    scopes: Iterable[str] = ("inventory:read",),
    redirect_uris: Iterable[str] = (),
    public: bool = False,
) -> Registered:
    """A client registered and committed to the test's transaction."""
    registered = service.register_client(
        session,
        name="Logistique Express",
        kind=kind,
        scopes=scopes,
        redirect_uris=redirect_uris,
        is_confidential=not public,
    )
    session.commit()
    return Registered(registered.client.client_id, registered.secret)


def register_app(
    session: Session,
    *,
    scopes: Iterable[str] = ("openid", "profile", "email", "inventory:read", "inventory:write"),
    public: bool = False,
) -> Registered:
    return register(
        session, kind=CLIENT_KIND_APP, scopes=scopes, redirect_uris=[REDIRECT_URI], public=public
    )


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def client_credentials(
    client: TestClient, registered: Registered, scope: str | None = None
) -> Response:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    answer: Response = client.post(
        "/oauth/token", data=data, auth=(registered.client_id, registered.secret or "")
    )
    return answer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def authorize_query(
    registered: Registered,
    challenge: str,
    *,
    scope: str = "openid profile email inventory:read",
    state: str = "xyz-state",
    nonce: str | None = "n-0S6_WzA2Mj",
    method: str | None = "S256",
    redirect_uri: str = REDIRECT_URI,
) -> str:
    params = {
        "response_type": "code",
        "client_id": registered.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
    }
    if method is not None:
        params["code_challenge_method"] = method
    if nonce is not None:
        params["nonce"] = nonce
    return urlencode(params)


def approve(client: TestClient, query: str, decision: str = "allow") -> Response:
    """Open the consent page of ``query`` as the signed-in user and answer it."""
    page = client.get(f"/admin/oauth/authorize?{query}", follow_redirects=False)
    assert page.status_code == 200, page.text
    fields = {name: unescape(value) for name, value in HIDDEN_INPUT.findall(page.text)}
    answer: Response = client.post(
        "/admin/oauth/authorize",
        data={**fields, "decision": decision},
        follow_redirects=False,
    )
    return answer


def redirect_params(answer: Response) -> dict[str, str]:
    """The query parameters of the redirect back to the app."""
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def exchange_code(
    client: TestClient, registered: Registered, code: str, verifier: str | None
) -> Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        data["code_verifier"] = verifier
    if registered.secret is None:
        data["client_id"] = registered.client_id
        public: Response = client.post("/oauth/token", data=data)
        return public
    answer: Response = client.post(
        "/oauth/token", data=data, auth=(registered.client_id, registered.secret)
    )
    return answer


def refresh(client: TestClient, registered: Registered, refresh_token: str) -> Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    answer: Response = client.post(
        "/oauth/token", data=data, auth=(registered.client_id, registered.secret or "")
    )
    return answer


@pytest.fixture
def oauth_settings(gated_settings: Settings) -> Settings:
    return gated_settings


@pytest.fixture
def api(oauth_settings: Settings, db: Database) -> Iterator[TestClient]:
    """The application behind sign-in on the rolled-back database, over https as in
    production (OAuth refuses plain http off the loopback interface)."""
    with TestClient(
        create_app(oauth_settings, db),
        base_url="https://testserver",
        headers={"Accept-Language": "en"},
    ) as test_client:
        yield test_client
