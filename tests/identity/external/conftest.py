"""Two Comptoirs served side by side: one is the OpenID Connect provider (its own database, a
registered confidential app whose redirect URI is the other's callback, staff who sign in
there), the other is the relying party (the test database), configured with that provider.

Each server's cookies travel in their own httpx client, and the test follows the redirects
between them by hand, as a browser would."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select

from comptoir.api import create_app
from comptoir.identity import service as identity
from comptoir.identity.models import StaffSession
from comptoir.identity.oauth import service as oauth
from comptoir.identity.oauth.models import CLIENT_KIND_APP
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from comptoir.privacy.models import PrivacyAuditEntry
from tests.backoffice.conftest import csrf_token_of
from tests.support.database import (
    create_test_database,
    drop_test_database,
    empty_all_tables,
    migrated_engine,
)
from tests.support.live_server import LiveServer
from tests.support.staff import STAFF_PASSWORD, add_staff_user

PROVIDER_KEY = "hq"
PROVIDER_NAME = "Comptoir HQ"
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="session")
def provider_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The provider's own database, built by the migrations."""
    url = create_test_database(tmp_path_factory.mktemp("provider-db"), suffix="_provider")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()
    drop_test_database(url)


@pytest.fixture
def provider_db(provider_engine: Engine) -> Iterator[Database]:
    empty_all_tables(provider_engine)
    try:
        yield Database(provider_engine)
    finally:
        empty_all_tables(provider_engine)


def _bound_socket() -> tuple[socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def _serve(sock: socket.socket, settings: Settings) -> Iterator[LiveServer]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert server.started, "the server did not start"
        yield LiveServer(url=settings.base_url, settings=settings)
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


@dataclass(frozen=True, slots=True)
class Federation:
    """The provider and the relying party, running."""

    provider: LiveServer
    relying_party: LiveServer
    provider_db: Database
    relying_party_db: Database


def _settings(database_url: str, data_dir: Path, url: str, **extra: Any) -> Settings:
    # One data directory for both: one keyring per process, whichever app installed it last.
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "data_dir": data_dir,
        "run_worker_in_process": False,
        "log_level": "WARNING",
        "base_url": url,
        "oauth_issuer": url,
        **extra,
    }
    return Settings(_env_file=None, **values)


StartFederation = Callable[..., AbstractContextManager[Federation]]


@pytest.fixture
def start_federation(
    database_url: str, committed_db: Database, provider_db: Database, tmp_path: Path
) -> StartFederation:
    """Start both servers; keyword arguments go into the relying party's provider entry."""

    @contextmanager
    def start(**policy: Any) -> Iterator[Federation]:
        provider_sock, provider_url = _bound_socket()
        rp_sock, rp_url = _bound_socket()
        callback = f"{rp_url}/admin/login/external/{PROVIDER_KEY}/callback"
        with provider_db.transaction() as session:
            registered = oauth.register_client(
                session,
                name="Boutique back office",
                kind=CLIENT_KIND_APP,
                scopes=["openid", "email", "profile"],
                redirect_uris=[callback],
            )
            client_id, secret = registered.client.client_id, registered.secret
        entry = {
            "key": PROVIDER_KEY,
            "name": PROVIDER_NAME,
            "issuer": provider_url,
            "client_id": client_id,
            "client_secret": secret,
            **policy,
        }
        provider_url_db = str(provider_db.engine.url.render_as_string(hide_password=False))
        with (
            _serve(provider_sock, _settings(provider_url_db, tmp_path, provider_url)) as provider,
            _serve(
                rp_sock, _settings(database_url, tmp_path, rp_url, oidc_providers=[entry])
            ) as relying_party,
        ):
            yield Federation(provider, relying_party, provider_db, committed_db)

    return start


def add_provider_user(database: Database, email: str) -> str:
    """A staff user of the provider (no role needing two-step verification); returns their
    ``sub`` at the provider."""
    with database.transaction() as session:
        user = add_staff_user(session, role_keys=[], email=email, display_name="Léa Martin")
        return str(user.id)


def password_sign_in(browser: httpx.Client, email: str) -> None:
    """Sign in with the password (at the provider, as the person does when it asks)."""
    form = browser.get("/admin/login")
    answer = browser.post(
        "/admin/login",
        data={"email": email, "password": STAFF_PASSWORD, "csrf_token": csrf_token_of(form.text)},
    )
    assert answer.status_code == 303, answer.text


def start_external_sign_in(relying_party: httpx.Client) -> str:
    """Press "Sign in with Comptoir HQ" on the relying party's sign-in page; returns where the
    browser is sent (the provider's authorization endpoint)."""
    page = relying_party.get("/admin/login")
    assert page.status_code == 200
    assert f'action="/admin/login/external/{PROVIDER_KEY}"' in page.text
    assert PROVIDER_NAME in page.text
    started = relying_party.post(
        f"/admin/login/external/{PROVIDER_KEY}",
        data={"csrf_token": csrf_token_of(page.text), "next": "/admin"},
    )
    assert started.status_code == 303, started.text
    return started.headers["location"]


def approve_at_provider(provider: httpx.Client, authorization_url: str) -> str:
    """The signed-in person allows the app at the provider; returns the callback URL the
    provider sends the browser back to."""
    page = provider.get(authorization_url)
    assert page.status_code == 200, page.text
    fields = {name: unescape(value) for name, value in HIDDEN_INPUT.findall(page.text)}
    fields["decision"] = "allow"
    answer = provider.post("/admin/oauth/authorize", data=fields)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def open_sessions(database: Database) -> int:
    with database.transaction(readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(StaffSession)) or 0)


def user_id_of(database: Database, email: str) -> str:
    with database.transaction(readonly=True) as session:
        user = identity.find_user_by_email(session, email)
        assert user is not None
        return str(user.id)


def audit_actions(database: Database) -> list[tuple[str, str, dict[str, Any]]]:
    """``(action, object_id, details)`` of every staff security event, oldest first."""
    with database.transaction(readonly=True) as session:
        rows = session.scalars(
            select(PrivacyAuditEntry)
            .where(PrivacyAuditEntry.object_type == "identity_staff_users")
            .order_by(PrivacyAuditEntry.seq)
        )
        return [
            (row.action, row.object_id, {k: v["new"] for k, v in row.changes.items()})
            for row in rows
        ]
