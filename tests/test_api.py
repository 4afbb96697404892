"""The application factory: health, readiness, metrics, OpenAPI, problems for unknown routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from comptoir import __version__
from comptoir.api import create_app
from comptoir.kit.db.engine import Database, create_engine_for
from comptoir.kit.settings import Settings


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        yield client


def test_healthz_says_the_process_is_alive(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_once_migrations_are_at_head(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_not_ready_on_a_database_without_migrations(
    settings: Settings, tmp_path: Path
) -> None:
    empty = Database(create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}"))
    try:
        response = TestClient(create_app(settings, empty)).get(
            "/readyz", headers={"Accept-Language": "en"}
        )
    finally:
        empty.dispose()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-ready"
    assert response.json()["detail"] == (
        "The database schema is not up to date: run the migrations."
    )


def test_metrics_expose_the_requests_served(client: TestClient) -> None:
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in response.text
    assert 'comptoir_jobs{status="pending"} 0.0' in response.text


def test_the_openapi_document_is_served(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "Comptoir"
    assert document["info"]["version"] == __version__
    assert {"/healthz", "/readyz", "/problems/{slug}"} <= set(document["paths"])


def test_the_api_documentation_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert "/openapi.json" in response.text
    assert "cdn." not in response.text, "the page must work offline"
    for asset in re.findall(r'(?:href|src)="(/api-docs/static/[^"]+)"', response.text):
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
    assert "swagger-ui-bundle" in response.text


@pytest.mark.parametrize(
    ("accept_language", "title"),
    [
        ("fr-FR,fr;q=0.9", "La ressource demandée n’existe pas."),  # noqa: RUF001
        ("en", "The requested resource does not exist."),
    ],
)
def test_an_unknown_route_is_a_problem_in_the_asked_language(
    client: TestClient, accept_language: str, title: str
) -> None:
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": accept_language})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == accept_language[:2]
    assert response.json() == {
        "type": "/problems/not-found",
        "title": title,
        "status": 404,
        "detail": title,
        "instance": "/api/v1/no-such-thing",
    }


def test_the_default_language_is_the_shops(settings: Settings, db: Database) -> None:
    english_shop = settings.model_copy(update={"default_locale": "en"})

    response = TestClient(create_app(english_shop, db)).get("/nowhere")

    assert response.json()["title"] == "The requested resource does not exist."
