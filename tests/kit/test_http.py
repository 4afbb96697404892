"""The request transaction, the request context (id, language, access log), JSON logs and
metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import Conflict
from comptoir.kit.events.models import DELIVERY_DEAD, EventDelivery, OutboxEvent
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import current_locale
from comptoir.kit.jobs.models import JOB_DEAD, JOB_PENDING, Job
from comptoir.kit.logging import JsonFormatter, RequestIdFilter, use_request_id
from comptoir.kit.metrics import Metrics
from comptoir.kit.settings import Settings

router = APIRouter(prefix="/api/test")


@router.post("/jobs", status_code=201)
def create_job(session: DbSession) -> dict[str, str]:
    session.add(Job(task="send-invoice"))
    session.flush()
    return {"status": "queued"}


@router.post("/refused-jobs")
def create_job_then_refuse(session: DbSession) -> dict[str, str]:
    session.add(Job(task="send-invoice"))
    session.flush()
    raise Conflict()


@router.post("/crashing-jobs")
def create_job_then_crash(session: DbSession) -> dict[str, str]:
    session.add(Job(task="send-invoice"))
    session.flush()
    raise RuntimeError("secret internals")


@router.post("/unsaveable-jobs")
def create_jobs_that_cannot_commit(session: DbSession) -> dict[str, str]:
    session.add(Job(task="send-invoice", dedupe_key="same"))
    session.add(Job(task="send-invoice", dedupe_key="same"))
    return {"status": "queued"}


@router.get("/jobs")
def read_jobs_and_try_to_write(session: DbSession) -> dict[str, int]:
    session.add(Job(task="send-invoice"))
    session.flush()
    return {"count": session.scalar(select(func.count()).select_from(Job)) or 0}


@router.get("/same-session")
def two_dependencies_share_one_session(first: DbSession, second: DbSession) -> dict[str, bool]:
    return {"same": first is second}


@router.get("/locale")
def report_locale() -> dict[str, str]:
    return {"locale": current_locale()}


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings, db)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def count_jobs(db: Database) -> int:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def test_a_successful_request_commits_its_work(client: TestClient, db: Database) -> None:
    response = client.post("/api/test/jobs")

    assert response.status_code == 201
    assert count_jobs(db) == 1


def test_an_error_response_rolls_the_work_back(client: TestClient, db: Database) -> None:
    response = client.post("/api/test/refused-jobs")

    assert response.status_code == 409
    assert count_jobs(db) == 0


def test_an_unexpected_error_rolls_back_and_leaks_nothing(client: TestClient, db: Database) -> None:
    response = client.post("/api/test/crashing-jobs", headers={"Accept-Language": "en"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/internal-error",
        "title": "An unexpected error occurred. It has been logged.",
        "status": 500,
        "detail": "An unexpected error occurred. It has been logged.",
        "instance": "/api/test/crashing-jobs",
    }
    assert "secret" not in response.text
    assert count_jobs(db) == 0


def test_a_failed_commit_answers_500_instead_of_success(client: TestClient, db: Database) -> None:
    response = client.post("/api/test/unsaveable-jobs")

    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal-error"
    assert count_jobs(db) == 0


def test_a_get_request_never_commits(client: TestClient, db: Database) -> None:
    response = client.get("/api/test/jobs")

    assert response.status_code == 200
    assert response.json() == {"count": 1}
    assert count_jobs(db) == 0


def test_one_request_has_one_session(client: TestClient) -> None:
    assert client.get("/api/test/same-session").json() == {"same": True}


def test_the_request_id_given_by_the_caller_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "till-3.sale-0042"})

    assert response.headers["x-request-id"] == "till-3.sale-0042"


def test_a_missing_or_strange_request_id_is_replaced(client: TestClient) -> None:
    first = client.get("/healthz")
    second = client.get("/healthz", headers={"X-Request-ID": "<script>"})

    assert len(first.headers["x-request-id"]) == 32
    assert second.headers["x-request-id"] not in ("<script>", first.headers["x-request-id"])


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [("en-GB,en;q=0.9", "en"), ("fr-FR", "fr"), ("de", "fr"), (None, "fr")],
)
def test_the_request_runs_in_the_negotiated_language(
    client: TestClient, accept_language: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}

    assert client.get("/api/test/locale", headers=headers).json() == {"locale": expected}


def test_the_access_log_names_the_route_template_not_the_path(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="comptoir.http.access"):
        client.get("/problems/not-found?email=someone@example.com")

    (record,) = [r for r in caplog.records if r.name == "comptoir.http.access"]
    assert record.getMessage() == "GET /problems/{slug} 200"
    assert "example.com" not in record.getMessage()


def test_json_log_lines_carry_the_request_id_and_extra_fields() -> None:
    record = logging.LogRecord(
        "comptoir.test", logging.INFO, __file__, 1, "paid %s", ("SO-1",), None
    )
    record.amount_minor = 1250
    with use_request_id("req-7"):
        RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "paid SO-1"
    assert line["request_id"] == "req-7"
    assert line["amount_minor"] == 1250
    assert line["level"] == "INFO"


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/problems/not-found")
    client.get("/problems/conflict")

    exposition = client.get("/metrics").text

    assert (
        'http_requests_total{method="GET",route="/problems/{slug}",status="200"} 2.0' in exposition
    )
    assert 'http_request_duration_seconds_count{method="GET",route="/problems/{slug}"} 2.0' in (
        exposition
    )


def test_queue_depths_are_read_from_the_database_at_scrape_time(
    db: Database, session: Session
) -> None:
    metrics = Metrics(db)
    event = OutboxEvent(type="order.placed", key="SO-1", payload={})
    session.add_all([Job(task="a"), Job(task="b"), Job(task="c", status=JOB_DEAD), event])
    session.flush()
    session.add(
        EventDelivery(event_id=event.id, handler="billing", key="SO-1", status=DELIVERY_DEAD)
    )
    session.commit()

    exposition = metrics.exposition().decode()

    assert f'comptoir_jobs{{status="{JOB_PENDING}"}} 2.0' in exposition
    assert f'comptoir_jobs{{status="{JOB_DEAD}"}} 1.0' in exposition
    assert 'comptoir_jobs{status="running"} 0.0' in exposition
    assert f'comptoir_event_deliveries{{status="{DELIVERY_DEAD}"}} 1.0' in exposition
    assert 'comptoir_event_deliveries{status="pending"} 0.0' in exposition


def test_two_applications_keep_separate_metrics(settings: Settings, db: Database) -> None:
    first, second = create_app(settings, db), create_app(settings, db)
    TestClient(first).get("/healthz")

    assert "/healthz" in first.state.metrics.exposition().decode()
    assert "/healthz" not in second.state.metrics.exposition().decode()
