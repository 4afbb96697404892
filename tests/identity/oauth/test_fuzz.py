"""The OAuth endpoints, fuzzed from their OpenAPI description: whatever a client sends, the
server answers with a client error at worst, never a 5xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from comptoir.identity.oauth.router import router as oauth_router
from tests.identity.oauth.conftest import register_app


def _oauth_openapi() -> schemathesis.BaseSchema:
    # The description of the OAuth routes only, as the application publishes it.
    described = FastAPI(title="Comptoir OAuth", version="1")
    described.include_router(oauth_router)
    return schemathesis.openapi.from_dict(described.openapi())


schema = _oauth_openapi()


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_oauth_endpoints_never_answer_a_server_error(
    case: schemathesis.Case[Any], api: TestClient, session: Session
) -> None:
    # given a registered app, whose credentials half of the requests carry (so that the
    # fuzzing reaches past client authentication, into the grants)
    app = register_app(session)
    request = case.as_transport_kwargs(base_url="https://testserver")
    request.pop("cookies", None)
    if len(str(request.get("data", ""))) % 2:
        request["auth"] = (app.client_id, app.secret or "")

    response = api.request(**request)

    assert response.status_code < 500, response.text
