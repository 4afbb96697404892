"""Every route of the admin API declares its scope, and refuses a caller without a token, with
a token for another audience, or with a token that lacks the scope; a token with the scope
gets past the access check. Routes are read from the application's route table, so a new
route is covered the day it is added."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from joserfc import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import ADMIN_API_PREFIX, create_app
from comptoir.identity.oauth import keys, service
from comptoir.identity.oauth.service import ADMIN_API_SCOPES
from comptoir.identity.scopes import SCOPES
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import required_scopes
from comptoir.kit.settings import Settings
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.service import verify_chain

PATH_PARAMETER = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    scopes: tuple[str, ...]

    @property
    def url(self) -> str:
        return PATH_PARAMETER.sub(lambda _match: str(uuid.uuid4()), self.path)


def _scopes_of(dependant: Dependant) -> tuple[str, ...]:
    found: list[str] = []
    for sub in dependant.dependencies:
        if sub.call is not None:
            found.extend(required_scopes(sub.call))
        found.extend(_scopes_of(sub))
    return tuple(dict.fromkeys(found))


def admin_endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, path) of the admin API with the scopes its dependencies require."""
    endpoints: list[Endpoint] = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith(f"{ADMIN_API_PREFIX}/") and isinstance(route.dependant, Dependant):
            scopes = _scopes_of(route.dependant)
            endpoints.extend(Endpoint(method, path, scopes) for method in route.methods or ())
    return sorted(endpoints, key=lambda endpoint: (endpoint.path, endpoint.method))


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


class Tokens:
    """Access tokens from the real token endpoint, one client per set of scopes."""

    def __init__(self, client: TestClient, session: Session) -> None:
        self.client = client
        self.session = session
        self._cache: dict[frozenset[str], str] = {}

    def holding(self, scopes: frozenset[str]) -> str:
        if scopes not in self._cache:
            registered = service.register_client(
                self.session, name="Route table", kind="integration", scopes=scopes
            )
            self.session.commit()
            answer = self.client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(registered.client.client_id, registered.secret or ""),
            )
            assert answer.status_code == 200, answer.text
            self._cache[scopes] = answer.json()["access_token"]
        return self._cache[scopes]

    def for_other_audience(self, settings: Settings, clock: FrozenClock) -> str:
        self.holding(ADMIN_API_SCOPES)  # a signing key exists from here on
        kid, private = keys.active_signing_key(self.session)
        now = int(clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": service.issuer(settings),
            "aud": f"{service.issuer(settings)}/store/v1",
            "sub": "someone",
            "scope": " ".join(sorted(ADMIN_API_SCOPES)),
            "iat": now,
            "exp": now + 600,
            "jti": "other-audience",
        }
        return jwt.encode({"alg": "RS256", "kid": kid, "typ": "at+jwt"}, claims, private)


def _call(client: TestClient, endpoint: Endpoint, token: str | None) -> tuple[int, str]:
    headers = {"Accept-Language": "en"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = client.request(endpoint.method, endpoint.url, headers=headers)
    is_problem = answer.headers.get("content-type", "").startswith("application/problem+json")
    return answer.status_code, answer.json().get("type", "") if is_problem else ""


def test_the_route_table_has_admin_routes(app: FastAPI) -> None:
    endpoints = admin_endpoints(app)

    assert len(endpoints) > 20
    assert {endpoint.path.split("/")[3] for endpoint in endpoints} >= {"catalog", "inventory"}


def test_every_admin_route_declares_known_scopes(app: FastAPI) -> None:
    undeclared = [e for e in admin_endpoints(app) if not e.scopes]
    unknown = [e for e in admin_endpoints(app) if not set(e.scopes) <= set(SCOPES)]

    assert undeclared == []
    assert unknown == []


def test_every_admin_route_enforces_its_scope_on_the_bearer_token(
    app: FastAPI,
    client: TestClient,
    session: Session,
    settings: Settings,
    clock: FrozenClock,
) -> None:
    tokens = Tokens(client, session)
    other_audience = tokens.for_other_audience(settings, clock)
    failures: list[str] = []
    for endpoint in admin_endpoints(app):
        lacking = tokens.holding(ADMIN_API_SCOPES - set(endpoint.scopes))
        holding = tokens.holding(frozenset(endpoint.scopes))
        name = f"{endpoint.method} {endpoint.path}"
        if _call(client, endpoint, None) != (401, "/problems/unauthorized"):
            failures.append(f"{name}: served without a token")
        if _call(client, endpoint, other_audience) != (401, "/problems/invalid-token"):
            failures.append(f"{name}: served a token for another audience")
        if _call(client, endpoint, lacking) != (403, "/problems/missing-scope"):
            failures.append(f"{name}: served a token without {endpoint.scopes}")
        if _call(client, endpoint, holding)[0] in (401, 403):
            failures.append(f"{name}: refused a token holding {endpoint.scopes}")

    assert failures == []


def test_a_refused_token_is_answered_with_a_bearer_challenge(
    app: FastAPI,
    client: TestClient,
    session: Session,
    settings: Settings,
    clock: FrozenClock,
) -> None:
    """RFC 6750 section 3: a 401 names the scheme, and says when the token itself was bad."""
    endpoint = next(e for e in admin_endpoints(app) if e.method == "GET")
    other_audience = Tokens(client, session).for_other_audience(settings, clock)

    anonymous = client.request(endpoint.method, endpoint.url)
    refused = client.request(
        endpoint.method, endpoint.url, headers={"Authorization": f"Bearer {other_audience}"}
    )

    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="comptoir"'
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_a_refusal_for_want_of_a_scope_is_recorded_in_the_audit_trail(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    """ASVS V16.3.2: access-control failures are logged, with who, what and the route."""
    endpoint = next(e for e in admin_endpoints(app) if e.method == "POST")
    token = Tokens(client, session).holding(ADMIN_API_SCOPES - set(endpoint.scopes))

    status, _type = _call(client, endpoint, token)

    assert status == 403
    session.expire_all()
    entries = list(
        session.scalars(
            select(PrivacyAuditEntry).where(PrivacyAuditEntry.action == "access_denied")
        )
    )
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor_kind == "client"
    assert entry.object_id == endpoint.path  # the route's template, no identifier from the URL
    assert entry.changes["scope"]["new"] == ", ".join(endpoint.scopes)
    assert entry.changes["method"]["new"] == "POST"
    assert verify_chain(session).is_intact
