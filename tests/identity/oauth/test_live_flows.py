"""Acceptance: a real OAuth client library (Authlib's httpx client) runs both flows against
Comptoir served by uvicorn, on a committed database."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path

import httpx
import pytest
import uvicorn
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from comptoir.api import create_app
from comptoir.identity import service as identity
from comptoir.identity.oauth import service
from comptoir.identity.oauth.models import CLIENT_KIND_APP
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of
from tests.identity.conftest import PASSWORD
from tests.identity.oauth.conftest import HIDDEN_INPUT, REDIRECT_URI
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.committed


@contextmanager
def serve_as_issuer(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """Comptoir under uvicorn on a free port, with that address as its OAuth issuer (the
    issuer must be known before the application is built)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        data_dir=data_dir,
        run_worker_in_process=False,
        log_level="WARNING",
        base_url=url,
        oauth_issuer=url,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert server.started, "the server did not start"
        yield LiveServer(url=url, settings=settings)
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


@pytest.fixture
def live(database_url: str, committed_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    with serve_as_issuer(database_url, tmp_path) as server:
        yield server


def _register(database: Database, **values: object) -> tuple[str, str]:
    with database.transaction() as session:
        registered = service.register_client(session, name="Appli", **values)  # type: ignore[arg-type]
        return registered.client.client_id, registered.secret or ""


def _sign_in(browser: httpx.Client, database: Database, email: str) -> None:
    with database.transaction() as session:
        identity.create_user(
            session, email=email, display_name="Léa", password=PASSWORD, role_keys=["warehouse"]
        )
    form = browser.get("/admin/login")
    answer = browser.post(
        "/admin/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(form.text)},
    )
    assert answer.status_code == 303


def _approve(browser: httpx.Client, authorization_url: str) -> str:
    """The signed-in user opens the app's authorization URL and allows it; returns where the
    browser is sent back to."""
    page = browser.get(authorization_url)
    assert page.status_code == 200, page.text
    fields = {name: unescape(value) for name, value in HIDDEN_INPUT.findall(page.text)}
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    fields["csrf_token"] = match.group(1)
    answer = browser.post("/admin/oauth/authorize", data={**fields, "decision": "allow"})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def test_an_integration_runs_client_credentials_with_authlib(
    live: LiveServer, committed_db: Database
) -> None:
    client_id, secret = _register(committed_db, kind="integration", scopes=["inventory:read"])
    discovery = httpx.get(live.at("/.well-known/openid-configuration")).json()

    with OAuth2Client(client_id, secret, scope="inventory:read") as oauth:
        token = oauth.fetch_token(discovery["token_endpoint"], grant_type="client_credentials")
        answer = oauth.get(live.at("/api/v1/inventory/locations"))

    assert token["token_type"].lower() == "bearer"
    assert answer.status_code == 200
    assert answer.json() == []


def test_an_app_runs_the_code_flow_with_pkce_and_refresh_reuse_revokes_the_family(
    live: LiveServer, committed_db: Database
) -> None:
    # given an app registered with its exact redirect URI, and a staff user signed in
    client_id, secret = _register(
        committed_db,
        kind=CLIENT_KIND_APP,
        scopes=["openid", "email", "inventory:read"],
        redirect_uris=[REDIRECT_URI],
    )
    discovery = httpx.get(live.at("/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == live.url
    with (
        httpx.Client(base_url=live.url) as browser,
        OAuth2Client(
            client_id,
            secret,
            scope="openid email inventory:read",
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        ) as oauth,
    ):
        _sign_in(browser, committed_db, "lea@example.com")
        verifier = "v" * 64

        # when the app sends her to the authorization endpoint and she allows it
        url, _state = oauth.create_authorization_url(
            discovery["authorization_endpoint"], code_verifier=verifier, nonce="n-123"
        )
        back = _approve(browser, url)

        # then the app exchanges the code (with the PKCE verifier) for tokens that work
        token = oauth.fetch_token(
            discovery["token_endpoint"], authorization_response=back, code_verifier=verifier
        )
        assert "id_token" in token
        assert oauth.get(live.at("/api/v1/inventory/locations")).status_code == 200

        # and refreshing rotates the refresh token
        first_refresh = token["refresh_token"]
        renewed = oauth.refresh_token(discovery["token_endpoint"], refresh_token=first_refresh)
        assert renewed["refresh_token"] != first_refresh
        assert oauth.get(live.at("/api/v1/inventory/locations")).status_code == 200

        # when the old refresh token is replayed
        with pytest.raises(OAuthError) as replayed:
            oauth.refresh_token(discovery["token_endpoint"], refresh_token=first_refresh)

        # then it is refused, and the whole family is revoked: the newest tokens too
        assert replayed.value.error == "invalid_grant"
        assert oauth.get(live.at("/api/v1/inventory/locations")).status_code == 401
        with pytest.raises(OAuthError):
            oauth.refresh_token(discovery["token_endpoint"], refresh_token=renewed["refresh_token"])
