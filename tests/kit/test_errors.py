"""Errors as RFC 9457 problems: domain errors, validation, HTTP errors, OpenAPI, problem pages."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    problem_response,
    problem_responses,
    problem_types,
)
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import Settings


class OrderLine(BaseModel):
    sku: str = Field(min_length=3)
    quantity: int = Field(gt=0)


class OrderIn(BaseModel):
    customer: str
    lines: list[OrderLine]


router = APIRouter(prefix="/api/test")


@router.post("/orders", status_code=201, responses=problem_responses(404, 409))
def place_order(order: OrderIn) -> dict[str, int]:
    return {"lines": len(order.lines)}


@router.get("/orders/{number}")
def show_order(number: str) -> dict[str, str]:
    raise NotFound(field="number")


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings, db)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_domain_error_becomes_a_problem_in_the_asked_language() -> None:
    error = InvalidInput(_l("Not an amount: {written}."), field="amount", written="12,5x")

    response = problem_response(error, "fr", instance="/api/v1/payments")

    assert response.status_code == 422
    assert response.media_type == "application/problem+json"
    assert response.headers["content-language"] == "fr"
    assert json.loads(bytes(response.body)) == {
        "type": "/problems/invalid-input",
        "title": "Une valeur n’est pas valide.",  # noqa: RUF001
        "status": 422,
        "detail": "Ce n’est pas un montant : 12,5x.",  # noqa: RUF001
        "instance": "/api/v1/payments",
        "field": "amount",
    }


def test_an_error_reads_in_english_in_logs_whatever_the_request_language() -> None:
    assert str(NotFound()) == "The requested resource does not exist."


def test_every_slug_names_one_error_class() -> None:
    with pytest.raises(TypeError, match="not-found"):

        class OtherNotFound(DomainError):
            slug = "not-found"


def test_error_classes_register_their_slug() -> None:
    assert problem_types()["not-found"] is NotFound
    assert problem_types()["validation-failed"].status == 422


def test_a_raised_domain_error_answers_its_status(client: TestClient) -> None:
    response = client.get("/api/test/orders/SO-1", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert response.json()["field"] == "number"
    assert response.json()["instance"] == "/api/test/orders/SO-1"


def test_invalid_input_names_every_offending_field_in_french(client: TestClient) -> None:
    body = {"lines": [{"sku": "AB", "quantity": 0}, {"sku": "ABC", "quantity": "deux"}]}

    response = client.post("/api/test/orders", json=body, headers={"Accept-Language": "fr"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation-failed"
    assert problem["title"] == "Certaines valeurs de la requête ne sont pas valides."
    assert problem["field"] == "customer"
    assert problem["errors"] == [
        {"field": "customer", "message": "Ce champ est obligatoire."},
        {"field": "lines.0.sku", "message": "Doit comporter au moins 3 caractères."},
        {"field": "lines.0.quantity", "message": "Doit être supérieur à 0."},
        {"field": "lines.1.quantity", "message": "Doit être un nombre entier."},
    ]


def test_invalid_input_is_told_in_english_when_asked(client: TestClient) -> None:
    response = client.post(
        "/api/test/orders", json={"customer": "C-1", "lines": [{"sku": "ABC", "quantity": 0}]},
        headers={"Accept-Language": "en-US,en;q=0.8"},
    )  # fmt: skip

    assert response.json()["errors"] == [
        {"field": "lines.0.quantity", "message": "Must be greater than 0."}
    ]


def test_a_body_that_is_not_json_is_a_problem(client: TestClient) -> None:
    response = client.post(
        "/api/test/orders",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "The JSON document is not valid."


def test_a_wrong_method_is_a_problem_that_says_what_is_allowed(client: TestClient) -> None:
    response = client.delete("/api/test/orders/SO-1", headers={"Accept-Language": "en"})

    assert response.status_code == 405
    assert response.json()["type"] == "/problems/method-not-allowed"
    assert response.headers["allow"] == "GET"


def test_openapi_declares_problem_responses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    responses = document["paths"]["/api/test/orders"]["post"]["responses"]
    problem = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    }
    assert {status: responses[status]["content"] for status in ("404", "409", "422")} == {
        "404": problem,
        "409": problem,
        "422": problem,
    }
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "FieldProblem" in document["components"]["schemas"]


def test_a_problem_type_describes_itself_as_json(client: TestClient) -> None:
    response = client.get("/problems/idempotency-key-reused", headers={"Accept-Language": "en"})

    assert response.json() == {
        "type": "/problems/idempotency-key-reused",
        "slug": "idempotency-key-reused",
        "title": "This Idempotency-Key was already used for a different request.",
        "status": 422,
    }


def test_a_problem_type_describes_itself_to_a_browser(client: TestClient) -> None:
    response = client.get(
        "/problems/not-found", headers={"Accept": "text/html", "Accept-Language": "fr"}
    )

    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>La ressource demandée n’existe pas.</h1>" in response.text  # noqa: RUF001


def test_an_unknown_problem_type_is_not_found(client: TestClient) -> None:
    response = client.get("/problems/no-such-problem")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
